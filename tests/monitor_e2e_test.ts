import assert from "node:assert/strict";
import { systemClock } from "../actors/clock.ts";
import { createLogger } from "../actors/log.ts";
import { defaultRestartPolicy } from "../actors/policy.ts";
import { createDelivery } from "../bot/delivery.ts";
import { telegramLimits } from "../bot/pacer.ts";
import { healthMonitorJob } from "../domain/health_monitor.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { fakeClock } from "./fakes/clock.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

const ADMIN_CHAT = -100777;

Deno.test("end to end: a job failing on two replicas makes one alert in the admin chat through Telegram, and one recovery message", async () => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql);
  let broken = true;
  const flaky = job({
    name: "flaky",
    maxConsecutiveFailures: 3,
    run: () => (broken ? Promise.reject(new Error("upstream down")) : Promise.resolve({})),
  });
  const monitor = healthMonitorJob({
    watched: [flaky],
    pauseAlertAfterMs: 86_400_000,
    adminChatId: ADMIN_CHAT,
  });
  const clock = fakeClock("2026-06-01T10:00:00Z");
  const replica = (node: string) =>
    dbRuntime(db.url, [flaky, monitor], {
      node,
      clock,
      restartPolicy: defaultRestartPolicy,
      random: () => 1,
    });
  await using a = replica("a");
  await using b = replica("b");
  a.runtime.start();
  b.runtime.start();

  // Each replica sees fewer than 3 failures of its own: neither actor restarts, and only the
  // cluster's count (from the runs table) reaches the threshold.
  const runFlaky = (r: typeof a) => r.runtime.run("flaky");
  /** Both replicas run the monitor at once, then the outbox is delivered to the Bot API double. */
  async function monitorBothAndDeliver() {
    const runs = await Promise.all([
      a.runtime.run("health-monitor"),
      b.runtime.run("health-monitor"),
    ]);
    for (const run of runs) assert.equal(run?.outcome, "succeeded", JSON.stringify(run));
    const delivery = createDelivery({
      sql: db.sql,
      clock: systemClock(),
      log: createLogger({ level: "silent" }),
      send: (chat, text) => bot.api.sendMessage(chat, text),
      limits: telegramLimits,
      node: "deliverer",
    });
    await delivery.deliver(await delivery.claim(), new AbortController().signal);
    return api.sent.filter((m) => m.chat_id === ADMIN_CHAT).map((m) => m.text);
  }

  // Two failures in a row, one on each replica: not yet an incident.
  for (const r of [a, b]) assert.equal((await runFlaky(r))?.outcome, "failed");
  assert.deepEqual(await monitorBothAndDeliver(), []);

  // The third, on replica a: both monitors see it; the admin chat gets one alert.
  assert.equal((await runFlaky(a))?.outcome, "failed");
  const alert = await monitorBothAndDeliver();
  assert.equal(alert.length, 1, JSON.stringify(alert));
  assert.match(alert[0], /^🚨 Warden: job flaky is failing: 3 failures in a row/);
  // It fails again: the incident lasts, nothing is repeated.
  assert.equal((await runFlaky(b))?.outcome, "failed");
  assert.equal((await monitorBothAndDeliver()).length, 1);

  // It succeeds again on replica b: one recovery message, then silence.
  broken = false;
  assert.equal((await runFlaky(b))?.outcome, "succeeded");
  const after = await monitorBothAndDeliver();
  assert.equal(after.length, 2, JSON.stringify(after));
  assert.match(after[1], /^✅ Warden: job flaky is no longer failing/);
  assert.equal((await monitorBothAndDeliver()).length, 2);
  const [open] = await db.sql`SELECT count(*)::int AS n FROM incidents WHERE closed_at IS NULL`;
  assert.equal(open.n, 0);
});
