import assert from "node:assert/strict";
import type postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import type { Runtime } from "../actors/runtime.ts";
import { createBot } from "../bot/bot.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble, type Update } from "./fakes/bot_api.ts";
import { memoryRunStore } from "./fakes/run_store.ts";
import { fakeClock } from "./fakes/clock.ts";
import { job, testRuntime } from "./fakes/runtime.ts";
import { privateMessage } from "./fakes/updates.ts";

const OPERATOR = { id: 1, name: "Ana", username: "ana" };

/** The real bot on `runtime`, with `OPERATOR` as its one operator, initialised. */
async function operatorBot(sql: postgres.Sql, apiRoot: string, runtime: unknown) {
  const bot = createBot({
    token: "123456:TEST",
    apiRoot,
    sql,
    log: createLogger({ level: "silent" }),
    xp: { perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 },
    adminUserIds: [OPERATOR.id],
    runtime: () => runtime as Runtime,
  });
  await bot.init();
  return bot;
}

Deno.test("an operator's /run, /pause and /resume that the runtime cannot do are answered with why, never silence", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const clock = fakeClock("2026-05-01T00:00:00Z");
  const store = memoryRunStore(clock);
  // The database is away for the control plane's writes.
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
    code: "ECONNREFUSED",
  });
  store.setPaused = () => Promise.reject(refused);
  const spec = job({ name: "level-ups", run: () => Promise.resolve() });
  const { runtime } = testRuntime([spec], { store, clock });
  runtime.start();
  const bot = await operatorBot(db.sql, api.apiRoot, runtime);
  let id = 0;
  const say = async (text: string) => {
    const before = api.sent.length;
    const update = privateMessage({ from: OPERATOR, text, messageId: ++id, date: new Date() });
    await bot.handleUpdate(update as unknown as Update);
    return api.sent.slice(before).map((m) => m.text);
  };

  assert.deepEqual(await say("/pause level-ups"), [
    "⚠️ Cannot pause level-ups: the database is unavailable; try again.",
  ]);
  assert.deepEqual(await say("/resume level-ups"), [
    "⚠️ Cannot resume level-ups: the database is unavailable; try again.",
  ]);
  await runtime.stop("level-ups");
  assert.deepEqual(await say("/run level-ups"), ["⚠️ Cannot run level-ups: actor stopped"]);
  await runtime.shutdown(1_000);
  assert.deepEqual(await say("/run level-ups"), [
    "⚠️ Cannot run level-ups: shutting down",
  ]);
});

Deno.test("an unknown job name is quoted back cut short: a pasted wall of text still gets its answer", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const clock = fakeClock("2026-05-01T00:00:00Z");
  const spec = job({ name: "level-ups", run: () => Promise.resolve() });
  const { runtime } = testRuntime([spec], { store: memoryRunStore(clock), clock });
  const bot = await operatorBot(db.sql, api.apiRoot, runtime);
  for (const [i, verb] of ["run", "pause", "resume"].entries()) {
    const text = `/${verb} ${"x".repeat(5_000)}`;
    const update = privateMessage({ from: OPERATOR, text, messageId: i + 1, date: new Date() });
    await bot.handleUpdate(update as unknown as Update);
    const answer = api.sent.at(-1)?.text ?? "";
    assert.equal(api.sent.length, i + 1, `/${verb} is answered`);
    assert.match(answer, /^Unknown job "x{31}…"\. Usage: /, answer);
  }
  await runtime.shutdown(1_000);
});
