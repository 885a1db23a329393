# El cuestionario (semilla 002): /quiz en privado, encuestas tipo quiz de Telegram, vidas y XP.
# Se llama «cuestionario» en todos los textos, como en /help y /lives; solo el comando es /quiz.
quiz-in-private = 🧠 El cuestionario se juega en un chat privado conmigo: ábrelo y envía /quiz.
quiz-no-group = 🧠 Primero escribe en un grupo donde esté yo: cada cuestionario se juega para un grupo, con las vidas y los XP de ese grupo.
quiz-pick-group = 🧠 ¿Para qué grupo juegas? Cada grupo tiene sus propias vidas.
quiz-busy = ⏳ Ya tienes un cuestionario en marcha: responde a su pregunta. Termina en { $in }.
quiz-no-lives = 💔 No te quedan vidas en { $group }. La próxima llega en { $in }.
quiz-started = 🧠 Cuestionario para { $group }: { $questions ->
        [one] { NUMBER($questions) } pregunta
       *[other] { NUMBER($questions) } preguntas
    }, { NUMBER($xp) } XP por acierto, { NUMBER($minutes) } minutos. Has gastado una vida: { $lives ->
        [0] ya no te quedan vidas
        [one] te queda { NUMBER($lives) } vida
       *[other] te quedan { NUMBER($lives) } vidas
    }.
quiz-question = { NUMBER($n) }/{ NUMBER($total) } · { $question }
quiz-done = 🏁 Cuestionario terminado: { $correct ->
        [one] { NUMBER($correct) } acierto
       *[other] { NUMBER($correct) } aciertos
    } de { NUMBER($total) }, +{ NUMBER($xp) } XP en { $group }. Tu racha cuenta hoy.
quiz-expired = ⌛ Se acabó el tiempo: el cuestionario terminó a los { NUMBER($minutes) } minutos, así que esta respuesta no da XP.
