import assert from "node:assert/strict";
import postgres from "postgres";
import { createLogger } from "../actors/log.ts";
import { createRegistry } from "../actors/metrics.ts";
import { communityMetricsJob } from "../domain/community_metrics.ts";
import { createApp } from "../routes/app.ts";
import { runtimeMetrics } from "../routes/metrics.ts";
import { createReadiness } from "../routes/readiness.ts";
import { testDatabase, type TestDb } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";
import { promtoolRemarks } from "./fakes/promtool.ts";
import { AT, CHAT, edges, H, ms, OTHER, SINCE } from "./fixtures/metrics_edges.ts";
import { testRuntime } from "./fakes/runtime.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
const job = communityMetricsJob();

const snapshots = async (sql: postgres.Sql) => [
  ...await sql`SELECT * FROM chat_metrics ORDER BY chat_id, at`,
];

const COUNTS = ["active_24h", "active_7d", "messages_24h", "xp_24h", "level_ups_24h"];
const ZERO = Object.fromEntries(
  [...COUNTS, "badges_24h", "streaks_alive", "outbox_backlog"].map((k) => [k, 0]),
);

Deno.test("community-metrics: each count at its window's edges, one row per group", async () => {
  await using db = await testDatabase();
  await edges(db.sql);
  const result = await runJob(job, db.sql, AT);
  const details = { chats: 2, written: 2, alreadyWritten: 0 };
  assert.deepEqual(result, { processed: 2, changed: 2, details });
  assert.deepEqual(await snapshots(db.sql), [
    { chat_id: OTHER, at: AT, ...ZERO, level_ups_24h: 1 },
    {
      chat_id: CHAT,
      at: AT,
      active_24h: 2, // members 1 and 3
      active_7d: 3, // members 1 (exactly 7 d), 3 and 5 (after the slot)
      messages_24h: 3,
      xp_24h: 9, // 1 + 0 + 5 + 3
      level_ups_24h: 3, // two members in the event at the window's start, one at -6 h
      badges_24h: 2,
      streaks_alive: 2,
      outbox_backlog: 2, // pending and sending; not the DM to member 1
    },
  ]);
});

Deno.test("community-metrics: a rerun of the slot changes nothing, a later slot adds its rows", async () => {
  await using db = await testDatabase();
  await edges(db.sql);
  await runJob(job, db.sql, AT);
  const first = await snapshots(db.sql);
  await db.sql`INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
               VALUES (${CHAT}, 4, 7, 'message', 'late', ${ms(-H)})`;
  const again = await runJob(job, db.sql, AT);
  assert.equal(again.changed, 0);
  assert.deepEqual(again.details, { chats: 2, written: 0, alreadyWritten: 2 });
  assert.deepEqual(await snapshots(db.sql), first, "the slot's snapshot stands as written");
  const next = await runJob(job, db.sql, ms(15 * 60_000));
  assert.equal(next.changed, 2);
  const [later] = await db.sql`
    SELECT messages_24h, xp_24h FROM chat_metrics WHERE chat_id = ${CHAT} AND at = ${
    ms(15 * 60_000)
  }`;
  // [AT - 23 h 45, AT + 15 min): the row at AT - 24 h left, the one at AT and the late one came
  assert.deepEqual({ ...later }, { messages_24h: 4, xp_24h: 0 + 50 + 5 + 3 + 7 });
});

Deno.test("community-metrics: two replicas on one database, same slot at once: one row per chat", async () => {
  await using db = await testDatabase();
  await db.sql`INSERT INTO chats (chat_id, kind) SELECT -1000 - i, 'supergroup'
               FROM generate_series(1, 200) i`;
  const other = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    const runs = await Promise.all([
      runJob(job, db.sql, AT),
      runJob(job, other, AT),
      runJob(job, db.sql, AT),
      runJob(job, other, AT),
    ]);
    assert.equal(runs.reduce((n, r) => n + r.changed!, 0), 200);
  } finally {
    await other.end();
  }
  const [c] = await db.sql`
    SELECT count(*)::int AS rows, count(DISTINCT chat_id)::int AS chats FROM chat_metrics`;
  assert.deepEqual({ ...c }, { rows: 200, chats: 200 });
});

/** The whole app on `db`, its /metrics reading the community totals from `sql`. */
function app(db: TestDb, sql: postgres.Sql = db.sql) {
  const { runtime, clock } = testRuntime([]);
  const readiness = createReadiness({ ping: () => Promise.resolve(), clock });
  return serve(createApp({
    runtime,
    readiness,
    log: createLogger({ level: "silent" }),
    metrics: runtimeMetrics(createRegistry(), runtime, readiness, { sql, communityReadMs: 50 }),
    adminToken: TOKEN,
    sql: db.sql,
  }));
}

Deno.test("GET /api/chats/:chat/metrics: the series oldest first, a default window, 400, 404, 401", async (t) => {
  await using db = await testDatabase();
  await community(db.sql, { id: CHAT }, [{ user: 1 }]);
  for (const slot of [ms(30 * 60_000), AT, ms(15 * 60_000)]) await runJob(job, db.sql, slot);
  await using http = app(db);
  const series = (query: string) => http.get(`/api/chats/${CHAT}/metrics${query}`, auth);

  await t.step("from <= at <= to, oldest first, every field", async () => {
    const { status, body } = await series(
      `?from=${AT.toISOString()}&to=${ms(15 * 60_000).toISOString()}`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      chat: CHAT,
      from: AT.toISOString(),
      to: ms(15 * 60_000).toISOString(),
      points: [AT, ms(15 * 60_000)].map((at) => ({
        at: at.toISOString(),
        active24h: 0,
        active7d: 0,
        messages24h: 0,
        xp24h: 0,
        levelUps24h: 0,
        badges24h: 0,
        streaksAlive: 0,
        outboxBacklog: 0,
      })),
    });
    const offset = await series(`?from=2026-06-10T13:00:00%2B01:00&to=2026-06-10T12:30:00Z`);
    assert.deepEqual(offset.body.points.map((p: { at: string }) => p.at), [
      AT.toISOString(),
      ms(15 * 60_000).toISOString(),
      ms(30 * 60_000).toISOString(),
    ]);
  });

  await t.step("by default the 24 h up to the request", async () => {
    const now = Date.now();
    await db.sql`
      INSERT INTO chat_metrics (chat_id, at, active_24h, active_7d, messages_24h, xp_24h,
                                level_ups_24h, badges_24h, streaks_alive, outbox_backlog)
      SELECT ${CHAT}, to_timestamp((${now}::float8 + h * 3600000) / 1000), h, 0, 0, 0, 0, 0, 0, 0
      FROM unnest(ARRAY[-25, -1, -23, 1]) h`;
    const { status, body } = await series("");
    assert.equal(status, 200);
    assert.deepEqual(body.points.map((p: { active24h: number }) => p.active24h), [-23, -1]);
    assert.equal(Date.parse(body.to) - Date.parse(body.from), 24 * H);
    assert.ok(Date.parse(body.to) >= now);
    const to = await series(`?to=${AT.toISOString()}`);
    assert.equal(to.body.from, SINCE.toISOString());
    assert.equal(to.body.points.length, 1);
  });

  await t.step("bad values: 400 naming the parameter and the value", async () => {
    const cases: Array<[string, RegExp]> = [
      ["?from=yesterday", /^query from="yesterday": expected an ISO-8601 instant/],
      ["?to=2026-06-10T12:00:00", /^query to="2026-06-10T12:00:00": expected an ISO-8601/],
      ["?to=2026-02-30T00:00:00Z", /^query to="2026-02-30T00:00:00Z"/],
      ["?to=0000-01-01T00:00:00Z", /^query to="0000-01-01T00:00:00Z": expected .* from 1970 on/],
      ["?from=2026-06-10T12:00:00Z&to=2026-06-10T12:00:00Z", /expected from before to$/],
      ["?from=2026-06-11T00:00:00Z&to=2026-06-10T00:00:00Z", /^query from=2026-06-11T00:00:00/],
      ["?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:01Z", /at most 31 days, got 31\.0/],
      ["?from=2026-06-01T00:00:00Z&from=2026-06-02T00:00:00Z", /^query from given 2 times/],
      // a query's + is a space: the offset is lost, and the answer says how to send it
      ["?to=2026-06-10T12:00:00+02:00", /^query to="2026-06-10T12:00:00 02:00": .*\+ .* %2B/],
    ];
    for (const [query, message] of cases) {
      const r = await series(query);
      assert.equal(r.status, 400, query);
      assert.match(r.body.error, message, query);
    }
    const month = await series("?from=2026-05-10T12:00:00Z&to=2026-06-10T12:00:00Z");
    assert.equal(month.status, 200, "exactly 31 days is allowed");
    assert.equal(month.body.points.length, 1);
    const bad = await http.get("/api/chats/abc/metrics", auth);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^chat must be a numeric Telegram id, got "abc"/);
  });

  await t.step("unknown chat 404, no token 401", async () => {
    const unknown = await http.get("/api/chats/424242/metrics", auth);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, "unknown chat 424242");
    assert.equal((await http.get(`/api/chats/${CHAT}/metrics`)).status, 401);
  });
});

Deno.test("/metrics shows the cluster's totals over each group's newest snapshot, no chat label", async () => {
  await using db = await testDatabase();
  await edges(db.sql);
  await runJob(job, db.sql, ms(-15 * 60_000));
  await db.sql`UPDATE chat_metrics SET messages_24h = 1000`; // older snapshots: not counted
  await runJob(job, db.sql, AT);
  await using http = app(db);
  const text = await (await fetch(`${http.base}/metrics`)).text();
  for (
    const line of [
      "# TYPE warden_community_active_members gauge",
      'warden_community_active_members{window="24h"} 2',
      'warden_community_active_members{window="7d"} 3',
      "warden_community_messages_24h 3",
      "warden_community_xp_24h 9",
      "warden_community_level_ups_24h 4",
      "warden_community_badges_24h 2",
      "warden_community_streaks_alive 2",
      "warden_community_outbox_backlog 2",
      "warden_community_chats 2",
      `warden_community_snapshot_timestamp_seconds ${AT.getTime() / 1000}`,
      "warden_database_up 1",
    ]
  ) assert.ok(text.split("\n").includes(line), `${line} missing from:\n${text}`);
  assert.doesNotMatch(text, /warden_community_\w+\{chat/);
  assert.equal(await promtoolRemarks(text), "", "promtool check metrics");
});

Deno.test("/metrics without snapshots, or when the totals cannot be read, still answers", async () => {
  await using db = await testDatabase();
  const failing = () => Promise.reject(new Error("relation does not exist"));
  const hanging = () => new Promise(() => {}); // past communityReadMs: left out
  for (const sql of [db.sql, failing, hanging] as postgres.Sql[]) {
    await using http = app(db, sql);
    const res = await fetch(`${http.base}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /^warden_database_up 1$/m);
    assert.doesNotMatch(text, /^warden_community_\w+(\{.*\})? /m, "no values, only HELP and TYPE");
  }
});
