import type { Badge } from "./badge_list.ts";

type Row = [
  id: string,
  name: string,
  emoji: string,
  description: string,
  metric: Badge["metric"],
  threshold: number,
  bonusXp: number,
  unit: string,
];

// deno-fmt-ignore
const ROWS: Row[] = [
  ["case_first_victory", "First Victory", "🏆", "Voted for the verdict of 1 closed case", "case_wins", 1, 50, "wins"],
  ["case_winning_streak", "Winning Streak", "🔥", "Voted for the verdict of 5 closed cases", "case_wins", 5, 200, "wins"],
  ["case_champion", "Champion", "👑", "Voted for the verdict of 10 closed cases", "case_wins", 10, 500, "wins"],
  ["case_master_debater", "Master Debater", "💬", "Had 1 argument in a closed case's top 3", "case_top_arguments", 1, 100, "top-3 arguments"],
  ["case_persuasion_expert", "Persuasion Expert", "🎯", "Had 3 arguments in closed cases' top 3", "case_top_arguments", 3, 300, "top-3 arguments"],
  ["case_active_member", "Active Member", "⭐", "Voted or argued in 20 closed cases", "case_participations", 20, 150, "cases"],
  ["case_dedicated_voter", "Dedicated Voter", "🗳️", "Cast 50 case votes", "case_votes", 50, 250, "votes"],
  ["case_early_adopter", "Early Adopter", "🚀", "Joined before EARLY_ADOPTER_UNTIL", "early_adopter", 1, 100, "early join"],
  ["case_blockchain_ready", "Blockchain Ready", "🔗", "Linked a wallet (/wallet)", "wallet_linked", 1, 50, "linked wallet"],
];

/**
 * The nine badges of seed 001 with its bonus points, counted per chat from the case tables
 * (`badge_metrics.ts`). Ids carry `case_` so they never meet the activity badges' ids.
 */
export const CASE_BADGES: Badge[] = ROWS.map((
  [id, name, emoji, description, metric, threshold, bonusXp, unit],
) => ({ id, name, emoji, description, metric, threshold, bonusXp, unit, category: "cases" }));
