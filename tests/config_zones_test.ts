import assert from "node:assert/strict";
import { catalog, loadSetup } from "../catalog.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { spawnWarden } from "./fakes/process.ts";

const zoneOf = (specs: { name: string; timezone?: string }[], name: string) =>
  specs.find((s) => s.name === name)?.timezone;

Deno.test("SCHEDULE_TIMEZONE zones every job but those UTC by nature; JOB_<NAME>_TIMEZONE wins", () => {
  const { config, specs } = loadSetup({
    SCHEDULE_TIMEZONE: "Europe/Madrid",
    JOB_BADGE_CHECK_TIMEZONE: "Asia/Kolkata",
    REPORT_TIMEZONE: "America/New_York",
  });
  assert.equal(config.scheduleTimezone, "Europe/Madrid");
  assert.equal(config.reportTimezone, "America/New_York");
  assert.equal(zoneOf(specs, "level-ups"), "Europe/Madrid");
  assert.equal(zoneOf(specs, "streak-expiry"), "UTC", "streak days are UTC");
  assert.equal(zoneOf(specs, "badge-check"), "Asia/Kolkata");
  assert.equal(zoneOf(specs, "leaderboard-reset-weekly"), "UTC", "weeks are UTC");
  assert.equal(zoneOf(specs, "leaderboard-reset-monthly"), "UTC", "months are UTC");
  const levels = specs.find((s) => s.name === "level-ups")!.schedule;
  assert.equal(levels.kind === "cron" && levels.timezone, "Europe/Madrid", "the schedule reads it");
  const weekly = loadSetup({ JOB_LEADERBOARD_RESET_WEEKLY_TIMEZONE: "Asia/Tokyo" }).specs;
  assert.equal(zoneOf(weekly, "leaderboard-reset-weekly"), "Asia/Tokyo", "an operator may say");
  assert.equal(zoneOf(loadSetup({}).specs, "level-ups"), "UTC", "UTC by default");
});

Deno.test("a schedule override is read in the job's zone", () => {
  const { specs } = loadSetup({
    JOB_STREAK_EXPIRY_SCHEDULE: "0 3 * * *",
    JOB_STREAK_EXPIRY_TIMEZONE: "Europe/Madrid",
  });
  const s = specs.find((x) => x.name === "streak-expiry")!.schedule;
  assert.ok(s.kind === "cron" && s.expression === "0 3 * * *" && s.timezone === "Europe/Madrid");
});

Deno.test("every bad zone is named: SCHEDULE_TIMEZONE, REPORT_TIMEZONE, JOB_<NAME>_TIMEZONE", () => {
  assert.throws(
    () =>
      loadSetup({
        SCHEDULE_TIMEZONE: "Mars/Olympus",
        REPORT_TIMEZONE: "CEST+2",
        JOB_DAILY_REPORT_TIMEZONE: "+05:30",
        JOB_LEVEL_UPS_TIMEZONE: "Europe/Madird",
        JOB_NOPE_TIMEZONE: "UTC",
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        'REPORT_TIMEZONE="CEST+2": expected an IANA time zone like Europe/Madrid',
        'SCHEDULE_TIMEZONE="Mars/Olympus": expected an IANA time zone like Europe/Madrid',
        'JOB_DAILY_REPORT_TIMEZONE="+05:30": expected an IANA time zone like Europe/Madrid',
        'JOB_LEVEL_UPS_TIMEZONE="Europe/Madird": expected an IANA time zone like Europe/Madrid',
        // every job of the catalog, the ones this config leaves out (the evm rail's) too
        `JOB_NOPE_TIMEZONE: no job is called nope; known: ${
          catalog(loadConfig({}, [])).map((s) => s.name).join(", ")
        }`,
      ]);
      return true;
    },
  );
});

Deno.test("a bad zone stops the start with exit code 2, naming the variable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warden-zones-" });
  await using warden = spawnWarden(["task", "start"], {
    DATA_DIR: `${dir}/data`,
    JOB_STREAK_EXPIRY_TIMEZONE: "Europe/Madird",
    SCHEDULE_TIMEZONE: "Nowhere/Special",
  });
  assert.equal((await warden.status).code, 2);
  const text = warden.lines.join("\n");
  assert.match(text, /SCHEDULE_TIMEZONE="Nowhere\/Special": expected an IANA time zone/);
  assert.match(text, /JOB_STREAK_EXPIRY_TIMEZONE="Europe\/Madird": expected an IANA time zone/);
  await assert.rejects(Deno.stat(`${dir}/data`), Deno.errors.NotFound, "nothing was opened");
  await Deno.remove(dir, { recursive: true });
});
