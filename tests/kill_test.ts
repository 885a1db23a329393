import assert from "node:assert/strict";
import postgres from "postgres";
import { loadConfig } from "../config.ts";
import { migrate } from "../db/migrate.ts";
import { syncLevels } from "../domain/levels.ts";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

const CHATS = [-2001, -2002, -2003];
const PER_CHAT = 20;

/** Three groups of 20 members, every one owed a level-up. */
async function owedCommunity(sql: postgres.Sql) {
  await migrate(sql, { log: () => {} });
  await syncLevels(sql, loadConfig({}, []).level);
  await sql`INSERT INTO chats (chat_id, title, kind)
            SELECT c, 'Group ' || -c, 'supergroup' FROM unnest(${CHATS}::bigint[]) c`;
  await sql`
    INSERT INTO members (chat_id, user_id, display_name, xp, level, next_level_xp)
    SELECT c, g, 'Member ' || g, 1000, 1, 100
    FROM unnest(${CHATS}::bigint[]) WITH ORDINALITY AS t(c, i), generate_series(i * 100 + 1, i * 100 + ${PER_CHAT}) g`;
}

Deno.test({
  name:
    "kill -9 during level-ups: after the rescue and the retry nobody is owed a level-up, and each levelled member is named in a digest exactly once",
  // The killed process must leave its database behind to another one: a server's (the embedded
  // database lives inside the process that is killed).
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await childDatabase();
    const sql = postgres(db.env.DATABASE_URL, { max: 2, onnotice: () => {} });
    try {
      await owedCommunity(sql);
      const env = { ...db.env, ADMIN_TOKEN: "t0ken-0123456789abcdef", NODE_ID: "first" };
      {
        await using first = spawnWarden(["run", "-A", "tests/fixtures/level_ups_slow.ts"], {
          ...env,
          FIXTURE_LEVEL_UPS_EVERY: "2s",
          FIXTURE_BATCH_PAUSE_MS: "1500",
        });
        // The second batch is written but not committed: kill -9 now.
        await first.waitFor((l) => l.msg === "fixture batch written" && l.batch === 2, "batch 2");
        first.kill("SIGKILL");
        await first.status;
      }
      const [killed] = await sql<{ id: string; scheduled_for: Date; outcome: string }[]>`
        SELECT id, scheduled_for, outcome FROM job_runs WHERE job = 'level-ups'`;
      assert.equal(killed.outcome, "running");
      const [owedBefore] = await sql`
        SELECT count(*)::int AS n FROM members WHERE xp >= next_level_xp`;
      assert.ok(owedBefore.n > 0 && owedBefore.n < 60, `part levelled: ${owedBefore.n} owed`);

      // Its lease runs out (as 30 s would), a replica starts, its rescuer abandons the run and
      // the slot is run again.
      await sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${killed.id}`;
      await using second = spawnWarden(["run", "-A", "tests/fixtures/level_ups_slow.ts"], {
        ...env,
        NODE_ID: "second",
        FIXTURE_LEVEL_UPS_EVERY: "1h",
      });
      const rescue = await second.get("/health/tasks/lease-rescue/run?wait=true", {
        method: "POST",
        headers: { authorization: "Bearer t0ken-0123456789abcdef" },
      });
      assert.equal(rescue.status, 200, JSON.stringify(rescue.body));
      const retry = await second.waitFor(
        (l) => l.msg === "run finished" && l.job === "level-ups" && l.trigger === "retry",
        "the retry of the killed slot",
      );
      assert.equal(retry.outcome, "succeeded");
      assert.equal(retry.slot, killed.scheduled_for.toISOString());

      const [owed] = await sql`SELECT count(*)::int AS n FROM members WHERE xp >= next_level_xp`;
      assert.equal(owed.n, 0, "nobody is owed a level-up");
      const runs = await sql<{ trigger: string; outcome: string; retry_of: string | null }[]>`
        SELECT trigger, outcome, retry_of FROM job_runs
        WHERE job = 'level-ups' AND scheduled_for = ${killed.scheduled_for} ORDER BY started_at`;
      assert.deepEqual(runs.map((r) => [r.trigger, r.outcome, r.retry_of]), [
        ["cron", "abandoned", null],
        ["retry", "succeeded", killed.id],
      ]);
      const digests = await sql<{ chat_id: number; text: string }[]>`
        SELECT chat_id, text FROM outbox
        WHERE dedupe_key LIKE 'level-digest:%' ORDER BY chat_id`;
      assert.equal(digests.length, CHATS.length, "one digest per group");
      const named = digests.flatMap((d) =>
        [...d.text.matchAll(/• (Member \d+) →/g)].map((m) => m[1])
      );
      assert.equal(named.length, 30, "the first 10 levelled members of each group are named");
      assert.equal(new Set(named).size, 30, "and named once");
      assert.ok(
        digests.every((d) => d.text.endsWith("\n…and 10 more members")),
        "the rest counted",
      );
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});
