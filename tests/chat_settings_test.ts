import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { chatSettingsRoutes } from "../routes/chat_settings.ts";
import { errorHandler } from "../routes/errors.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { until, withDeadline } from "./fakes/deadline.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/** Chat -100's settings as a new chat has them. */
const DEFAULTS = {
  chat: -100,
  language: null,
  timeZone: null,
  quietHours: { start: "23:00", end: "08:00" },
  reportChatId: null,
  cases: false,
  xpMultiplier: 1,
  noXpTopics: [],
  levelUpAnnouncements: "group",
};

Deno.test("chat settings: read, changed field by field, bad input refused by name with nothing changed", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -100, title: "Rust Learners" }, []);
  const app = new Hono().route("/api", chatSettingsRoutes({ sql: db.sql, adminToken: TOKEN }));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  await using http = serve(app);
  const patch = (body: unknown, chat = -100) =>
    http.get(`/api/chats/${chat}/settings`, {
      method: "PATCH",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  assert.deepEqual((await http.get("/api/chats/-100/settings", { headers })).body, DEFAULTS);

  // a zone in another case is stored as the tz database spells it (the settings page shows it)
  const set = await patch({ language: "es", timeZone: "europe/MADRID", reportChatId: -200 });
  assert.equal(set.status, 200);
  assert.deepEqual(set.body, {
    ...DEFAULTS,
    language: "es",
    timeZone: "Europe/Madrid",
    reportChatId: -200,
  });
  const quiet = await patch({ quietHours: { start: "22:30", end: "07:00" }, cases: true });
  assert.equal(quiet.body.cases, true);
  assert.deepEqual(quiet.body.quietHours, { start: "22:30", end: "07:00" });
  assert.equal(quiet.body.language, "es", "fields not sent are kept");
  const back = await patch({ language: null, reportChatId: null });
  assert.deepEqual([back.body.language, back.body.reportChatId, back.body.timeZone], [
    null,
    null,
    "Europe/Madrid",
  ]);

  const xp = await patch({ xpMultiplier: 2.5, noXpTopics: [7, 12], levelUpAnnouncements: "off" });
  assert.equal(xp.status, 200);
  assert.deepEqual(
    [xp.body.xpMultiplier, xp.body.noXpTopics, xp.body.levelUpAnnouncements, xp.body.language],
    [2.5, [7, 12], "off", null],
  );
  const xp2 = await patch({ xpMultiplier: 0, noXpTopics: [], levelUpAnnouncements: "private" });
  assert.deepEqual([xp2.body.xpMultiplier, xp2.body.noXpTopics, xp2.body.levelUpAnnouncements], [
    0,
    [],
    "private",
  ]);
  const xp3 = await patch({ xpMultiplier: 0.29, noXpTopics: [3] });
  assert.deepEqual([xp3.body.xpMultiplier, xp3.body.noXpTopics, xp3.body.levelUpAnnouncements], [
    0.29,
    [3],
    "private",
  ]);

  const before = (await http.get("/api/chats/-100/settings", { headers })).body;
  for (
    const [body, error] of [
      [{ language: "fr" }, /^bad settings: language: /],
      [{ timeZone: "Mars/Olympus" }, /timeZone: expected an IANA time zone/],
      // An offset: PostgreSQL would read it with the sign the other way round.
      [{ timeZone: "+05:30" }, /timeZone: expected an IANA time zone/],
      [{ timeZone: "US/Pacific-New" }, /timeZone: expected an IANA .*, got "US\/Pacific-New"/],
      [{ timeZone: "PST" }, /timeZone: expected an IANA .*, got "PST"/],
      [
        { quietHours: { start: "25:00", end: "07:00" } },
        /quietHours\.start: expected a time of day/,
      ],
      [
        { colour: "blue", language: "es" },
        /^bad settings: colour: unknown field, known are language, timeZone, quietHours, /,
      ],
      [
        { quietHours: { start: "23:00", end: "07:00", tz: "x" } },
        /^bad settings: quietHours\.tz: unknown field, known are start, end$/,
      ],
      [
        Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
        /^bad settings: k0, k1, k2, k3, k4 and 995 more: unknown fields, known are language, /,
      ],
      [{ reportChatId: 1.5 }, /reportChatId/],
      [{ cases: "yes" }, /cases/],
      [{ xpMultiplier: 10.5 }, /^bad settings: xpMultiplier: /],
      [{ xpMultiplier: -1 }, /xpMultiplier/],
      [{ xpMultiplier: 1.234 }, /xpMultiplier: expected at most 2 decimals/],
      // stored as 0 (every message unpaid) and as 10: a rounding the sender never asked for
      [{ xpMultiplier: 0.000000001 }, /xpMultiplier: expected at most 2 decimals/],
      [{ xpMultiplier: 9.999999999 }, /xpMultiplier: expected at most 2 decimals/],
      [{ reportChatId: 0 }, /reportChatId: expected a Telegram chat id/],
      [{ xpMultiplier: "2" }, /xpMultiplier/],
      [{ xpMultiplier: null }, /xpMultiplier/],
      [{ noXpTopics: [1, 1] }, /noXpTopics: expected each topic id once/],
      [{ noXpTopics: [0] }, /noXpTopics\.0/],
      [{ noXpTopics: [2.5] }, /noXpTopics\.0/],
      [{ noXpTopics: Array.from({ length: 101 }, (_, i) => i + 1) }, /noXpTopics/],
      [{ levelUpAnnouncements: "loud" }, /levelUpAnnouncements/],
      [{ levelUpAnnouncements: "off", xpMultiplier: 11 }, /xpMultiplier/],
      ["{not json", /bad JSON body/],
    ] as const
  ) {
    const r = await patch(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.error, error);
  }
  assert.deepEqual((await http.get("/api/chats/-100/settings", { headers })).body, before);

  assert.equal((await patch({ language: "en" }, -999)).status, 404);
  assert.equal((await http.get("/api/chats/-999/settings", { headers })).status, 404);
  assert.equal((await http.get("/api/chats/-100/settings")).status, 401);
});

Deno.test({
  name: "chat settings: a PATCH answers with the row it wrote, not a change committed after it",
  // Locks from other sessions order the two PATCHes: the embedded database has one session.
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using db = await testDatabase();
    await community(db.sql, { id: -100, title: "Rust Learners" }, []);
    const [row, table] = [await db.sql.reserve(), await db.sql.reserve()];
    const errors = errorHandler(createLogger({ level: "silent" }));
    // Operator 1's server on the pool; operator 2's on the session that will hold the table.
    const one = new Hono().route("/api", chatSettingsRoutes({ sql: db.sql, adminToken: TOKEN }));
    const two = new Hono().route("/api", chatSettingsRoutes({ sql: table, adminToken: TOKEN }));
    one.onError(errors);
    two.onError(errors);
    await using http1 = serve(one);
    await using http2 = serve(two);
    const patch = (http: typeof http1, body: unknown) =>
      http.get("/api/chats/-100/settings", {
        method: "PATCH",
        headers,
        body: JSON.stringify(body),
      });
    try {
      // 1. The row is held, so operator 1's update waits with the table lock already granted.
      await row`BEGIN`;
      await row`SELECT 1 FROM chats WHERE chat_id = -100 FOR UPDATE`;
      const first = patch(http1, { language: "es" });
      const waiting = (query: string) => async () => {
        const [w] = await db.sql`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'
            AND query LIKE ${"%" + query + "%"}`;
        return w.n === 1;
      };
      await until("operator 1's update to wait on the held row", waiting("UPDATE chats SET"));
      // 2. A table lock queued behind that update: granted once it commits, and anything operator
      // 1 asks of `chats` after its update waits for it.
      await table`BEGIN`;
      const locked = (async () => await table`LOCK TABLE chats IN ACCESS EXCLUSIVE MODE`)();
      await until("the table lock to queue", waiting("LOCK TABLE chats"));
      await row`COMMIT`;
      await withDeadline(locked, "the table lock, granted when operator 1's update commits");
      // 3. Operator 2 changes another field and commits while operator 1 has not answered yet.
      const second = await patch(http2, { xpMultiplier: 2 });
      assert.equal(second.status, 200);
      assert.deepEqual([second.body.language, second.body.xpMultiplier], ["es", 2]);
      await table`COMMIT`;
      const answer = await first;
      assert.equal(answer.status, 200);
      assert.deepEqual(
        answer.body,
        { ...DEFAULTS, language: "es" },
        "operator 1 sees what it wrote, the other fields as they were at its write",
      );
      const now = (await http1.get("/api/chats/-100/settings", { headers })).body;
      assert.deepEqual([now.language, now.xpMultiplier], ["es", 2]);
    } finally {
      for (const session of [row, table]) {
        await session`ROLLBACK`.catch(() => {}); // if an assertion failed with a lock held
        session.release();
      }
    }
  },
});
