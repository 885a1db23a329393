/**
 * Taking messages in when a replica dies mid-batch: Warden (`main.ts`) in webhook mode, its
 * group-commit batch held on a member's row lock by the test, killed with SIGKILL; Telegram
 * heard no 200, so it redelivers every update to another replica, which pays each message
 * exactly once (whether or not the dead replica's transaction reached its commit), with
 * balances, counters and thanks matching the ledger.
 *
 * On a server only: embedded PGlite is one session, so a lock held by the test would stop the
 * whole database, not one batch.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { until } from "./fakes/deadline.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { childDatabase, spawnWarden, type WardenProcess } from "./fakes/process.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const SECRET = "kill-test-secret";
const CHAT = -4004;
const T0 = new Date(Date.now() - 3_600_000);
const people: Person[] = Array.from({ length: 4 }, (_, i) => ({
  id: 200 + i,
  name: `K${i}`,
  username: `k${i}`,
}));

async function post(w: WardenProcess, update: unknown): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${await w.port()}/telegram/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    body: JSON.stringify(update),
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name: "a replica killed mid-batch: the redelivery to another pays every message exactly once",
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await childDatabase();
    await using api = botApiDouble({ limits: false });
    const env = {
      ...db.env,
      TELEGRAM_BOT_TOKEN: "123456:TEST",
      TELEGRAM_API_ROOT: api.apiRoot,
      TELEGRAM_MODE: "webhook",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    };
    const sql = postgres(db.env.DATABASE_URL, { max: 3, onnotice: () => {} });
    // `deno run` itself, not `deno task start`: SIGKILL must reach Warden, not a task runner.
    const first = spawnWarden(["run", "-A", "main.ts"], { ...env, NODE_ID: "a" });
    let holder: postgres.ReservedSql | undefined;
    let id = 0;
    const msg = (from: Person, text: string, replyTo?: Person) =>
      groupMessage({
        chat: CHAT,
        from,
        text,
        messageId: ++id,
        date: new Date(T0.getTime() + id * 1000),
        replyTo,
      });
    try {
      await first.waitFor((l) => l.msg === "started", "a started");
      for (const p of people) assert.equal(await post(first, msg(p, "hello")), 200);
      // The test holds the first member's row: Warden's next batch waits for it.
      holder = await sql.reserve();
      await holder`BEGIN`;
      await holder`SELECT 1 FROM members WHERE chat_id = ${CHAT} AND user_id = ${
        people[0].id
      } FOR UPDATE`;
      const batch = people.flatMap((p, i) => [
        msg(p, `look https://example.org/${i}`),
        msg(p, "thank you", people[(i + 1) % people.length]),
        msg(p, "more"),
      ]);
      const sent = batch.map((u) => post(first, u).catch(() => 0));
      await until(
        "Warden's batch waiting for the member's lock",
        async () => {
          const [w] = await sql`
            SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE NOT l.granted AND a.datname = current_database()`;
          return w.n > 0;
        },
        { lastSeen: () => first.lines.slice(-10).join("\n") },
      );
      first.kill("SIGKILL");
      await first.status;
      assert.ok((await Promise.all(sent)).every((s) => s !== 200), "Telegram heard no 200");
      await holder`ROLLBACK`;
      holder.release();
      holder = undefined;
      // The dead replica's batch was already in the server's hands: it may still commit (its
      // client is gone, not its statement); the database says so once its statement has ended.
      await until("the dead replica's statement to end", async () => {
        const [b] = await sql`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`;
        return b.n === 0;
      });
      const [kept] = await sql`
        SELECT count(*)::int AS n FROM xp_ledger WHERE chat_id = ${CHAT} AND reason = 'message'`;
      assert.ok(kept.n < people.length + batch.length, "the redelivery has messages to pay");

      // Telegram redelivers everything unanswered, to the other replica.
      await using second = spawnWarden(["run", "-A", "main.ts"], { ...env, NODE_ID: "b" });
      await second.waitFor((l) => l.msg === "started", "b started");
      for (const u of batch) assert.equal(await post(second, u), 200);
      const [paid] = await sql`
        SELECT count(*)::int AS n, count(DISTINCT source)::int AS distinct_sources
        FROM xp_ledger WHERE chat_id = ${CHAT} AND reason = 'message'`;
      assert.deepEqual(
        [paid.n, paid.distinct_sources],
        [people.length + batch.length, people.length + batch.length],
        "every message paid once",
      );
      const members = await sql`
        SELECT m.user_id, m.xp::int AS xp, m.messages_count, m.thanks_received,
               (SELECT coalesce(sum(amount), 0)::int FROM xp_ledger l
                WHERE l.chat_id = m.chat_id AND l.user_id = m.user_id) AS ledger,
               (SELECT count(*)::int FROM xp_ledger l WHERE l.chat_id = m.chat_id
                  AND l.user_id = m.user_id AND l.reason = 'message') AS messages,
               (SELECT count(*)::int FROM xp_ledger l WHERE l.chat_id = m.chat_id
                  AND l.user_id = m.user_id AND l.reason = 'thanks') AS thanks
        FROM members m WHERE m.chat_id = ${CHAT} ORDER BY m.user_id`;
      assert.equal(members.length, people.length);
      for (const m of members) {
        assert.equal(m.xp, m.ledger, `user ${m.user_id}: balance = ledger`);
        assert.equal(m.messages_count, m.messages, `user ${m.user_id}: one count per message`);
        assert.equal(m.messages_count, 4, `user ${m.user_id}: hello and three more`);
        assert.equal(m.thanks_received, m.thanks, `user ${m.user_id}: one count per thanks`);
      }
      second.kill("SIGTERM");
      assert.equal((await second.status).code, 0);
    } finally {
      first.kill("SIGKILL");
      await first.status.catch(() => {});
      if (holder) {
        await holder`ROLLBACK`.catch(() => {});
        holder.release();
      }
      await sql.end({ timeout: 5 });
    }
  },
});
