# Herramientas de administración de un grupo (/givexp, /takexp, /resetxp, /settings) y /hide, /show.

## Quién puede usarlas

admin-groups-only = ⚠️ { $command } funciona en los grupos: envíalo allí.
admin-refused = ⛔ Solo los administradores de este chat pueden usar { $command }.

## Mover XP: uso y qué falló

admin-usage-givexp = Uso: /givexp @usuario N motivo, o respondiendo a su mensaje: /givexp N motivo
admin-usage-takexp = Uso: /takexp @usuario N motivo, o respondiendo a su mensaje: /takexp N motivo
admin-usage-resetxp = Uso: /resetxp @usuario [motivo], o respondiendo a su mensaje: /resetxp [motivo]
admin-error-no-member = ⚠️ ¿Los XP de quién? Nombra a un miembro con @usuario o responde a su mensaje.
admin-error-unknown-member = ⚠️ No conozco a { $who } en este chat.
admin-error-bot = ⚠️ { $who } es un bot: los bots no ganan XP.
admin-error-no-amount = ⚠️ Falta N: un número entero del 1 al { $max }.
admin-error-amount = ⚠️ N debe ser un número entero del 1 al { $max }, no «{ $got }».
admin-error-no-reason = ⚠️ Falta el motivo: di por qué, en { $max } caracteres como mucho.
admin-error-long-reason = ⚠️ El motivo es demasiado largo: { $max } caracteres como mucho.
admin-error-reason-control = ⚠️ El motivo lleva un carácter de control ({ $code }): escríbelo como texto normal, en una línea.

## Mover XP: hecho

admin-gave = ✅ Diste { $amount } XP a { $name }: ahora tiene { $xp } XP.
admin-took = ✅ Quitaste { $amount } XP a { $name }: ahora tiene { $xp } XP.
admin-took-all = ✅ Quitaste { $amount } XP a { $name }, todo lo que tenía (pediste { $requested }): ahora tiene 0 XP.
admin-took-nothing = ℹ️ { $name } no tiene XP que quitar: tiene 0 XP.
admin-reset = ✅ Pusiste a cero los XP de { $name } (se quitaron { $amount } XP): ahora tiene 0 XP.
admin-reset-default-reason = puesta a cero por un administrador

## /hide y /show

admin-hidden-group = 🙈 { $name }, ya no apareces en las clasificaciones de este chat. Sigues ganando XP; /show te devuelve a ellas.
admin-shown-group = 👀 { $name }, vuelves a aparecer en las clasificaciones de este chat.
admin-hidden-private = 🙈 Ya no apareces en las clasificaciones de { $n ->
    [one] tu grupo
   *[other] tus { $n } grupos
}. Sigues ganando XP; /show te devuelve a ellas.
admin-shown-private = 👀 Vuelves a aparecer en las clasificaciones de { $n ->
    [one] tu grupo
   *[other] tus { $n } grupos
}.
admin-no-groups = Aún no estás en ningún grupo que yo conozca: escribe primero en uno.

## /settings: el mensaje

settings-title = ⚙️ Ajustes de { $chat }
settings-language = 🌐 Idioma: { $value ->
    [en] English
    [es] Español
   *[auto] el de cada miembro
}
settings-levelups = 📣 Avisos de subida de nivel: { $value ->
    [private] solo mensajes privados
    [off] desactivados
   *[group] resumen en el grupo + mensajes privados
}
settings-multiplier = ✨ Multiplicador de XP: { $value }×
settings-cases = ⚖️ Casos: { $value ->
    [on] activados
   *[off] desactivados
}
settings-quiet = 🌙 Horas de silencio: { $value ->
    [none] ninguna
   *[other] { $value }
}
settings-zone = 🕒 Zona horaria: { $value ->
    [default] la predeterminada del bot
   *[other] { $value }
}
settings-report = 📊 Informe diario: { $value ->
    [none] no se envía
    [here] se envía aquí
   *[other] se envía al chat { $value }
}
settings-topic = 🚫 Este tema: { $value ->
    [off] sin XP
   *[on] da XP como siempre
}
settings-help = Pulsa un botón para cambiar un ajuste.
settings-saved = ✅ Guardado.
settings-invalid = ⚠️ Esa opción no se puede aplicar.

## /settings: los botones

settings-btn-lang-auto = 🌐 Auto
settings-btn-levelups-group = 📣 Grupo + privado
settings-btn-levelups-private = 📣 Solo privado
settings-btn-levelups-off = 📣 Desactivados
settings-btn-multiplier = ✨ { $value }×
settings-btn-cases-on = ⚖️ Activar casos
settings-btn-cases-off = ⚖️ Desactivar casos
settings-btn-quiet-none = 🌙 Ninguna
settings-btn-zone-default = 🕒 Predeterminada
settings-btn-report-here = 📊 Informe diario aquí
settings-btn-report-none = 📊 Sin informe diario
settings-btn-topic-off = 🚫 Sin XP en este tema
settings-btn-topic-on = ✅ Volver a dar XP en este tema
zone-UTC = UTC
zone-Europe-London = Londres
zone-Europe-Madrid = Madrid
zone-America-New_York = Nueva York
zone-America-Mexico_City = Ciudad de México
zone-America-Bogota = Bogotá
zone-America-Argentina-Buenos_Aires = Buenos Aires
