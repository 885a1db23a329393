// An operator closes an open incident with a note: `POST /api/incidents/:id/close` and
// `deno task jobs close-incident`. A verdict mismatch closes only so. Two replicas closing it at
// once: one closes it, the other is told; one ✅ alert, in the admin chat's language.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { cli } from "../cli.ts";
import type { EvmRail, Hex } from "../domain/evm_types.ts";
import { incidentAlerts } from "../domain/incidents.ts";
import { verdictCheckJob } from "../domain/verdict_check.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { apiRoutes } from "../routes/api.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";
import { ADMIN, closedCase, SLOT } from "./fakes/settlement.ts";

const TOKEN = "s3cret-admin-token-0123";
const H = 3_600_000;
const after = (ms: number) => new Date(SLOT.getTime() + ms);
/** A node that finds every commitment wrong. */
const badChain = {
  address: "0x0000000000000000000000000000000000000001",
  checkCommitment: () => Promise.resolve("mismatch"),
} as unknown as EvmRail;

/** One replica's API, served on loopback. */
function replica(sql: Parameters<typeof adminApiRoutes>[0]["sql"]) {
  const app = new Hono()
    .route("/api", apiRoutes({ sql, adminToken: TOKEN }))
    .route("/api", adminApiRoutes({ sql, adminToken: TOKEN, adminChatId: ADMIN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  const http = serve(app);
  const close = (id: number | string, body: unknown, token = TOKEN) =>
    http.get(`/api/incidents/${id}/close`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { http, close };
}

Deno.test("a verdict mismatch stays open until an operator closes it; two replicas closing it send one alert", async () => {
  await using db = await testDatabase();
  const sql = db.sql;
  await community(sql, { id: ADMIN, kind: "group" }, []);
  await sql`UPDATE chats SET language = 'es' WHERE chat_id = ${ADMIN}`;
  const c = await closedCase(sql, "t:1", [], true);
  await sql`UPDATE case_anchors SET tx_hash = ${`0x${
    "cd".repeat(32)
  }` as Hex} WHERE case_id = ${c.id}`;
  const check = verdictCheckJob({ rail: badChain, adminChatId: ADMIN });
  await runJob(check, sql, after(0));
  const [incident] = await sql<
    { id: number }[]
  >`SELECT id FROM incidents WHERE reason = 'mismatch'`;
  await runJob(check, sql, after(3 * H));
  assert.deepEqual([...await sql`SELECT closed_at FROM incidents`], [{ closed_at: null }]);
  await sql`DELETE FROM outbox`;

  const [a, b] = [replica(sql), replica(sql)];
  await using _a = a.http, _b = b.http;
  const note = "  checked the node: a reorg; anchored again by hand  ";
  const both = await Promise.all([a.close(incident.id, { note }), b.close(incident.id, { note })]);
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  const won = both.find((r) => r.status === 200)!.body.incident;
  assert.equal(won.closedBy, "api");
  assert.equal(won.note, "checked the node: a reorg; anchored again by hand");
  assert.match(
    both.find((r) => r.status === 409)!.body.error,
    /^incident \d+ is closed already \(.* by api\)$/,
  );
  const alerts = await sql<{ text: string }[]>`SELECT text FROM outbox WHERE chat_id = ${ADMIN}`;
  assert.equal(alerts.length, 1, "one alert, though two replicas were asked");
  assert.match(
    alerts[0].text,
    new RegExp(
      `^✅ Warden: un operador \\(api\\) cerró la incidencia ${incident.id} \\(verdict-check:case-${c.id}, compromiso que no coincide\\) tras \\d+ (min|h|días?)( \\d+ min)?: checked the node: a reorg; anchored again by hand$`,
    ),
  );
  // the anchor stays `mismatch`: verdict-check opens nothing again
  await runJob(check, sql, after(6 * H));
  assert.deepEqual([...await sql`SELECT count(*)::int AS n FROM incidents`], [{ n: 1 }]);
  const listed = await a.http.get("/api/incidents", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(listed.body.incidents[0].closedBy, "api");
  assert.equal(listed.body.incidents[0].note, won.note);
});

Deno.test("closing an incident: bad input is refused naming the problem, and nothing changes", async () => {
  await using db = await testDatabase({ share: true });
  const sql = db.sql;
  await incidentAlerts(sql, { adminChatId: ADMIN }).raise({
    child: "level-ups",
    error: "boom",
    at: SLOT,
  });
  const [{ id }] = await sql<{ id: number }[]>`SELECT id FROM incidents`;
  const { http, close } = replica(sql);
  await using _ = http;
  const cases: Array<[string | number, unknown, number, RegExp, string?]> = [
    [id, { note: "x" }, 401, /./, "wrong-token-0123456789"],
    ["abc", { note: "x" }, 400, /^id must be a positive whole number/],
    ["0", { note: "x" }, 400, /^id must be/],
    [id, {}, 400, /^note: missing \(expected 1 to 500 characters\)$/],
    [id, { note: "   " }, 400, /^note: expected 1 to 500 characters after trimming, got 0$/],
    [id, { note: "two\nlines" }, 400, /^note: control character U\+000A not allowed/],
    [id, { note: "two\u2028lines" }, 400, /^note: control character U\+2028 not allowed/],
    [id, { note: "done \u202Eesrever" }, 400, /^note: control character U\+202E not allowed/],
    [id, { note: "x".repeat(501) }, 400, /^note: expected 1 to 500 characters/],
    [id, { note: 5 }, 400, /^note: expected 1 to 500 characters .* got number$/],
    [id, { note: "x", by: "me" }, 400, /^by: unknown field, expected only note$/],
    [id, "[1]", 400, /^body: expected a JSON object like \{ note \}$/],
    [id, "{", 400, /JSON/],
    [id + 1000, { note: "x" }, 404, new RegExp(`^no incident ${id + 1000}$`)],
  ];
  for (const [which, body, status, error, token] of cases) {
    const r = await close(which, body, token);
    assert.equal(r.status, status, `${which} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    if (status !== 401) assert.match(r.body.error, error, JSON.stringify(body));
  }
  assert.deepEqual([...await sql`SELECT closed_at, closed_by FROM incidents`], [
    { closed_at: null, closed_by: null },
  ]);

  // the command line: the same checks, then the close
  const lines: string[] = [], errors: string[] = [];
  const run = (...args: string[]) =>
    cli(
      ["jobs", "close-incident", ...args],
      { ...db.env, ADMIN_CHAT_ID: String(ADMIN) },
      (l) => lines.push(l),
      (l) => errors.push(l),
    );
  assert.equal(await run(String(id)), 64);
  assert.match(
    errors.join("\n"),
    /^jobs close-incident: --note: missing \(expected 1 to 500 characters\)\nusage:/,
  );
  for (const bad of [["abc", "--note", "x"], [String(id), "--note", "a", "--note", "b"], []]) {
    errors.length = 0;
    assert.equal(await run(...bad), 64, bad.join(" "));
    assert.match(
      errors[0],
      /^(jobs close-incident: expected an incident id|jobs close-incident: --note given 2 times|jobs close-incident: missing incident id)/,
    );
  }
  assert.equal(await run(String(id + 1000), "--note", "x"), 1);
  assert.equal(await run(String(id), "--note", "restarted the worker by hand"), 0);
  assert.equal(
    lines.pop(),
    `closed incident #${id} (level-ups, gave-up): restarted the worker by hand`,
  );
  errors.length = 0;
  assert.equal(await run(String(id), "--note", "again"), 1);
  assert.match(errors[0], /^jobs close-incident: incident \d+ is closed already \(.* by cli\)$/);
  const [row] = await sql`SELECT closed_by, close_note FROM incidents`;
  assert.deepEqual({ ...row }, { closed_by: "cli", close_note: "restarted the worker by hand" });
  const [alert] = await sql<{ text: string }[]>`
    SELECT text FROM outbox WHERE dedupe_key LIKE 'incident:%:closed-by'`;
  assert.match(
    alert.text,
    /^✅ Warden: incident \d+ \(level-ups, given up\) was closed by an operator \(cli\) after .*: restarted the worker by hand$/,
  );
});
