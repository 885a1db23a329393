import assert from "node:assert/strict";
import { Hono } from "hono";
import postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import type { Runtime } from "../actors/runtime.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { apiRoutes } from "../routes/api.ts";
import { controlRoutes } from "../routes/control.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";
import { silentDatabase } from "./fakes/silent_db.ts";
import { job, testRuntime } from "./fakes/runtime.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const post = { method: "POST", ...auth };

/** `/api` on `sql` and the control routes on `runtime`, with every log line kept. */
function app(options: { sql?: postgres.Sql; runtime?: Runtime; deadlineMs?: number }) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", write: (l) => lines.push(JSON.parse(l)) });
  const hono = new Hono();
  const { deadlineMs } = options;
  if (options.sql) {
    hono.route("/api", apiRoutes({ sql: options.sql, adminToken: TOKEN, deadlineMs }));
  }
  if (options.runtime) {
    hono.route(
      "/health/tasks",
      controlRoutes({ runtime: options.runtime, adminToken: TOKEN, deadlineMs }),
    );
  }
  hono.onError(errorHandler(log));
  return { http: serve(hono), lines };
}

Deno.test("a 500 says internal error with a log id, the same id on the log line, never SQL", async () => {
  await using db = await testDatabase({ migrate: false }); // no tables: every read fails
  const { http, lines } = app({ sql: db.sql });
  await using _ = http;
  const r = await http.get("/api/chats", auth);
  assert.equal(r.status, 500);
  assert.match(r.body.error, /^internal error \(log id [0-9a-f]{8}\)$/);
  assert.doesNotMatch(JSON.stringify(r.body), /relation|chats|members|SELECT|postgres/i);
  const logged = lines.find((l) => l.logId === r.body.logId);
  assert.ok(logged, `no log line with ${r.body.logId}: ${JSON.stringify(lines)}`);
  assert.equal(logged.level, "error");
  assert.match(JSON.stringify(logged.error), /does not exist/, "the log has the cause");
});

Deno.test("a database that refuses connections: /api answers 503 naming the outage", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close(); // nobody listens there now
  const sql = postgres(`postgres://warden@127.0.0.1:${port}/warden`, { max: 1 });
  const { http, lines } = app({ sql });
  await using _ = http;
  for (const path of ["/api/chats", "/api/chats/-1001/leaderboard", "/api/chats/-1001/members/1"]) {
    const r = await http.get(path, auth);
    assert.equal(r.status, 503, `${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, /^database unavailable, try again shortly \(log id [0-9a-f]{8}\)$/);
    assert.ok(lines.some((l) => l.logId === r.body.logId && l.level === "warn"));
  }
  await sql.end({ timeout: 0 });
});

Deno.test("a database that accepts connections and never answers: 503 at the route's deadline", async () => {
  await using silent = silentDatabase(600); // the client alone would wait ten minutes
  const { http } = app({ sql: silent.sql, deadlineMs: 100 });
  await using _ = http;
  const r = await http.get("/api/chats", auth);
  assert.equal(r.status, 503, JSON.stringify(r.body));
  assert.match(r.body.error, /^database unavailable/);
});

Deno.test("control routes answer 503 when the run store is down or silent", async () => {
  const t = testRuntime([job({ name: "level-ups", run: () => Promise.resolve({}) })]);
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
    code: "ECONNREFUSED",
  });
  const down: Runtime = {
    ...t.runtime,
    pause: () => Promise.reject(refused),
    pauseAll: () => Promise.reject(refused),
    resume: () => new Promise<void>(() => {}), // never answers
  };
  const { http } = app({ runtime: down, deadlineMs: 50 });
  await using _ = http;
  for (const path of ["/health/tasks/level-ups/pause", "/health/tasks/stop"]) {
    const r = await http.get(path, post);
    assert.equal(r.status, 503, `${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, /^database unavailable/);
    assert.doesNotMatch(r.body.error, /ECONNREFUSED|5432/);
  }
  // A change with no answer may still be made: 504, and never "try again".
  const silent = await http.get("/health/tasks/level-ups/resume", post);
  assert.equal(silent.status, 504, JSON.stringify(silent.body));
  assert.match(silent.body.error, /the change may still be applied; read it back before/);
  const other = await app({
    runtime: { ...t.runtime, pause: () => Promise.reject(new Error("runs_pkey violated")) },
  });
  await using __ = other.http;
  const r = await other.http.get("/health/tasks/level-ups/pause", post);
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.body.error, /runs_pkey/);
  await t.runtime.shutdown(1_000);
});

Deno.test("an XP move the database has not confirmed at the deadline: 504 'may still be applied', and it is", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1, title: "Club" }, [{ user: 7, xp: 10 }]);
  const hono = new Hono()
    .route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN, deadlineMs: 200 }));
  hono.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(hono);
  // Another connection holds the member's row, as a long award or a stuck transaction would.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  let release = () => {};
  const released = new Promise<void>((r) => release = r);
  let locked = () => {};
  const isLocked = new Promise<void>((r) => locked = r);
  const holding = holder.begin(async (tx) => {
    await tx`SELECT 1 FROM members WHERE chat_id = -1 AND user_id = 7 FOR UPDATE`;
    locked();
    await released;
  });
  await isLocked;
  const res = await fetch(`${http.base}/api/chats/-1/members/7/xp`, {
    method: "POST",
    headers: { ...auth.headers, "content-type": "application/json" },
    body: JSON.stringify({ amount: 5, reason: "prize" }),
  });
  const body = await res.json();
  assert.equal(res.status, 504, JSON.stringify(body));
  assert.match(body.error, /may still be applied; read it back before you try again/);
  assert.equal(res.headers.get("retry-after"), null, "no invitation to retry");
  release();
  await holding;
  await holder.end();
  // The move queued for the row before this lock did: taking it waits for the move's commit.
  await db.sql.begin((tx) =>
    tx`SELECT 1 FROM members WHERE chat_id = -1 AND user_id = 7 FOR UPDATE`
  );
  const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger WHERE note = 'prize'`;
  assert.equal(n, 1, "the move went on after the answer: which is why it did not say try again");
});

Deno.test("a SyntaxError inside a route (stored JSON it cannot read) is 500 with a log id, not the caller's bad JSON", async () => {
  const t = testRuntime([job({ name: "level-ups", run: () => Promise.resolve({}) })]);
  const broken = () =>
    Promise.reject(new SyntaxError(`Unexpected token 'x', "x{" is not valid JSON`));
  const { http, lines } = app({ runtime: { ...t.runtime, pause: broken } });
  await using _ = http;
  const r = await http.get("/health/tasks/level-ups/pause", post);
  assert.equal(r.status, 500, JSON.stringify(r.body));
  assert.match(r.body.error, /^internal error \(log id [0-9a-f]{8}\)$/);
  const logged = lines.find((l) => l.logId === r.body.logId);
  assert.equal(logged?.level, "error", "logged with the cause");
  await t.runtime.shutdown(1_000);
});

Deno.test("a body that does not arrive within the deadline is 408 and nothing is done, not a database's 504", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -1, title: "Club" }, [{ user: 7, xp: 10 }]);
  const hono = new Hono()
    .route("/api", adminApiRoutes({ sql: db.sql, adminToken: TOKEN, deadlineMs: 100 }));
  hono.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(hono);
  const body = JSON.stringify({ amount: 5, reason: "slow upload" });
  using conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(http.base).port) });
  const head = `POST /api/chats/-1/members/7/xp HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head + body.slice(0, 10))); // and the rest only later
  const answer = await readAnswer(conn);
  assert.match(answer, /^HTTP\/1\.1 408 /, answer);
  assert.match(answer, /"error":"request body not received within 100 ms: nothing was done"/);
  const [{ n }] = await db.sql`SELECT count(*)::int AS n FROM xp_ledger WHERE note = 'slow upload'`;
  assert.equal(n, 0);
});

/** One HTTP answer off `conn`: its head and a body of its `Content-Length` (the socket stays open). */
async function readAnswer(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4096);
  let text = "";
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return text;
    text += new TextDecoder().decode(buf.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    const length = /content-length: (\d+)/i.exec(text);
    if (end >= 0 && length && text.length >= end + 4 + Number(length[1])) return text;
  }
}
