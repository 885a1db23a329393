import assert from "node:assert/strict";
import { defineJob } from "../actors/job.ts";
import { silentLogger } from "../actors/log.ts";
import { parseSchedule } from "../actors/schedule.ts";
import { denoCronExpression, type RegisterCron, startTicks } from "../actors/ticks.ts";
import { fakeClock } from "./fakes/clock.ts";

Deno.test("the expression handed to Deno.cron: weekdays as names, other fields as plain lists", async (t) => {
  const cases: Array<[string, string | null]> = [
    ["0 0 * * 1", "0 0 * * MON"], // leaderboard-reset-weekly: Deno alone would read 1 as Sunday
    ["0 0 * * 0", "0 0 * * SUN"], // Deno alone refuses 0
    ["0 0 * * 7", "0 0 * * SUN"], // Deno alone would read 7 as Saturday
    ["0 9 * * 1-5", "0 9 * * MON,TUE,WED,THU,FRI"],
    ["0 9 * * 5-7", "0 9 * * SUN,FRI,SAT"],
    ["0 9 * * 1,3,5", "0 9 * * MON,WED,FRI"],
    ["0 0 * * */2", "0 0 * * SUN,TUE,THU,SAT"],
    ["0 0 * * SUN-SUN", "0 0 * * SUN"],
    ["*/15 * * * *", "0,15,30,45 * * * *"],
    ["0 */6 * * *", "0 0,6,12,18 * * *"],
    ["30 1-3/2 * * *", "30 1,3 * * *"],
    ["0 0 1 * *", "0 0 1 * *"],
    ["0 0 */10 JAN,JUL *", "0 0 1,11,21,31 1,7 *"],
    ["* * * * *", "* * * * *"],
    ["0 0 * * 0-6", "0 0 * * *"],
    ["0 0 1-31 * MON", "0 0 * * *"], // ORed with every day of the month: every day
    ["0 0 1,15 * MON", null], // ORed restricted days: a filtered heartbeat
    ["0 0 */2 * MON", null], // ANDed restricted days: a filtered heartbeat
  ];
  for (const [expression, want] of cases) {
    await t.step(`${expression} → ${want}`, () => {
      assert.equal(denoCronExpression(parseSchedule(expression)), want);
    });
  }
  await t.step("a zoned schedule ticks from a per-minute heartbeat", () => {
    assert.equal(denoCronExpression(parseSchedule("0 8 * * *", "Europe/Madrid")), null);
    assert.equal(denoCronExpression(parseSchedule("0 8 * * 1", "UTC")), "0 8 * * MON");
  });
});

/** Starts a job's ticks on a fake `Deno.cron`; returns what was registered and what was posted. */
function ticksOf(schedule: string, timezone: string | undefined, start: string) {
  const clock = fakeClock(start);
  const stop = new AbortController();
  const registered: Array<{ name: string; expression: string; backoff: number[] }> = [];
  let fire = () => {};
  const cron: RegisterCron = (name, expression, options, handler) => {
    registered.push({ name, expression, backoff: options.backoffSchedule });
    assert.equal(options.signal, stop.signal);
    fire = handler;
    return Promise.resolve();
  };
  const spec = defineJob({
    name: "probe",
    description: "probe",
    schedule,
    timezone,
    run: () => Promise.resolve(),
  });
  const posted: string[] = [];
  startTicks(spec, (slot) => posted.push(slot.toISOString()), {
    clock,
    signal: stop.signal,
    log: silentLogger,
    cron,
  });
  /** Deno.cron fires while the database clock reads `dbNow`. */
  const tick = (dbNow: string) => {
    clock.set(dbNow);
    fire();
  };
  return { registered, posted, tick };
}

Deno.test("each job registers its own Deno.cron with backoffSchedule [] and the runtime's signal", () => {
  const weekly = ticksOf("0 0 * * 1", undefined, "2026-05-01T00:00:00Z");
  assert.deepEqual(weekly.registered, [
    { name: "warden-probe", expression: "0 0 * * MON", backoff: [] },
  ]);
  const zoned = ticksOf("0 8 * * *", "Europe/Madrid", "2026-05-01T00:00:00Z");
  assert.deepEqual(zoned.registered, [
    { name: "warden-probe", expression: "* * * * *", backoff: [] },
  ]);
});

Deno.test("a tick names its slot from the database clock, 30 s of skew either way", async (t) => {
  await t.step("database 10 s behind the host: the hourly 10:00 tick is the 10:00 slot", () => {
    const hourly = ticksOf("0 * * * *", undefined, "2026-05-01T09:30:00Z");
    hourly.tick("2026-05-01T09:59:50Z");
    assert.deepEqual(hourly.posted, ["2026-05-01T10:00:00.000Z"]);
  });
  await t.step("every minute, 29 s behind and 29 s ahead", () => {
    const minutely = ticksOf("* * * * *", undefined, "2026-05-01T09:58:00Z");
    minutely.tick("2026-05-01T09:59:31Z"); // host 10:00:00
    minutely.tick("2026-05-01T10:01:29Z"); // host 10:01:00
    assert.deepEqual(minutely.posted, ["2026-05-01T10:00:00.000Z", "2026-05-01T10:01:00.000Z"]);
  });
  await t.step("a slot named twice (a heartbeat a minute on) is posted once", () => {
    const zoned = ticksOf("0 8 * * *", "Europe/Madrid", "2026-05-01T05:00:00Z");
    zoned.tick("2026-05-01T05:59:40Z"); // host 06:00:00, database 20 s behind
    zoned.tick("2026-05-01T06:00:20Z"); // host 06:00:40 — not a real heartbeat, but harmless
    assert.deepEqual(zoned.posted, ["2026-05-01T06:00:00.000Z"]);
  });
});

Deno.test("no stale first tick: a zoned job started at 18:44Z does not run the 07:00Z slot at 18:45", () => {
  const zoned = ticksOf("0 8 * * *", "Europe/Madrid", "2026-01-15T18:44:00Z");
  zoned.tick("2026-01-15T18:45:00Z");
  zoned.tick("2026-01-15T18:46:00Z");
  assert.deepEqual(zoned.posted, []);
  zoned.tick("2026-01-16T07:00:00Z");
  assert.deepEqual(zoned.posted, ["2026-01-16T07:00:00.000Z"]);
});
