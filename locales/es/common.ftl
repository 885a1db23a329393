# Piezas comunes: cantidades con su sustantivo, para todas las partes del bot.
xp = { NUMBER($n) } XP
days = { $n ->
    [one] { NUMBER($n) } día
   *[other] { NUMBER($n) } días
}
lives = { $n ->
    [one] { NUMBER($n) } vida
   *[other] { NUMBER($n) } vidas
}
messages = { $n ->
    [one] { NUMBER($n) } mensaje
   *[other] { NUMBER($n) } mensajes
}
