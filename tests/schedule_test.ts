import assert from "node:assert/strict";
import {
  nextSlot,
  parseSchedule,
  ScheduleError,
  slotAt,
  slotsBetween,
} from "../actors/schedule.ts";
import { defineJob, JobSpecError } from "../actors/job.ts";

const iso = (d: Date | null) => d?.toISOString();

Deno.test("cron validation errors name the field", async (t) => {
  const cases: Array<[string, string]> = [
    ["61 * * * *", "minute"],
    ["* 24 * * *", "hour"],
    ["* * 32 * *", "day-of-month"],
    ["* * * 13 *", "month"],
    ["* * * * 8", "day-of-week"],
    ["* * * * FUNDAY", "day-of-week"],
  ];
  for (const [expression, field] of cases) {
    await t.step(`${expression} → ${field}`, () => {
      assert.throws(() => parseSchedule(expression), (e: unknown) => {
        assert.ok(e instanceof ScheduleError);
        assert.equal(e.field, field);
        assert.match(e.message, new RegExp(`field ${field}`));
        return true;
      });
    });
  }
  await t.step("wrong field count names the expected fields", () => {
    assert.throws(
      () => parseSchedule("* * * *"),
      /expected 5 fields \(minute hour day-of-month month day-of-week\), got 4/,
    );
    assert.throws(() => parseSchedule("0 * * * * *"), /got 6/);
  });
  await t.step("bad interval and bad timezone are named", () => {
    assert.throws(
      () => parseSchedule({ every: "30 seconds" }),
      (e: unknown) => e instanceof ScheduleError && e.field === "every",
    );
    assert.throws(() => parseSchedule({ every: "10ms" }), /between 100ms and 24h/);
    assert.throws(
      () => parseSchedule("0 8 * * *", "Mars/Olympus"),
      (e: unknown) => e instanceof ScheduleError && e.field === "timezone",
    );
  });
  await t.step("a job spec lists every bad field at once", () => {
    assert.throws(
      () =>
        defineJob({
          name: "Level_Ups",
          description: "",
          schedule: "0 */6 * * * *",
          timeout: "forever",
          run: () => Promise.resolve(),
        }),
      (e: unknown) => {
        assert.ok(e instanceof JobSpecError);
        for (const field of ["name:", "description:", "timeout:", "schedule.schedule:"]) {
          assert.ok(e.message.includes(field), `${field} missing from: ${e.message}`);
        }
        return true;
      },
    );
  });
});

Deno.test("day-of-week names are accepted", () => {
  const s = parseSchedule("0 0 * * MON");
  assert.equal(iso(nextSlot(s, new Date("2026-11-21T12:00:00Z"))), "2026-11-23T00:00:00.000Z");
});

Deno.test("nextRunAt for UTC cron schedules", () => {
  const every6h = parseSchedule("0 */6 * * *");
  assert.equal(
    iso(nextSlot(every6h, new Date("2026-05-01T05:59:59Z"))),
    "2026-05-01T06:00:00.000Z",
  );
  assert.equal(
    iso(nextSlot(every6h, new Date("2026-05-01T06:00:00Z"))),
    "2026-05-01T12:00:00.000Z",
  );
  const monthly = parseSchedule("0 0 1 * *");
  assert.equal(
    iso(nextSlot(monthly, new Date("2026-12-15T00:00:00Z"))),
    "2027-01-01T00:00:00.000Z",
  );
  assert.equal(iso(slotAt(monthly, new Date("2027-01-01T00:00:00Z"))), "2027-01-01T00:00:00.000Z");
  assert.equal(iso(slotAt(monthly, new Date("2026-12-31T23:59:59Z"))), "2026-12-01T00:00:00.000Z");
});

Deno.test("nextRunAt for every: 30s is aligned to the epoch", () => {
  const s = parseSchedule({ every: "30s" });
  assert.equal(iso(nextSlot(s, new Date("2026-05-01T10:00:12Z"))), "2026-05-01T10:00:30.000Z");
  assert.equal(iso(nextSlot(s, new Date("2026-05-01T10:00:30Z"))), "2026-05-01T10:01:00.000Z");
  assert.equal(iso(slotAt(s, new Date("2026-05-01T10:00:59.999Z"))), "2026-05-01T10:00:30.000Z");
});

Deno.test("0 8 * * * in Europe/Madrid runs once a day at 08:00 local across both 2026 DST switches", async (t) => {
  const s = parseSchedule("0 8 * * *", "Europe/Madrid");
  const local = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Madrid",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  function walk(from: string, days: number) {
    const out: Date[] = [];
    let at = new Date(from);
    for (let i = 0; i < days; i++) out.push(at = nextSlot(s, at));
    return out;
  }
  for (
    const [label, from, expected] of [
      ["spring forward, 29 March", "2026-03-26T12:00:00Z", [
        "2026-03-27T07:00:00.000Z",
        "2026-03-28T07:00:00.000Z",
        "2026-03-29T06:00:00.000Z",
        "2026-03-30T06:00:00.000Z",
      ]],
      ["fall back, 25 October", "2026-10-22T12:00:00Z", [
        "2026-10-23T06:00:00.000Z",
        "2026-10-24T06:00:00.000Z",
        "2026-10-25T07:00:00.000Z",
        "2026-10-26T07:00:00.000Z",
      ]],
    ] as const
  ) {
    await t.step(label, () => {
      const runs = walk(from, 4);
      assert.deepEqual(runs.map(iso), expected);
      const days = runs.map((d) => local.format(d).slice(0, 10));
      assert.equal(new Set(days).size, 4, "one run per local day");
      for (const d of runs) assert.match(local.format(d), /08:00$/);
    });
  }
});

Deno.test("slotsBetween lists the missed slots oldest first, capped to the newest", () => {
  const s = parseSchedule("0 * * * *");
  const slots = slotsBetween(
    s,
    new Date("2026-05-01T00:00:00Z"),
    new Date("2026-05-01T05:30:00Z"),
    3,
  );
  assert.deepEqual(slots.map(iso), [
    "2026-05-01T03:00:00.000Z",
    "2026-05-01T04:00:00.000Z",
    "2026-05-01T05:00:00.000Z",
  ]);
  assert.deepEqual(
    slotsBetween(s, new Date("2026-05-01T05:00:00Z"), new Date("2026-05-01T05:30:00Z"), 3),
    [],
  );
});
