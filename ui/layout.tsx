/**
 * The frame of every dashboard page and the small pieces the pages share: times in the
 * operator's zone (UTC on hover), numbers with separators, forms that carry the CSRF token.
 */
import type { Child, FC } from "hono/jsx";
import { count, localTime, relative, utcTitle } from "./format.ts";
import { CSRF_FIELD } from "./session.ts";

/** What every page knows about the request: who is signed in, the zone, the clock. */
export interface View {
  csrf: string | null;
  zone: string;
  now: Date;
  path: string;
  refreshMs: number;
  health: HealthStrip;
  notice?: string;
}

export interface HealthStrip {
  database: { ok: boolean; detail?: string };
  telegram: { status: string; detail?: string };
  scheduler: { ok: boolean; lastHeartbeat: Date };
  openIncidents: number;
}

/** Bidi embeddings, overrides and isolates: one left open turns the rest of the line around. */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A name or title from Telegram as the page shows it: its words without bidi controls (a chat
 * title is stored as sent; only what the page shows is cleaned).
 */
export const shown = (text: string) => text.replace(BIDI, "");

export const Time: FC<{ at: Date | null | undefined; view: View; rel?: boolean }> = (
  { at, view, rel },
) =>
  at
    ? (
      <time datetime={at.toISOString()} title={utcTitle(at)}>
        {localTime(at, view.zone)}
        {rel ? <span class="muted">{` (${relative(at, view.now)})`}</span> : null}
      </time>
    )
    : <span class="muted">—</span>;

export const Num: FC<{ n: number | null | undefined }> = ({ n }) =>
  n === null || n === undefined ? <span class="muted">—</span> : <>{count(n)}</>;

/**
 * A POST form with the CSRF token and where to come back to (and with `once`, its one-time id);
 * nothing when signed out.
 */
export const Action: FC<
  {
    view: View;
    to: string;
    label: string;
    confirm?: string;
    danger?: boolean;
    name?: string;
    /** The form gets a one-time id: sent twice, it acts once (Run now). */
    once?: boolean;
  }
> = ({ view, to, label, confirm, danger, name, once }) =>
  view.csrf
    ? (
      <form method="post" action={to} class="inline" data-confirm={confirm}>
        <input type="hidden" name={CSRF_FIELD} value={view.csrf} />
        <input type="hidden" name="back" value={view.path} />
        {once ? <input type="hidden" name="form" value={crypto.randomUUID()} /> : null}
        <button type="submit" class={danger ? "danger" : ""} aria-label={name}>{label}</button>
      </form>
    )
    : null;

function Dot({ ok, warn }: { ok: boolean; warn?: boolean }) {
  return <span class={`dot ${ok ? "ok" : warn ? "warn" : "bad"}`} aria-hidden="true" />;
}

const HealthBar: FC<{ h: HealthStrip; view: View }> = ({ h, view }) => (
  <section class="health" aria-label="Health">
    <span>
      <Dot ok={h.database.ok} /> Database{" "}
      {h.database.ok ? "up" : `down: ${h.database.detail ?? ""}`}
    </span>
    <span>
      <Dot ok={h.telegram.status === "ok"} warn={h.telegram.status === "disabled"} /> Telegram{" "}
      {h.telegram.status}
      {h.telegram.detail ? `: ${h.telegram.detail}` : ""}
    </span>
    <span>
      <Dot ok={h.scheduler.ok} /> Scheduler {h.scheduler.ok ? "beating" : "stuck"}, last beat{" "}
      <Time at={h.scheduler.lastHeartbeat} view={view} />
    </span>
    <span>
      <Dot ok={h.openIncidents === 0} /> <a href="/#incidents">{count(h.openIncidents)}</a> open
      {" "}
      {h.openIncidents === 1 ? "incident" : "incidents"}
    </span>
  </section>
);

const NAV: Array<[string, string]> = [["/", "Jobs"], ["/outbox", "Outbox"], [
  "/chats",
  "Community",
]];

/** The `<head>` every page shares; `live` adds the script (refresh, zone, confirmations). */
const Head: FC<{ title: string; live?: boolean }> = ({ title, live }) => (
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    {/* isolated: a right-to-left title does not turn " · Warden" around */}
    <title>{`\u2068${shown(title)}\u2069 · Warden`}</title>
    <link rel="stylesheet" href="/ui/style.css" />
    {live ? <script src="/ui/app.js" defer></script> : null}
  </head>
);

/** A table that may scroll sideways on a phone: a named region the keyboard can reach. */
export const Scroll: FC<{ label: string; children?: Child }> = ({ label, children }) => (
  <div class="scroll" tabindex={0} role="region" aria-label={label}>{children}</div>
);

export const Layout: FC<{ title: string; view: View; children?: Child }> = (
  { title, view, children },
) => (
  <html lang="en">
    <Head title={title} live />
    <body data-refresh-ms={String(view.refreshMs)}>
      <a class="skip" href="#main">Skip to the content</a>
      <header>
        <nav aria-label="Main">
          <strong class="brand">Warden</strong>
          {NAV.map(([href, label]) => (
            <a
              href={href}
              aria-current={(href === "/"
                  ? view.path === "/" || view.path.startsWith("/jobs")
                  : view.path.startsWith(href))
                ? "page"
                : undefined}
            >
              {label}
            </a>
          ))}
          <span class="spacer" />
          {view.csrf
            ? (
              <form method="post" action="/sign-out" class="inline">
                <input type="hidden" name={CSRF_FIELD} value={view.csrf} />
                <button type="submit">Sign out</button>
              </form>
            )
            : <a href={`/sign-in?next=${encodeURIComponent(view.path)}`}>Sign in</a>}
        </nav>
      </header>
      <main id="main" data-live>
        <HealthBar h={view.health} view={view} />
        {view.notice ? <p class="notice" role="status">{view.notice}</p> : null}
        <h1>{shown(title)}</h1>
        {children}
        <p class="muted small">
          Times in {view.zone} (UTC on hover) · page of <Time at={view.now} view={view} />
        </p>
      </main>
    </body>
  </html>
);

/** A page standing alone (sign-in, errors): no health bar, no live refresh. */
export const Bare: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <html lang="en">
    <Head title={title} />
    <body>
      <main id="main" class="narrow">
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);
