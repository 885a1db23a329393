# Admin tools of a group (/givexp, /takexp, /resetxp, /settings) and /hide, /show.

## Who may use them

admin-groups-only = ⚠️ { $command } works in groups: send it there.
admin-refused = ⛔ Only this chat's admins can use { $command }.

## Moving XP: usage and what went wrong

admin-usage-givexp = Usage: /givexp @user N reason, or as a reply to their message: /givexp N reason
admin-usage-takexp = Usage: /takexp @user N reason, or as a reply to their message: /takexp N reason
admin-usage-resetxp = Usage: /resetxp @user [reason], or as a reply to their message: /resetxp [reason]
admin-error-no-member = ⚠️ Whose XP? Name a member with @username or reply to their message.
admin-error-unknown-member = ⚠️ { $who } is not a member I know in this chat.
admin-error-bot = ⚠️ { $who } is a bot: bots earn no XP.
admin-error-no-amount = ⚠️ Missing N: a whole number from 1 to { $max }.
admin-error-amount = ⚠️ N must be a whole number from 1 to { $max }, not “{ $got }”.
admin-error-no-reason = ⚠️ Missing reason: say why, in up to { $max } characters.
admin-error-long-reason = ⚠️ The reason is too long: at most { $max } characters.
admin-error-reason-control = ⚠️ The reason holds a control character ({ $code }): write it as plain text on one line.

## Moving XP: done

admin-gave = ✅ Gave { $amount } XP to { $name }: { $xp } XP now.
admin-took = ✅ Took { $amount } XP from { $name }: { $xp } XP now.
admin-took-all = ✅ Took { $amount } XP from { $name }, all they had ({ $requested } asked): 0 XP now.
admin-took-nothing = ℹ️ { $name } has no XP to take: 0 XP now.
admin-reset = ✅ Reset { $name }'s XP ({ $amount } XP taken): 0 XP now.
admin-reset-default-reason = reset by an admin

## /hide and /show

admin-hidden-group = 🙈 { $name }, you are hidden from this chat's boards. You still earn XP; /show puts you back.
admin-shown-group = 👀 { $name }, you are back on this chat's boards.
admin-hidden-private = 🙈 You are hidden from the boards of { $n ->
    [one] your group
   *[other] your { $n } groups
}. You still earn XP; /show puts you back.
admin-shown-private = 👀 You are back on the boards of { $n ->
    [one] your group
   *[other] your { $n } groups
}.
admin-no-groups = You are not in any group I know yet: say something in one first.

## /settings: the message

settings-title = ⚙️ Settings of { $chat }
settings-language = 🌐 Language: { $value ->
    [en] English
    [es] Español
   *[auto] each member's own
}
settings-levelups = 📣 Level-up announcements: { $value ->
    [private] private messages only
    [off] off
   *[group] group digest + private messages
}
settings-multiplier = ✨ XP multiplier: { $value }×
settings-cases = ⚖️ Cases: { $value ->
    [on] on
   *[off] off
}
settings-quiet = 🌙 Quiet hours: { $value ->
    [none] none
   *[other] { $value }
}
settings-zone = 🕒 Time zone: { $value ->
    [default] the bot's default
   *[other] { $value }
}
settings-report = 📊 Daily report: { $value ->
    [none] not sent
    [here] sent here
   *[other] sent to chat { $value }
}
settings-topic = 🚫 This topic: { $value ->
    [off] no XP
   *[on] pays XP as usual
}
settings-help = Press a button to change a setting.
settings-saved = ✅ Saved.
settings-invalid = ⚠️ That choice cannot be applied.

## /settings: the buttons

settings-btn-lang-auto = 🌐 Auto
settings-btn-levelups-group = 📣 Group + private
settings-btn-levelups-private = 📣 Private only
settings-btn-levelups-off = 📣 Off
settings-btn-multiplier = ✨ { $value }×
settings-btn-cases-on = ⚖️ Turn cases on
settings-btn-cases-off = ⚖️ Turn cases off
settings-btn-quiet-none = 🌙 None
settings-btn-zone-default = 🕒 Default
settings-btn-report-here = 📊 Daily report here
settings-btn-report-none = 📊 No daily report
settings-btn-topic-off = 🚫 No XP in this topic
settings-btn-topic-on = ✅ Pay XP in this topic again
zone-UTC = UTC
zone-Europe-London = London
zone-Europe-Madrid = Madrid
zone-America-New_York = New York
zone-America-Mexico_City = Mexico City
zone-America-Bogota = Bogotá
zone-America-Argentina-Buenos_Aires = Buenos Aires
