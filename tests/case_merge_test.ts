/** The dilemma cases across a group's upgrade to a supergroup, and a case that cannot close. */
import assert from "node:assert/strict";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { castVote, recordArgument } from "../domain/case_votes.ts";
import { mergeChats } from "../domain/chat_merge.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";

const OLD = -700, NEW = -1000000000700;
const OPEN = new Date("2026-06-01T00:00:00Z");
const during = (h: number) => new Date(OPEN.getTime() + h * 3_600_000);
const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" });
const closure = caseClosureJob({ pool: 1000, rail: "xp" });

/** A group playing the cases with its own settings; members 11 and 12 vote on case 1. */
async function voted() {
  const db = await testDatabase();
  await community(db.sql, { id: OLD, title: "Thinkers", kind: "group" }, [
    { user: 11 },
    { user: 12 },
  ]);
  await db.sql`
    UPDATE chats SET cases_enabled = true, xp_multiplier = 2, level_up_announcements = 'off'
    WHERE chat_id = ${OLD}`;
  await runJob(generation, db.sql, OPEN);
  for (const user of [11, 12]) {
    const chat = { id: OLD, type: "group", title: "Thinkers" };
    const voter = { id: user, name: `u${user}` };
    await castVote(db.sql, { caseId: 1, option: "police", at: during(1), chat, voter });
  }
  return db;
}

Deno.test("group → supergroup: its settings follow, an open case closes in the new chat and pays its voters there", async () => {
  await using db = await voted();
  // the supergroup's first message came before the migration: its row exists, with defaults
  await community(db.sql, { id: NEW, title: "Thinkers", kind: "supergroup" }, []);
  assert.equal((await mergeChats(db.sql, OLD, NEW)).merged, true);
  const [chat] = await db.sql`
    SELECT cases_enabled, xp_multiplier::float AS m, level_up_announcements AS a
    FROM chats WHERE chat_id = ${NEW}`;
  assert.deepEqual({ ...chat }, { cases_enabled: true, m: 2, a: "off" });

  await runJob(closure, db.sql, during(24));
  const [c] = await db.sql`SELECT status FROM cases WHERE id = 1`;
  assert.equal(c.status, "closed");
  const xp = await db.sql`
    SELECT user_id::int AS u, xp::int FROM members WHERE chat_id = ${NEW} ORDER BY user_id`;
  // each: 400/2 as a voter + 200/2 as a participant
  assert.deepEqual(xp.map((m) => [m.u, m.xp]), [[11, 300], [12, 300]]);
  const [left] = await db.sql`
    SELECT (SELECT count(*) FROM case_votes WHERE chat_id = ${OLD})
         + (SELECT count(*) FROM case_rewards WHERE chat_id = ${OLD})
         + (SELECT count(*) FROM members WHERE chat_id = ${OLD}) AS n`;
  assert.equal(Number(left.n), 0, "nothing of the cases stays under the old id");
});

Deno.test("group → supergroup: arguments move, one whose message id the new chat used is kept apart", async () => {
  await using db = await voted();
  await db.sql`UPDATE outbox SET sent_message_id = 500 WHERE dedupe_key = ${`case-post:1:${OLD}`}`;
  const argue = (messageId: number, userId: number) =>
    recordArgument(db.sql, {
      chatId: OLD,
      messageId,
      replyTo: 500,
      userId,
      text: `argument ${messageId}`,
      at: during(2),
    });
  assert.equal(await argue(7, 11), 1);
  assert.equal(await argue(8, 12), 1);
  await community(db.sql, { id: NEW, title: "Thinkers", kind: "supergroup" }, [{ user: 13 }]);
  await db.sql`
    INSERT INTO case_arguments (case_id, chat_id, message_id, user_id, text, posted_at)
    VALUES (1, ${NEW}, 7, 13, 'said in the supergroup', ${during(3)})`;
  await mergeChats(db.sql, OLD, NEW);
  const args = await db.sql`
    SELECT chat_id::text AS chat, message_id::int AS m, user_id::int AS u
    FROM case_arguments ORDER BY user_id`;
  assert.deepEqual(args.map((a) => [a.chat, a.m, a.u]), [
    [String(NEW), -7, 11],
    [String(NEW), 8, 12],
    [String(NEW), 7, 13],
  ]);
  await runJob(closure, db.sql, during(24));
  const ranked = await db.sql`
    SELECT count(*)::int AS n FROM case_rewards WHERE kind = 'argument' AND chat_id = ${NEW}`;
  assert.equal(ranked[0].n, 3, "all three arguments are rewarded in the new chat");
});

Deno.test("a case that cannot close does not keep the others open: they close, the run fails naming it", async () => {
  await using db = await voted();
  await community(db.sql, { id: -800, title: "Others" }, [{ user: 21 }]);
  await db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = -800`;
  await runJob(generation, db.sql, during(12)); // case 2
  const chat = { id: -800, type: "supergroup", title: "Others" };
  const voter = { id: 21, name: "u21" };
  await castVote(db.sql, { caseId: 2, option: "report", at: during(13), chat, voter });
  await db.sql.unsafe(`
    CREATE FUNCTION refuse_case_1() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'rewards of case 1 refused'; END $$;
    CREATE TRIGGER refuse_case_1 BEFORE INSERT ON case_rewards FOR EACH ROW
      WHEN (NEW.case_id = 1) EXECUTE FUNCTION refuse_case_1();`);
  await assert.rejects(
    runJob(closure, db.sql, during(36)),
    /1 of 2 due cases could not close \(1 closed\): #1: rewards of case 1 refused/,
  );
  const status = await db.sql`SELECT id::int, status FROM cases ORDER BY id`;
  assert.deepEqual(status.map((c) => [c.id, c.status]), [[1, "open"], [2, "closed"]]);
  await db.sql`DROP TRIGGER refuse_case_1 ON case_rewards`;
  await runJob(closure, db.sql, during(36.1)); // the next run closes it
  assert.equal((await db.sql`SELECT status FROM cases WHERE id = 1`)[0].status, "closed");
});
