import assert from "node:assert/strict";
import { parseSchedule } from "../actors/schedule.ts";
import {
  count,
  duration,
  operatorZone,
  relative,
  resultSummary,
  scheduleInWords,
  sparkBars,
} from "../ui/format.ts";
import { cut } from "../ui/outbox_page.tsx";
import { OPERATOR_NAME, safeNext, sessions } from "../ui/session.ts";

Deno.test("schedules in words, with their zone", () => {
  const words = (cron: string | { every: string }, zone = "Europe/Madrid") =>
    scheduleInWords(parseSchedule(cron, zone), zone);
  assert.equal(words("0 8 * * *"), "every day at 08:00 Europe/Madrid");
  assert.equal(words("*/15 * * * *"), "every 15 minutes");
  assert.equal(words("* * * * *"), "every minute");
  assert.equal(words("0 * * * *"), "every hour, on the hour");
  assert.equal(words("5 * * * *"), "every hour at :05");
  assert.equal(words("0 */6 * * *", "UTC"), "every 6 hours at :00 UTC");
  assert.equal(words("0 0 * * MON", "UTC"), "every Monday at 00:00 UTC");
  assert.equal(words("0 0 * * 0", "UTC"), "every Sunday at 00:00 UTC");
  assert.equal(words("0 0 * * 7", "UTC"), "every Sunday at 00:00 UTC");
  assert.equal(words("30 2 1 * *"), "on the 1st of every month at 02:30 Europe/Madrid");
  assert.equal(words("0 3 22 * *"), "on the 22nd of every month at 03:00 Europe/Madrid");
  assert.equal(words("0 3 11 * *"), "on the 11th of every month at 03:00 Europe/Madrid");
  assert.equal(words({ every: "30s" }), "every 30s");
  assert.equal(words("*/1 * * * *"), "every minute");
  // a step that does not divide the hour (or the day) is not an even rhythm: :56 then :00
  assert.equal(words("*/7 * * * *"), 'cron "*/7 * * * *" Europe/Madrid');
  assert.equal(words("*/45 * * * *"), 'cron "*/45 * * * *" Europe/Madrid');
  assert.equal(words("0 */5 * * *", "UTC"), 'cron "0 */5 * * *" UTC');
  // shapes without words keep the expression
  assert.equal(words("0 9 * * 1-5"), 'cron "0 9 * * 1-5" Europe/Madrid');
  assert.equal(words("0 9 1 6 *"), 'cron "0 9 1 6 *" Europe/Madrid');
});

Deno.test("numbers, durations and ages as people read them", () => {
  assert.equal(count(1234567), "1,234,567");
  assert.equal(count(0), "0");
  assert.deepEqual([850, 4_200, 42_000, 185_000, 7_800_000, 273_600_000].map(duration), [
    "850 ms",
    "4.2 s",
    "42 s",
    "3 min 5 s",
    "2 h 10 min",
    "3 d 4 h",
  ]);
  const now = new Date("2026-11-30T10:00:00Z");
  assert.equal(relative(new Date("2026-11-30T10:03:00Z"), now), "in 3 min");
  assert.equal(relative(new Date("2026-11-30T09:59:55Z"), now), "5 s ago");
  assert.equal(relative(now, now), "just now");
  assert.equal(
    resultSummary({ processed: 1204, notified: 3, note: "ok", nested: { a: 1 } }),
    "processed 1,204 · notified 3 · note ok",
  );
  assert.equal(resultSummary(null), "");
});

Deno.test("the operator's zone: only a real IANA zone from the cookie", () => {
  assert.equal(operatorZone("America/New_York", "UTC"), "America/New_York");
  assert.equal(operatorZone("Mars/Olympus", "UTC"), "UTC");
  assert.equal(operatorZone("<script>", "Europe/Madrid"), "Europe/Madrid");
  assert.equal(operatorZone(undefined, "UTC"), "UTC");
});

Deno.test("sparkline bars: oldest left, scaled to the longest, one class per outcome", () => {
  const bars = sparkBars(
    [
      { durationMs: 100, outcome: "succeeded" },
      { durationMs: 400, outcome: "failed" },
      { durationMs: 0, outcome: "skipped" },
    ],
    150,
    28,
  );
  assert.deepEqual(bars.map((b) => b.outcome), ["succeeded", "failed", "skipped"]);
  assert.equal(bars[1].height, 26, "the longest fills the height");
  assert.equal(bars[2].height, 2, "a zero-length run is still visible");
  assert.ok(bars[0].x < bars[1].x && bars[1].x < bars[2].x);
  assert.equal(bars[1].title, "failed, 400 ms");
  assert.deepEqual(sparkBars([], 150, 28), []);
});

Deno.test("sessions: signed, expiring, bound to the token; next stays on the site", async () => {
  const keys = sessions("token-0123456789abcdef", 12);
  const now = new Date("2026-11-30T10:00:00Z");
  assert.equal(await keys.tokenMatches("token-0123456789abcdef"), true);
  assert.equal(await keys.tokenMatches("token-0123456789abcdeg"), false);
  assert.equal(await keys.tokenMatches(""), false);
  const { cookie, session } = await keys.issue(now, "Ana Ops");
  const read = await keys.read(cookie, new Date(now.getTime() + 11 * 3_600_000));
  assert.deepEqual(read, session);
  assert.equal(read?.name, "Ana Ops");
  assert.equal(await keys.read(cookie, new Date(now.getTime() + 12 * 3_600_000)), null);
  const renamed = cookie.replace(
    /\.[\w-]*\.([\w-]{43})$/,
    `.${btoa("Root").replace(/=+$/, "")}.$1`,
  );
  assert.equal(await keys.read(renamed, now), null, "the name is signed too");
  assert.equal(await sessions("another-token-0123456", 12).read(cookie, now), null);
  assert.equal(await keys.read("garbage", now), null);
  assert.equal(await keys.read(undefined, now), null);
  assert.ok(OPERATOR_NAME.test("José María"));
  assert.ok(!OPERATOR_NAME.test("<b>"));
  for (
    const bad of ["//evil.example", "https://evil.example", "/\\\\evil", "javascript:alert(1)"]
  ) {
    assert.equal(safeNext(bad), "/", bad);
  }
  assert.equal(safeNext("/jobs/sweep?outcome=failed"), "/jobs/sweep?outcome=failed");
  // the dashboard's own links come back whole: "Older runs" and a member search
  const older =
    "/jobs/level-ups?before=2026-12-01T06:00:00.000Z~0b9c20e6-8e11-47e2-a581-bbf076a93406";
  assert.equal(safeNext(older), older);
  assert.equal(
    safeNext("/chats/-1001?period=all&q=Ana+Garc%C3%ADa"),
    "/chats/-1001?period=all&q=Ana+Garc%C3%ADa",
  );
  for (const bad of ["/\\evil.example/", "/ok\r\nSet-Cookie: x=1", "/a\u0000b", "/\t/evil"]) {
    assert.equal(safeNext(bad), "/", JSON.stringify(bad));
  }
});

Deno.test("a long outbox message is cut by character: an emoji is never split in half", () => {
  const text = "a" + "😀".repeat(200);
  const shown = cut(text, 160);
  assert.ok(shown.isWellFormed(), JSON.stringify(shown.slice(-4)));
  assert.equal(shown, "a" + "😀".repeat(159) + "…");
  assert.equal(cut("short", 160), "short");
});
