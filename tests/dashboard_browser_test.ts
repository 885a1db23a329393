/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * app on a real database: sign in, the jobs, a run watched as its row changes, pause and resume,
 * an outbox retry, XP given and its ledger line; a wrong token and a form without its CSRF token
 * refused. Screenshots of each page at desktop and phone width (docs/screenshots/ with
 * UPDATE_SCREENSHOTS=1; see tests/fakes/browser.ts).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase } from "./db.ts";
import { accessibilityProblems, launchChromium, noBrowser, screenshots } from "./fakes/browser.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";
import { dbRuntime, gate, job, tickAndSettle } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

/** The row of a job on the jobs page. */
const row = (page: Page, name: string) => page.locator(`tr[data-job="${name}"]`);

Deno.test({
  name: "dashboard in Chromium: sign in, jobs, run, pause/resume, outbox retry, give XP",
  ignore: noBrowser,
  // playwright-core keeps its own pipes and timers to the browser until it is closed
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1001, title: "Rust Learners" }, [
    { user: 11, xp: 120, name: "Ana <b>García</b>" },
    { user: 12, xp: 90, name: "Bruno" },
    { user: 13, xp: 90, name: "Chen" },
  ]);
  await community(db.sql, { id: 12, title: "Bruno (private)", kind: "private" }, []);
  await db.sql`UPDATE members SET unreachable = true WHERE user_id = 12`;
  await db.sql`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, attempts, last_error)
    VALUES (12, '🎉 Level 3!', 'lvl:12:3', 'dropped', 1, 'unreachable: Forbidden: bot was blocked by the user'),
           (-1001, 'Weekly board', 'board:w1', 'failed', 5, 'telegram 500: Internal Server Error')`;
  await db.sql`
    INSERT INTO leaderboard_entries
      (chat_id, period, period_start, position, rank, user_id, score, reached_at, computed_at)
    SELECT -1001, 'all', 'epoch', p, r, u, s, now(), now()
    FROM (VALUES (1, 1, 11, 120), (2, 2, 12, 90), (3, 2, 13, 90)) AS v (p, r, u, s)`;

  const report = gate();
  const quick = () => Promise.resolve({ processed: 3 });
  await using rt = dbRuntime(db.url, [
    job({
      name: "nightly-report",
      run: report.run,
      schedule: "0 8 * * *",
      timezone: "Europe/Madrid",
    }),
    job({ name: "sweep", run: quick, schedule: "*/15 * * * *" }),
  ], { node: "node-a", clock: fakeClock(new Date()) }); // the database's now() is real time
  rt.runtime.start();
  const quarter = Math.floor(Date.now() / 900_000) * 900_000;
  for (let i = 5; i > 0; i--) {
    await tickAndSettle(rt.runtime, "sweep", new Date(quarter - i * 900_000));
  }
  const readiness = createReadiness({ ping: () => db.sql`SELECT 1`, clock: rt.clock });
  readiness.markMigrated();
  readiness.markStarted();
  const log = createLogger({ level: "silent" });
  await using http = serve(createApp({
    runtime: rt.runtime,
    readiness,
    log,
    metrics: runtimeMetrics(createRegistry(), rt.runtime, readiness),
    adminToken: TOKEN,
    sql: db.sql,
    dashboard: { refreshMs: 200, zone: "Europe/Madrid" },
  }));
  await using browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    timezoneId: "America/New_York", // the operator's zone, which the page learns and shows
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);

  await t.step("a wrong token is refused, the right one signs in", async () => {
    await page.goto(`${http.base}/`);
    assert.match(page.url(), /\/sign-in\?next=%2F$/);
    await screenshots(page, "sign-in");
    await page.getByLabel("Admin token").fill("not-the-token-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token does not match ADMIN_TOKEN.").waitFor();
    assert.equal((await context.cookies()).length, 0, "no session cookie for a wrong token");
    await page.getByLabel("Admin token").fill(TOKEN);
    await page.getByLabel(/Your name/).fill("Ana Ops");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === "warden_session");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.ok(cookie.expires > Date.now() / 1000, "the session cookie has an expiry");
  });

  await t.step(
    "the jobs page shows every job, its schedule in words and its sparkline",
    async () => {
      await row(page, "sweep").waitFor();
      await page.reload(); // the first page told the server the operator's zone
      await page.getByText("Times in America/New_York (UTC on hover)").waitFor();
      assert.match(
        await row(page, "nightly-report").innerText(),
        /every day at 08:00 Europe\/Madrid/,
      );
      assert.match(await row(page, "sweep").innerText(), /every 15 minutes/);
      assert.equal(await row(page, "sweep").locator("svg.spark rect").count(), 5);
      assert.match(await row(page, "sweep").innerText(), /processed 3/);
      await screenshots(page, "jobs");
    },
  );

  await t.step("Run now: the row shows the run, then its success", async () => {
    await row(page, "nightly-report").getByRole("button", { name: "Run now: nightly-report" })
      .click();
    await page.getByText(/Queued a run of nightly-report/).waitFor();
    await report.entered();
    await page.locator('tr[data-job="nightly-report"][data-status="running"]').waitFor();
    report.release({ processed: 42 });
    await page.locator('tr[data-job="nightly-report"][data-status="idle"] .last-run .o-succeeded')
      .waitFor();
    assert.match(await row(page, "nightly-report").innerText(), /processed 42/);
  });

  await t.step("Pause and Resume, stored for every replica", async () => {
    await row(page, "sweep").getByRole("button", { name: "Pause sweep" }).click();
    await page.locator('tr[data-job="sweep"][data-status="paused"]').waitFor();
    const [paused] = await db.sql`SELECT paused FROM job_state WHERE job = 'sweep'`;
    assert.equal(paused.paused, true);
    await row(page, "sweep").getByRole("button", { name: "Resume sweep" }).click();
    await page.locator('tr[data-job="sweep"][data-status="idle"]').waitFor();
    const [resumed] = await db.sql`SELECT paused FROM job_state WHERE job = 'sweep'`;
    assert.equal(resumed.paused, false);
  });

  await t.step("a job's page: history, the next 10 slots, a filter", async () => {
    await page.goto(`${http.base}/jobs/sweep`);
    assert.equal(await page.locator("ol.slots li").count(), 10);
    const [runs] = await db.sql`SELECT count(*)::int AS n FROM job_runs WHERE job = 'sweep'`;
    assert.ok(runs.n >= 5);
    assert.equal(await page.locator("table.runs tbody tr").count(), runs.n);
    const trigger = page.getByLabel("Trigger");
    await trigger.selectOption("manual");
    await trigger.evaluate((e) => (e as unknown as { blur(): void }).blur());
    // A refresh round comes (every 200 ms here) and holds: the choice not yet sent stays.
    await page.locator("body[data-refresh-held]").waitFor({ state: "attached" });
    assert.equal(await trigger.inputValue(), "manual");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No runs match.").waitFor();
    await page.goto(`${http.base}/jobs/nightly-report`);
    await screenshots(page, "job");
  });

  await t.step("a form without its CSRF token is refused and changes nothing", async () => {
    await page.goto(`${http.base}/`);
    // in the page: what a forged cross-site form would lack
    await page.evaluate(
      `document.querySelectorAll('input[name="_csrf"]').forEach((el) => el.remove())`,
    );
    await row(page, "sweep").getByRole("button", { name: "Pause sweep" }).click();
    await page.getByText("The form carried no CSRF token").waitFor();
    const [state] = await db.sql`SELECT paused FROM job_state WHERE job = 'sweep'`;
    assert.equal(state.paused, false);
  });

  await t.step("the outbox: counts, and a dropped row retried", async () => {
    await page.goto(`${http.base}/outbox`);
    await page.locator("tr[data-outbox]").first().waitFor();
    assert.equal(await page.locator("tr[data-outbox]").count(), 2);
    await screenshots(page, "outbox");
    const [dropped] = await db.sql`SELECT id FROM outbox WHERE dedupe_key = 'lvl:12:3'`;
    await page.getByRole("button", { name: `Retry notification ${dropped.id}` }).click();
    await page.getByText(`Notification ${dropped.id} is queued again.`).waitFor();
    assert.equal(await page.locator("tr[data-outbox]").count(), 1);
    const [r] = await db.sql`SELECT state FROM outbox WHERE id = ${dropped.id}`;
    assert.equal(r.state, "pending");
    const [m] = await db.sql`SELECT bool_or(unreachable) AS marked FROM members WHERE user_id = 12`;
    assert.equal(m.marked, false, "the retry clears the unreachable mark");
  });

  await t.step("community: boards with ties, search, give XP and see the ledger line", async () => {
    await page.goto(`${http.base}/chats`);
    await page.getByRole("link", { name: "Rust Learners" }).click();
    const ranks = await page.locator("table.board tbody tr td:first-child").allInnerTexts();
    assert.deepEqual(ranks, ["1", "2", "2"], "ties share a rank");
    await page.getByLabel("Name, @username or id").fill("ana");
    await page.getByRole("button", { name: "Search" }).click();
    await screenshots(page, "chat");
    await page.locator("ul.hits").getByRole("link", { name: "Ana <b>García</b>" }).click();
    await page.getByLabel("XP", { exact: true }).fill("1500");
    await page.getByLabel("Reason").fill("ran the meetup");
    await page.getByRole("button", { name: "Give" }).click();
    await page.getByText("Gave 1,500 XP: the balance is now 1,620 XP.").waitFor();
    const line = page.locator("table.ledger tbody tr").first();
    assert.match(await line.innerText(), /\+1,500\s+admin: ran the meetup\s+dashboard:Ana Ops/);
    await screenshots(page, "member");
    const [member] = await db.sql`SELECT xp FROM members WHERE chat_id = -1001 AND user_id = 11`;
    assert.equal(member.xp, 1620);
  });

  await t.step(
    "every page passes axe-core's WCAG 2.1 A/AA rules, at desktop and phone width",
    async () => {
      const [m] = await db.sql`SELECT min(id) AS id FROM outbox`;
      const pages = [
        "/",
        "/jobs/sweep",
        "/outbox",
        "/chats",
        "/chats/-1001?q=b",
        "/chats/-1001/members/11",
      ];
      for (const path of [...pages, `/outbox?before=${m.id + 1}`]) {
        for (const size of [{ width: 1280, height: 860 }, { width: 390, height: 844 }]) {
          await page.setViewportSize(size);
          await page.goto(`${http.base}${path}`);
          assert.deepEqual(await accessibilityProblems(page), [], `${path} at ${size.width} px`);
        }
      }
      const signedOut = await browser.newPage();
      await signedOut.goto(`${http.base}/sign-in`);
      assert.deepEqual(await accessibilityProblems(signedOut), [], "/sign-in");
      await signedOut.close();
    },
  );
});
