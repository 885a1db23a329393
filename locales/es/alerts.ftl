# Avisos al chat de administración (ADMIN_CHAT_ID), en su idioma (su `chats.language`, si no
# inglés), escritos en SQL en la sentencia que abre o cierra la incidencia (domain/incidents.ts): como
# mucho un número por variante puede elegir forma de plural, y el texto fijo no lleva el dígito "1".
# Los lapsos ($window, $ago, $for, $limit, $span) llegan ya dichos: "36 min", "6 h 35 min", "3 días".

# Una tarea abandonada por su supervisor (no dejaba de fallar), y su siguiente éxito.
gave-up-alert =
    🚨 Warden: la tarea { $job } se abandonó tras fallar una y otra vez (incidencia { $incident }).
    { $error }
gave-up-closed-alert = ✅ Warden: la tarea { $job } ha vuelto a funcionar; la incidencia { $incident } queda cerrada (abierta durante { $span }).

# health-monitor: una tarea sin éxito en su plazo ($last es "never" si nunca lo tuvo).
stale-alert = 🚨 Warden: la tarea { $job } está atascada: ningún éxito en { $window } ({ $last ->
        [never] ninguno todavía
       *[other] el último hace { $ago }
    }); incidencia { $incident }.
# … que falla, en todo el clúster, demasiadas veces seguidas.
failing-alert = 🚨 Warden: la tarea { $job } está fallando: { $failures ->
        [one] falló su última ejecución
       *[other] { NUMBER($failures) } fallos seguidos
    }; incidencia { $incident }.
# … en pausa más tiempo que PAUSE_ALERT_AFTER ($limit).
paused-alert = 🚨 Warden: la tarea { $job } lleva { $for } en pausa, más de { $limit }; incidencia { $incident }.
# … y el problema resuelto ($reason es stale, failing o paused).
monitor-closed-alert = ✅ Warden: la tarea { $job } ya no { $reason ->
        [stale] está atascada
        [failing] está fallando
       *[paused] está en pausa
    }; la incidencia { $incident } queda cerrada (abierta durante { $span }).

# verdict-check: la transacción del compromiso de un caso no lleva su compromiso.
mismatch-alert = 🚨 Warden: el compromiso del veredicto del caso #{ $case } no coincide en la cadena (incidencia { $incident }): la transacción { $tx } lleva otros datos o fue revertida.

# settlement-monitor: el anclaje del compromiso del veredicto de un caso falló del todo; $cause es
# attempts, reverted, not-found o interrupted.
anchor-failed-alert = 🚨 Warden: el compromiso del veredicto del caso #{ $case } no se pudo anclar en la cadena (incidencia { $incident }): { $cause ->
        [reverted] su transacción { $tx } fue revertida.
        [not-found] su transacción { $tx } no apareció en { $window }.
        [interrupted] su envío se interrumpió antes de guardar su hash; puede estar en la cadena: compruébalo antes de reiniciar el anclaje.
       *[attempts] { $attempts ->
            [one] su envío falló una vez. Último error: { $error }
           *[other] su envío falló { NUMBER($attempts) } veces. Último error: { $error }
        }
    }
# … y anclado al fin, cuando un operador lo reinició.
anchor-failed-closed-alert = ✅ Warden: el compromiso del veredicto del caso #{ $case } ya está anclado en la cadena; la incidencia { $incident } queda cerrada (abierta durante { $span }).

# Un operador cerró una incidencia abierta (`jobs close-incident`, la API), con una nota que dice por
# qué; $by es api o cli, $reason el motivo de la incidencia.
operator-closed-alert = ✅ Warden: un operador ({ $by }) cerró la incidencia { $incident } ({ $job }, { $reason ->
        [gave-up] tarea abandonada
        [stale] atascada
        [failing] fallando
        [paused] en pausa
        [mismatch] compromiso que no coincide
       *[anchor-failed] anclaje fallido
    }) tras { $span }: { $note }
