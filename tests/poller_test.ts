import assert from "node:assert/strict";
import { Bot, GrammyError } from "grammy";
import type postgres from "postgres";
import { LeaseLostError } from "../actors/errors.ts";
import { createEventBus, type RuntimeEvent } from "../actors/events.ts";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { defaultRestartPolicy } from "../actors/policy.ts";
import { createSupervisor } from "../actors/supervisor.ts";
import { createPoller } from "../bot/poller.ts";
import { createTelegram } from "../bot/telegram.ts";
import { loadConfig } from "../config.ts";
import { testDatabase } from "./db.ts";
import { type BotApiDouble, botApiDouble } from "./fakes/bot_api.ts";
import { fakeClock } from "./fakes/clock.ts";
import { withDeadline } from "./fakes/deadline.ts";

const TOKEN = "123456:TEST";
const LEASE_MS = 30_000;
const log = createLogger({ level: "silent" });

async function leaseHolder(sql: postgres.Sql): Promise<string | undefined> {
  return (await sql`SELECT node FROM bot_poller_lease`)[0]?.node;
}

/** A real grammY bot against the double that notes the texts it hears. */
function listeningBot(api: BotApiDouble) {
  const heard: string[] = [];
  let next = Promise.withResolvers<string>();
  const bot = new Bot(TOKEN, { client: { apiRoot: api.apiRoot } });
  bot.on("message:text", (ctx) => {
    heard.push(ctx.message.text);
    next.resolve(ctx.message.text);
    next = Promise.withResolvers();
  });
  /** Resolves with the next text this bot hears. */
  const hears = () =>
    withDeadline(next.promise, "a text heard by the bot", { lastSeen: () => heard.join("\n") });
  return { bot, heard, hears };
}

/**
 * A poller's loop, started. `ended` settles with "stopped" or the error it threw, and
 * `polling()` once it polls; both fail past the test deadline rather than hang the suite.
 */
function replica(sql: postgres.Sql, api: BotApiDouble, node: string) {
  const clock = fakeClock();
  const { bot, heard, hears } = listeningBot(api);
  const poller = createPoller({ sql, bot, clock, log, node, leaseMs: LEASE_MS });
  const stop = new AbortController();
  const settled = poller.loop({ stop: stop.signal, kill: stop.signal })
    .then(() => "stopped" as const, (error: unknown) => error);
  const lastSeen = () =>
    `poller ${node}: ${
      JSON.stringify(poller.state())
    }, ${clock.pending} asleep at ${clock.now().toISOString()}\n` +
    api.calls.slice(-5).map((c) => `${c.method} ${JSON.stringify(c.params)}`).join("\n");
  return {
    node,
    clock,
    heard,
    hears,
    poller,
    stop,
    get ended() {
      return withDeadline(settled, `the loop of poller ${node} to end`, { lastSeen });
    },
    polling: () => withDeadline(poller.polling(), `poller ${node} to poll`, { lastSeen }),
  };
}

/** Pushes a text and resolves once the bot that polls has handled it and polls again. */
async function deliver(api: BotApiDouble, text: string) {
  api.pushText(-9, text, 31);
  await api.polling();
}

function nextRestart(events: ReturnType<typeof createEventBus>) {
  return new Promise<Extract<RuntimeEvent, { type: "restarting" }>>((resolve) => {
    const off = events.on((e) => {
      if (e.type === "restarting") {
        off();
        resolve(e);
      }
    });
  });
}

for (const code of [409, 401]) {
  Deno.test(`a ${code} from getUpdates fails the poller's loop: it stops polling, releases its lease and says so`, async () => {
    await using db = await testDatabase();
    await using api = botApiDouble({ limits: false });
    const r = replica(db.sql, api, "a");
    await r.polling();
    await api.polling();
    assert.equal(await leaseHolder(db.sql), "a");
    assert.deepEqual(r.poller.state(), { status: "polling" });

    api.failPolling({ code });
    const error = await r.ended;
    assert.ok(error instanceof GrammyError, `expected a GrammyError, got ${error}`);
    assert.equal(error.error_code, code);
    assert.equal(await leaseHolder(db.sql), undefined, "the lease is released at once");
    const state = r.poller.state();
    assert.equal(state.status, "restarting");
    assert.match(state.status === "restarting" ? state.error : "", new RegExp(`${code}`));
  });
}

Deno.test("a poller whose lease another node took stops polling and fails with LeaseLostError", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const r = replica(db.sql, api, "a");
  await r.polling();
  await api.polling();
  await db.sql`UPDATE bot_poller_lease SET node = 'intruder'`;
  const before = api.calls.length;
  await r.clock.advance(LEASE_MS / 3); // the renewal finds the lease is no longer ours
  const error = await r.ended;
  assert.ok(error instanceof LeaseLostError, `expected a LeaseLostError, got ${error}`);
  assert.equal(await leaseHolder(db.sql), "intruder", "what is not ours is not released");
  assert.equal(r.poller.role(), "restarting");
  // Not grammY's confirming getUpdates in bot.stop() either: it would knock out the new holder's
  // poll. (The aborted long poll itself may reach the double twice: Deno 2.9 resends an aborted
  // request on a kept-alive connection, denoland/deno#36786.)
  const confirms = api.calls.slice(before).filter((c) =>
    c.method === "getUpdates" && c.params.limit === 1
  );
  assert.deepEqual(confirms, [], "no confirming getUpdates after the lease was lost");
});

Deno.test("under its supervisor a poller failed by a 409 says so in the Telegram status, is restarted after the backoff and polls again", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const clock = fakeClock();
  const events = createEventBus();
  const config = loadConfig(
    { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot, NODE_ID: "a" },
    [],
  );
  const telegram = createTelegram({
    config,
    sql: db.sql,
    clock,
    log,
    registry: createRegistry(),
    runtime: () => undefined,
  });
  const supervisor = createSupervisor({
    clock,
    log,
    events,
    policy: defaultRestartPolicy,
    random: () => 0.5,
    heartbeatMs: 3_600_000,
  });
  supervisor.start(telegram.children.filter((c) => c.id === "telegram-poller"));
  try {
    await api.polling();
    assert.deepEqual(telegram.status(), { status: "ok", detail: "long polling: polling" });

    const restarting = nextRestart(events);
    api.failPolling({ code: 409 });
    const restart = await restarting;
    assert.equal(restart.child, "telegram-poller");
    assert.equal(restart.delayMs, 1_100); // 1 s·(1 + 0.2·0.5)
    const status = telegram.status();
    assert.equal(status.status, "error");
    assert.match(status.detail, /^long polling: restarting: GrammyError: .*409/);
    assert.equal(await leaseHolder(db.sql), undefined);

    await clock.advance(restart.delayMs);
    await api.polling(); // polling again
    assert.deepEqual(telegram.status(), { status: "ok", detail: "long polling: polling" });
    assert.equal(await leaseHolder(db.sql), "a");
    await deliver(api, "hello again https://example.org");
    const [member] = await db.sql`SELECT xp FROM members WHERE chat_id = -9 AND user_id = 31`;
    assert.equal(member?.xp, 3, "the restarted poller's bot handled the update");
  } finally {
    await supervisor.shutdown(1_000);
  }
  assert.equal(await leaseHolder(db.sql), undefined, "released on shutdown");
});

for (const death of ["its loop fails", "its lease is made to run out"] as const) {
  Deno.test(`two pollers on one database: one polls, the other stands by and takes over when ${death}`, async () => {
    await using db = await testDatabase();
    await using api = botApiDouble({ limits: false });
    const replicas = ["a", "b"].map((node) => replica(db.sql, api, node));
    try {
      await Promise.race(replicas.map((r) => r.polling()));
      await api.polling();
      const holder = await leaseHolder(db.sql);
      const first = replicas.find((r) => r.node === holder)!;
      const second = replicas.find((r) => r !== first)!;
      assert.deepEqual([first.poller.role(), second.poller.role()], ["polling", "standby"]);
      const one = first.hears();
      api.pushText(-9, "one", 31);
      assert.equal(await one, "one");
      await api.polling(); // and it polls again

      if (death === "its loop fails") {
        api.failPolling({ code: 409 });
        assert.ok(await first.ended instanceof GrammyError);
        // Released: free, or already the standby's, whose first try may still have been on its
        // way to the database and found it free (seen once in CI).
        const after = await leaseHolder(db.sql);
        assert.ok(after === undefined || after === second.node, `the lease is held by ${after}`);
      } else {
        // The first's clock stands still, so it never renews: run the lease out as time would.
        await db.sql`UPDATE bot_poller_lease SET expires_at = now() - interval '1 second'`;
      }
      // The standby's next try. Its first one may still be on its way to the database (the
      // holder answered first), so wait until it sleeps before moving its time on (if it took
      // the lease already, its lease renewer is the sleeper, and the move renews).
      await second.clock.sleeping(LEASE_MS / 3);
      await second.clock.advance(LEASE_MS / 3);
      await second.polling();
      assert.equal(await leaseHolder(db.sql), second.node);
      // Either way the first is done: the new holder's poll ends its own with a 409.
      assert.ok(await first.ended instanceof GrammyError);
      assert.equal(first.poller.role(), "restarting");
      assert.equal(second.poller.role(), "polling");
      const two = second.hears();
      api.pushText(-9, "two", 31);
      assert.equal(await two, "two");
      assert.deepEqual([first.heard, second.heard], [["one"], ["two"]]);
      assert.equal(await leaseHolder(db.sql), second.node, "a failed poller keeps its hands off");
    } finally {
      for (const r of replicas) r.stop.abort();
      await Promise.all(replicas.map((r) => r.ended));
    }
  });
}
