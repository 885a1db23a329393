import assert from "node:assert/strict";
import { catchUpMissed, LIVE_SLOT_MS } from "../actors/catch_up.ts";
import { type CatchUpPolicy, defineJob } from "../actors/job.ts";
import { silentLogger } from "../actors/log.ts";
import type { RunStore } from "../actors/run_store.ts";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { dbRuntime, job, nextEvent, testRuntime, tickAndSettle } from "./fakes/runtime.ts";

/** A catch-up on a replica starting at `now`, the job's last claimed slot being `last`. */
async function catchUpAt(now: string, last: string, policy: CatchUpPolicy) {
  const skipped: string[] = [];
  const ran: string[] = [];
  const store = {
    lastSlot: () => Promise.resolve(new Date(last)),
    recordSkipped: (_job: string, _node: string, slots: Date[]) => {
      skipped.push(...slots.map((s) => s.toISOString()));
      return Promise.resolve();
    },
  } as unknown as RunStore; // only the two reads a catch-up makes
  await catchUpMissed({
    spec: defineJob({
      name: "hourly",
      description: "hourly",
      schedule: "0 * * * *",
      catchUp: { policy },
      run: () => Promise.resolve(),
    }),
    store,
    clock: fakeClock(now),
    log: silentLogger,
    node: "late",
    stop: new AbortController().signal,
    run: (slot) => Promise.resolve(void ran.push(slot.toISOString())),
  });
  return { skipped, ran };
}

Deno.test("a replica starting at 10:00:02 never records the 10:00 slot as skipped: a live tick may still claim it", async () => {
  assert.ok(LIVE_SLOT_MS >= 35_000, "at least the tick tolerance");
  assert.deepEqual(await catchUpAt("2026-05-01T10:00:02Z", "2026-05-01T09:00:00Z", "skip"), {
    skipped: [],
    ran: [],
  });
  // `once` runs the newest: 10:00, whose claim decides between this run and a live tick's.
  assert.deepEqual(await catchUpAt("2026-05-01T10:00:02Z", "2026-05-01T08:00:00Z", "once"), {
    skipped: ["2026-05-01T09:00:00.000Z"],
    ran: ["2026-05-01T10:00:00.000Z"],
  });
});

Deno.test("a replica starting in a slot's first minute, after its cron fired, still runs the slot", async () => {
  for (const now of ["2026-05-01T10:00:40Z", "2026-05-01T10:00:59Z"]) {
    for (const policy of ["once", "all"] as const) {
      assert.deepEqual(await catchUpAt(now, "2026-05-01T09:00:00Z", policy), {
        skipped: [],
        ran: ["2026-05-01T10:00:00.000Z"],
      }, `${policy} at ${now}`);
    }
  }
});

Deno.test("a slot past the live window is caught up by the policy", async () => {
  assert.deepEqual(await catchUpAt("2026-05-01T10:01:30Z", "2026-05-01T09:00:00Z", "skip"), {
    skipped: ["2026-05-01T10:00:00.000Z"],
    ran: [],
  });
});

Deno.test("a slot run by one replica's catch-up and then ticked on a live replica runs once (one database)", async () => {
  await using db = await testDatabase();
  let runs = 0;
  const spec = job({
    name: "hourly",
    schedule: "0 * * * *",
    catchUp: { policy: "once" },
    run: () => Promise.resolve({ processed: ++runs }),
  });
  const at = (iso: string) => new Date(`2026-05-01T${iso}Z`);
  {
    await using before = dbRuntime(db.url, [spec], { node: "before" });
    before.runtime.start();
    await tickAndSettle(before.runtime, "hourly", at("09:00:00"));
  }
  // "late" starts 40 s into 10:00: its cron fired before it ran, so only its catch-up can run
  // 10:00; "live" hears the 10:00 tick after that, and loses the claim.
  await using late = dbRuntime(db.url, [spec], { node: "late" });
  late.clock.set(at("10:00:40"));
  const caughtUp = nextEvent(late.runtime.events, "run-finished");
  late.runtime.start();
  assert.equal((await caughtUp).run.trigger, "catch-up");
  await using live = dbRuntime(db.url, [spec], { node: "live", catchUp: false });
  live.clock.set(at("10:00:40"));
  live.runtime.start();
  const tick = await tickAndSettle(live.runtime, "hourly", at("10:00:00"));
  assert.equal(tick.type === "tick-skipped" && tick.reason, "lost-claim");
  assert.equal(runs, 2);
  const rows = await db.sql<{ slot: string; outcome: string; trigger: string; node: string }[]>`
    SELECT to_char(scheduled_for AT TIME ZONE 'UTC', 'HH24:MI') AS slot, outcome, trigger, node
    FROM job_runs WHERE job = 'hourly' ORDER BY scheduled_for`;
  assert.deepEqual(rows.map((r) => ({ ...r })), [
    { slot: "09:00", outcome: "succeeded", trigger: "cron", node: "before" },
    { slot: "10:00", outcome: "succeeded", trigger: "catch-up", node: "late" },
  ]);
});

Deno.test("a job resumed in a slot's first minute catches up the slot its paused tick skipped", async () => {
  const ran: string[] = [];
  const spec = job({
    name: "hourly",
    schedule: "0 * * * *",
    catchUp: { policy: "all" },
    run: (ctx) => Promise.resolve(void ran.push(ctx.scheduledFor.toISOString())),
  });
  const { runtime, clock } = testRuntime([spec]);
  runtime.start();
  try {
    await tickAndSettle(runtime, "hourly", new Date("2026-05-01T00:00:00Z"));
    await runtime.pause("hourly");
    await clock.advanceTo("2026-05-01T01:00:00Z");
    const paused = await tickAndSettle(runtime, "hourly", new Date("2026-05-01T01:00:00Z"));
    assert.equal(paused.type === "tick-skipped" && paused.reason, "paused");
    await clock.advanceTo("2026-05-01T01:00:30Z");
    const caughtUp = nextEvent(runtime.events, "run-finished");
    await runtime.resume("hourly");
    await runtime.syncControl();
    const run = (await caughtUp).run;
    assert.equal(run.trigger, "catch-up");
    assert.deepEqual(ran, ["2026-05-01T00:00:00.000Z", "2026-05-01T01:00:00.000Z"]);
  } finally {
    await runtime.shutdown(1_000);
  }
});
