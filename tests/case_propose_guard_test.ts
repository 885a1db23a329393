/** `/propose` opens one case per message, and only from a group that plays. */
import assert from "node:assert/strict";
import { judgeProposal } from "../domain/case_openai.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { DRAFT, openaiDouble } from "./fakes/openai_double.ts";
import { groupMessage } from "./fakes/updates.ts";

const at = new Date("2026-06-01T10:00:00Z");
const ana = { id: 11, name: "Ana" };
const TEXT = "/propose My neighbour lent me a broken ladder: do I pay for a new one?";

async function setup() {
  const db = await testDatabase();
  const api = botApiDouble({ limits: false });
  const ai = openaiDouble();
  const judge = (text: string, language: "en" | "es") =>
    judgeProposal({ url: ai.url, model: "m", timeoutMs: 5_000 }, { text, language });
  const bot = testBot(api, db.sql, {
    now: () => at,
    proposals: { judge, votingHours: 24, rail: "xp" },
  });
  await bot.init();
  return {
    db,
    api,
    ai,
    bot,
    async [Symbol.asyncDispose]() {
      await ai[Symbol.asyncDispose]();
      await api[Symbol.asyncDispose]();
      await db.close();
    },
  };
}

Deno.test("/propose: the same Telegram update handled twice (redelivery) opens one case, not two", async () => {
  await using t = await setup();
  await community(t.db.sql, { id: -1, title: "Thinkers" }, []);
  await t.db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = -1`;
  // A model at temperature 0.2 rarely words two answers identically.
  t.ai.reply({ json: DRAFT }, {
    json: { ...DRAFT, reasoning: { ...DRAFT.reasoning, en: DRAFT.reasoning.en + " Really." } },
  });
  const update = groupMessage({
    chat: -1,
    from: ana,
    text: TEXT,
    messageId: 7,
    date: at,
    title: "Thinkers",
  });
  await t.bot.handleUpdate(update as never);
  await t.bot.handleUpdate(update as never); // Telegram redelivers the same update_id / message_id
  const [{ n }] = await t.db.sql`SELECT count(*)::int AS n FROM cases`;
  assert.equal(n, 1, "one /propose message, one case");
  assert.equal(t.api.sent.at(-1)!.text, "That case exists already: #1.");
  assert.equal(t.ai.requests.length, 1, "the judge is not asked again");
});

Deno.test("/propose in a group that does not play is refused: no case reaches the groups that do", async () => {
  await using t = await setup();
  await community(t.db.sql, { id: -1, title: "Players" }, []);
  await t.db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = -1`;
  await community(t.db.sql, { id: -2, title: "Not playing" }, []); // cases_enabled = false (default)
  t.ai.reply({ json: DRAFT });
  await t.bot.handleUpdate(
    groupMessage({
      chat: -2,
      from: ana,
      text: TEXT,
      messageId: 7,
      date: at,
      title: "Not playing",
    }) as never,
  );
  const [{ n }] = await t.db.sql`SELECT count(*)::int AS n FROM cases`;
  assert.equal(n, 0, "a group that has not opted in cannot open cases");
  assert.match(t.api.sent.at(-1)!.text, /^Cases are off in this group/);
  assert.equal(t.ai.requests.length, 0);
});
