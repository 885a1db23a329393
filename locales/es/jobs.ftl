# Lo que los trabajos programados envían a los miembros (subidas de nivel, fin de rachas). Los
# trabajos construyen estos textos en SQL para un lote entero (domain/job_texts.ts): como mucho
# un número por mensaje puede elegir forma de plural, y el texto fijo no lleva el dígito "1".
jobs-your-group = tu grupo
jobs-this-group = este grupo

# Mensaje privado a quien subió de nivel (y ha iniciado el bot).
level-up-dm =
    🎉 ¡Subiste de nivel! Ahora eres nivel { NUMBER($level) } — { $levelName } — en { $chat }.
    Nivel anterior: { NUMBER($oldLevel) } — { $oldName }
# Su última línea, cuando el nivel tiene ventajas.
level-up-benefits = Ventajas: { $benefits }

# Un resumen por grupo y ejecución: un título, una línea por miembro (los primeros) y el resto contado.
level-up-digest-title = 🏆 Subidas de nivel en { $chat }:
level-up-digest-line = • { $name } → nivel { NUMBER($level) } ({ $levelName })
level-up-digest-more = { $n ->
    [one] …y { NUMBER($n) } miembro más
   *[other] …y { NUMBER($n) } miembros más
}

# Aviso privado de que una racha termina pronto (streak-reminders); $left es "3 h 45 min".
streak-reminder = { $days ->
    [one] 🔥 Tu racha de { NUMBER($days) } día termina en { $left }: escribe algo en { $chat } para mantenerla.
   *[other] 🔥 Tu racha de { NUMBER($days) } días termina en { $left }: escribe algo en { $chat } para mantenerla.
}

# Mensaje privado cuando se rompe una racha.
streak-broken = { $days ->
    [one] 💔 Tu racha de { NUMBER($days) } día en { $chat } ha terminado. ¡Participa hoy para empezar una nueva!
   *[other] 💔 Tu racha de { NUMBER($days) } días en { $chat } ha terminado. ¡Participa hoy para empezar una nueva!
}

# Lo mismo, para quien volvió después del plazo (la nueva racha ya empezó).
streak-broken-returned = { $days ->
    [one] 💔 Tu racha de { NUMBER($days) } día en { $chat } terminó antes de que volvieras. Ya empezaste una nueva: ¡mantenla!
   *[other] 💔 Tu racha de { NUMBER($days) } días en { $chat } terminó antes de que volvieras. Ya empezaste una nueva: ¡mantenla!
}

# Mensaje privado a cada miembro que un caso cerrado recompensa (case-closure).
case-reward = ⚖️ Caso #{ $case } cerrado: ganas { NUMBER($xp) } XP. Veredicto: { $verdict }

# Cuando termina una semana o un mes: su podio, en cada grupo.
board-final-title = 🏁 Clasificación final de { $period }:
board-final-line = { $medal } { $name } — { NUMBER($score) } XP
