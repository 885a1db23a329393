/**
 * Two operators on two replicas act on one outbox row at once (Retry on one, Discard on the
 * other): the loser is sent back to the outbox with a notice saying what happened to the row,
 * not left on a bare 409 page.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { csrfOf, FORM, signIn } from "./fakes/dashboard_session.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";

/** Posts an action; its status, where it sends the browser and the notice it set. */
async function act(base: string, cookie: string, path: string) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams({ _csrf: await csrfOf(base, cookie, "/outbox") }),
    redirect: "manual",
  });
  await res.body?.cancel();
  const set = res.headers.get("set-cookie") ?? "";
  return {
    status: res.status,
    location: res.headers.get("location"),
    notice: decodeURIComponent(/warden_notice=([^;]*)/.exec(set)?.[1] ?? ""),
  };
}

Deno.test("dashboard outbox: the operator who loses a retry/discard race is sent back with a notice saying what happened", async () => {
  await using db = await testDatabase();
  const rows = await db.sql<{ id: number }[]>`
    INSERT INTO outbox (chat_id, text, dedupe_key, state, attempts, last_error)
    SELECT -5, 'hello', 'race-' || n, 'failed', 3, 'Bad Request: chat not found'
    FROM generate_series(1, 4) n RETURNING id`;
  const [one, two, three] = rows.map((r) => r.id);
  await using a = dbRuntime(db.url, [], { node: "replica-a" });
  await using b = dbRuntime(db.url, [], { node: "replica-b" });
  const opts = { adminToken: TOKEN, dashboard: { refreshMs: 0 } };
  await using httpA = serveApp(a.runtime, ready(fakeClock()), { ...opts, sql: a.sql });
  await using httpB = serveApp(b.runtime, ready(fakeClock()), { ...opts, sql: b.sql });
  const [ana, bea] = [
    (await signIn(httpA.base, TOKEN, "Ops")).cookie,
    (await signIn(httpB.base, TOKEN, "Ops")).cookie,
  ];

  const won = await act(httpA.base, ana, `/outbox/${one}/retry`);
  assert.deepEqual(won, {
    status: 303,
    location: "/outbox",
    notice: `Notification ${one} is queued again.`,
  });
  const lost = await act(httpB.base, bea, `/outbox/${one}/discard`);
  assert.deepEqual(lost, {
    status: 303,
    location: "/outbox",
    notice: `Nothing changed: notification ${one} was retried already (it is pending now).`,
  });

  await act(httpA.base, ana, `/outbox/${two}/discard`);
  const late = await act(httpB.base, bea, `/outbox/${two}/retry`);
  assert.equal(late.status, 303);
  assert.equal(
    late.notice,
    `Nothing changed: notification ${two} was discarded already.`,
  );
  const unknown = await act(httpB.base, bea, `/outbox/999999/retry`);
  assert.equal(unknown.status, 404, "no such row is still a refusal page");

  // At the same time, one on each replica: one acts, the other is told, both get back.
  const both = await Promise.all([
    act(httpA.base, ana, `/outbox/${three}/retry`),
    act(httpB.base, bea, `/outbox/${three}/discard`),
  ]);
  assert.deepEqual(both.map((r) => r.status), [303, 303]);
  assert.equal(both.filter((r) => r.notice.startsWith("Nothing changed")).length, 1);
});
