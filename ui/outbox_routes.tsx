/** `/outbox` and its Retry / Discard forms. */
import { Hono } from "hono";
import { deadline, HttpError, rowIdOr400 } from "../routes/errors.ts";
import { discardOutbox, outboxOverview, problemRows, retryOutbox } from "../domain/outbox_admin.ts";
import { type DashboardEnv, done } from "./auth.tsx";
import type { PageDeps } from "./dashboard.tsx";
import { Layout } from "./layout.tsx";
import { OutboxPage } from "./outbox_page.tsx";

const PAGE = 50;
const NOTIFICATION = "a notification number";

/** What became of a row an operator acted on that is no longer a problem row, by its state. */
function since(state: string): string {
  if (state === "discarded") return "was discarded already";
  if (state === "pending") return "was retried already (it is pending now)";
  if (state === "sending") return "was retried already (it is being sent now)";
  if (state === "sent") return "was retried already (it has been sent)";
  return `is ${state} now`;
}

export function outboxRoutes(d: PageDeps) {
  const bounded = deadline();
  const author = (name: string | undefined) => name ? `dashboard:${name}` : "dashboard";
  return new Hono<DashboardEnv>()
    .get("/outbox", d.session, d.reader, bounded, async (c) => {
      const before = c.req.query("before");
      const [overview, rows, v] = await Promise.all([
        outboxOverview(d.sql, d.now()),
        problemRows(d.sql, {
          limit: PAGE + 1,
          beforeId: before ? rowIdOr400(before, "before", NOTIFICATION) : undefined,
        }),
        d.view(c),
      ]);
      return c.html(
        <Layout title="Outbox" view={v}>
          <OutboxPage o={overview} rows={rows.slice(0, PAGE)} more={rows.length > PAGE} view={v} />
        </Layout>,
      );
    })
    .post("/outbox/:id/:action{retry|discard}", d.session, d.writer, bounded, async (c) => {
      const id = rowIdOr400(c.req.param("id"), "the path's id", NOTIFICATION);
      const who = author(c.get("session")?.name);
      const result = c.req.param("action") === "retry"
        ? await retryOutbox(d.sql, id, who, d.now())
        : await discardOutbox(d.sql, id, who);
      // Another operator got there first (a race, or a stale page): back, told what happened.
      if (!result.ok && result.status === 409) {
        return done(c, `Nothing changed: notification ${id} ${since(result.state)}.`, "/outbox");
      }
      if (!result.ok) throw new HttpError(result.status, result.error);
      return done(
        c,
        c.req.param("action") === "retry"
          ? `Notification ${id} is queued again.`
          : `Notification ${id} was discarded.`,
        "/outbox",
      );
    });
}
