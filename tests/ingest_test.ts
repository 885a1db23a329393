/**
 * Taking messages in by group commit (domain/award.ts, db/migrations/0019_ingest.sql): two
 * replicas, each with its own client and bot, racing the cap on the same members; messages
 * paid together keep every rule (dedupe, counters, streak, thanks, cooldown); one message the
 * database refuses fails alone, not the messages batched with it.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { createBot } from "../bot/bot.ts";
import { connectClient } from "../db/connect.ts";
import { awardMessage } from "../domain/award.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { until, withDeadline } from "./fakes/deadline.ts";
import { groupMessage, type Person } from "./fakes/updates.ts";

const XP = { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 };
const CHAT = -3003;
const T0 = new Date("2026-06-01T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const people: Person[] = Array.from({ length: 6 }, (_, i) => ({
  id: 100 + i,
  name: `P${i}`,
  username: `p${i}`,
}));

/** A replica: a client of its own (a pool of several on a server) and a bot on it. */
function replica(db: TestDb, apiRoot: string) {
  const sql = connectClient(db.url, { embedded: db.kind === "embedded", max: 4 });
  const bot = createBot({
    token: "123456:TEST",
    apiRoot,
    sql,
    log: createLogger({ level: "silent" }),
    xp: XP,
    adminUserIds: [],
    runtime: () => undefined,
  });
  return { sql, bot, send: (u: unknown) => bot.handleUpdate(u as Update) };
}

/** The fullest 60-s window of any member (as tests/xp_cap_test.ts reads it), balances checked. */
async function fullestWindow(sql: postgres.Sql): Promise<number> {
  const [worst] = await sql<{ xp: number }[]>`
    SELECT coalesce(max((
      SELECT sum(x.amount) FROM xp_ledger x
      WHERE x.chat_id = l.chat_id AND x.user_id = l.user_id
        AND x.created_at > l.created_at - interval '60 seconds' AND x.created_at <= l.created_at
    )), 0)::int AS xp
    FROM xp_ledger l`;
  const mismatched = await sql`
    SELECT m.user_id FROM members m
    WHERE m.xp <> (SELECT coalesce(sum(amount), 0) FROM xp_ledger l
                   WHERE l.chat_id = m.chat_id AND l.user_id = m.user_id)`;
  assert.deepEqual([...mismatched], [], "every balance equals the sum of its ledger");
  return worst.xp;
}

Deno.test("two replicas racing the cap: links, thanks and redeliveries, never more than 10 XP in any 60 s", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await using api = botApiDouble({ limits: false });
  const a = replica(db, api.apiRoot), b = replica(db, api.apiRoot);
  try {
    await Promise.all([a.bot.init(), b.bot.init()]);
    let id = 5_000;
    const msg = (from: Person, text: string, when: Date, replyTo?: Person) =>
      groupMessage({ chat: CHAT, from, text, messageId: ++id, date: when, replyTo });
    for (const p of people) await a.send(msg(p, "hello", at(-600)));
    const updates = [];
    for (let i = 0; i < 240; i++) {
      const from = people[i % people.length];
      const to = people[(i + 1 + (i % 4)) % people.length];
      updates.push(
        i % 3 === 0
          ? msg(from, `https://example.org/${i}`, at(i))
          : i % 3 === 1
          ? msg(from, `thanks @${to.username}`, at(i))
          : msg(from, "thank you", at(i), to),
      );
    }
    // Waves of 60, each update sent to both replicas at once (Telegram redelivering while the
    // first delivery is still running) and a third of them to the same replica twice.
    for (let i = 0; i < updates.length; i += 60) {
      const wave = updates.slice(i, i + 60);
      await Promise.all(
        wave.flatMap((u, k) => [a.send(u), b.send(u), ...(k % 3 === 0 ? [a.send(u)] : [])]),
      );
    }
    assert.ok(await fullestWindow(db.sql) <= 10, "the cap holds across replicas");
    const [n] = await db.sql`
      SELECT count(*)::int AS n FROM xp_ledger WHERE reason = 'message' AND source LIKE 'msg:%'`;
    assert.equal(n.n, people.length + updates.length, "every message paid exactly once");
    const counts = await db.sql`
      SELECT m.user_id, m.messages_count,
             (SELECT count(*)::int FROM xp_ledger l WHERE l.chat_id = m.chat_id
                AND l.user_id = m.user_id AND l.reason = 'message') AS paid,
             m.thanks_received,
             (SELECT count(*)::int FROM xp_ledger l WHERE l.chat_id = m.chat_id
                AND l.user_id = m.user_id AND l.reason = 'thanks') AS thanked
      FROM members m WHERE m.chat_id = ${CHAT}`;
    for (const c of counts) {
      assert.equal(c.messages_count, c.paid, `user ${c.user_id}: one count per message`);
      assert.equal(c.thanks_received, c.thanked, `user ${c.user_id}: one count per thanks`);
    }
    // The cooldown: no thanker rewarded the same member twice within 10 minutes.
    const [pairs] = await db.sql`
      SELECT count(*)::int AS n FROM xp_ledger t
      JOIN xp_ledger m ON m.chat_id = t.chat_id AND m.source = t.source AND m.reason = 'message'
      WHERE t.reason = 'thanks'
      GROUP BY m.user_id, t.user_id HAVING count(*) > 1`;
    assert.equal(pairs, undefined, "one thanks per pair inside the cooldown");
  } finally {
    await a.sql.end();
    await b.sql.end();
  }
});

Deno.test("messages paid together keep counters, links, days active and the streak as one by one", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const chat = { id: CHAT, type: "supergroup", title: "Batch" };
  const message = (i: number, p: Person, day: number, text: string) => ({
    message_id: 10 + i,
    date: Math.floor(at(day * 86_400 + i * 61).getTime() / 1000),
    text,
    from: { id: p.id, is_bot: false, first_name: p.name, username: p.username },
  });
  // Day 0: everyone twice (one link); day 1: everyone once; all of a day sent at once.
  for (const day of [0, 1]) {
    const sends = people.flatMap((p, k) => [
      awardMessage(db.sql, chat, message(day * 100 + k, p, day, "hi"), XP),
      ...(day === 0
        ? [awardMessage(db.sql, chat, message(50 + k, p, day, "see https://example.org"), XP)]
        : []),
    ]);
    const outcomes = await Promise.all(sends);
    assert.ok(outcomes.every((o) => !o.duplicate && o.author > 0));
  }
  // A redelivery of a day-1 message, batched with a new one: paid once, the other paid.
  const [again, fresh] = await Promise.all([
    awardMessage(db.sql, chat, message(100, people[0], 1, "hi"), XP),
    awardMessage(db.sql, chat, message(300, people[1], 1, "hi"), XP),
  ]);
  assert.deepEqual(again, { author: 0, duplicate: true, thanked: [] });
  assert.equal(fresh.author, 1);
  const rows = await db.sql`
    SELECT m.user_id, m.xp, m.messages_count, m.links_shared, m.days_active, s.current, s.best
    FROM members m JOIN streaks s USING (chat_id, user_id)
    WHERE m.chat_id = ${CHAT} ORDER BY m.user_id`;
  assert.equal(rows.length, people.length);
  for (const r of rows) {
    const extra = r.user_id === people[1].id ? 1 : 0;
    assert.deepEqual(
      {
        xp: r.xp,
        messages: r.messages_count,
        links: r.links_shared,
        days: r.days_active,
        streak: r.current,
        best: r.best,
      },
      { xp: 5 + extra, messages: 3 + extra, links: 1, days: 2, streak: 2, best: 2 },
      `user ${r.user_id}`,
    );
  }
  const [title] = await db.sql`SELECT title FROM chats WHERE chat_id = ${CHAT}`;
  assert.equal(title.title, "Batch");
});

Deno.test("one message the database refuses fails alone; the messages batched with it are paid", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const chat = { id: CHAT, type: "supergroup", title: "Batch" };
  const message = (i: number, userId: number) => ({
    message_id: i,
    date: Math.floor(at(i).getTime() / 1000),
    text: "hi",
    from: { id: userId, is_bot: false, first_name: `U${i}` },
  });
  const results = await Promise.allSettled(
    // 1e20 is no bigint: that message's award fails in the database.
    Array.from(
      { length: 12 },
      (_, i) => awardMessage(db.sql, chat, message(i + 1, i === 5 ? 1e20 : 200 + i), XP),
    ),
  );
  assert.equal(results.filter((r) => r.status === "rejected").length, 1);
  assert.equal(results[5].status, "rejected");
  const [n] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger`;
  assert.equal(n.n, 11);
});

Deno.test("a name or title with a NUL or a lone surrogate is stored without it, and the message paid", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const cases = [
    { name: "A\u0000na", title: "Club", stored: ["Ana", "Club"] },
    { name: "Bea", title: "Cl\u0000ub", stored: ["Bea", "Club"] },
    { name: "Ca\ud800rl", title: "Club", stored: ["Ca\ufffdrl", "Club"] },
  ];
  for (const [i, c] of cases.entries()) {
    const outcome = await awardMessage(db.sql, { id: CHAT, type: "supergroup", title: c.title }, {
      message_id: i + 1,
      date: Math.floor(at(i).getTime() / 1000),
      text: "hi",
      from: { id: 300 + i, is_bot: false, first_name: c.name },
    }, XP);
    assert.equal(outcome.author, 1, c.name);
    const [row] = await db.sql`
      SELECT m.display_name, c.title FROM members m JOIN chats c USING (chat_id)
      WHERE m.user_id = ${300 + i}`;
    assert.deepEqual([row.display_name, row.title], c.stored);
  }
});

Deno.test({
  name: "a chat whose batch waits on a lock does not hold up another chat's messages",
  // A second connection holds the lock: the embedded database has one.
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await testDatabase();
    await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
    const sql = connectClient(db.url, { embedded: false, max: 4 });
    const holder = await db.sql.reserve();
    try {
      // Two chats in different lanes (chat mod 2), a member in each.
      const [busy, free] = [{ id: -4001, type: "supergroup" }, { id: -4002, type: "supergroup" }];
      const message = (i: number) => ({
        message_id: i,
        date: Math.floor(at(i).getTime() / 1000),
        text: "hi",
        from: { id: 300, is_bot: false, first_name: "Ana" },
      });
      for (const chat of [busy, free]) await awardMessage(sql, chat, message(1), XP);
      await holder`BEGIN`;
      await holder`SELECT 1 FROM members WHERE chat_id = ${busy.id} AND user_id = 300 FOR UPDATE`;
      const held = awardMessage(sql, busy, message(2), XP);
      await until("the busy chat's batch to wait on the held member", async () => {
        const [w] = await db.sql`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        return w.n === 1;
      });
      const other = await withDeadline(
        awardMessage(sql, free, message(2), XP),
        "the other chat's message to be paid while the first chat's batch waits",
      );
      assert.equal(other.author, 1);
      const [paid] = await db.sql`
        SELECT count(*)::int AS n FROM xp_ledger WHERE chat_id = ${busy.id}`;
      assert.equal(paid.n, 1, "the busy chat's second message is still waiting");
      await holder`COMMIT`;
      assert.equal((await held).author, 1);
    } finally {
      await holder`ROLLBACK`.catch(() => {}); // if an assertion failed with the lock held
      holder.release();
      await sql.end();
    }
  },
});
