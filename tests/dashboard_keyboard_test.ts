/**
 * In Chromium: keyboard focus survives the in-place refresh, and an unbroken Telegram name or
 * chat title (within Telegram's own limits) does not make a page wider than a phone.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { launchChromium, noBrowser, PHONE } from "./fakes/browser.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime, job } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

Deno.test({
  name: "the dashboard keeps keyboard focus across refreshes, and long names fit a phone",
  ignore: noBrowser,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using db = await testDatabase();
  // Telegram: first_name up to 64 characters, chat titles up to 128; neither needs a space.
  await community(db.sql, {
    id: -1001,
    title: "Rust_Community_Official_Chat_For_Everyone_Who_Loves_Systems",
  }, [
    { user: 11, xp: 120, name: "W".repeat(64) },
  ]);
  const quick = () => Promise.resolve({ processed: 1 });
  await using rt = dbRuntime(db.url, [
    job({ name: "sweep", run: quick, schedule: "*/15 * * * *" }),
    job({ name: "other", run: quick, schedule: "*/15 * * * *" }),
  ], { node: "node-a", clock: fakeClock(new Date()) });
  rt.runtime.start();
  await using http = serveApp(rt.runtime, ready(rt.clock, () => db.sql`SELECT 1`), {
    adminToken: TOKEN,
    sql: db.sql,
    dashboard: { refreshMs: 200 },
  });
  await using browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${http.base}/sign-in`);
  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Jobs" }).waitFor();

  await t.step("a keyboard user's focus survives the 10 s refresh", async () => {
    await page.getByRole("button", { name: "Pause sweep" }).focus();
    // wait for one in-place refresh round (every 200 ms here)
    await page.evaluate(`delete document.body.dataset.refreshedAt`);
    await page.locator("body[data-refreshed-at]").waitFor({ state: "attached" });
    const focused = await page.evaluate(
      `document.activeElement && (document.activeElement.getAttribute("aria-label") || document.activeElement.tagName)`,
    );
    assert.equal(focused, "Pause sweep", "focus stays where the operator put it");
  });

  await t.step("a 64-character first name and a long chat title fit a phone", async () => {
    await page.setViewportSize(PHONE);
    for (const path of ["/chats/-1001", "/chats/-1001/members/11"]) {
      await page.goto(`${http.base}${path}`);
      const [scroll, inner] = await page.evaluate(
        `[document.documentElement.scrollWidth, window.innerWidth]`,
      ) as number[];
      assert.ok(scroll <= inner, `${path}: page is ${scroll}px wide on a ${inner}px phone`);
    }
  });
});
