import assert from "node:assert/strict";
import { streakText } from "../bot/member_texts.ts";

const streak = (current: number) => ({ current, best: current, protections: 0, leftMs: 3_600_000 });

Deno.test("/streak agrees with its number: 1 día seguido, 2 días seguidos, 1 day in a row", () => {
  const first = (lang: "en" | "es", n: number) => streakText(lang, streak(n)).split("\n")[0];
  assert.equal(first("es", 1), "🔥 1 día seguido (mejor: 1).");
  assert.equal(first("es", 2), "🔥 2 días seguidos (mejor: 2).");
  assert.equal(first("es", 1500), "🔥 1.500 días seguidos (mejor: 1.500).");
  assert.equal(first("en", 1), "🔥 1 day in a row (best 1).");
  assert.equal(first("en", 1500), "🔥 1,500 days in a row (best 1,500).");
});
