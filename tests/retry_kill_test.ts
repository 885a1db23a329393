import assert from "node:assert/strict";
import postgres from "postgres";
import { childDatabase, spawnWarden } from "./fakes/process.ts";

const TOKEN = "t0ken-0123456789abcdef";

Deno.test({
  name:
    "kill -9 during a retry: after the rescue another process runs the slot again once, as the next attempt",
  // The killed process must leave its database behind to another one: a server's.
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await childDatabase();
    const sql = postgres(db.env.DATABASE_URL, { max: 2, onnotice: () => {} });
    try {
      const env = { ...db.env, ADMIN_TOKEN: TOKEN, NODE_ID: "first" };
      {
        await using first = spawnWarden(["run", "-A", "tests/fixtures/retry_dies.ts"], {
          ...env,
          FIXTURE_RETRY_HANGS: "1",
          FIXTURE_FLAKY_EVERY: "2s",
        });
        await first.waitFor((l) => l.msg === "fixture retry started", "the retry to start");
        first.kill("SIGKILL");
        await first.status;
      }
      const [killed] = await sql<{ id: string; scheduled_for: Date; outcome: string }[]>`
        SELECT id, scheduled_for, outcome FROM job_runs WHERE job = 'flaky' AND trigger = 'retry'`;
      assert.equal(killed.outcome, "running");

      // Its lease runs out (as 30 s would); a second process's rescuer abandons the retry.
      await sql`UPDATE job_runs SET lease_expires_at = now() - interval '1 second' WHERE id = ${killed.id}`;
      await using second = spawnWarden(["run", "-A", "tests/fixtures/retry_dies.ts"], {
        ...env,
        NODE_ID: "second",
        FIXTURE_FLAKY_EVERY: "1h",
      });
      const rescue = await second.get("/health/tasks/lease-rescue/run?wait=true", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(rescue.status, 200, JSON.stringify(rescue.body));
      const redone = await second.waitFor(
        (l) => l.msg === "run finished" && l.job === "flaky" && l.trigger === "retry",
        "the dead retry to run again",
      );
      assert.equal(redone.outcome, "succeeded");
      assert.equal(redone.slot, killed.scheduled_for.toISOString());
      const runs = await sql<
        { trigger: string; attempt: number; outcome: string; retry_of: string | null }[]
      >`
        SELECT trigger, attempt, outcome, retry_of FROM job_runs
        WHERE job = 'flaky' AND scheduled_for = ${killed.scheduled_for} ORDER BY started_at`;
      assert.deepEqual(runs.map((r) => [r.trigger, r.attempt, r.outcome, r.retry_of]), [
        ["cron", 1, "failed", null],
        ["retry", 2, "abandoned", null],
        ["retry", 3, "succeeded", killed.id],
      ]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  },
});
