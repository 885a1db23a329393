# Shared pieces: counts with their nouns, used by every part of the bot.
xp = { NUMBER($n) } XP
days = { $n ->
    [one] { NUMBER($n) } day
   *[other] { NUMBER($n) } days
}
lives = { $n ->
    [one] { NUMBER($n) } life
   *[other] { NUMBER($n) } lives
}
messages = { $n ->
    [one] { NUMBER($n) } message
   *[other] { NUMBER($n) } messages
}
