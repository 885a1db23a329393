/**
 * Debian's Chromium driven by playwright-core (no browser download): `.ci/run` installs it with
 * apt. Without it the browser tests are skipped with a note, unless `WARDEN_REQUIRE_BROWSER=1`
 * (CI), where a missing browser fails them.
 */
import axe from "axe-core";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** True when the browser tests cannot run here (and are not required to). */
export const noBrowser = !exists(CHROMIUM) && Deno.env.get("WARDEN_REQUIRE_BROWSER") !== "1";
if (noBrowser) {
  console.error(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

export async function launchChromium(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/**
 * Where the screenshots go: a folder of the system's temporary directory, so a test run leaves
 * the checkout as it was; with `UPDATE_SCREENSHOTS=1`, the README's own in docs/screenshots/.
 */
function shotsFolder(): URL {
  return shots ??= Deno.env.get("UPDATE_SCREENSHOTS") === "1"
    ? new URL("../../docs/screenshots/", import.meta.url)
    : new URL(`file://${Deno.makeTempDirSync({ prefix: "warden-screenshots-" })}/`);
}
let shots: URL | undefined;

/** Full-page screenshots of `page` at desktop and phone width, as `<name>-desktop.png` / `-phone.png`. */
export async function screenshots(page: Page, name: string) {
  for (const [label, size] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({
      path: new URL(`${name}-${label}.png`, shotsFolder()).pathname,
      fullPage: true,
    });
  }
  await page.setViewportSize(DESKTOP);
}

/**
 * The WCAG 2 A and AA rules axe-core finds broken on the page (labels, contrast, names, roles,
 * landmarks), as "rule: target" lines; [] when none.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: (axe as unknown as { source: string }).source });
  const found = await page.evaluate(`axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }).then((r) => r.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`);
  return found as string[];
}
