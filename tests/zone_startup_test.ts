import assert from "node:assert/strict";
import { loadSetup } from "../catalog.ts";
import { zoneVariables } from "../config.ts";
import { checkZones } from "../db/startup.ts";
import { testDatabase } from "./db.ts";

Deno.test("the start names each zone variable its database does not list", async () => {
  await using db = await testDatabase({ migrate: false });
  const { config } = loadSetup({
    SCHEDULE_TIMEZONE: "europe/madrid",
    JOB_BADGE_CHECK_TIMEZONE: "Asia/Kolkata",
  });
  const vars = zoneVariables(config);
  assert.equal(vars.SCHEDULE_TIMEZONE, "Europe/Madrid");
  assert.equal(vars.JOB_BADGE_CHECK_TIMEZONE, "Asia/Kolkata");
  await checkZones(db.sql, vars); // every one listed: nothing to say
  // A server whose tz database lacks a name the shared check lets through answers like this:
  await assert.rejects(
    () =>
      checkZones(db.sql, { ...vars, REPORT_TIMEZONE: "US/Pacific-New", X_TIMEZONE: "Nowhere/X" }),
    {
      name: "StartupError",
      message: 'REPORT_TIMEZONE="US/Pacific-New", X_TIMEZONE="Nowhere/X": ' +
        "not time zones this database lists (pg_timezone_names)",
    },
  );
});
