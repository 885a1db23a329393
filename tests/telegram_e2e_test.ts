import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createDelivery } from "../bot/delivery.ts";
import { telegramLimits } from "../bot/pacer.ts";
import { createPoller } from "../bot/poller.ts";
import { levelUpsJob } from "../domain/level_ups.ts";
import { syncLevels } from "../domain/levels.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";
import { groupMessage, privateMessage } from "./fakes/updates.ts";
import { systemClock } from "../actors/clock.ts";
import { connectClient } from "../db/connect.ts";

const SECRET = "webhook-secret-123";

Deno.test("end to end: updates through the webhook → XP → level-ups → the level-up message reaches Telegram", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql);
  await using r = dbRuntime(db.url, [levelUpsJob({ batchSize: 100, notify: true })], {
    node: "e2e",
  });
  r.runtime.start();
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: r.clock });
  await using http = serve(createApp({
    runtime: r.runtime,
    readiness,
    log: createLogger({ level: "silent" }),
    metrics: runtimeMetrics(createRegistry(), r.runtime, readiness),
    webhook: { bot, secretToken: SECRET },
  }));
  const post = (update: unknown, secret = SECRET) =>
    fetch(`${http.base}/telegram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify(update),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));

  const ana = { id: 11, name: "Ana", username: "ana" };
  const t0 = new Date("2026-06-01T10:00:00Z");
  assert.equal(
    (await post(privateMessage({ from: ana, text: "/start", messageId: 1, date: t0 }), "wrong"))
      .status,
    401,
  );
  assert.equal(
    (await post(privateMessage({ from: ana, text: "/start", messageId: 1, date: t0 }))).status,
    200,
  );
  // 34 links, three a minute (the cap allows 10 XP a minute): 102 XP, past level 2 at 100.
  for (let i = 0; i < 34; i++) {
    const date = new Date(t0.getTime() + 60_000 + i * 20_000);
    const update = groupMessage({
      chat: -500,
      from: ana,
      text: `see https://example.org/${i}`,
      messageId: 10 + i,
      date,
      title: "Readers",
    });
    assert.equal((await post(update)).status, 200);
  }
  const [member] = await db
    .sql`SELECT xp, level FROM members WHERE chat_id = -500 AND user_id = 11`;
  assert.deepEqual([member.xp, member.level], [102, 1]);

  const run = await r.runtime.run("level-ups");
  assert.equal(run?.outcome, "succeeded");
  assert.equal(run?.result?.changed, 1);

  const delivery = createDelivery({
    sql: db.sql,
    clock: systemClock(),
    log: createLogger({ level: "silent" }),
    send: (chat, text) => bot.api.sendMessage(chat, text),
    limits: telegramLimits,
    node: "e2e",
  });
  const sent = await delivery.deliver(await delivery.claim(), new AbortController().signal);
  assert.equal(sent, 2, "the private message and the group digest");
  const dm = api.sent.find((m) => m.chat_id === 11 && m.text.includes("You reached level"));
  assert.ok(dm, "a private message to Ana");
  assert.match(
    dm.text,
    /^🎉 You reached level 2 — Newcomer II — in Readers!\nPrevious level: 1 — Newcomer I/,
  );
  const digest = api.sent.find((m) => m.chat_id === -500);
  assert.match(digest?.text ?? "", /🏆 Level-ups in Readers:\n• Ana → level 2 \(Newcomer II\)/);
});

Deno.test("two runtimes with long polling: exactly one polls; stop it and the other takes over", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const log = createLogger({ level: "silent" });
  const replicas = ["a", "b"].map((node) => {
    const sql = connectClient(db.url, { embedded: db.kind === "embedded", max: 2 });
    const bot = testBot(api, sql, { log });
    const poller = createPoller({ sql, bot, clock: systemClock(), log, node, leaseMs: 600 });
    const stop = new AbortController();
    return {
      node,
      sql,
      poller,
      stop,
      running: poller.loop({ stop: stop.signal, kill: stop.signal }),
    };
  });
  try {
    await Promise.race(replicas.map((r) => r.poller.polling()));
    const leaseHolder = async () => (await db.sql`SELECT node FROM bot_poller_lease`)[0]?.node;
    const holder = await leaseHolder();
    const first = replicas.find((r) => r.node === holder)!;
    const other = replicas.find((r) => r !== first)!;
    assert.equal(first.poller.role(), "polling");
    assert.equal(other.poller.role(), "standby");

    first.stop.abort();
    await first.running;
    assert.equal(first.poller.role(), "standby");
    await other.poller.polling(); // it takes over
    assert.equal(await leaseHolder(), other.node);
    assert.equal(other.poller.role(), "polling");
    // And it serves: a message pushed now reaches its bot.
    api.pushText(-9, "hello https://example.org", 31);
    const wait = async () => {
      for (;;) {
        const rows = await db.sql`SELECT xp FROM members WHERE user_id = 31`;
        if (rows.length) return rows[0].xp;
        await api.polling();
      }
    };
    assert.equal(await wait(), 3);
  } finally {
    for (const r of replicas) {
      r.stop.abort();
      await r.running;
      await r.sql.end();
    }
  }
});
