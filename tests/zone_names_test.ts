import assert from "node:assert/strict";
import { loadSetup } from "../catalog.ts";
import { denoCronExpression } from "../actors/ticks.ts";
import { previewCommand } from "../cli_schedule.ts";

const specOf = (specs: { name: string; timezone?: string }[], name: string) =>
  specs.find((s) => s.name === name)!;

Deno.test("a zone written in another case is the tz database's name everywhere: config, jobs, health, the preview", () => {
  const { config, specs } = loadSetup({
    SCHEDULE_TIMEZONE: "europe/madrid",
    REPORT_TIMEZONE: "america/new_york",
    JOB_LEVEL_UPS_TIMEZONE: "utc",
  });
  assert.deepEqual(
    [config.scheduleTimezone, config.reportTimezone],
    ["Europe/Madrid", "America/New_York"],
  );
  assert.equal(specOf(specs, "badge-check").timezone, "Europe/Madrid");
  assert.equal(specOf(specs, "daily-report").timezone, "America/New_York");
  const levels = specs.find((s) => s.name === "level-ups")!;
  assert.equal(levels.timezone, "UTC");
  // UTC is UTC however it is written: the job keeps its own Deno.cron registration.
  assert.equal(denoCronExpression(levels.schedule), "0 0,6,12,18 * * *");

  const out: string[] = [];
  const code = previewCommand(
    "schedule",
    ["0 8 * * *", "--tz", "europe/madrid", "--from", "2026-01-01T00:00:00Z", "--count", "1"],
    {},
    (l) => out.push(l),
    (l) => out.push(l),
  );
  assert.equal(code, 0, out.join("\n"));
  assert.deepEqual(out, [
    "0 8 * * * in Europe/Madrid, after 2026-01-01T00:00:00.000Z:",
    "  2026-01-01T07:00:00.000Z  2026-01-01 08:00 +01:00",
  ]);
});

Deno.test("the preview's local time keeps its hours and minutes past the year 9999", () => {
  const out: string[] = [];
  const code = previewCommand(
    "schedule",
    ["30 6 29 2 *", "--from", "9999-12-31T00:00:00Z", "--count", "1", "--json"],
    {},
    (l) => out.push(l),
    (l) => out.push(l),
  );
  assert.equal(code, 0, out.join("\n"));
  assert.deepEqual(JSON.parse(out[0]).slots, [
    { utc: "+010000-02-29T06:30:00.000Z", local: "+010000-02-29 06:30", offset: "+00:00" },
  ]);
});
