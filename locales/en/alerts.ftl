# Alerts to the admin chat (ADMIN_CHAT_ID), in its language (its `chats.language`, else English),
# written in SQL in the statement that opens or closes the incident (domain/incidents.ts): at most
# one number per variant may choose a plural form, and the literal text holds no digit "1".
# Spans ($window, $ago, $for, $limit, $span) arrive said: "36 min", "6 h 35 min", "3 days".

# A job given up by its supervisor (it kept crashing), and its next success.
gave-up-alert =
    🚨 Warden: job { $job } was given up after repeated failures (incident { $incident }).
    { $error }
gave-up-closed-alert = ✅ Warden: job { $job } succeeded again; incident { $incident } is closed (open for { $span }).

# health-monitor: a job with no success within its window ($last is "never" if it never had one).
stale-alert = 🚨 Warden: job { $job } is stale: no success within { $window } ({ $last ->
        [never] none yet
       *[other] the last one { $ago } ago
    }); incident { $incident }.
# … failing its runs, cluster-wide, too many times in a row.
failing-alert = 🚨 Warden: job { $job } is failing: { $failures ->
        [one] its last run failed
       *[other] { NUMBER($failures) } failures in a row
    }; incident { $incident }.
# … paused for longer than PAUSE_ALERT_AFTER ($limit).
paused-alert = 🚨 Warden: job { $job } is paused: for { $for } now, longer than { $limit }; incident { $incident }.
# … and the trouble gone ($reason is stale, failing or paused).
monitor-closed-alert = ✅ Warden: job { $job } is no longer { $reason ->
        [stale] stale
        [failing] failing
       *[paused] paused
    }; incident { $incident } is closed (open for { $span }).

# verdict-check: a case's commitment transaction does not carry its commitment.
mismatch-alert = 🚨 Warden: case #{ $case }'s verdict commitment does not match on chain (incident { $incident }): transaction { $tx } carries other data, or was reverted.

# settlement-monitor: a case's verdict commitment anchor failed for good; $cause is attempts,
# reverted, not-found or interrupted.
anchor-failed-alert = 🚨 Warden: case #{ $case }'s verdict commitment could not be anchored on chain (incident { $incident }): { $cause ->
        [reverted] its transaction { $tx } was reverted.
        [not-found] its transaction { $tx } was not found after { $window }.
        [interrupted] its send was interrupted before its hash was stored; it may be on chain, so check before resetting the anchor.
       *[attempts] { $attempts ->
            [one] its send failed once. Last error: { $error }
           *[other] its send failed { NUMBER($attempts) } times. Last error: { $error }
        }
    }
# … and anchored after all, once an operator reset it.
anchor-failed-closed-alert = ✅ Warden: case #{ $case }'s verdict commitment is anchored on chain after all; incident { $incident } is closed (open for { $span }).

# An operator closed an open incident (`jobs close-incident`, the API), with a note saying why; $by
# is api or cli, $reason the incident's.
operator-closed-alert = ✅ Warden: incident { $incident } ({ $job }, { $reason ->
        [gave-up] given up
        [stale] stale
        [failing] failing
        [paused] paused
        [mismatch] commitment mismatch
       *[anchor-failed] anchor failed
    }) was closed by an operator ({ $by }) after { $span }: { $note }
