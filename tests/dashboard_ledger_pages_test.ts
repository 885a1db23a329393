/**
 * A member's ledger on the dashboard, page by page: the newest 50 lines, then an "Older lines"
 * link to the next 50 (keyset by line id, as `GET …/ledger?before=` pages), until the first line;
 * every line shown once. A bad `before` is a 400 page naming it.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community } from "./fakes/community.ts";
import { signIn } from "./fakes/dashboard_session.ts";
import { ready, serveApp } from "./fakes/http.ts";
import { dbRuntime } from "./fakes/runtime.ts";

const TOKEN = "dashboard-token-0123456789";
const PAGE = "/chats/-5/members/7";

Deno.test("dashboard member page: the ledger pages by 50 with an Older lines link, every line once", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [{ user: 7, xp: 10, name: "Ana" }, {
    user: 8,
    xp: 10,
    name: "Bo",
  }]);
  await db.sql`
    INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
    SELECT -5, u, 1, 'message', 'm' || u || ':' || n, now() - n * interval '1 minute'
    FROM generate_series(1, 120) n, (VALUES (7), (8)) v(u)`;
  const [{ ids }] = await db.sql<{ ids: string[] }[]>`
    SELECT array_agg(id::text ORDER BY id DESC) AS ids FROM xp_ledger
    WHERE chat_id = -5 AND user_id = 7`;
  await using rt = dbRuntime(db.url, [], { node: "a" });
  await using http = serveApp(rt.runtime, ready(fakeClock()), {
    adminToken: TOKEN,
    sql: rt.sql,
    dashboard: { refreshMs: 0 },
  });
  const { cookie } = await signIn(http.base, TOKEN, "Ops");

  const seen: string[] = [];
  let path: string | null = PAGE;
  const pages: number[] = [];
  while (path) {
    const res: Response = await fetch(http.base + path, { headers: { cookie } });
    const html = await res.text();
    assert.equal(res.status, 200, path);
    const lines = [...html.matchAll(/data-ledger="(\d+)"/g)].map((m) => m[1]);
    pages.push(lines.length);
    seen.push(...lines);
    const next = /<a href="([^"]+)" rel="next">Older lines<\/a>/.exec(html)?.[1];
    path = next ? next.replaceAll("&amp;", "&") : null;
    assert.ok(pages.length <= 5, "the pages end");
  }
  assert.deepEqual(pages, [50, 50, 20]);
  assert.deepEqual(seen, ids, "every line of this member once, newest first");

  for (const bad of ["x", "0", "007"]) {
    const res = await fetch(`${http.base}${PAGE}?before=${bad}`, { headers: { cookie } });
    assert.equal(res.status, 400, bad);
    assert.match(await res.text(), /before must be a positive whole number \(a ledger line/);
  }
});
