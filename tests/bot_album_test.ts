/**
 * An album (a media group) is one post that Telegram delivers as one update per photo: it pays
 * once and counts as one message, however its updates arrive (in order, twice, or spread over two
 * replicas at once).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { awardMessage } from "../domain/award.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { serveWebhook, TEST_XP, testBot } from "./fakes/bot.ts";
import { community } from "./fakes/community.ts";

const GROUP = -100;
const DATE = Math.floor(Date.parse("2026-06-10T12:00:00Z") / 1000);
const chat = { id: GROUP, type: "supergroup" as const, title: "G" };
const ana = { id: 1, is_bot: false, first_name: "Ana" };
const photo = (messageId: number, album: string, caption?: string) => ({
  message_id: messageId,
  date: DATE,
  chat,
  from: ana,
  media_group_id: album,
  photo: [{ file_id: `f${messageId}`, file_unique_id: `u${messageId}`, width: 1, height: 1 }],
  ...(caption ? { caption } : {}),
});

const paid = async (sql: postgres.Sql) =>
  (await sql`SELECT xp::int, messages_count::int AS n FROM members WHERE user_id = 1`)
    .map((r) => ({ xp: r.xp, messages: r.n }))[0];

Deno.test("an album of three photos pays one message, and a second album pays again", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: GROUP, title: "G" }, [{ user: ana.id, name: "Ana" }]);
  await using api = botApiDouble({ limits: false });
  const bot = testBot(api, db.sql);
  await bot.init();
  await using hook = serveWebhook(bot);
  let update = 1;
  for (const id of [11, 12, 13]) {
    await hook.post({
      update_id: update++,
      message: photo(id, "album-1", id === 11 ? "trip" : ""),
    });
  }
  assert.deepEqual(await paid(db.sql), { xp: 1, messages: 1 });
  for (const id of [14, 15]) {
    await hook.post({ update_id: update++, message: photo(id, "album-2") });
  }
  assert.deepEqual(await paid(db.sql), { xp: 2, messages: 2 });
  assert.equal(api.sent.length, 0, "nothing to answer");
});

Deno.test("an album's photos paid on two replicas at once, or in one batch, still pay once", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: GROUP, title: "G" }, [{ user: ana.id, name: "Ana" }]);
  const [a, b] = [1, 2].map(() => postgres(db.url, { max: 1, onnotice: () => {} }));
  try {
    await Promise.all([
      awardMessage(a, chat, photo(21, "album-3"), TEST_XP),
      awardMessage(b, chat, photo(22, "album-3"), TEST_XP),
      awardMessage(a, chat, photo(23, "album-3"), TEST_XP),
      awardMessage(b, chat, photo(21, "album-3"), TEST_XP),
    ]);
    // on one client, the photos that wait for the first go to the server together, in one batch
    await Promise.all(
      [31, 32, 33, 34].map((id) => awardMessage(a, chat, photo(id, "album-4"), TEST_XP)),
    );
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
  assert.deepEqual(await paid(db.sql), { xp: 2, messages: 2 });
});
