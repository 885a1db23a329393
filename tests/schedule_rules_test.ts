import assert from "node:assert/strict";
import { largestGapMs, nextSlot, parseSchedule, slotsBetween } from "../actors/schedule.ts";

// The calendar rules of DESIGN.md §1 "Schedules", one table each.

const slots = (expression: string, from: string, to: string, zone?: string) =>
  slotsBetween(parseSchedule(expression, zone), new Date(from), new Date(to), 1_000)
    .map((d) => d.toISOString().slice(0, 16) + "Z");

const weekdays = (expression: string) =>
  slots(expression, "2026-05-03T00:00:00Z", "2026-05-17T00:00:00Z") // Sun 3 May to Sun 17 May
    .map((s) => new Date(s).toUTCString().slice(0, 3));

Deno.test("day-of-week: 0 and 7 are Sunday, names and numbers mean the same, SUN may end a range", async (t) => {
  const cases: Array<[string, string[]]> = [
    ["0 0 * * 0", ["Sun", "Sun"]],
    ["0 0 * * 7", ["Sun", "Sun"]],
    ["0 0 * * SUN", ["Sun", "Sun"]],
    ["0 0 * * 1", ["Mon", "Mon"]],
    ["0 0 * * MON", ["Mon", "Mon"]],
    ["0 0 * * SUN-SUN", ["Sun", "Sun"]],
    ["0 0 * * 0-0", ["Sun", "Sun"]],
    ["0 0 * * FRI-SUN", ["Fri", "Sat", "Sun", "Fri", "Sat", "Sun"]],
    ["0 0 * * 5-7", ["Fri", "Sat", "Sun", "Fri", "Sat", "Sun"]],
    ["0 0 * * 6,7", ["Sat", "Sun", "Sat", "Sun"]],
    ["0 0 * * MON-FRI/2", ["Mon", "Wed", "Fri", "Mon", "Wed", "Fri"]],
    ["0 0 * * */3", ["Wed", "Sat", "Sun", "Wed", "Sat", "Sun"]],
  ];
  for (const [expression, want] of cases) {
    await t.step(expression, () => assert.deepEqual(weekdays(expression), want));
  }
});

Deno.test("day-of-month and day-of-week are ORed only when both are restricted; a * field (steps too) ANDs", async (t) => {
  const june = (e: string) =>
    slots(e, "2026-05-31T23:59:00Z", "2026-06-30T23:59:00Z").map((s) => Number(s.slice(8, 10)));
  // June 2026: Mondays are 1, 8, 15, 22, 29.
  const cases: Array<[string, number[]]> = [
    ["0 0 1,15 * MON", [1, 8, 15, 22, 29]], // OR, 15 is a Monday too
    ["0 0 2,16 * MON", [1, 2, 8, 15, 16, 22, 29]], // OR
    ["0 0 */2 * MON", [1, 15, 29]], // */2 counts as unrestricted: odd days AND Mondays
    ["0 0 1-31/2 * MON", [
      ...[1, 3, 5, 7, 8, 9, 11, 13, 15, 17, 19, 21, 22, 23, 25, 27, 29],
    ]], // a range with a step is restricted: OR
    ["0 0 1 * */2", []], // */2 in day-of-week (Sun, Tue, Thu, Sat): 1 June is a Monday
    ["0 0 2 * */2", [2]], // a Tuesday
    ["0 0 * * MON", [1, 8, 15, 22, 29]],
  ];
  for (const [expression, want] of cases) {
    await t.step(expression, () => assert.deepEqual(june(expression), want));
  }
});

Deno.test("Europe/Madrid 2026-03-29 (02:00 → 03:00): a time in the gap runs once, at the change (01:00Z)", async (t) => {
  const day = (e: string) =>
    slots(e, "2026-03-28T22:59:00Z", "2026-03-29T21:59:00Z", "Europe/Madrid");
  const cases: Array<[string, string[]]> = [
    ["30 2 * * *", ["2026-03-29T01:00Z"]],
    ["0 2 * * *", ["2026-03-29T01:00Z"]],
    ["0,30 2 * * *", ["2026-03-29T01:00Z"]], // a list in the gap runs once
    ["15-45/15 2 * * *", ["2026-03-29T01:00Z"]], // a range too
    // 02:00 runs at the change, which is 03:00: the two are one run.
    ["0 1-3 * * *", ["2026-03-29T00:00Z", "2026-03-29T01:00Z"]],
    ["30 1,3 * * *", ["2026-03-29T00:30Z", "2026-03-29T01:30Z"]],
  ];
  for (const [expression, want] of cases) {
    await t.step(expression, () => assert.deepEqual(day(expression), want));
  }
  await t.step("30 * * * * runs every real hour: 23 runs, none for 02:30", () => {
    const runs = day("30 * * * *");
    assert.equal(runs.length, 23);
    assert.deepEqual(runs.slice(0, 3), [
      "2026-03-28T23:30Z",
      "2026-03-29T00:30Z",
      "2026-03-29T01:30Z",
    ]);
  });
});

Deno.test("Europe/Madrid 2026-10-25 (03:00 → 02:00): a repeated time runs once, at its first occurrence", async (t) => {
  const day = (e: string) =>
    slots(e, "2026-10-24T21:59:00Z", "2026-10-25T22:59:00Z", "Europe/Madrid");
  const cases: Array<[string, string[]]> = [
    ["30 2 * * *", ["2026-10-25T00:30Z"]],
    ["0,30 2 * * *", ["2026-10-25T00:00Z", "2026-10-25T00:30Z"]],
    ["0 1-3 * * *", ["2026-10-24T23:00Z", "2026-10-25T00:00Z", "2026-10-25T02:00Z"]],
    ["*/20 2 * * *", ["2026-10-25T00:00Z", "2026-10-25T00:20Z", "2026-10-25T00:40Z"]],
  ];
  for (const [expression, want] of cases) {
    await t.step(expression, () => assert.deepEqual(day(expression), want));
  }
  await t.step("30 * * * * runs every real hour: 25 runs, both 02:30", () => {
    const runs = day("30 * * * *");
    assert.equal(runs.length, 25);
    assert.ok(runs.includes("2026-10-25T00:30Z") && runs.includes("2026-10-25T01:30Z"));
  });
  await t.step("the days around have two runs each for 0,30 2 * * *", () => {
    assert.equal(
      slots("0,30 2 * * *", "2026-10-23T22:00Z", "2026-10-24T22:00Z", "Europe/Madrid").length,
      2,
    );
    assert.equal(
      slots("0,30 2 * * *", "2026-10-25T23:00Z", "2026-10-26T23:00Z", "Europe/Madrid").length,
      2,
    );
  });
});

Deno.test("Australia/Lord_Howe moves 30 minutes: 02:00 → 02:30 on 2026-10-04, 02:00 → 01:30 on 2026-04-05", async (t) => {
  const zone = "Australia/Lord_Howe";
  await t.step("15 2 * * * in the gap runs at the change (02:30 local, 15:30Z)", () => {
    assert.deepEqual(slots("15 2 * * *", "2026-10-03T12:00Z", "2026-10-04T12:00Z", zone), [
      "2026-10-03T15:30Z",
    ]);
  });
  await t.step("45 1 * * * on the fall-back day runs at its first 01:45 only (+11:00)", () => {
    assert.deepEqual(slots("45 1 * * *", "2026-04-04T12:00Z", "2026-04-05T12:00Z", zone), [
      "2026-04-04T14:45Z",
    ]);
  });
  await t.step("45 * * * * runs both 01:45; 15 * * * * never runs the missing 02:15", () => {
    const back = slots("45 * * * *", "2026-04-04T14:00Z", "2026-04-04T16:00Z", zone);
    assert.deepEqual(back, ["2026-04-04T14:45Z", "2026-04-04T15:15Z"]);
    const forward = slots("15 * * * *", "2026-10-03T14:00Z", "2026-10-03T17:00Z", zone);
    assert.deepEqual(forward, ["2026-10-03T14:45Z", "2026-10-03T16:15Z"]);
  });
});

Deno.test("Asia/Kolkata (+05:30, no DST): 0 * * * * runs at half past every UTC hour", () => {
  assert.deepEqual(slots("0 * * * *", "2026-03-29T00:00Z", "2026-03-29T02:00Z", "Asia/Kolkata"), [
    "2026-03-29T00:30Z",
    "2026-03-29T01:30Z",
  ]);
});

Deno.test("a yearly expression finds its next slot years ahead; the largest gap of a per-minute job is a minute across DST", () => {
  const leap = parseSchedule("0 0 29 2 *", "America/New_York");
  assert.equal(
    nextSlot(leap, new Date("2026-03-01T00:00:00Z")).toISOString(),
    "2028-02-29T05:00:00.000Z",
  );
  assert.equal(
    largestGapMs(parseSchedule("0 0 1 1 *"), new Date("2026-06-01T00:00:00Z")),
    365 * 86_400_000,
  );
  assert.equal(
    largestGapMs(parseSchedule("* * * * *", "Europe/Madrid"), new Date("2026-03-28T00:00:00Z")),
    60_000,
  );
  // February 29: its next slot past the year looked at still counts (four years between two),
  // and so does the wait for it (eight years over 2100, which is not a leap year).
  const fourYears = (366 + 3 * 365) * 86_400_000;
  assert.equal(
    largestGapMs(parseSchedule("0 0 29 2 *"), new Date("2026-06-01T00:00:00Z")),
    fourYears,
  );
  assert.equal(
    largestGapMs(parseSchedule("0 0 29 2 *"), new Date("2027-06-01T00:00:00Z")),
    fourYears,
  );
  assert.equal(
    largestGapMs(parseSchedule("0 0 29 2 *"), new Date("2096-03-01T00:00:00Z")),
    Date.UTC(2104, 1, 29) - Date.UTC(2096, 2, 1),
  );
});
