# The member commands: /start, /help, /profile, /top, /badges, /streak, /lives, and the group welcome.

start = 👋 Hi { $name }! I'm Warden. Chat in your groups to earn XP; I'll write to you here when you level up or your streak needs you. Try /help.
# /start sent in a group: only a /start in private lets the bot write to the member.
start-group = 👋 Hi { $name }! I'm Warden. Chat here to earn XP. To get my private messages (level-ups, streak reminders, case rewards), open { $link } and press Start. Try /help.

help-members = What you can ask me:
    /profile — your level, XP, streak, lives and rank (reply to someone, or /profile @user, to see theirs)
    /top [day|week|month|all] — the leaderboard (also /leaderboard, /rank)
    /badges — your badges and how close you are to the next
    /streak — your streak and its protections
    /lives — your lives and when the next one comes back
    /quiz — a quiz in private: it costs a life and pays XP
    /hide, /show — leave the leaderboards, or come back
    /case [number], /verify <number>, /propose <dilemma>, /wallet <address> — the dilemma cases
help-xp = XP: { $perMessage } per message, { $perLink } with a link, { $perThanks } to each member you thank (reply to them or @mention them), at most { $perMinute } a minute.
help-streak = 🔥 Streak: the days in a row you were active. Miss 48 hours and it breaks, unless you hold a protection (up to 2): each one keeps it alive once.
help-lives = ❤️ Lives: up to { $max }. A quiz costs one; one comes back every { $period }.
help-admins = Group admins: /settings, /givexp @user N reason, /takexp @user N reason, /resetxp @user
help-operators = Operators: /jobs, /run <job>, /pause <job>, /resume <job>

profile-head = 👤 { $name }
profile-level = Level { $level }{ $levelName ->
    [none] {""}
   *[other] {" "}— { $levelName }
} · { NUMBER($xp) } XP
profile-next = { $bar } · { NUMBER($missing) } XP to level { $next }
profile-next-reached = { $bar } · level { $next } reached: it comes with the next level check
profile-top = Top level reached
profile-activity = 💬 { $messages } · 🔗 { $links ->
    [one] { NUMBER($links) } link
   *[other] { NUMBER($links) } links
} · 🤝 { $thanks ->
    [one] { NUMBER($thanks) } thanks
   *[other] { NUMBER($thanks) } thanks
}
profile-streak = 🔥 Streak: { $days } (best { NUMBER($best) }) · 🛡 { $protections ->
    [one] { NUMBER($protections) } protection
   *[other] { NUMBER($protections) } protections
}
profile-lives = ❤️ { NUMBER($current) }/{ NUMBER($max) } lives
profile-ranks = 🏆 All time: { $all } · This week: { $week }
profile-rank = #{ NUMBER($rank) }
profile-unranked = not ranked
profile-badges = 🎖 { $n ->
    [one] { NUMBER($n) } badge
   *[other] { NUMBER($n) } badges
}
profile-in = in { $chat }
sent-as-chat = 👤 You are posting as “{ $chat }”: Telegram doesn't tell me who you are. Send /{ $command } from your own account.
profile-none-self = You have no profile here yet: say something in the group first!
profile-none-other = { $who } has no profile in this chat yet.
profile-none-shared = { $who } has no profile in any of your groups.
profile-usage = “{ $arg }” names no member: send /profile for yours, /profile @username for a member's, or /profile as a reply to their message.

choose-group = Which group?
no-groups = I don't know you from any group yet: chat in a group where I am, then ask again.
not-group-member = You are not a member of that group.

board-title = 🏆 Leaderboard — { $period ->
    [day] today
    [week] this week
    [month] this month
   *[all] all time
}
board-line = { $place } { $name } — { NUMBER($score) } XP
board-you = You: #{ NUMBER($rank) } with { NUMBER($score) } XP
board-you-none = You are not on this board yet.
board-you-hidden = 🙈 You are not on this chat's boards: you left them with /hide; /show puts you back.
board-empty = 🏆 Nobody on the board for { $period ->
    [day] today
    [week] this week
    [month] this month
   *[all] all time
} yet: chat to get on it!
board-computed = (as of { $ago } ago)
board-live = (live)
board-usage = “{ $arg }” is not a leaderboard period. Usage: /top [day|week|month|all] (also /leaderboard, /rank)
board-in-groups = 🏆 Each group has its own leaderboard: send { $command } in the group.

badges-head = 🎖 { $name }: { NUMBER($earned) } of { NUMBER($total) } badges
badges-next = Next up:
badges-none = No badges yet: say something in the group first, then try again!

streak-now = 🔥 { $days } in a row (best { NUMBER($best) }).
streak-keep = Keep it alive: be active within { $left }.
streak-protections = 🛡 Protections: { NUMBER($protections) } of 2. Each one keeps your streak alive once when you miss a day; you earn them by keeping your streak going.
streak-none = No streak yet: be active today to start one.

lives-now = ❤️ Lives: { NUMBER($current) } of { NUMBER($max) }.
lives-next = The next one comes back in { $in }.
lives-full = You have them all.
lives-explain = A quiz (/quiz, in private) costs one life; one comes back every { $period }.

welcome = 👋 Hi, I'm Warden! I give XP for taking part here: { $perMessage } per message, { $perLink } with a link, { $perThanks } when someone thanks you. Members: /profile, /top, /badges, /streak, /help. Admins: /settings chooses the language, level-up announcements, an XP multiplier and more; make me an admin so I can count 👍 reactions.

# /jobs, /run, /pause and /resume asked by someone who is not an operator (ADMIN_USER_IDS).
operator-refused = ⛔ Only Warden's operators can use { $command }.

# /case and /verify with an argument that is no case number (12 or #12), and /verify with none.
case-not-number = “{ $arg }” is not a case number: send /case 12 (or #12) for that case, or /case for the open ones.
verify-which = Which case? Send /verify 12: its number is in its post (Case #12).

# What is wrong with an address sent to /wallet (domain/wallet.ts).
wallet-missing = 🔗 No address given: send /wallet followed by your address, 0x and its 40 hex digits.
wallet-error-prefix = a wallet address starts with 0x
wallet-error-length = a wallet address has 40 hex digits after 0x, this one has { NUMBER($n) }
wallet-error-digit = "{ $char }" at position { NUMBER($position) } is not a hex digit
wallet-error-checksum = the EIP-55 checksum (the mix of upper and lower case) is wrong: check the address for a typo, or send it all in lowercase
wallet-error-zero = the zero address cannot receive rewards
