# The quiz (seed 002): /quiz in private, native quiz polls, lives and XP.
quiz-in-private = 🧠 The quiz is played in a private chat with me: open it and send /quiz.
quiz-no-group = 🧠 Chat in a group with me first: each quiz is played for a group, with that group's lives and XP.
quiz-pick-group = 🧠 Which group do you play for? Each group keeps its own lives.
quiz-busy = ⏳ You already have a quiz running: answer its question. It ends in { $in }.
quiz-no-lives = 💔 No lives left in { $group }. The next one comes in { $in }.
quiz-started = 🧠 Quiz for { $group }: { $questions ->
        [one] { NUMBER($questions) } question
       *[other] { NUMBER($questions) } questions
    }, { NUMBER($xp) } XP per right answer, { NUMBER($minutes) } minutes. One life spent: { $lives ->
        [0] no lives left
        [one] { NUMBER($lives) } life left
       *[other] { NUMBER($lives) } lives left
    }.
quiz-question = { NUMBER($n) }/{ NUMBER($total) } · { $question }
quiz-done = 🏁 Quiz over: { NUMBER($correct) } of { NUMBER($total) } right, +{ NUMBER($xp) } XP in { $group }. Your streak counts today.
quiz-expired = ⌛ Time's up: the quiz ended after { NUMBER($minutes) } minutes, so this answer pays nothing.
