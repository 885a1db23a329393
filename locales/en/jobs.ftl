# What the scheduled jobs send to members (level-ups, streak-expiry). The jobs build these
# texts in SQL for a whole batch at once (domain/job_texts.ts): at most one number per message
# may choose a plural form, and the literal text holds no digit "1".
jobs-your-group = your group
jobs-this-group = this group

# A private message to a member who levelled up (and started the bot).
level-up-dm =
    🎉 You reached level { NUMBER($level) } — { $levelName } — in { $chat }!
    Previous level: { NUMBER($oldLevel) } — { $oldName }
# Its last line, when the level has benefits.
level-up-benefits = Benefits: { $benefits }

# One digest per group and run: a title, a line per member (the first few), then the rest counted.
level-up-digest-title = 🏆 Level-ups in { $chat }:
level-up-digest-line = • { $name } → level { NUMBER($level) } ({ $levelName })
level-up-digest-more = { $n ->
    [one] …and { NUMBER($n) } more member
   *[other] …and { NUMBER($n) } more members
}

# A private reminder that a streak ends soon (streak-reminders); $left is "3 h 45 min".
streak-reminder = 🔥 Your { NUMBER($days) }-day streak ends in { $left } — say something in { $chat } to keep it.

# A private message when a streak breaks.
streak-broken = 💔 Your { NUMBER($days) }-day streak in { $chat } has ended. Be active today to start a new one!

# The same, for a member who came back after the deadline (the new streak has begun).
streak-broken-returned = 💔 Your { NUMBER($days) }-day streak in { $chat } ended before you came back. Your new one has begun: keep it going!

# A private message to each member a closed case rewards (case-closure).
case-reward = ⚖️ Case #{ $case } closed: you earn { NUMBER($xp) } XP. Verdict: { $verdict }

# When a week or a month closes: its podium, in each group (leaderboard-reset-weekly/-monthly).
board-final-title = 🏁 Final board for { $period }:
board-final-line = { $medal } { $name } — { NUMBER($score) } XP
