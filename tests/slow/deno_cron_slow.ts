import assert from "node:assert/strict";
import { systemClock } from "../../actors/clock.ts";
import { defineJob } from "../../actors/job.ts";
import { silentLogger } from "../../actors/log.ts";
import { startTicks } from "../../actors/ticks.ts";

// The one test that waits for real time (`deno task test:slow`, up to ~70 s): the real
// Deno.cron, registered the way the runtime registers it, fires a job scheduled for today's
// weekday given by number, and not one scheduled for tomorrow's. Deno alone reads numeric
// weekdays as 1 = Sunday (denoland/deno#21555): handed the raw expression, it would fire the
// wrong one (and refuse 0).

Deno.test("through the real Deno.cron: today's weekday by number ticks, tomorrow's does not", async () => {
  const now = Date.now();
  // The minute both would fire in; a test started in a day's last seconds looks at the next day.
  const minute = Math.ceil((now + 1_000) / 60_000) * 60_000;
  const today = new Date(minute).getUTCDay();
  const tomorrow = (today + 1) % 7;
  const stop = new AbortController();
  const ticks: Record<string, string[]> = { today: [], tomorrow: [] };
  const registrations = (["today", "tomorrow"] as const).map((which) =>
    startTicks(
      defineJob({
        name: `slow-${which}`,
        description: which,
        schedule: `* * * * ${which === "today" ? today : tomorrow}`,
        run: () => Promise.resolve(),
      }),
      (slot) => ticks[which].push(slot.toISOString()),
      { clock: systemClock(), signal: stop.signal, log: silentLogger },
    )
  );
  // Past the minute, plus a margin for the cron to fire and the other to stay quiet.
  const waitMs = minute + 8_000 - Date.now();
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  stop.abort();
  await Promise.all(registrations);
  assert.deepEqual(ticks.today, [new Date(minute).toISOString()], `weekday ${today} ticks`);
  assert.deepEqual(ticks.tomorrow, [], `weekday ${tomorrow} does not`);
});
