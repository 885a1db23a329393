/** The XP rules live in `domain/xp_rules.ts`; the bot reads them from there. */
export * from "../domain/xp_rules.ts";
