/**
 * A chat title is shown as its words, never as instructions to the page: bidi controls in it (a
 * right-to-left override, an isolate closed early) are not shown, and in the tab's title it is
 * isolated, so neither an override nor a right-to-left title turns " · Warden" around. What is
 * stored stays as Telegram sent it.
 */
import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";
import { signedInApp } from "./fakes/dashboard_session.ts";

const TOKEN = "dashboard-token-0123456789";
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;

Deno.test("dashboard: bidi controls in a chat title are not shown; the tab title isolates it", async () => {
  await using db = await testDatabase();
  const hostile = "\u2069\u202Eevil <b>Club</b>";
  await community(db.sql, { id: -5, title: hostile }, [{ user: 7, name: "Ana" }]);
  await community(db.sql, { id: -6, title: "שלום" }, []);
  await using http = await signedInApp(db.sql, TOKEN);
  const { cookie } = http;
  const get = (path: string) =>
    fetch(http.base + path, { headers: { cookie } }).then((r) => r.text());

  const chat = await get("/chats/-5");
  assert.equal(
    /<title>([^<]*)<\/title>/.exec(chat)?.[1],
    "\u2068evil &lt;b&gt;Club&lt;/b&gt;\u2069 · Warden",
  );
  assert.equal(/<h1>([^<]*)<\/h1>/.exec(chat)?.[1], "evil &lt;b&gt;Club&lt;/b&gt;");
  const list = /<main[^]*<\/main>/.exec(await get("/chats"))?.[0] ?? "";
  assert.match(list, /evil &lt;b&gt;Club/);
  assert.doesNotMatch(list, BIDI, "the chats list shows no bidi control");
  assert.equal(
    /<title>([^<]*)<\/title>/.exec(await get("/chats/-6"))?.[1],
    "\u2068שלום\u2069 · Warden",
    "a right-to-left title is isolated from the rest of the tab's title",
  );
  const [{ title }] = await db.sql<{ title: string }[]>`SELECT title FROM chats WHERE chat_id = -5`;
  assert.equal(title, hostile, "the stored title is untouched");
});
