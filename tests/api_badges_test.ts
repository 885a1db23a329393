import assert from "node:assert/strict";
import { testDatabase } from "./db.ts";
import { app, auth, bookClub, CHAT, NOW } from "./fakes/book_club.ts";

Deno.test("GET …/members/:user/badges lists what badge-check awarded", async () => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);
  const cai = await http.get(`/api/chats/${CHAT}/members/3/badges`, auth);
  assert.equal(cai.status, 200);
  assert.equal(cai.body.chatId, CHAT);
  assert.equal(cai.body.userId, 3);
  assert.equal(cai.body.totalBadges, 2);
  assert.deepEqual(
    cai.body.badges.map((b: { id: string }) => b.id).sort(),
    ["chatterbox", "helpful"],
  );
  assert.deepEqual(cai.body.badges.find((b: { id: string }) => b.id === "helpful"), {
    id: "helpful",
    name: "Helpful",
    emoji: "🤝",
    description: "Was thanked 5 times",
    bonusXp: 25,
    earnedAt: NOW.toISOString(),
  });
  const ana = await http.get(`/api/chats/${CHAT}/members/1/badges`, auth);
  assert.deepEqual(ana.body, { chatId: CHAT, userId: 1, totalBadges: 0, badges: [] });
  const unknown = await http.get(`/api/chats/${CHAT}/members/999/badges`, auth);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, `unknown member 999 in chat ${CHAT}`);
  const chat = await http.get("/api/chats/-999/members/3/badges", auth);
  assert.equal(chat.status, 404);
  assert.equal(chat.body.error, "unknown chat -999");
  const bad = await http.get(`/api/chats/${CHAT}/members/x/badges`, auth);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'user must be a numeric Telegram id, got "x"');
});

Deno.test('GET …/badges/progress reads like "3/5 thanks"', async () => {
  await using db = await testDatabase();
  await bookClub(db);
  await using http = app(db);
  type Progress = { id: string; earned: boolean; progress: string };
  const ben = await http.get(`/api/chats/${CHAT}/members/2/badges/progress`, auth);
  assert.equal(ben.status, 200);
  assert.equal(ben.body.chatId, CHAT);
  assert.equal(ben.body.userId, 2);
  assert.equal(ben.body.earned, 0);
  assert.equal(ben.body.total, 16); // 7 activity badges and the 9 case badges of migration 0014
  assert.deepEqual(ben.body.badges.find((b: Progress) => b.id === "helpful"), {
    id: "helpful",
    name: "Helpful",
    emoji: "🤝",
    earned: false,
    progress: "3/5 thanks",
  });
  const cai = await http.get(`/api/chats/${CHAT}/members/3/badges/progress`, auth);
  assert.equal(cai.body.earned, 2);
  const byId = Object.fromEntries(cai.body.badges.map((b: Progress) => [b.id, b]));
  assert.equal(byId.chatterbox.progress, "100/100 messages", "capped at the threshold");
  assert.equal(byId.chatterbox.earned, true);
  assert.equal(byId.linker.progress, "0/10 links");
  assert.equal(
    ben.body.badges.find((b: Progress) => b.id === "regular").progress,
    "2/14 days active",
  );
  const unknown = await http.get(`/api/chats/${CHAT}/members/999/badges/progress`, auth);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, `unknown member 999 in chat ${CHAT}`);
  const bad = await http.get("/api/chats/1e3/members/2/badges/progress", auth);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'chat must be a numeric Telegram id, got "1e3"');
});
