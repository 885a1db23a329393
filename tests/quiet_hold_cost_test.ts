/**
 * The quiet-hours hold runs inside every delivery claim: it must not read the whole backlog to
 * find the few rows that keep quiet hours (a seq scan of the outbox per claim, 5x the claim's
 * cost at 100,000 waiting rows). Measured on the claim's own statement, with EXPLAIN ANALYZE.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { claimDue } from "../bot/outbox_claim.ts";
import { testDatabase } from "./db.ts";

/** Rows a plan read from `outbox`: those its nodes on it returned, and those they filtered out. */
function outboxRead(node: Record<string, unknown>): number {
  const own = node["Relation Name"] === "outbox" && node["Node Type"] !== "ModifyTable"
    ? (Number(node["Actual Rows"]) + Number(node["Rows Removed by Filter"] ?? 0)) *
      Number(node["Actual Loops"])
    : 0;
  const plans = (node["Plans"] ?? []) as Record<string, unknown>[];
  return own + plans.reduce((n, p) => n + outboxRead(p), 0);
}

/** The statement `claimDue` sends, and its parameters, without sending it. */
async function claimStatement(now: Date): Promise<{ text: string; values: unknown[] }> {
  let text = "", values: unknown[] = [];
  const record = ((strings: TemplateStringsArray, ...args: unknown[]) => {
    text = strings.reduce((all, s, i) => all + `$${i}` + s);
    values = args;
    return Promise.resolve([]);
  }) as unknown as postgres.Sql;
  const bounds = { perChat: 1, perGroup: 1, total: 20 };
  await claimDue(record, { now, token: "t", leaseMs: 60_000, bounds });
  return { text, values };
}

Deno.test("a claim over a backlog with no row keeping quiet hours reads about what it may claim, not the backlog", async () => {
  await using db = await testDatabase();
  const backlog = 5_000;
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, due_at)
    SELECT -(1 + g % 500), 'news', 'backlog:' || g, timestamptz '2026-06-01' + g * interval '1 s'
    FROM generate_series(1, ${backlog}::int) g`;
  await db.sql`ANALYZE outbox`;
  const { text, values } = await claimStatement(new Date("2026-06-02T00:00:00Z"));
  const [row] = await db.sql.unsafe<{ "QUERY PLAN": unknown }[]>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
    values as postgres.ParameterOrJSON<never>[],
  );
  const raw = row["QUERY PLAN"];
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as {
    Plan: Record<string, unknown>;
  }[];
  const read = outboxRead(plan[0].Plan);
  // the claim looks at 5 x 20 rows at most, then updates the 20 it takes
  assert.ok(read <= 500, `read ${read} outbox rows of a ${backlog}-row backlog for one claim`);
});
