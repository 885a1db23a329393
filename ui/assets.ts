/**
 * The dashboard's stylesheet and its one script, served from memory (no build step, no CDN).
 * The script is an enhancement: every page works without it.
 */

export const STYLE = `
:root { --fg: #1f2328; --muted: #57606a; --bg: #fff; --line: #d0d7de; --accent: #0550ae;
  --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --run: #0550ae; --skip: #57606a;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, .scroll:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 9; }
header { border-bottom: 1px solid var(--line); background: #f6f8fa; }
nav[aria-label=Main] { display: flex; gap: 16px; align-items: center; padding: 10px 16px; flex-wrap: wrap; }
nav[aria-label=Main] a { text-decoration: none; font-weight: 600; padding: 4px 2px; }
nav a[aria-current=page] { border-bottom: 3px solid var(--accent); }
.brand { font-size: 1.1rem; } .spacer { flex: 1; }
main { padding: 12px 16px 32px; max-width: 1400px; margin: 0 auto; }
main.narrow { max-width: 480px; }
h1 { font-size: 1.5rem; margin: 12px 0; } h2 { font-size: 1.15rem; margin-top: 28px; } h3 { font-size: 1rem; margin: 0 0 8px; }
.health { display: flex; flex-wrap: wrap; gap: 8px 20px; padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; font-size: .9rem; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
.dot.ok { background: var(--ok); } .dot.bad { background: var(--bad); } .dot.warn { background: #bf8700; }
.notice { padding: 8px 12px; border-left: 4px solid var(--accent); background: #ddf4ff; }
.notice.error, p.error { border-left-color: var(--bad); background: #ffebe9; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #f6f8fa; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.small { font-size: .82rem; } .muted { color: var(--muted); }
.error { color: var(--bad); word-break: break-word; }
h1, th, td, .hits a { overflow-wrap: anywhere; } /* a name or title with no space still fits a phone */
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: .8rem; font-weight: 600; border: 1px solid currentColor; }
.s-idle, .o-succeeded, .o-sent { color: var(--ok); } .s-running, .o-running { color: var(--run); }
.s-paused, .o-skipped, .o-discarded { color: var(--warn); } .s-failed, .s-stopped, .o-failed, .o-dropped { color: var(--bad); }
.o-abandoned, .o-expired { color: var(--warn); }
svg.spark rect.o-succeeded { fill: var(--ok); } svg.spark rect.o-failed { fill: var(--bad); }
svg.spark rect.o-abandoned { fill: #bf8700; } svg.spark rect.o-skipped { fill: #8c959f; }
form.inline { display: inline; } .controls { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; margin: 4px 0; }
table.jobs td:last-child .controls { flex-wrap: nowrap; }
button { font: inherit; white-space: nowrap; padding: 4px 10px; border: 1px solid #8c959f; border-radius: 6px; background: #f6f8fa; color: var(--fg); cursor: pointer; min-height: 32px; }
button:hover { background: #eaeef2; } button.danger { color: var(--bad); border-color: var(--bad); }
input, select { font: inherit; padding: 4px 6px; border: 1px solid #8c959f; border-radius: 6px; min-height: 32px; }
.filters, .xp-form { display: flex; gap: 10px; flex-wrap: wrap; align-items: end; margin: 8px 0; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; } .card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 220px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.tabs { display: flex; gap: 12px; flex-wrap: wrap; } .tabs a[aria-current=page] { font-weight: 700; text-decoration: none; border-bottom: 3px solid var(--accent); }
.pager { display: flex; gap: 16px; margin: 10px 0; }
td.message { max-width: 360px; word-break: break-word; }
@media (max-width: 700px) {
  main { padding: 8px; } table.jobs thead { display: none; }
  table.jobs tr { display: block; border-bottom: 2px solid var(--line); padding: 6px 0; }
  table.jobs th, table.jobs td { display: block; border: 0; padding: 2px 4px; }
  table.jobs td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  table.jobs td.num { text-align: left; }
}
`;

/**
 * Sets the operator's zone cookie (times are rendered in it), asks before a destructive form,
 * and refreshes the page's content in place every `data-refresh-ms` (paused while the operator
 * types or the tab is hidden, and for good once they changed a form field they have not sent, so
 * a filter they picked is not put back under them), so the scroll position stays where it was,
 * and keyboard focus on a link or button stays on the same one.
 */
export const SCRIPT = `
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").includes("warden_tz=" + encodeURIComponent(zone))) {
    document.cookie = "warden_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Strict";
  }
  document.addEventListener("submit", (e) => {
    const ask = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (ask && !confirm(ask)) e.preventDefault();
  });
  const every = Number(document.body.dataset.refreshMs) || 0;
  if (!every) return;
  let edited = false;
  document.addEventListener("change", () => { edited = true; });
  const busy = () => {
    const a = document.activeElement;
    return a && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName) && a.type !== "hidden" && a.type !== "submit";
  };
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  const keyOf = (el) => {
    const form = el.closest("form");
    return [el.tagName, el.getAttribute("href"), form && form.getAttribute("action"), el.getAttribute("name"),
      el.getAttribute("aria-label"), el.textContent.trim()].join("|");
  };
  let stopped = false;
  async function refresh() {
    if (edited) { document.body.dataset.refreshHeld = String(Date.now()); return; }
    if (stopped || document.hidden || busy()) return;
    try {
      const res = await fetch(location.href, { headers: { "x-warden-refresh": "1" }, credentials: "same-origin" });
      if (!res.ok || res.redirected) { stopped = res.redirected; return; }
      const next = new DOMParser().parseFromString(await res.text(), "text/html").querySelector("main[data-live]");
      const here = document.querySelector("main[data-live]");
      if (next && here && !edited && !busy()) {
        // focus on a link or button inside stays on the same one after the swap
        const focused = document.activeElement;
        const key = focused && focused !== document.body && here.contains(focused) ? keyOf(focused) : null;
        here.innerHTML = next.innerHTML;
        if (key) {
          const same = Array.from(here.querySelectorAll(FOCUSABLE)).find((el) => keyOf(el) === key);
          if (same) same.focus({ preventScroll: true });
        }
        document.body.dataset.refreshedAt = String(Date.now());
      }
    } catch (_) { /* the next round tries again */ }
  }
  setInterval(refresh, every);
})();
`;
