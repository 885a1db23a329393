/**
 * The API's JSON bodies (an XP move, chat settings, a quiz's score), over a real HTTP server:
 * a body not declared `application/json` is refused with 415, one that is not JSON with 400
 * naming the problem; neither changes anything.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { createLogger } from "../actors/log.ts";
import { adminApiRoutes } from "../routes/admin_api.ts";
import { chatSettingsRoutes } from "../routes/chat_settings.ts";
import { errorHandler } from "../routes/errors.ts";
import { quizApiRoutes } from "../routes/quiz_api.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { serve } from "./fakes/http.ts";

const TOKEN = "s3cret-admin-token-0123";
const auth = { authorization: `Bearer ${TOKEN}` };
const NOW = new Date("2026-05-11T12:00:00Z");

async function setup() {
  const db = await testDatabase();
  await community(db.sql, { id: -1 }, [{ user: 7, xp: 10 }]);
  const api = { sql: db.sql, adminToken: TOKEN, now: () => NOW };
  const app = new Hono().route("/api", adminApiRoutes(api)).route("/api", chatSettingsRoutes(api))
    .route("/api", quizApiRoutes(api));
  app.onError(errorHandler(createLogger({ level: "silent" })));
  const http = serve(app);
  const started = await http.get("/api/chats/-1/members/7/quiz-sessions", {
    method: "POST",
    headers: auth,
  });
  assert.equal(started.status, 201);
  const routes = [
    {
      name: "XP move",
      method: "POST",
      path: "/api/chats/-1/members/7/xp",
      body: { amount: 5, reason: "helped" },
    },
    { name: "settings", method: "PATCH", path: "/api/chats/-1/settings", body: { language: "es" } },
    {
      name: "quiz score",
      method: "POST",
      path: `/api/chats/-1/members/7/quiz-sessions/${started.body.sessionId}/complete`,
      body: { correct: 3, total: 5 },
    },
  ];
  const unchanged = async () => {
    const [row] = await db.sql`
      SELECT m.xp, c.language, (SELECT count(*)::int FROM quiz_sessions WHERE correct IS NOT NULL) AS done
      FROM members m JOIN chats c USING (chat_id) WHERE m.chat_id = -1 AND m.user_id = 7`;
    assert.deepEqual({ ...row }, { xp: 10, language: null, done: 0 }, "nothing changed");
  };
  return {
    db,
    http,
    routes,
    unchanged,
    async [Symbol.asyncDispose]() {
      await http[Symbol.asyncDispose]();
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a JSON body without Content-Type: application/json is refused with 415, naming what came", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded"]) {
      const headers: Record<string, string> = { ...auth };
      if (type) headers["content-type"] = type;
      const res = await s.http.get(r.path, {
        method: r.method,
        headers,
        // bytes: fetch gives a string body "text/plain;charset=UTF-8" of its own
        body: new TextEncoder().encode(JSON.stringify(r.body)),
      });
      assert.equal(res.status, 415, `${r.name}, ${type}`);
      assert.equal(
        res.body.error,
        `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
        `${r.name}, ${type}`,
      );
    }
  }
  await s.unchanged();
});

Deno.test("a JSON body sent with a Content-Encoding (gzip, …) is refused with 415 naming it", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    const json = new TextEncoder().encode(JSON.stringify(r.body));
    const gzip = await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    // compressed, or declared so and not: read as it came, the first was no JSON, the second was
    for (const body of [gzip, json]) {
      const res = await s.http.get(r.path, {
        method: r.method,
        headers: { ...auth, "content-type": "application/json", "content-encoding": "gzip" },
        body,
      });
      assert.equal(res.status, 415, `${r.name}: ${JSON.stringify(res.body)}`);
      assert.equal(
        res.body.error,
        'Content-Encoding must be none (identity), got "gzip": send the JSON uncompressed',
      );
    }
  }
  await s.unchanged();
});

Deno.test("thousands of unknown fields, or one of 100,000 characters, are named briefly: the first five, cut", async () => {
  await using s = await setup();
  const [xp, , quiz] = s.routes;
  const many = Object.fromEntries([...Array(5000).keys()].map((i) => [`k${i}`, i]));
  for (const [r, only] of [[xp, "amount and reason"], [quiz, "correct and total"]] as const) {
    for (
      const [extra, named] of [
        [many, "k0, k1, k2, k3, k4 and 4995 more: unknown fields"],
        [{ ["k".repeat(100_000)]: 1 }, `${"k".repeat(60)}…: unknown field`],
      ] as const
    ) {
      const res = await s.http.get(r.path, {
        method: r.method,
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ ...r.body, ...extra }),
      });
      assert.equal(res.status, 400, r.name);
      assert.match(res.body.error, new RegExp(`: ${named}, expected only ${only}$`), r.name);
    }
  }
  await s.unchanged();
});

Deno.test("a body declared JSON that is not JSON is refused with 400 naming the problem", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    for (
      const [body, problem] of [["", /it is empty, expected JSON$/], [
        '{"amount": 5,',
        /JSON/,
      ]] as const
    ) {
      const res = await s.http.get(r.path, {
        method: r.method,
        headers: { ...auth, "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 400, `${r.name}, ${JSON.stringify(body)}`);
      assert.match(res.body.error, /^bad JSON body: /);
      assert.match(res.body.error, problem, `${r.name}, ${JSON.stringify(body)}`);
    }
  }
  await s.unchanged();
});

Deno.test("application/json with a charset, in any case, is JSON: each route does its work", async () => {
  await using s = await setup();
  for (const r of s.routes) {
    const res = await s.http.get(r.path, {
      method: r.method,
      headers: { ...auth, "content-type": "Application/JSON; charset=utf-8" },
      body: JSON.stringify(r.body),
    });
    assert.equal(res.status, 200, `${r.name}: ${JSON.stringify(res.body)}`);
  }
});

Deno.test("a JSON body JSON.parse would read as something else than sent is 400 naming the field", async (t) => {
  await using s = await setup();
  const [xp, settings, quiz] = s.routes;
  const send = (r: typeof xp, body: string | Uint8Array<ArrayBuffer>) =>
    s.http.get(r.path, {
      method: r.method,
      headers: { ...auth, "content-type": "application/json" },
      body,
    });
  const cases: Array<[string, typeof xp, string | Uint8Array<ArrayBuffer>, RegExp]> = [
    // half a surrogate pair is no text: PostgreSQL refuses it (a 500 once)
    [
      "a lone surrogate",
      xp,
      '{"amount":5,"reason":"ok \\ud800"}',
      /^bad JSON body: reason: \\ud800 at character 4 /,
    ],
    [
      "a lone surrogate in a key",
      quiz,
      '{"correct":3,"total":5,"\\udc00":1}',
      /^bad JSON body: key "\\udc00": \\udc00 at character 1 is half a surrogate pair/,
    ],
    // bytes that are not UTF-8 were read as U+FFFD and stored so
    ["bytes not UTF-8", xp, bytes('{"amount":5,"reason":"caf\xe9"}'), /not UTF-8.*byte 25/],
    // the last of two values won, quietly
    ["a key given twice", xp, '{"amount":5,"amount":500,"reason":"x"}', /amount: given twice/],
    [
      "a key given twice, nested",
      settings,
      '{"quietHours":{"start":"22:00","start":"23:00","end":"08:00"}}',
      /quietHours\.start: given twice/,
    ],
    // numbers past a double's precision, read as the nearest double: a whole number
    [
      "a fraction read as whole",
      xp,
      '{"amount":1.0000000000000001,"reason":"x"}',
      /amount: 1\.0000000000000001 .*read as 1\b/,
    ],
    [
      "a tiny number read as 0",
      settings,
      '{"xpMultiplier":1e-400}',
      /xpMultiplier: 1e-400 .*read as 0\b/,
    ],
    [
      "a fraction read as whole, in a list",
      settings,
      '{"noXpTopics":[5,7.00000000000000001]}',
      /noXpTopics\.1: /,
    ],
    ["a fraction read as whole", quiz, '{"correct":2.0000000000000001,"total":5}', /correct: /],
  ];
  for (const [name, r, body, problem] of cases) {
    await t.step(`${r.name}: ${name}`, async () => {
      const res = await send(r, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error, /^bad JSON body: /);
      assert.match(res.body.error, problem);
    });
  }
  await s.unchanged();
  await t.step("what reads exactly is taken: 5.0, 1e2, 0.15, escapes, pairs, a BOM", async () => {
    const ok = await send(xp, '\ufeff{"amount":5.0,"reason":"caf\\u00e9 \\ud83d\\ude00 \u00e9"}');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const [line] = await s.db.sql`SELECT note FROM xp_ledger ORDER BY id DESC LIMIT 1`;
    assert.equal(line.note, "café 😀 é");
    const more = await send(settings, '{"xpMultiplier":0.15,"noXpTopics":[1e2,5.0]}');
    assert.equal(more.status, 200, JSON.stringify(more.body));
    assert.deepEqual([more.body.xpMultiplier, more.body.noXpTopics], [0.15, [100, 5]]);
  });
});

/** `text`'s characters as bytes, one each (U+0000 to U+00FF): Latin-1. */
function bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}
