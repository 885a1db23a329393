import assert from "node:assert/strict";
import { catchUpMissed, LIVE_SLOT_MS } from "../actors/catch_up.ts";
import { type CatchUpPolicy, defineJob } from "../actors/job.ts";
import { silentLogger } from "../actors/log.ts";
import type { RunStore } from "../actors/run_store.ts";
import { fakeClock } from "./fakes/clock.ts";

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

Deno.test("a replica starting at 10:00:02 leaves the 10:00 slot to the live replica's tick", async () => {
  assert.ok(LIVE_SLOT_MS >= 35_000, "at least the tick tolerance");
  assert.deepEqual(await catchUpAt("2026-05-01T10:00:02Z", "2026-05-01T09:00:00Z", "skip"), {
    skipped: [],
    ran: [],
  });
  assert.deepEqual(await catchUpAt("2026-05-01T10:00:02Z", "2026-05-01T08:00:00Z", "once"), {
    skipped: [],
    ran: ["2026-05-01T09:00:00.000Z"],
  });
});

Deno.test("a slot past the live window is caught up by the policy", async () => {
  assert.deepEqual(await catchUpAt("2026-05-01T10:01:30Z", "2026-05-01T09:00:00Z", "skip"), {
    skipped: ["2026-05-01T10:00:00.000Z"],
    ran: [],
  });
});
