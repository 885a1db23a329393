/**
 * Who may see and change what on the dashboard: `/sign-in`, `/sign-out`, and the middleware
 * that puts the session on every request. Reads need a session unless
 * `DASHBOARD_PUBLIC_READS=true`; every POST needs a session and its CSRF token.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { setCookie } from "hono/cookie";
import type postgres from "postgres";
import { WriteUnconfirmedError } from "../routes/errors.ts";
import { Bare } from "./layout.tsx";
import { isRevoked, revokeSession } from "./session_revocations.ts";
import {
  CSRF_FIELD,
  operatorName,
  safeNext,
  sameText,
  type Session,
  sessionCookie,
  sessions,
  setSessionCookie,
} from "./session.ts";

export const NOTICE = "warden_notice";

/** After a form: back where it came from, with a one-shot notice saying what happened. */
export function done(c: Context<DashboardEnv>, text: string, fallback = "/") {
  setCookie(c, NOTICE, text, { path: "/", httpOnly: true, sameSite: "Strict", maxAge: 60 });
  return c.redirect(safeNext(c.get("form")?.back ?? fallback), 303);
}

export type DashboardEnv = {
  Variables: { session: Session | null; form: Record<string, string> };
};

export interface AuthOptions {
  /** Where signed-out sessions are kept, so every replica refuses them. */
  sql: postgres.Sql;
  adminToken?: string;
  publicReads: boolean;
  sessionHours: number;
  /** How long the sign-out check waits on the database (default `ROUTE_DEADLINE_MS`). */
  deadlineMs?: number;
  now: () => Date;
}

/** A page that stands alone with a status: refusals and errors. */
export function refusal(
  c: Context,
  status: 400 | 401 | 403 | 404 | 409 | 415 | 429 | 500 | 503 | 504,
  title: string,
  text: string,
) {
  return c.html(
    <Bare title={title}>
      <p class="notice error" role="alert">{text}</p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </Bare>,
    status,
  );
}

const SignInForm = ({ next, problem }: { next: string; problem?: string }) => (
  <Bare title="Sign in to Warden">
    {problem ? <p class="notice error" role="alert">{problem}</p> : null}
    <form method="post" action="/sign-in">
      <input type="hidden" name="next" value={next} />
      <p>
        <label>
          Admin token
          <br />
          <input type="password" name="token" required autocomplete="current-password" size={40} />
        </label>
      </p>
      <p class="small muted">The value of ADMIN_TOKEN in Warden's environment.</p>
      <p>
        <label>
          Your name (shown as the author of your XP changes)
          <br />
          <input type="text" name="name" maxlength={40} autocomplete="nickname" size={40} />
        </label>
      </p>
      <button type="submit">Sign in</button>
    </form>
  </Bare>
);

const SignInOff = ({ publicReads }: { publicReads: boolean }) => (
  <Bare title="Sign-in is off">
    <p class="notice error" role="alert">
      The dashboard's sign-in is off because ADMIN_TOKEN is not set.
    </p>
    <p>
      To enable it, set <code>ADMIN_TOKEN</code>{" "}
      (16 or more of A–Z a–z 0–9 . _ ~ + / -) in Warden's environment or its <code>.env</code>{" "}
      file and restart Warden; then sign in here with that value.
    </p>
    <p>
      {publicReads
        ? (
          <>
            The pages can be read without signing in: <a href="/">open the dashboard</a>.
          </>
        )
        : "With DASHBOARD_PUBLIC_READS=true the pages could also be read without signing in."}
    </p>
  </Bare>
);

/**
 * A posted form's fields (text values only), or what is wrong with it: a body that is not a
 * form (415), or a field sent twice (400: two directions, two amounts: which one was meant?).
 */
export async function readForm(
  c: Context,
): Promise<{ form: Record<string, string> } | { status: 400 | 415; problem: string }> {
  const type = c.req.header("content-type")?.split(";")[0].trim().toLowerCase() ?? "";
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data") {
    return {
      status: 415,
      problem: "expected a form (application/x-www-form-urlencoded or multipart/form-data), got " +
        `${type ? JSON.stringify(type.slice(0, 60)) : "no content type"}.`,
    };
  }
  const body = await c.req.parseBody({ all: true }).catch(() => ({}));
  const twice = Object.entries(body).filter(([, v]) => Array.isArray(v) && v.length > 1)
    .map(([k]) => JSON.stringify(k.slice(0, 60)));
  if (twice.length > 0) {
    return {
      status: 400,
      problem: `the form sent ${twice.slice(0, 5).join(", ")} more than once: ` +
        "reload the page and try again.",
    };
  }
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v;
  return { form };
}

/** `/sign-in`, `/sign-out`, and the session and permission middleware for the rest. */
export function dashboardAuth(o: AuthOptions) {
  const keys = o.adminToken ? sessions(o.adminToken, o.sessionHours) : null;

  const session: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const read = keys ? await keys.read(sessionCookie(c), o.now()) : null;
    // Only a cookie that verifies costs a query: one probe by primary key.
    c.set("session", read && !(await isRevoked(o.sql, read.id, o.deadlineMs)) ? read : null);
    await next();
  };

  /** Pages: signed in, or public reads on; otherwise off to the sign-in page. */
  const reader: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    if (c.get("session") || o.publicReads) return await next();
    const here = new URL(c.req.url);
    return c.redirect(`/sign-in?next=${encodeURIComponent(here.pathname + here.search)}`, 303);
  };

  /** Forms that change something: a session, and the CSRF token of that session. */
  const writer: MiddlewareHandler<DashboardEnv> = async (c, next) => {
    const s = c.get("session");
    if (!s) return refusal(c, 403, "Sign in first", "Changing anything needs a signed-in session.");
    const read = await readForm(c);
    if ("problem" in read) {
      const title = read.status === 415 ? "Not a form" : "Cannot do that";
      return refusal(c, read.status, title, `Nothing changed: ${read.problem}`);
    }
    const form = read.form;
    const token = form[CSRF_FIELD];
    if (!token || !sameText(token, s.csrf)) {
      return refusal(
        c,
        403,
        "Refused",
        token
          ? "The form's CSRF token does not belong to this session: reload the page and try again."
          : "The form carried no CSRF token: reload the page and try again.",
      );
    }
    c.set("form", form);
    await next();
  };

  const routes = new Hono<DashboardEnv>()
    .get("/sign-in", session, (c) => {
      if (!keys) return c.html(<SignInOff publicReads={o.publicReads} />, 403);
      if (c.get("session")) return c.redirect(safeNext(c.req.query("next")), 303);
      return c.html(<SignInForm next={safeNext(c.req.query("next"))} />);
    })
    .post("/sign-in", async (c) => {
      if (!keys) return c.html(<SignInOff publicReads={o.publicReads} />, 403);
      const read = await readForm(c);
      if ("problem" in read) {
        const problem = `Not signed in: ${read.problem}`;
        return c.html(<SignInForm next="/" problem={problem} />, read.status);
      }
      const body = read.form;
      const token = body.token ?? "";
      const next = safeNext(body.next);
      if (!token || !(await keys.tokenMatches(token))) {
        return c.html(
          <SignInForm next={next} problem="That token does not match ADMIN_TOKEN." />,
          401,
        );
      }
      const name = operatorName(body.name ?? "");
      if (name === null) {
        return c.html(
          <SignInForm
            next={next}
            problem="Your name: at most 40 letters, digits, spaces and . _ - @."
          />,
          400,
        );
      }
      const issued = await keys.issue(o.now(), name);
      setSessionCookie(c, issued.cookie, o.sessionHours * 3_600);
      return c.redirect(next, 303);
    })
    .post(
      "/sign-out",
      session,
      async (c, next) => {
        // Signed out already (a double click, another tab's stale page): what was asked is done.
        if (c.get("session")) return await next();
        setSessionCookie(c, "", 0);
        return c.redirect("/sign-in", 303);
      },
      writer,
      async (c) => {
        const s = c.get("session")!; // the writer let it through: signed in
        setSessionCookie(c, "", 0); // this browser is signed out whatever the database says
        try {
          await revokeSession(o.sql, s.id, s.expiresAt, o.deadlineMs);
        } catch (error) {
          if (!(error instanceof WriteUnconfirmedError)) throw error;
          return refusal(
            c,
            504,
            "Sign-out not confirmed",
            "This browser is signed out, but the database did not confirm in time that the " +
              "session is refused on every replica (it may still be). If a copy of its cookie " +
              "worries you, change ADMIN_TOKEN: that ends every session.",
          );
        }
        return c.redirect("/sign-in", 303);
      },
    );
  return { routes, session, reader, writer };
}
