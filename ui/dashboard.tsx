/**
 * The operator dashboard, served by the same Hono app at `/`: jobs, a job's runs, the outbox
 * and the community, server-rendered with Hono's JSX. Everything shown comes from the database
 * (the same on every replica) except this replica's actor status, which `/health/tasks` shows
 * the same way.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import type postgres from "postgres";
import type { Logger } from "../actors/log.ts";
import type { Runtime } from "../actors/runtime.ts";
import { nextSlot } from "../actors/schedule.ts";
import {
  deadline,
  HttpError,
  isDatabaseOutage,
  runtimeRefusal,
  WriteUnconfirmedError,
} from "../routes/errors.ts";
import type { Readiness } from "../routes/readiness.ts";
import { SCRIPT, STYLE } from "./assets.ts";
import { dashboardAuth, type DashboardEnv, done, NOTICE, refusal } from "./auth.tsx";
import { communityRoutes } from "./community_routes.tsx";
import { jobIncidents, openIncidents, OUTCOMES, recentRuns, runHistory, TRIGGERS } from "./data.ts";
import { operatorZone, scheduleInWords } from "./format.ts";
import { JobPage } from "./job_page.tsx";
import { Incidents, JobsTable } from "./jobs_page.tsx";
import { Action, Layout, type View } from "./layout.tsx";
import { outboxRoutes } from "./outbox_routes.tsx";
import { runOnce } from "./run_once.ts";

export interface DashboardDeps {
  runtime: Runtime;
  readiness: Readiness;
  sql: postgres.Sql;
  log: Logger;
  telegram?: () => { status: "ok" | "disabled" | "error"; detail?: string };
  adminToken?: string;
  /** Pages readable without signing in (`DASHBOARD_PUBLIC_READS`). */
  publicReads?: boolean;
  sessionHours?: number;
  /** Times are shown in the operator's zone (set by the page), else this one. */
  zone?: string;
  /** How often the page refreshes its content in place (0: never). */
  refreshMs?: number;
  /** How long a page waits on the database before answering 503 (default `ROUTE_DEADLINE_MS`). */
  deadlineMs?: number;
  now?: () => Date;
}

/** Builds what every page needs: session, zone, health strip, the one-shot notice. */
export function viewMaker(d: DashboardDeps) {
  const now = d.now ?? (() => new Date());
  return async function view(c: Context<DashboardEnv>): Promise<View> {
    const [database, [{ open }]] = await Promise.all([
      d.readiness.database(),
      d.sql<
        { open: number }[]
      >`SELECT count(*)::int AS open FROM incidents WHERE closed_at IS NULL`,
    ]);
    const notice = getCookie(c, NOTICE);
    if (notice && !c.req.header("x-warden-refresh")) deleteCookie(c, NOTICE, { path: "/" });
    const url = new URL(c.req.url);
    const live = d.runtime.liveness();
    return {
      csrf: c.get("session")?.csrf ?? null,
      zone: operatorZone(getCookie(c, "warden_tz"), d.zone ?? "UTC"),
      now: now(),
      path: url.pathname + url.search,
      refreshMs: d.refreshMs ?? 10_000,
      notice: c.req.header("x-warden-refresh") ? undefined : notice,
      health: {
        database: { ok: database.ok, detail: database.error },
        telegram: d.telegram?.() ?? { status: "disabled" },
        scheduler: live,
        openIncidents: open,
      },
    };
  };
}

function historyFilter(c: Context) {
  const outcome = c.req.query("outcome") || undefined;
  const trigger = c.req.query("trigger") || undefined;
  const before = c.req.query("before");
  if (outcome && !(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new HttpError(400, `outcome "${outcome}": expected one of ${OUTCOMES.join(", ")}`);
  }
  if (trigger && !(TRIGGERS as readonly string[]).includes(trigger)) {
    throw new HttpError(400, `trigger "${trigger}": expected one of ${TRIGGERS.join(", ")}`);
  }
  const m = before
    ? /^(\d{4}-\d\d-\d\dT[\d:.]+Z)~([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})$/.exec(before)
    : null;
  if (before && (!m || isNaN(Date.parse(m[1])))) {
    throw new HttpError(400, `before "${before}": expected a page link from this dashboard`);
  }
  return {
    outcome,
    trigger,
    before: m ? { startedAt: new Date(m[1]), id: m[2] } : undefined,
    limit: 50,
  };
}

/** What the outbox and community routes get: the deps, the view maker and the middleware. */
export type PageDeps = DashboardDeps & {
  view: ReturnType<typeof viewMaker>;
  session: MiddlewareHandler<DashboardEnv>;
  reader: MiddlewareHandler<DashboardEnv>;
  writer: MiddlewareHandler<DashboardEnv>;
  now: () => Date;
};

/** The dashboard's page for each of the runtime's refusals: a title and what to do. */
const REFUSALS: Record<404 | 409 | 429 | 503, (message: string) => [string, string]> = {
  404: (message) => ["No such job", message],
  429: () => ["Busy", "That job already has runs waiting: let them finish, then try again."],
  409: () => [
    "Job stopped",
    "That job was given up after failing or has stopped on this replica: see its page, " +
    "and restart Warden to bring it back.",
  ],
  503: () => ["Shutting down", "This replica is shutting down: try another."],
};

export function dashboardRoutes(d: DashboardDeps) {
  const now = d.now ?? (() => new Date());
  const auth = dashboardAuth({
    sql: d.sql,
    adminToken: d.adminToken,
    publicReads: d.publicReads ?? false,
    sessionHours: d.sessionHours ?? 12,
    deadlineMs: d.deadlineMs,
    now,
  });
  const view = viewMaker(d);
  const { session, reader, writer } = auth;
  const bounded = deadline(d.deadlineMs);
  const words = (name: string) => {
    const spec = d.runtime.actor(name).spec;
    return scheduleInWords(spec.schedule, spec.timezone ?? "UTC");
  };
  const app = new Hono<DashboardEnv>();
  app.get("/ui/style.css", (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.body(STYLE, 200, { "content-type": "text/css; charset=utf-8" });
  });
  app.get("/ui/app.js", (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" });
  });
  app.route("/", auth.routes);

  app.get("/", session, reader, bounded, async (c) => {
    const tasks = await d.runtime.tasks();
    const [runs, incidents, v] = await Promise.all([
      recentRuns(d.sql, tasks.map((t) => t.name), 50),
      openIncidents(d.sql),
      view(c),
    ]);
    const rows = tasks.map((t) => ({
      task: t,
      words: words(t.name),
      runs: runs.get(t.name) ?? [],
    }));
    return c.html(
      <Layout title="Jobs" view={v}>
        {rows.length === 0
          ? <p class="muted">No jobs: every job is turned off (JOB_&lt;NAME&gt;_ENABLED=false).</p>
          : (
            <>
              <div class="controls">
                <Action
                  view={v}
                  to="/jobs/pause-all"
                  label="Pause all"
                  confirm="Pause every job on every replica?"
                />
                <Action view={v} to="/jobs/resume-all" label="Resume all" />
              </div>
              <JobsTable rows={rows} view={v} />
            </>
          )}
        <h2 id="incidents">Open incidents</h2>
        <Incidents items={incidents} view={v} />
      </Layout>,
    );
  });

  app.get("/jobs/:name", session, reader, bounded, async (c) => {
    const name = c.req.param("name");
    const task = await d.runtime.task(name); // unknown: 404
    const filter = historyFilter(c);
    const spec = d.runtime.actor(name).spec;
    const slots: Date[] = [];
    for (let at = now(), i = 0; !task.paused && i < 10; i++) {
      slots.push(at = nextSlot(spec.schedule, at));
    }
    const [runs, history, incidents, v] = await Promise.all([
      recentRuns(d.sql, [name], 50),
      runHistory(d.sql, name, filter),
      jobIncidents(d.sql, name, 20),
      view(c),
    ]);
    const data = {
      task,
      words: words(name),
      slots,
      runs: runs.get(name) ?? [],
      history,
      filter,
      incidents,
    };
    return c.html(
      <Layout title={name} view={v}>
        <JobPage d={data} view={v} />
      </Layout>,
    );
  });

  app.post("/jobs/pause-all", session, writer, bounded, async (c) => {
    const names = await d.runtime.pauseAll();
    return done(c, `Paused all ${names.length} jobs: every replica follows.`);
  });
  app.post("/jobs/resume-all", session, writer, bounded, async (c) => {
    const names = await d.runtime.resumeAll();
    return done(c, `Resumed all ${names.length} jobs.`);
  });
  app.post("/jobs/:name/:action{run|pause|resume}", session, writer, bounded, async (c) => {
    const name = c.req.param("name");
    d.runtime.actor(name); // unknown: 404
    const action = c.req.param("action");
    if (action === "run") {
      if (d.runtime.shuttingDown) throw new HttpError(503, `Cannot run ${name}: shutting down`);
      const r = await runOnce(
        d.sql,
        c.get("form").form,
        name,
        () => d.runtime.trigger(name),
        now(),
      );
      if ("replayed" in r) {
        const first = r.replayed ? ` (run ${r.replayed.slice(0, 8)})` : "";
        return done(c, `Nothing changed: this Run now was sent already${first}.`);
      }
      return done(c, `Queued a run of ${name} (run ${r.queued.slice(0, 8)}).`);
    }
    if (action === "pause") await d.runtime.pause(name);
    else await d.runtime.resume(name);
    return done(c, `${action === "pause" ? "Paused" : "Resumed"} ${name}: every replica follows.`);
  });

  app.route("/", outboxRoutes({ ...d, view, session, reader, writer, now }));
  app.route("/", communityRoutes({ ...d, view, session, reader, writer, now }));

  app.onError((error, c) => {
    // The runtime's refusals, with the API's statuses (routes/errors.ts): none is a fault.
    const refused = runtimeRefusal(error);
    if (refused) return refusal(c, refused, ...REFUSALS[refused](error.message));
    if (error instanceof HttpError && [400, 404, 409, 503].includes(error.status)) {
      return refusal(c, error.status as 400, "Cannot do that", error.message);
    }
    if (error instanceof WriteUnconfirmedError) {
      return refusal(
        c,
        504,
        "Not confirmed",
        "The database did not confirm the change in time: it may still be applied. " +
          "Reload the page to see, before trying again.",
      );
    }
    if (isDatabaseOutage(error)) {
      c.header("Retry-After", "5");
      return refusal(
        c,
        503,
        "Database unavailable",
        "The database does not answer: try again shortly.",
      );
    }
    const logId = crypto.randomUUID().slice(0, 8);
    d.log.error("dashboard request failed", { path: c.req.path, logId, error });
    return refusal(c, 500, "Something went wrong", `The page failed (log id ${logId}).`);
  });
  return app;
}
