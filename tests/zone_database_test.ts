import assert from "node:assert/strict";
import { isZone } from "../actors/zone.ts";
import { loadSetup } from "../catalog.ts";
import { ConfigError } from "../config.ts";
import { updateSettings } from "../domain/chat_settings.ts";
import { testDatabase } from "./db.ts";

/**
 * Names `Intl` (ICU) reads that PostgreSQL 15 does not know as zones: retired from the tz
 * database (US/Pacific-New, SystemV/*), or ICU's three-letter ids, which PostgreSQL reads as
 * fixed-offset abbreviations with another meaning (IST is +02:00 there, Asia/Kolkata in ICU).
 */
const INTL_ONLY = ["US/Pacific-New", "Canada/East-Saskatchewan", "SystemV/PST8PDT", "PST", "IST"];

Deno.test("a zone Intl reads but PostgreSQL does not is refused by name in the config", () => {
  assert.throws(
    () =>
      loadSetup({
        SCHEDULE_TIMEZONE: "US/Pacific-New",
        REPORT_TIMEZONE: "SystemV/PST8PDT",
        JOB_LEVEL_UPS_TIMEZONE: "IST",
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.deepEqual(e.problems, [
        'REPORT_TIMEZONE="SystemV/PST8PDT": expected an IANA time zone like Europe/Madrid',
        'SCHEDULE_TIMEZONE="US/Pacific-New": expected an IANA time zone like Europe/Madrid',
        'JOB_LEVEL_UPS_TIMEZONE="IST": expected an IANA time zone like Europe/Madrid',
      ]);
      return true;
    },
  );
});

Deno.test("every zone the checks accept is one this database lists by name", async () => {
  await using db = await testDatabase({ migrate: false });
  const listed = (await db.sql<{ name: string }[]>`SELECT name FROM pg_timezone_names`)
    .map((r) => r.name);
  const known = new Set(listed.map((n) => n.toLowerCase()));
  // Every three-letter id (ICU's own ones among them), every name either side lists, the retired.
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const threes = [...letters].flatMap((a) =>
    [...letters].flatMap((b) => [...letters].map((c) => a + b + c))
  );
  const candidates = new Set([
    ...threes,
    ...listed,
    ...Intl.supportedValuesOf("timeZone"),
    ...INTL_ONLY,
    ...["AST4", "AST4ADT", "CST6", "CST6CDT", "EST5", "EST5EDT", "HST10", "MST7", "MST7MDT"]
      .map((z) => `SystemV/${z}`),
  ]);
  const wrong = [...candidates].filter((z) => isZone(z) && !known.has(z.toLowerCase()));
  assert.deepEqual(wrong, [], `accepted, but ${db.kind} does not list them`);
  for (const z of INTL_ONLY) assert.equal(isZone(z), false, z);
});

Deno.test("a chat's zone must be one the database lists, not an abbreviation", async () => {
  await using db = await testDatabase();
  await db.sql`INSERT INTO chats (chat_id, title) VALUES (-100, 'c')`;
  for (const zone of ["PST", "US/Pacific-New"]) {
    await assert.rejects(
      () => updateSettings(db.sql, -100, { timeZone: zone }),
      new RegExp(`timeZone "${zone}"`),
    );
  }
  const [row] = await db.sql`SELECT time_zone FROM chats WHERE chat_id = -100`;
  assert.equal(row.time_zone, null, "nothing stored");
});
