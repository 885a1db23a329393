# Level and badge names as members read them (domain/progress_names.ts), in the texts of the
# bot and of the jobs. The levels table and the badges table keep the English names.

# A level's name is its tier (one per ten levels) and a Roman numeral: "Newcomer I", "Member IV";
# past the tenth tier, "Mythic 11", "Mythic 12", …
level-tier-1 = Newcomer
level-tier-2 = Member
level-tier-3 = Regular
level-tier-4 = Contributor
level-tier-5 = Veteran
level-tier-6 = Expert
level-tier-7 = Elite
level-tier-8 = Master
level-tier-9 = Legend
level-tier-10 = Mythic
# What a level brings: the first level of each tier, its title (the name members see).
level-benefit-title = the { $tier } title
# … and the badge whose threshold the level is (level 5: Level Up!).
level-benefit-badge = the { $badge } badge

# Badge names, and what their progress counts ("42/100 messages").
badge-chatterbox = Chatterbox
badge-chatterbox-unit = messages
badge-linker = Linker
badge-linker-unit = links
badge-helpful = Helpful
badge-helpful-unit = thanks
badge-level_up = Level Up!
badge-level_up-unit = levels
badge-on_fire = On Fire
badge-on_fire-unit = days in a row
badge-unstoppable = Unstoppable
badge-unstoppable-unit = days in a row
badge-regular = Regular
badge-regular-unit = days active
badge-case_first_victory = First Victory
badge-case_first_victory-unit = wins
badge-case_winning_streak = Winning Streak
badge-case_winning_streak-unit = wins
badge-case_champion = Champion
badge-case_champion-unit = wins
badge-case_master_debater = Master Debater
badge-case_master_debater-unit = top-3 arguments
badge-case_persuasion_expert = Persuasion Expert
badge-case_persuasion_expert-unit = top-3 arguments
badge-case_active_member = Active Member
badge-case_active_member-unit = cases
badge-case_dedicated_voter = Dedicated Voter
badge-case_dedicated_voter-unit = votes
badge-case_early_adopter = Early Adopter
badge-case_early_adopter-unit = early join
badge-case_blockchain_ready = Blockchain Ready
badge-case_blockchain_ready-unit = linked wallet

# badge-check's digest in a group: a title, a line per award (the first 30), the rest counted.
badge-digest-title = 🎖 New badges:
badge-digest-line = { $emoji } { $badge } — { $name }
badge-digest-more = …and { NUMBER($n) } more
