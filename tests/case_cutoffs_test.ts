/** The cases' cut-offs as members meet them: 👍 after the close, /case between close and closure, /wallet input. */
import assert from "node:assert/strict";
import type { Sql } from "postgres";
import { caseClosureJob } from "../domain/case_closure.ts";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { caseStatusText } from "../domain/case_answers.ts";
import { parseWallet } from "../domain/wallet.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { community, runJob } from "./fakes/community.ts";
import { groupMessage, reaction } from "./fakes/updates.ts";

const GROUP = -700;
const OPEN = new Date("2026-06-01T00:00:00Z");
const during = (h: number) => new Date(OPEN.getTime() + h * 3_600_000);
const [ana, ben, cai, eve, fay] = [11, 12, 13, 15, 16].map((id) => ({ id, name: `P${id}` }));

/** A group that plays, and case 1 opened in it at OPEN (voting 24 h). */
async function caseOneOpen(sql: Sql) {
  await community(sql, { id: GROUP, title: "Thinkers" }, []);
  await sql`UPDATE chats SET cases_enabled = true WHERE chat_id = ${GROUP}`;
  await runJob(
    caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" }),
    sql,
    OPEN,
  );
}

Deno.test("a 👍 given or taken back after voting closed (before case-closure ran) changes no ranking", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  let now = during(1);
  const bot = testBot(api, db.sql, { now: () => now });
  await bot.init();
  await caseOneOpen(db.sql);
  await db.sql`UPDATE outbox SET sent_message_id = 500 WHERE dedupe_key = ${
    "case-post:1:" + GROUP
  }`;

  let mid = 100;
  const argue = async (who: typeof ana, text: string) => {
    await bot.handleUpdate(groupMessage({
      chat: GROUP,
      from: who,
      text,
      messageId: ++mid,
      date: now,
      replyTo: { id: 999, name: "Warden", bot: true },
      replyToId: 500,
      title: "Thinkers",
    }) as never);
    return mid;
  };
  const thumbs = (who: typeof ana, message: number) =>
    bot.handleUpdate(
      reaction({
        chat: GROUP,
        from: who,
        messageId: message,
        old: [],
        now: ["👍"],
        date: now,
      }) as never,
    );

  const byEve = await argue(eve, "The police keep a record.");
  const byFay = await argue(fay, "Return it yourself.");
  await thumbs(ana, byFay); // during voting: Fay leads 1–0

  now = during(24.02); // voting closed at 24 h; case-closure's next slot is 24 h 05
  await thumbs(ben, byEve);
  await thumbs(cai, byEve);

  await runJob(caseClosureJob({ pool: 1000, rail: "xp" }), db.sql, during(24 + 5 / 60));
  const ranked = await db.sql`
    SELECT user_id::int AS u, votes, rank FROM case_arguments ORDER BY rank`;
  assert.deepEqual(
    ranked.map((r) => [r.u, r.votes, r.rank]),
    [[fay.id, 1, 1], [eve.id, 0, 2]],
    "only 👍 given while voting was open count",
  );
});

Deno.test("/case after voting closed, before the closure ran, says voting closed (not closes in 1 min)", async () => {
  await using db = await testDatabase();
  await caseOneOpen(db.sql);
  const text = await caseStatusText(db.sql, null, "en", during(24.03)); // 1 min 48 s after the close
  assert.match(text, /^⚖️ Case #1: .* — voting closed, 0 votes; results shortly\.$/m, text);
  const es = await caseStatusText(db.sql, null, "es", during(24.03));
  assert.match(es, /^⚖️ Caso #1: .* — votación cerrada, 0 votos; resultados en breve\.$/m, es);
  assert.match(await caseStatusText(db.sql, null, "en", during(23.5)), /closes in 30 min/);
});

Deno.test("/wallet with an emoji: the error names the character, not half of it", () => {
  const r = parseWallet("0x😀" + "a".repeat(38));
  assert.equal(r.ok, false);
  const error = (r as { error: string }).error;
  assert.ok(error.isWellFormed(), `lone surrogate in ${JSON.stringify(error)}`);
  assert.match(error, /this one has 39/, "the emoji is one character, not two");
  const named = parseWallet("0x" + "a".repeat(39) + "😀");
  const why = (named as { error: string }).error;
  assert.ok(why.isWellFormed() && /"😀"|😀/.test(why) && /42/.test(why), why);
});
