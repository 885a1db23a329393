import assert from "node:assert/strict";
import { Bot, GrammyError, HttpError } from "grammy";
import { type BotApiDouble, botApiDouble, type InjectedError } from "./fakes/bot_api.ts";

const TOKEN = "123:test";

function botFor(api: BotApiDouble) {
  return new Bot(TOKEN, { client: { apiRoot: api.apiRoot } });
}

/** Asserts that `call` rejects with a GrammyError and returns it. */
async function grammyError(call: Promise<unknown>): Promise<GrammyError> {
  const error = await call.then(() => undefined, (e) => e);
  assert.ok(error instanceof GrammyError, `expected a GrammyError, got ${error}`);
  return error;
}

Deno.test("getMe answers with the test bot", async () => {
  await using api = botApiDouble();
  const me = await botFor(api).api.getMe();
  assert.equal(me.id, 999);
  assert.equal(me.is_bot, true);
  assert.equal(me.username, "warden_test_bot");
  assert.deepEqual(api.calls.map((c) => c.method), ["getMe"]);
});

Deno.test("sendMessage answers increasing message ids and is recorded", async () => {
  let t = 5_000;
  await using api = botApiDouble({ now: () => t });
  const bot = botFor(api);
  const first = await bot.api.sendMessage(1, "one");
  t += 1_000;
  const second = await bot.api.sendMessage(-100, "two");
  assert.ok(second.message_id > first.message_id);
  assert.deepEqual(first.chat, { id: 1, type: "private", first_name: "User 1" });
  assert.equal(second.chat.type, "supergroup");
  assert.deepEqual(api.sent, [
    { chat_id: 1, text: "one", message_id: first.message_id, at: 5_000 },
    { chat_id: -100, text: "two", message_id: second.message_id, at: 6_000 },
  ]);
  assert.deepEqual(api.calls[1], {
    method: "sendMessage",
    params: { chat_id: -100, text: "two" },
    at: 6_000,
  });
});

Deno.test("injected failures surface as grammY errors", async (t) => {
  await using api = botApiDouble();
  const bot = botFor(api);
  const failWith = async (error: InjectedError) => {
    api.failNext({ error });
    return await grammyError(bot.api.sendMessage(1, "hi"));
  };

  await t.step("429 carries retry_after", async () => {
    const e = await failWith({ code: 429, retryAfter: 3 });
    assert.equal(e.error_code, 429);
    assert.equal(e.description, "Too Many Requests: retry after 3");
    assert.equal(e.parameters.retry_after, 3);
  });

  await t.step("403 blocked", async () => {
    const description = "Forbidden: bot was blocked by the user";
    const e = await failWith({ code: 403, description });
    assert.equal(e.error_code, 403);
    assert.equal(e.description, description);
  });

  await t.step("400 chat not found", async () => {
    const e = await failWith({ code: 400, description: "Bad Request: chat not found" });
    assert.equal(e.error_code, 400);
    assert.equal(e.description, "Bad Request: chat not found");
  });

  await t.step("400 with migrate_to_chat_id", async () => {
    const description = "Bad Request: group chat was upgraded to a supergroup chat";
    const e = await failWith({ code: 400, description, migrateToChatId: -100123 });
    assert.equal(e.parameters.migrate_to_chat_id, -100123);
  });

  await t.step("500", async () => {
    const e = await failWith({ code: 500, description: "Internal Server Error" });
    assert.equal(e.error_code, 500);
  });

  await t.step("a dropped connection is grammY's HttpError", async () => {
    api.failNext({ error: { network: true } });
    const error = await bot.api.sendMessage(1, "hi").then(() => undefined, (e) => e);
    assert.ok(error instanceof HttpError, `expected an HttpError, got ${error}`);
  });

  await t.step("failures are used up and nothing was sent", async () => {
    assert.equal(api.sent.length, 0);
    await bot.api.sendMessage(1, "hi");
    assert.equal(api.sent.length, 1);
  });
});

Deno.test("a failure can target one chat, one method, several times", async () => {
  await using api = botApiDouble({ limits: false });
  const bot = botFor(api);
  api.failNext({ chatId: 7, times: 2, error: { code: 502, description: "Bad Gateway" } });
  api.failNext({ method: "getMe", error: { code: 401 } });

  await bot.api.sendMessage(8, "other chat");
  assert.equal((await grammyError(bot.api.sendMessage(7, "a"))).error_code, 502);
  assert.equal((await grammyError(bot.api.sendMessage(7, "b"))).error_code, 502);
  await bot.api.sendMessage(7, "c");
  assert.equal((await grammyError(bot.api.getMe())).description, "Unauthorized");
  assert.deepEqual(api.sent.map((m) => m.text), ["other chat", "c"]);

  api.failNext({ times: Infinity, error: { code: 500 } });
  await grammyError(bot.api.sendMessage(9, "x"));
  await grammyError(bot.api.sendMessage(9, "y"));
  api.clearFailures();
  await bot.api.sendMessage(9, "z");
});

Deno.test("a blocked chat answers 403 to every send", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  api.block(5);
  for (const text of ["a", "b"]) {
    const e = await grammyError(bot.api.sendMessage(5, text));
    assert.equal(e.error_code, 403);
    assert.equal(e.description, "Forbidden: bot was blocked by the user");
  }
  api.unblock(5);
  await bot.api.sendMessage(5, "c");
});

Deno.test("a wrong token gets 401 when the double checks tokens", async () => {
  await using api = botApiDouble({ token: TOKEN });
  await botFor(api).api.getMe();
  const stranger = new Bot("456:other", { client: { apiRoot: api.apiRoot } });
  const e = await grammyError(stranger.api.getMe());
  assert.equal(e.error_code, 401);
  assert.equal(e.description, "Unauthorized");
});

Deno.test("a private chat gets one message per second", async () => {
  let t = 0;
  await using api = botApiDouble({ now: () => t });
  const bot = botFor(api);
  await bot.api.sendMessage(1, "first");
  t = 400;
  const e = await grammyError(bot.api.sendMessage(1, "too soon"));
  assert.equal(e.error_code, 429);
  assert.equal(e.parameters.retry_after, 1);
  assert.equal(e.description, "Too Many Requests: retry after 1");
  assert.deepEqual(api.limited, [{ chat_id: 1, scope: "chat", retry_after: 1, at: 400 }]);
  await bot.api.sendMessage(2, "another chat is fine");
  t = 1_000;
  await bot.api.sendMessage(1, "allowed again");
  assert.deepEqual(api.sent.map((m) => m.text), ["first", "another chat is fine", "allowed again"]);
});

Deno.test("a group gets 20 messages per rolling minute", async () => {
  let t = 0;
  await using api = botApiDouble({ now: () => t });
  const bot = botFor(api);
  for (let i = 0; i < 20; i++, t += 1_000) await bot.api.sendMessage(-100, `m${i}`);
  // t = 20 s; the first send leaves the window at 60 s.
  const e = await grammyError(bot.api.sendMessage(-100, "21st"));
  assert.equal(e.parameters.retry_after, 40);
  assert.equal(api.limited[0].scope, "group");
  t = 59_500;
  assert.equal((await grammyError(bot.api.sendMessage(-100, "still"))).parameters.retry_after, 1);
  t = 60_000;
  await bot.api.sendMessage(-100, "allowed again");
  assert.equal(api.sent.length, 21);
});

Deno.test("all chats together get 30 messages per rolling second", async () => {
  let t = 0;
  await using api = botApiDouble({ now: () => t });
  const bot = botFor(api);
  for (let chat = 1; chat <= 30; chat++) await bot.api.sendMessage(chat, "hi");
  t = 999;
  const e = await grammyError(bot.api.sendMessage(31, "31st"));
  assert.equal(e.parameters.retry_after, 1);
  assert.equal(api.limited[0].scope, "global");
  t = 1_000;
  await bot.api.sendMessage(31, "allowed again");
  assert.equal(api.sent.length, 31);
});

Deno.test("limits can be changed one by one or turned off", async () => {
  let t = 0;
  await using loose = botApiDouble({ now: () => t, limits: { perChatPerSecond: 3 } });
  const looseBot = botFor(loose);
  for (let i = 0; i < 3; i++) await looseBot.api.sendMessage(1, "ok");
  await grammyError(looseBot.api.sendMessage(1, "fourth"));
  t = 1_000;
  await looseBot.api.sendMessage(1, "later");

  await using none = botApiDouble({ now: () => t, limits: false });
  const freeBot = botFor(none);
  for (let i = 0; i < 40; i++) await freeBot.api.sendMessage(-100, "ok");
  assert.equal(none.limited.length, 0);

  assert.throws(() => botApiDouble({ limits: { globalPerSecond: 0 } }), RangeError);
});

Deno.test("reset clears records, failures and the limits' history", async () => {
  await using api = botApiDouble({ now: () => 0 });
  const bot = botFor(api);
  await bot.api.sendMessage(1, "a");
  await grammyError(bot.api.sendMessage(1, "b"));
  api.failNext({ error: { code: 500 } });
  api.reset();
  assert.equal(api.calls.length + api.sent.length + api.limited.length, 0);
  await bot.api.sendMessage(1, "c");
  assert.deepEqual(api.sent.map((m) => m.text), ["c"]);
});

Deno.test("getChat and getChatMember describe chats and members", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  assert.equal((await bot.api.getChat(-100)).type, "supergroup");
  assert.equal((await bot.api.getChatMember(-100, 7)).status, "member");
  api.setChatMember(-100, 7, "administrator");
  assert.equal((await bot.api.getChatMember(-100, 7)).status, "administrator");
  api.setChatMember(-100, 8, "restricted", false); // restricted, and no longer in the chat
  assert.deepEqual(await bot.api.getChatMember(-100, 8), {
    status: "restricted",
    user: { id: 8, is_bot: false, first_name: "User 8" },
    is_member: false,
  });
  assert.equal(await bot.api.setMyCommands([{ command: "top", description: "Leaderboard" }]), true);
  assert.equal(await bot.api.deleteWebhook(), true);
});

Deno.test("getUpdates confirms by offset and honours limit", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  const first = api.pushText(1, "one");
  const second = api.pushText(1, "two");
  api.pushText(1, "three");
  assert.deepEqual(await bot.api.getUpdates({ limit: 2 }), [first, second]);
  const rest = await bot.api.getUpdates({ offset: second.update_id });
  assert.deepEqual(rest.map((u) => u.message?.text), ["two", "three"]);
  // Everything before the offset is gone for good.
  assert.equal((await bot.api.getUpdates()).length, 2);
});

Deno.test("a long poll returns an update pushed while it waits", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  const poll = bot.api.getUpdates({ offset: 1, timeout: 5 });
  await api.polling();
  const update = api.pushText(42, "hello");
  assert.deepEqual(await poll, [update]);
});

Deno.test("a second long poll ends the waiting one with 409 Conflict", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  const first = bot.api.getUpdates({ timeout: 30 });
  await api.polling();
  const second = bot.api.getUpdates({ timeout: 30 });
  const e = await grammyError(first);
  assert.equal(e.error_code, 409);
  await api.polling();
  const update = api.pushText(1, "for the second");
  assert.deepEqual(await second, [update]);
});

Deno.test("closing the double releases a waiting long poll", async () => {
  const api = botApiDouble();
  const poll = botFor(api).api.getUpdates({ timeout: 30 });
  await api.polling();
  await api.close();
  assert.deepEqual(await poll, []);
});

Deno.test("bot.start polls updates into handlers and bot.stop ends it", async () => {
  await using api = botApiDouble();
  const bot = botFor(api);
  const replied = Promise.withResolvers<void>();
  bot.command("start", async (ctx) => {
    await ctx.reply(`welcome, ${ctx.from?.first_name}`);
    replied.resolve();
  });
  const update = api.pushText(42, "/start", 7);
  const running = bot.start({ timeout: 30 });
  await replied.promise;
  await api.polling();
  await bot.stop();
  await running;

  assert.deepEqual(api.sent.map((m) => [m.chat_id, m.text]), [[42, "welcome, User 7"]]);
  const methods = api.calls.map((c) => c.method);
  assert.ok(methods.includes("getMe") && methods.includes("deleteWebhook"));
  // bot.stop confirms what was handled.
  assert.equal(api.calls.at(-1)?.params.offset, update.update_id + 1);
});
