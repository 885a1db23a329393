import assert from "node:assert/strict";
import { judgeProposal } from "../domain/case_openai.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";
import { type ChatRequest, DRAFT, openaiDouble } from "./fakes/openai_double.ts";
import { groupMessage } from "./fakes/updates.ts";

const at = new Date("2026-06-01T10:00:00Z");
const ana = { id: 11, name: "Ana", language: "es" };
const ben = { id: 12, name: "Ben" };
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

Deno.test("/propose: judged by the provider, opened with its creator and posted; a bad answer is named and nothing is opened; the bank cannot judge", async () => {
  await using t = await setup();
  const { db, api, ai, bot } = t;
  await community(db.sql, { id: -1, title: "Pensadores" }, []);
  await db.sql`UPDATE chats SET cases_enabled = true, language = 'es' WHERE chat_id = -1`;
  let id = 1;
  const say = async (text: string, over = bot) => {
    await over.handleUpdate(
      groupMessage({
        chat: -1,
        from: ana,
        text,
        messageId: id++,
        date: at,
        title: "Pensadores",
      }) as never,
    );
    return api.sent.at(-1)!.text;
  };

  assert.match(await say("/propose corto"), /^Uso: \/propose/);
  // the member reads their language, never the provider's English (nor what it says of its key)
  ai.reply({ content: "Sure! Here is a dilemma" });
  const failed = await say("/propose Mi vecino me prestó una escalera rota: ¿pago una nueva o no?");
  assert.match(failed, /^❌ No se pudo juzgar la propuesta: el juez de IA /);
  assert.doesNotMatch(failed, /provider|JSON/);
  ai.reply({ status: 401, error: { message: "Incorrect API key provided: sk-ab***yz" } });
  const refused = await say(
    "/propose Mi vecino me prestó una escalera rota: ¿pago una nueva o no?",
  );
  assert.equal(refused, failed);
  assert.equal((await db.sql`SELECT count(*)::int AS n FROM cases`)[0].n, 0);

  ai.reply({ json: DRAFT });
  assert.equal(
    await say("/propose Mi vecino me prestó una escalera rota: ¿pago una nueva o no?"),
    "⚖️ Tu caso #1 está abierto: se publica en los grupos que juegan.",
  );
  const [c] = await db.sql`SELECT source, creator_id, creator_chat, verdict, closes_at FROM cases`;
  assert.deepEqual([c.source, Number(c.creator_id), Number(c.creator_chat), c.verdict], [
    "member",
    11,
    -1,
    "tell",
  ]);
  assert.equal(c.closes_at.toISOString(), "2026-06-02T10:00:00.000Z");
  const [post] = await db.sql`SELECT text FROM outbox WHERE dedupe_key = 'case-post:1:-1'`;
  assert.match(post.text, /^⚖️ Caso #1: La escalera prestada/);
  const asked = ai.requests.at(-1)!.body as ChatRequest;
  assert.match(asked.messages[1].content, /Mi vecino me prestó/);

  const bankBot = testBot(api, db.sql);
  await bankBot.init();
  assert.match(
    await say("/propose anything at all, long enough", bankBot),
    /necesitan un juez de IA/,
  );
});

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
    from: ben,
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

Deno.test("/propose redelivered to two replicas at once opens one case: the key decides", async () => {
  await using t = await setup();
  await community(t.db.sql, { id: -1, title: "Thinkers" }, []);
  await t.db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = -1`;
  const judge = (text: string, language: "en" | "es") =>
    judgeProposal({ url: t.ai.url, model: "m", timeoutMs: 5_000 }, { text, language });
  const other = testBot(t.api, t.db.sql, {
    now: () => at,
    proposals: { judge, votingHours: 24, rail: "xp" },
  });
  await other.init();
  t.ai.reply({ json: DRAFT }, {
    json: { ...DRAFT, reasoning: { ...DRAFT.reasoning, en: DRAFT.reasoning.en + " Really." } },
  });
  const update = groupMessage({ chat: -1, from: ben, text: TEXT, messageId: 8, date: at });
  await Promise.all([t.bot.handleUpdate(update as never), other.handleUpdate(update as never)]);
  const cases = await t.db.sql`SELECT source_key FROM cases`;
  assert.deepEqual(cases.map((c) => c.source_key), ["member:-1:8"]);
  const replies = t.api.sent.map((m) => m.text).sort();
  assert.equal(replies.length, 2);
  assert.match(replies.join("\n"), /That case exists already/);
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
      from: ben,
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
