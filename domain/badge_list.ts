/**
 * The badges Warden awards: their ids, English names and thresholds (the `badges` table is
 * written from this list by `syncBadges`; members read the names in their language, see
 * `progress_names.ts`).
 */
import type { Metric } from "./badge_metrics.ts";
import { CASE_BADGES } from "./case_badges.ts";

export interface Badge {
  id: string;
  name: string;
  emoji: string;
  description: string;
  metric: Metric;
  threshold: number;
  bonusXp: number;
  /** How progress reads: "42/100 messages". */
  unit: string;
  category: string;
}

/**
 * The achievements of seed 003, plus streak and activity badges, then seed 001's nine case
 * badges (`case_badges.ts`).
 */
export const BADGES: Badge[] = [
  {
    id: "chatterbox",
    name: "Chatterbox",
    emoji: "📬",
    description: "Sent 100 messages",
    metric: "messages",
    threshold: 100,
    bonusXp: 20,
    unit: "messages",
    category: "activity",
  },
  {
    id: "linker",
    name: "Linker",
    emoji: "🌐",
    description: "Shared 10 links",
    metric: "links_shared",
    threshold: 10,
    bonusXp: 20,
    unit: "links",
    category: "sharing",
  },
  {
    id: "helpful",
    name: "Helpful",
    emoji: "🤝",
    description: "Was thanked 5 times",
    metric: "thanks_received",
    threshold: 5,
    bonusXp: 25,
    unit: "thanks",
    category: "social",
  },
  {
    id: "level_up",
    name: "Level Up!",
    emoji: "🆙",
    description: "Reached level 5",
    metric: "level",
    threshold: 5,
    bonusXp: 50,
    unit: "levels",
    category: "progression",
  },
  {
    id: "on_fire",
    name: "On Fire",
    emoji: "🔥",
    description: "Kept a 7-day streak",
    metric: "best_streak",
    threshold: 7,
    bonusXp: 30,
    unit: "days in a row",
    category: "streak",
  },
  {
    id: "unstoppable",
    name: "Unstoppable",
    emoji: "⚡",
    description: "Kept a 30-day streak",
    metric: "best_streak",
    threshold: 30,
    bonusXp: 100,
    unit: "days in a row",
    category: "streak",
  },
  {
    id: "regular",
    name: "Regular",
    emoji: "📅",
    description: "Active on 14 different days",
    metric: "days_active",
    threshold: 14,
    bonusXp: 40,
    unit: "days active",
    category: "activity",
  },
  ...CASE_BADGES,
];
