/**
 * A chat's member search finds a member by any word of their name, with or without its accents
 * and in any case: an operator looking for "Ana García López" types "García", "garcia" or
 * "lopez". Before, only the start of the whole name matched, so a surname found nobody.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { signedInApp } from "./fakes/dashboard_session.ts";

const TOKEN = "dashboard-token-0123456789";

Deno.test("member search: any word of the name, accents and case aside; not the middle of a word", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -5, title: "Club" }, [
    { user: 7, xp: 30, name: "Ana García López" },
    { user: 8, xp: 20, name: "José Ñúñez" },
    { user: 9, xp: 10, name: "Bob" },
    { user: 10, xp: 5, name: "100% real_name" },
  ]);
  await db.sql`UPDATE members SET username = 'pepe' WHERE user_id = 9`;
  await using http = await signedInApp(db.sql, TOKEN);
  const { cookie } = http;
  const found = async (q: string) => {
    const page = await fetch(`${http.base}/chats/-5?q=${encodeURIComponent(q)}`, {
      headers: { cookie },
    }).then((r) => r.text());
    const hits = /<ul class="hits">([^]*?)<\/ul>/.exec(page)?.[1] ?? "";
    return [...hits.matchAll(/members\/(\d+)"/g)].map((m) => Number(m[1]));
  };
  const cases: Array<[string, number[]]> = [
    ["Ana", [7]],
    ["García", [7]],
    ["garcia", [7]],
    ["GARCÍA LÓP", [7]],
    ["lopez", [7]],
    ["ÑÚÑEZ", [8]],
    ["nunez", [8]],
    ["jose", [8]],
    ["arcía", []], // the middle of a word is no one's name
    ["@pepe", [9]],
    ["pe", [9]],
    ["8", [8]],
    ["100%", [10]],
    ["real_", [10]],
    ["%", []], // a wildcard is a character, not "everyone"
    ["_", []],
  ];
  for (const [q, ids] of cases) {
    assert.deepEqual(await found(q), ids, `search ${JSON.stringify(q)}`);
  }
});
