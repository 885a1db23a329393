import assert from "node:assert/strict";
import { planCatchUp } from "../actors/catch_up.ts";
import { initialHealth } from "../actors/health.ts";
import { defineJob } from "../actors/job.ts";
import { largestGapMs } from "../actors/schedule.ts";
import { isStale, maxAgeOf, summarize, taskView } from "../actors/task_view.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const spec = (schedule: string) =>
  defineJob({ name: "j", description: "j", schedule, timeout: "5m", run: () => Promise.resolve() });

Deno.test("staleness waits for the schedule's largest gap: a Monday-only job is not stale on Sunday", () => {
  const monday = spec("0 0 * * MON");
  const from = new Date("2026-11-23T00:00:00Z"); // a Monday
  assert.equal(largestGapMs(monday.schedule, from), 7 * DAY);
  assert.equal(largestGapMs(spec("0 9 * * 1-5").schedule, from), 3 * DAY, "Friday to Monday");
  assert.equal(largestGapMs(spec("*/30 * * * *").schedule, from), 30 * 60_000);
  const maxAge = maxAgeOf(monday, from);
  assert.equal(maxAge, 7 * DAY + 5 * 60_000 + 5 * 60_000);
  const sunday = new Date("2026-11-29T12:00:00Z");
  const lastSuccessAt = new Date("2026-11-23T00:01:00Z");
  assert.equal(isStale({ paused: false, lastSuccessAt, upSince: from }, sunday, maxAge), false);
  const nextTuesday = new Date("2026-12-01T00:00:00Z");
  assert.equal(isStale({ paused: false, lastSuccessAt, upSince: from }, nextTuesday, maxAge), true);
  assert.equal(isStale({ paused: true, lastSuccessAt, upSince: from }, nextTuesday, maxAge), false);
});

Deno.test("a job on February 29 started years before its slot is not stale an hour later", () => {
  const leap = spec("0 0 29 2 *");
  const upSince = new Date("2026-06-01T00:00:00Z");
  const maxAge = maxAgeOf(leap, upSince);
  const state = { paused: false, lastSuccessAt: null, upSince };
  assert.equal(isStale(state, new Date("2026-06-01T01:00:00Z"), maxAge), false);
  assert.equal(isStale(state, new Date("2028-02-29T00:00:00Z"), maxAge), false, "its first slot");
  assert.equal(isStale(state, new Date("2032-03-01T00:00:00Z"), maxAge), true, "two slots missed");
});

Deno.test("seed 002's windows follow: 35 min for a 30-min job with no timeout to speak of, 65 min for an hourly one", () => {
  const quick = (schedule: string) =>
    defineJob({ name: "q", description: "q", schedule, timeout: 1, run: () => Promise.resolve() });
  const from = new Date("2026-11-23T00:00:00Z");
  assert.equal(Math.round(maxAgeOf(quick("*/30 * * * *"), from) / 60_000), 35);
  assert.equal(Math.round(maxAgeOf(quick("0 * * * *"), from) / 60_000), 65);
});

Deno.test("the view mixes the cluster's facts with this node's actor, and the summary degrades on failing jobs", () => {
  const s = spec("0 * * * *");
  const now = new Date("2026-11-23T10:30:00Z");
  const run = {
    id: "r1",
    job: "j",
    scheduledFor: new Date("2026-11-23T10:00:00Z"),
    trigger: "cron" as const,
    node: "other",
    outcome: "failed" as const,
    attempt: 1,
    startedAt: new Date("2026-11-23T10:00:00Z"),
    finishedAt: new Date("2026-11-23T10:00:02Z"),
    durationMs: 2_000,
    result: null,
    error: "boom",
  };
  const view = taskView({
    spec: s,
    health: { ...initialHealth(now), status: { kind: "idle" } },
    cluster: {
      job: "j",
      paused: false,
      pausedSince: null,
      lastRun: run,
      lastFinished: run,
      lastSuccessAt: new Date("2026-11-23T09:50:00Z"),
      consecutiveFailures: 3,
      knownSince: new Date("2026-11-01T00:00:00Z"),
    },
    mailboxDepth: 0,
    node: "me",
    now,
    maxAgeMs: maxAgeOf(s, now),
  });
  assert.equal(view.lastRun?.node, "other");
  assert.equal(view.lastRun?.error, "boom");
  assert.equal(view.node, "me");
  assert.equal(view.consecutiveFailures, 3);
  assert.equal(view.nextRunAt, "2026-11-23T11:00:00.000Z");
  const summary = summarize([view], () => 3);
  assert.equal(summary.status, "degraded");
  assert.deepEqual(summary.failing, ["j"]);
  assert.equal(summarize([view], () => 4).status, "healthy");
});

Deno.test("with the database away, the view shows this replica's own last run, not a job that never ran", () => {
  const s = spec("0 * * * *");
  const now = new Date("2026-11-23T10:30:00Z");
  const lastRun = {
    runId: "r2",
    scheduledFor: new Date("2026-11-23T10:00:00Z"),
    trigger: "cron" as const,
    startedAt: new Date("2026-11-23T10:00:00Z"),
    finishedAt: new Date("2026-11-23T10:00:01Z"),
    durationMs: 1_000,
    outcome: "succeeded" as const,
  };
  const view = taskView({
    spec: s,
    health: {
      ...initialHealth(now),
      status: { kind: "idle" },
      lastRun,
      lastSuccessAt: lastRun.finishedAt,
    },
    cluster: undefined,
    mailboxDepth: 0,
    node: "me",
    now,
    maxAgeMs: maxAgeOf(s, now),
  });
  assert.deepEqual(view.lastRun, {
    runId: "r2",
    scheduledFor: "2026-11-23T10:00:00.000Z",
    trigger: "cron",
    node: "me",
    startedAt: "2026-11-23T10:00:00.000Z",
    finishedAt: "2026-11-23T10:00:01.000Z",
    durationMs: 1_000,
    outcome: "succeeded",
  });
  assert.equal(view.lastSuccessAt, "2026-11-23T10:00:01.000Z");
});

Deno.test("the catch-up planner, table-tested", () => {
  const now = new Date("2026-05-01T05:30:00Z");
  const slots = [1, 2, 3, 4, 5].map((h) => new Date(Date.UTC(2026, 4, 1, h)));
  const hours = (ds: Date[]) => ds.map((d) => d.getUTCHours());
  const cases = [
    { policy: "skip", grace: DAY, run: [], skipped: [1, 2, 3, 4, 5] },
    { policy: "once", grace: DAY, run: [5], skipped: [1, 2, 3, 4] },
    { policy: "all", grace: DAY, run: [3, 4, 5], skipped: [1, 2] },
    { policy: "all", grace: 2 * HOUR, run: [4, 5], skipped: [1, 2, 3] },
    { policy: "once", grace: 10 * 60_000, run: [], skipped: [1, 2, 3, 4, 5] },
  ] as const;
  for (const c of cases) {
    const plan = planCatchUp({ policy: c.policy, max: 3, graceMs: c.grace }, slots, now);
    assert.deepEqual(
      [hours(plan.run), hours(plan.skipped)],
      [[...c.run], [...c.skipped]],
      c.policy,
    );
  }
  assert.deepEqual(planCatchUp({ policy: "all", max: 3, graceMs: DAY }, [], now), {
    run: [],
    skipped: [],
  });
});
