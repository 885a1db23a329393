# Los comandos de los miembros: /start, /help, /profile, /top, /badges, /streak, /lives, y la bienvenida al grupo.

start = 👋 ¡Hola, { $name }! Soy Warden. Participa en tus grupos para ganar XP; te escribiré aquí cuando subas de nivel o tu racha te necesite. Prueba /help.
# /start enviado en un grupo: solo un /start en privado permite al bot escribir al miembro.
start-group = 👋 ¡Hola, { $name }! Soy Warden. Participa aquí para ganar XP. Para recibir mis mensajes privados (subidas de nivel, avisos de racha, premios de casos), abre { $link } y pulsa Iniciar. Prueba /help.

help-members = Lo que puedes pedirme:
    /profile — tu nivel, XP, racha, vidas y puesto (responde a alguien, o /profile @usuario, para ver los suyos)
    /top [hoy|semana|mes|todo] — la clasificación (también /leaderboard, /rank)
    /badges — tus insignias y lo que te falta para la siguiente
    /streak — tu racha y sus protecciones
    /lives — tus vidas y cuándo vuelve la siguiente
    /quiz — un cuestionario en privado: cuesta una vida y da XP
    /hide, /show — salir de las clasificaciones, o volver
    /case [número], /verify <número>, /propose <dilema>, /wallet <dirección> — los casos de dilemas
help-xp = XP: { $perMessage } por mensaje, { $perLink } con un enlace, { $perThanks } a cada miembro al que agradezcas (respondiéndole o con @mención), como mucho { $perMinute } por minuto.
help-streak = 🔥 Racha: los días seguidos que participaste. Si pasan 48 horas sin actividad se rompe, salvo que tengas una protección (hasta 2): cada una la mantiene viva una vez.
help-lives = ❤️ Vidas: hasta { $max }. Un cuestionario cuesta una; vuelve una cada { $period }.
help-admins = Administradores del grupo: /settings, /givexp @usuario N motivo, /takexp @usuario N motivo, /resetxp @usuario
help-operators = Operadores: /jobs, /run <tarea>, /pause <tarea>, /resume <tarea>

profile-head = 👤 { $name }
profile-level = Nivel { $level }{ $levelName ->
    [none] {""}
   *[other] {" "}— { $levelName }
} · { NUMBER($xp) } XP
profile-next = { $bar } · te faltan { NUMBER($missing) } XP para el nivel { $next }
profile-next-reached = { $bar } · nivel { $next } alcanzado: llega con la próxima revisión de niveles
profile-top = Has llegado al nivel máximo
profile-activity = 💬 { $messages } · 🔗 { $links ->
    [one] { NUMBER($links) } enlace
   *[other] { NUMBER($links) } enlaces
} · 🤝 { $thanks ->
    [one] { NUMBER($thanks) } agradecimiento
   *[other] { NUMBER($thanks) } agradecimientos
}
profile-streak = 🔥 Racha: { $days } (mejor: { NUMBER($best) }) · 🛡 { $protections ->
    [one] { NUMBER($protections) } protección
   *[other] { NUMBER($protections) } protecciones
}
profile-lives = ❤️ { NUMBER($current) }/{ NUMBER($max) } vidas
profile-ranks = 🏆 Histórico: { $all } · Esta semana: { $week }
profile-rank = n.º { NUMBER($rank) }
profile-unranked = sin puesto
profile-badges = 🎖 { $n ->
    [one] { NUMBER($n) } insignia
   *[other] { NUMBER($n) } insignias
}
profile-in = en { $chat }
sent-as-chat = 👤 Estás publicando como «{ $chat }»: Telegram no me dice quién eres. Envía /{ $command } desde tu propia cuenta.
profile-none-self = Aún no tienes perfil aquí: ¡escribe algo en el grupo primero!
profile-none-other = { $who } aún no tiene perfil en este chat.
profile-none-shared = { $who } no tiene perfil en ninguno de tus grupos.
profile-usage = «{ $arg }» no nombra a ningún miembro: envía /profile para ver el tuyo, /profile @usuario para el de otro miembro, o /profile como respuesta a su mensaje.

choose-group = ¿Qué grupo?
no-groups = Aún no te conozco de ningún grupo: participa en un grupo donde esté yo y vuelve a preguntar.
not-group-member = No eres miembro de ese grupo.

board-title = 🏆 Clasificación — { $period ->
    [day] hoy
    [week] esta semana
    [month] este mes
   *[all] histórica
}
board-line = { $place } { $name } — { NUMBER($score) } XP
board-you = Tú: n.º { NUMBER($rank) } con { NUMBER($score) } XP
board-you-none = Aún no estás en esta clasificación.
board-you-hidden = 🙈 No apareces en las clasificaciones de este chat: te ocultaste con /hide; /show te devuelve a ellas.
board-empty = 🏆 Aún no hay nadie en la clasificación { $period ->
    [day] de hoy
    [week] de esta semana
    [month] de este mes
   *[all] histórica
}: ¡participa para entrar!
board-computed = (calculada hace { $ago })
board-live = (en directo)
board-usage = «{ $arg }» no es un periodo de la clasificación. Uso: /top [hoy|semana|mes|todo] (también /leaderboard, /rank)
board-in-groups = 🏆 Cada grupo tiene su propia clasificación: envía { $command } en el grupo.

badges-head = 🎖 { $name }: { NUMBER($earned) } de { NUMBER($total) } insignias
badges-next = Las siguientes:
badges-none = Aún no tienes insignias: escribe algo en el grupo y vuelve a probar.

# "seguido" concuerda con los días: 1 día seguido, 2 días seguidos.
streak-now = 🔥 { $n ->
    [one] { NUMBER($n) } día seguido
   *[other] { NUMBER($n) } días seguidos
} (mejor: { NUMBER($best) }).
streak-keep = Para mantenerla, participa en menos de { $left }.
streak-protections = 🛡 Protecciones: { NUMBER($protections) } de 2. Cada una mantiene tu racha viva una vez si faltas un día; se ganan manteniendo la racha.
streak-none = Aún no tienes racha: participa hoy para empezar una.

lives-now = ❤️ Vidas: { NUMBER($current) } de { NUMBER($max) }.
lives-next = La siguiente vuelve en { $in }.
lives-full = Las tienes todas.
lives-explain = Un cuestionario (/quiz, en privado) cuesta una vida; vuelve una cada { $period }.

welcome = 👋 ¡Hola, soy Warden! Doy XP por participar aquí: { $perMessage } por mensaje, { $perLink } con un enlace, { $perThanks } cuando alguien te da las gracias. Miembros: /profile, /top, /badges, /streak, /help. Administradores: /settings elige el idioma, los anuncios de subida de nivel, un multiplicador de XP y más; hacedme administrador para que pueda contar las reacciones 👍.

# /jobs, /run, /pause y /resume pedidos por quien no es operador (ADMIN_USER_IDS).
operator-refused = ⛔ Solo los operadores de Warden pueden usar { $command }.

# /case y /verify con un argumento que no es un número de caso (12 o #12), y /verify sin ninguno.
case-not-number = «{ $arg }» no es un número de caso: envía /case 12 (o #12) para ese caso, o /case para ver los abiertos.
verify-which = Falta el número del caso: envía /verify 12; su número está en su mensaje (Caso #12).

# Lo que falla en una dirección enviada a /wallet (domain/wallet.ts).
wallet-missing = 🔗 Falta la dirección: envía /wallet seguido de tu dirección, 0x y sus 40 dígitos hexadecimales.
wallet-error-prefix = una dirección de cartera empieza por 0x
wallet-error-length = una dirección de cartera tiene 40 dígitos hexadecimales después de 0x; esta tiene { NUMBER($n) }
wallet-error-digit = «{ $char }», en la posición { NUMBER($position) }, no es un dígito hexadecimal
wallet-error-checksum = la suma de control EIP-55 (la mezcla de mayúsculas y minúsculas) no cuadra: revisa si hay una errata, o envíala toda en minúsculas
wallet-error-zero = la dirección cero no puede recibir premios
