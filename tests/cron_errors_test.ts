import assert from "node:assert/strict";
import { parseSchedule, ScheduleError } from "../actors/schedule.ts";

/** Every malformed field names the field and the text it got; nothing ends in `got ""`. */
Deno.test("bad cron input: each message names the field and what it got", () => {
  const cases: Array<[string, string]> = [
    ["0 0 -1 * *", 'field day-of-month "-1" is invalid (range "-1" has no start)'],
    ["-5 * * * *", 'field minute "-5" is invalid (range "-5" has no start)'],
    ["1- * * * *", 'field minute "1-" is invalid (range "1-" has no end)'],
    ["60 * * * *", 'field minute "60" is invalid (60 is out of 0-59)'],
    ["5-1 * * * *", 'field minute "5-1" is invalid (range 5-1 runs backwards)'],
    ["*/0 * * * *", 'field minute "*/0" is invalid (step 0 is out of 1-59)'],
    [
      "99999999999999999999 * * * *",
      'field minute "99999999999999999999" is invalid (99999999999999999999 is out of 0-59)',
    ],
    ["0,,1 * * * *", 'field minute "0,,1" is invalid (an empty item between commas)'],
    ["0 0 * * ,", 'field day-of-week "," is invalid (an empty item between commas)'],
    ["١ * * * *", 'field minute "١" is invalid (expected a number 0-59, got "١")'],
    ["0 0 L * *", 'field day-of-month "L" is invalid (expected a number 1-31, got "L")'],
    ["", "expected 5 fields (minute hour day-of-month month day-of-week), got 0"],
    ["0 0 0 * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"],
    [
      "@daily",
      "expected 5 fields (minute hour day-of-month month day-of-week), got 1 (@daily and the " +
      "other @ shorthands are not read: write 0 0 * * *)",
    ],
  ];
  for (const [expression, reason] of cases) {
    assert.throws(
      () => parseSchedule(expression),
      (e: unknown) => {
        assert.ok(e instanceof ScheduleError, String(e));
        assert.equal(e.message, `Cannot read cron "${expression}": ${reason}`);
        assert.doesNotMatch(e.message, /got ""/);
        return true;
      },
      expression,
    );
  }
});

Deno.test("a cron that never fires is refused; spaces, tabs and name case are fine", () => {
  assert.throws(() => parseSchedule("* * 31 2 *"), /Cannot use cron "\* \* 31 2 \*": it never/);
  assert.throws(() => parseSchedule("0 0 31 4,6 *"), /it never fires/);
  for (const ok of ["0  0\t* * *", " 0 0 * * * ", "0 0 * jan mon", "0 0 * JAN-mar Mon-FRI"]) {
    assert.equal(parseSchedule(ok).kind, "cron", ok);
  }
});
