import assert from "node:assert/strict";
import type postgres from "postgres";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { judgeProposal, openaiProvider } from "../domain/case_openai.ts";
import { caseDraft, ProviderAnswerError } from "../domain/case_provider.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { type ChatRequest, DRAFT, openaiDouble, type OpenAIReply } from "./fakes/openai_double.ts";

const KEY = "sk-test-9f3c1d2e7a";
const MODEL = "warden-test-model";
const SLOT = new Date("2026-06-01T00:00:00Z");
const never = new AbortController().signal;

const t = (en: string, es: string) => ({ en, es });
/** A valid answer: every `caseDraft` field but `key`. */

async function insertCase(sql: postgres.Sql, key: string, title: string) {
  const now = new Date();
  await sql`
    INSERT INTO cases (source, source_key, title, body, options, verdict, reasoning, salt,
                       commitment, opens_at, closes_at)
    VALUES ('bank', ${key}, ${sql.json(t(title, title))}, ${sql.json(DRAFT.body)},
            ${sql.json(DRAFT.options)}, 'tell', ${sql.json(DRAFT.reasoning)}, 'salt', 'hash',
            ${now}, ${now})`;
}

Deno.test("openai provider: a valid answer is a whole case, asked for with the real request shape", async () => {
  await using db = await testDatabase();
  await using api = openaiDouble();
  await insertCase(db.sql, "bank:a:1", "The lost wallet");
  await insertCase(db.sql, "bank:b:1", "The leaked exam");
  api.reply({ json: DRAFT });
  const provider = openaiProvider({ url: api.url + "/", model: MODEL, apiKey: KEY });
  assert.equal(provider.name, "openai");

  const draft = await provider.next(db.sql, never);
  assert.deepEqual(caseDraft.parse(draft), draft);
  assert.deepEqual({ ...draft, key: undefined }, { ...DRAFT, key: undefined });
  const content = JSON.stringify(DRAFT);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(content)),
  );
  const hex16 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
  assert.equal(draft.key, `openai:${hex16}`);

  assert.equal(api.requests.length, 1);
  const [req] = api.requests;
  assert.equal(req.method, "POST");
  assert.equal(req.path, "/v1/chat/completions", "a trailing slash on the base is tolerated");
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  assert.match(req.headers["content-type"], /^application\/json/);
  const body = req.body as ChatRequest;
  assert.equal(body.model, MODEL);
  assert.deepEqual(body.response_format, { type: "json_object" });
  assert.equal(typeof body.temperature, "number");
  assert.deepEqual(body.messages.map((m) => m.role), ["system", "user"]);
  assert.match(body.messages[0].content, /JSON/, "JSON mode needs the word JSON in the prompt");
  assert.match(body.messages[0].content, /"verdict"/);
  assert.match(body.messages[1].content, /- The leaked exam\n- The lost wallet$/);
  assert.ok(!JSON.stringify(body).includes(KEY), "the key travels only in the header");
});

Deno.test("openai provider: without an API key no Authorization header is sent; fenced JSON is accepted", async () => {
  await using db = await testDatabase();
  await using api = openaiDouble();
  api.reply({ content: "```json\n" + JSON.stringify(DRAFT, null, 2) + "\n```" });
  const draft = await openaiProvider({ url: api.url, model: MODEL }).next(db.sql, never);
  assert.equal(draft.verdict, "tell");
  assert.equal(api.requests[0].headers.authorization, undefined);
  assert.equal((api.requests[0].body as ChatRequest).messages[1].content, "Write a new dilemma.");
});

const bad: [string, OpenAIReply, RegExp][] = [
  [
    "401 with OpenAI's error body, echoing the key",
    {
      status: 401,
      error: { message: `Incorrect API key provided: ${KEY}.`, code: "invalid_api_key" },
    },
    /^provider answered 401: Incorrect API key provided: \*\*\*\.$/,
  ],
  ["500 without a body", { status: 500 }, /^provider answered 500$/],
  [
    "not JSON",
    { content: "Sure! Here is a dilemma about a neighbour who borrowed a ladder and broke it" },
    /^provider's answer is not JSON: "Sure! Here is a dilemma about a neighbour who borrowed a ladder and broke it"$/,
  ],
  [
    "JSON missing fields",
    { json: { title: DRAFT.title } },
    /^provider's answer is not a valid case: body: .*; options: .*; verdict: .*; reasoning: /,
  ],
  [
    "a verdict that is not an option",
    { json: { ...DRAFT, verdict: "x" } },
    /: verdict: verdict "x" is not one of the options \(pay, tell, hide\)$/,
  ],
  [
    "duplicate option ids",
    { json: { ...DRAFT, options: [DRAFT.options[0], DRAFT.options[0]], verdict: "pay" } },
    /: options: option ids repeat: pay,pay$/,
  ],
  [
    "a bad option id and a Spanish title missing",
    {
      json: {
        ...DRAFT,
        title: { en: "The ladder" },
        options: [{ ...DRAFT.options[0], id: "Pay Now" }, DRAFT.options[1]],
      },
    },
    /: title\.es: .*; options\.0\.id: expected an option id like a or return$/,
  ],
  [
    "no choices",
    { raw: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: MODEL, choices: [] } },
    /^provider answered no choices$/,
  ],
  [
    "an answer cut off at the token limit",
    { content: '{"title": {"en": "The bor', finishReason: "length" },
    /^provider's answer was cut off at its token limit: /,
  ],
  [
    "a reply that is not a completion (a proxy's page)",
    { raw: "<html><body>Welcome to nginx!</body></html>" },
    /^provider's reply is not a chat completion: "<html><body>Welcome to nginx!<\/body><\/html>"$/,
  ],
  ["no answer in time", { hang: true }, /^provider did not answer within 200 ms$/],
];

Deno.test("openai provider: each bad answer is a ProviderAnswerError naming the problem, never the key", async (t) => {
  await using db = await testDatabase();
  await using api = openaiDouble();
  const provider = openaiProvider({ url: api.url, model: MODEL, apiKey: KEY, timeoutMs: 200 });
  for (const [name, reply, message] of bad) {
    await t.step(name, async () => {
      api.reply(reply);
      const error = await provider.next(db.sql, never).then(
        () => assert.fail("expected a ProviderAnswerError"),
        (e: unknown) => e as Error,
      );
      assert.ok(error instanceof ProviderAnswerError, `${error}`);
      assert.match(error.message, message);
      assert.ok(!error.message.includes(KEY), error.message);
    });
  }
});

Deno.test("openai provider: a network error and the job's abort", async () => {
  await using db = await testDatabase();
  const closed = openaiDouble();
  const url = closed.url;
  await closed.close();
  const down = openaiProvider({ url, model: MODEL, apiKey: KEY });
  await assert.rejects(down.next(db.sql, never), (e: Error) => {
    assert.ok(e instanceof ProviderAnswerError);
    assert.match(e.message, new RegExp(`^provider unreachable at ${url}/chat/completions: `));
    assert.ok(!e.message.includes(KEY));
    return true;
  });

  await using api = openaiDouble();
  api.reply({ hang: true });
  const job = new AbortController();
  const asked = openaiProvider({ url: api.url, model: MODEL }).next(db.sql, job.signal);
  const reason = new Error("the run was cancelled");
  setTimeout(() => job.abort(reason), 10);
  await assert.rejects(asked, (e) => e === reason, "the job's own abort, not a provider failure");
});

Deno.test("judgeProposal: the member's text is judged into a case with a member key", async () => {
  await using api = openaiDouble();
  api.reply({ json: DRAFT }, { json: { ...DRAFT, verdict: "none" } });
  const o = { url: api.url, model: MODEL, apiKey: KEY };
  const text = "Mi vecino me prestó una escalera y se rompió. ¿Pago una nueva?";
  const draft = await judgeProposal(o, { text, language: "es" });
  assert.match(draft.key, /^member:[0-9a-f]{16}$/);
  assert.equal(draft.verdict, "tell");
  const body = api.requests[0].body as ChatRequest;
  assert.deepEqual(body.response_format, { type: "json_object" });
  assert.match(body.messages[0].content, /Keep the member's situation and meaning/);
  assert.match(body.messages[1].content, /written in Spanish/);
  assert.ok(body.messages[1].content.includes(text));
  await assert.rejects(
    judgeProposal(o, { text, language: "es" }),
    /verdict "none" is not one of the options/,
  );
});

Deno.test("case-generation with the openai provider: nonsense is recorded and the slot retried into one case", async () => {
  await using db = await testDatabase();
  await using api = openaiDouble();
  await community(db.sql, { id: -1, title: "Readers" }, []);
  await db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = -1`;
  const provider = openaiProvider({ url: api.url, model: MODEL, apiKey: KEY });
  const job = caseGenerationJob({ provider, votingHours: 24, rail: "xp" });

  api.reply({ content: "I think the best dilemma would be one about honesty." });
  await assert.rejects(runJob(job, db.sql, SLOT), ProviderAnswerError);
  const state = async () =>
    (await db.sql`
      SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM outbox)::int AS posts,
             (SELECT json_agg(json_build_object('provider', provider, 'slot', slot, 'error', error))
              FROM case_attempts) AS attempts`)[0];
  const failed = await state();
  assert.equal(failed.cases, 0, "never half a case");
  assert.equal(failed.posts, 0);
  assert.equal(failed.attempts.length, 1);
  assert.equal(failed.attempts[0].provider, "openai");
  assert.equal(new Date(failed.attempts[0].slot).toISOString(), SLOT.toISOString());
  assert.match(failed.attempts[0].error, /^provider's answer is not JSON: "I think/);

  api.reply({ json: DRAFT });
  const retried = await runJob(job, db.sql, SLOT);
  assert.equal(retried.changed, 1);
  const done = await state();
  assert.equal(done.cases, 1);
  assert.equal(done.posts, 1);
  assert.equal(done.attempts.length, 1, "the success adds no attempt");
  const [c] = await db.sql`SELECT source, source_key, verdict, title FROM cases`;
  assert.equal(c.source, "openai");
  assert.match(c.source_key, /^openai:[0-9a-f]{16}$/);
  assert.equal(c.verdict, "tell");
  assert.deepEqual(c.title, DRAFT.title);
  assert.equal((await runJob(job, db.sql, SLOT)).changed, 0, "the slot again: no call, no case");
  assert.equal(api.requests.length, 2);
});
