import assert from "node:assert/strict";
import postgres from "postgres";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider, type CaseProvider, ProviderAnswerError } from "../domain/case_provider.ts";
import { splitCase } from "../domain/case_split.ts";
import { commitmentOf, sqlRewardMessage } from "../domain/case_texts.ts";
import { testDatabase } from "./db.ts";
import { community, outbox, runJob } from "./fakes/community.ts";

const SLOT = new Date("2026-06-01T00:00:00Z");
const CLOSE = new Date("2026-06-02T00:00:00Z");
const generation = caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" });
const closure = caseClosureJob({ pool: 1000, rail: "xp" });

/** Two groups take part (one Spanish), a third does not. */
async function groups(sql: postgres.Sql) {
  await community(sql, { id: -1, title: "Readers" }, []);
  await community(sql, { id: -2, title: "Lectores" }, []);
  await community(sql, { id: -3, title: "Quiet" }, []);
  await sql`UPDATE chats SET cases_enabled = true WHERE chat_id IN (-1, -2)`;
  await sql`UPDATE chats SET language = 'es' WHERE chat_id = -2`;
}

Deno.test("case-generation: one case per slot with its commitment, posted in each taking part chat in its language", async () => {
  await using db = await testDatabase();
  await groups(db.sql);
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  const runs = await Promise.all([
    runJob(generation, db.sql, SLOT),
    runJob(generation, other, SLOT),
  ])
    .finally(() => other.end());
  assert.equal(runs.reduce((n, r) => n + r.changed!, 0), 1, "two replicas, one case");
  assert.equal((await runJob(generation, db.sql, SLOT)).changed, 0, "the slot again: nothing");

  const [c] = await db.sql`SELECT id, verdict, salt, commitment, status, closes_at FROM cases`;
  assert.equal(c.commitment, await commitmentOf(c.verdict, c.salt));
  assert.equal(c.status, "open");
  assert.equal(c.closes_at.toISOString(), CLOSE.toISOString());
  const posts = await db.sql`
    SELECT chat_id, text, reply_markup, expires_at FROM outbox ORDER BY chat_id DESC`;
  assert.deepEqual(posts.map((p) => Number(p.chat_id)), [-1, -2]);
  assert.match(posts[0].text, /^⚖️ Case #\d+: The lost wallet\n/);
  assert.match(
    posts[0].text,
    new RegExp(`Verdict commitment: sha256\\(verdict ‖ salt\\) = ${c.commitment}$`),
  );
  assert.match(posts[1].text, /^⚖️ Caso #\d+: La cartera perdida\n/);
  assert.doesNotMatch(posts[0].text, new RegExp(c.salt), "the salt stays hidden");
  assert.deepEqual(posts[0].reply_markup.inline_keyboard[1], [
    { text: "B) Hand it to the police", callback_data: `vote:${c.id}:police` },
  ]);
  assert.equal(posts[0].expires_at.toISOString(), CLOSE.toISOString());

  // The next slot takes the next bank entry.
  await runJob(generation, db.sql, new Date(SLOT.getTime() + 12 * 3_600_000));
  const keys = await db.sql`SELECT source_key FROM cases ORDER BY id`;
  assert.deepEqual(keys.map((k) => k.source_key), ["bank:lost-wallet:1", "bank:exam-answers:1"]);
});

Deno.test("case-generation: a provider that fails is recorded, the run fails, and no half case is left", async () => {
  await using db = await testDatabase();
  await groups(db.sql);
  let answer: "nonsense" | "ok" = "nonsense";
  const flaky: CaseProvider = {
    name: "openai",
    next: (sql, signal) =>
      answer === "ok"
        ? bankProvider().next(sql, signal)
        : Promise.reject(new ProviderAnswerError("answer is not JSON: 'Sure! Here is'")),
  };
  const job = caseGenerationJob({ provider: flaky, votingHours: 24, rail: "xp" });
  await assert.rejects(runJob(job, db.sql, SLOT), /not JSON/);
  const [state] = await db.sql`
    SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM outbox)::int AS posts,
           (SELECT string_agg(error, ';') FROM case_attempts) AS attempts`;
  assert.deepEqual({ ...state }, {
    cases: 0,
    posts: 0,
    attempts: "answer is not JSON: 'Sure! Here is'",
  });
  answer = "ok";
  assert.equal((await runJob(job, db.sql, SLOT)).changed, 1, "the retry makes the case");
});

/** A case with votes and arguments: user ids 1..n vote, 3 of them argue. */
async function votedCase(sql: postgres.Sql, voters: number) {
  await groups(sql);
  await runJob(generation, sql, SLOT);
  const [{ id }] = await sql`SELECT id FROM cases`;
  const members = Array.from({ length: voters }, (_, i) => ({ user: i + 1, startedBot: i < 2 }));
  await community(sql, { id: -1 }, members);
  await sql`
    INSERT INTO case_votes (case_id, user_id, chat_id, option, voted_at)
    SELECT ${id}, u, -1, CASE WHEN u % 3 = 0 THEN 'keep' WHEN u % 3 = 1 THEN 'police' ELSE 'return' END,
           ${SLOT}::timestamptz + u * interval '1 second'
    FROM generate_series(1, ${voters}) u`;
  await sql`
    INSERT INTO case_arguments (case_id, chat_id, message_id, user_id, text, posted_at) VALUES
      (${id}, -1, 101, 2, 'first', ${SLOT}::timestamptz + interval '1 hour'),
      (${id}, -1, 102, 3, 'second', ${SLOT}::timestamptz + interval '2 hours'),
      (${id}, -1, 103, 4, 'third', ${SLOT}::timestamptz + interval '3 hours'),
      (${id}, -1, 104, 5, 'too late', ${CLOSE}::timestamptz + interval '1 second')`;
  // 👍: argument 102 gets 2, 101 gets 1 (and its author's own, which does not count), 103 gets 1
  await sql`
    INSERT INTO argument_votes (argument_id, user_id)
    SELECT a.id, v.u FROM case_arguments a
    JOIN (VALUES (101, 7), (101, 2), (102, 8), (102, 9), (103, 10)) AS v(m, u) ON a.message_id = v.m`;
  return Number(id);
}

Deno.test("case-closure pays exactly what splitCase says, once: a rerun and a second replica pay nothing", async () => {
  await using db = await testDatabase();
  const id = await votedCase(db.sql, 30);
  assert.equal(
    (await runJob(closure, db.sql, new Date(CLOSE.getTime() - 1))).changed,
    0,
    "not due",
  );
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  const runs = await Promise.all([runJob(closure, db.sql, CLOSE), runJob(closure, other, CLOSE)])
    .finally(() => other.end());
  assert.equal(runs.reduce((n, r) => n + r.changed!, 0), 1, "closed once");
  assert.equal((await runJob(closure, db.sql, CLOSE)).changed, 0);

  const votes = await db.sql<{ userId: number; option: string }[]>`
    SELECT user_id::int AS "userId", option FROM case_votes WHERE case_id = ${id}`;
  const args = await db.sql<{ id: number; userId: number; votes: number; postedAt: Date }[]>`
    SELECT id::int, user_id::int AS "userId", votes, posted_at AS "postedAt"
    FROM case_arguments WHERE case_id = ${id} AND message_id <> 104`;
  const expected = splitCase({
    pool: 1000,
    verdict: "police",
    votes: [...votes],
    arguments: [...args],
  })
    .map((r) => `${r.kind} ${r.rank ?? 0} ${r.userId} ${r.amount}`).sort();
  const paid = await db.sql`
    SELECT kind, rank, user_id, amount, state FROM case_rewards WHERE case_id = ${id}`;
  assert.deepEqual(
    paid.map((r) => `${r.kind} ${r.rank} ${r.user_id} ${r.amount}`).sort(),
    expected,
  );
  assert.ok(paid.every((r) => r.state === "completed"), "the xp rail settles at once");
  const ranks = await db.sql`
    SELECT message_id, votes, rank FROM case_arguments WHERE case_id = ${id} ORDER BY message_id`;
  assert.deepEqual(ranks.map((r) => [Number(r.message_id), r.votes, r.rank]), [
    [101, 1, 2],
    [102, 2, 1],
    [103, 1, 3],
    [104, 0, null],
  ]);
  // The ledger and the balances hold the same, once.
  const [sums] = await db.sql`
    SELECT (SELECT sum(amount) FROM xp_ledger WHERE reason = 'case')::int AS ledger,
           (SELECT sum(xp) FROM members)::int AS balances,
           (SELECT sum(amount) FROM case_rewards)::int AS rewards`;
  assert.equal(sums.ledger, sums.rewards);
  assert.equal(sums.balances, sums.rewards);
  assert.equal(sums.rewards, 900, "fewer than 100 participants: the creator's 10 % is not paid");

  const texts = (await outbox(db.sql)).filter((m) => !m.dedupe_key.startsWith("case-post:"));
  const [c] = await db.sql`SELECT salt, commitment FROM cases WHERE id = ${id}`;
  const closing = texts.find((m) => m.chat_id === -1)!.text;
  assert.match(closing, /Verdict: Hand it to the police\n/);
  assert.match(closing, /30 participants; 10 voters picked it\./);
  assert.match(closing, /🥇 user3 \(2 👍\)\n🥈 user2 \(1 👍\)\n🥉 user4 \(1 👍\)/);
  assert.ok(closing.endsWith(`Check it: sha256("police" ‖ "${c.salt}") = ${c.commitment}`));
  assert.match(
    texts.find((m) => m.chat_id === -2)!.text,
    /^⚖️ Caso #\d+ cerrado: La cartera perdida/,
  );
  assert.deepEqual(
    texts.filter((m) => m.chat_id > 0).map((m) => m.text),
    [
      `⚖️ Case #${id} closed: you earn 47 XP. Verdict: Hand it to the police`,
      `⚖️ Case #${id} closed: you earn 97 XP. Verdict: Hand it to the police`,
    ],
    "one private message per rewarded member who started the bot",
  );
});

Deno.test("a rewarded member's private message groups the XP as their language writes it", async () => {
  await using db = await testDatabase();
  const label = { en: "Keep it", es: "Quedártela" };
  const say = async (lang: string) => {
    const [row] = await db.sql.unsafe(
      `SELECT ${sqlRewardMessage(`'${lang}'`, 7, "12345", label)} AS text`,
    );
    return row.text;
  };
  assert.equal(await say("es"), "⚖️ Caso #7 cerrado: ganas 12.345 XP. Veredicto: Quedártela");
  assert.equal(await say("en"), "⚖️ Case #7 closed: you earn 12,345 XP. Verdict: Keep it");
  assert.equal(await say("ru"), "⚖️ Case #7 closed: you earn 12,345 XP. Verdict: Keep it");
});
