import assert from "node:assert/strict";
import { leaderboardRecalcJob, readBoard } from "../domain/boards.ts";
import { adminGroup, ana, ben, boss, es, GROUP, jefa, ops, T0 } from "./fakes/admin_group.ts";
import { runJob } from "./fakes/community.ts";
import { groupMessage } from "./fakes/updates.ts";

Deno.test("admin XP tools through the webhook: refusals, /givexp to the ledger and the board, the admin cache, /takexp, /resetxp, usage", async (t) => {
  await using g = await adminGroup();
  const { sql, api, say, dm, xpOf, count, memberChecks } = g;

  await t.step(
    "a member who is not an admin is refused, in their language, and nothing changes",
    async () => {
      assert.equal(
        await say(ben, "/givexp @ana 50 nice"),
        "⛔ Only this chat's admins can use /givexp.",
      );
      const asked = api.calls.filter((c) => c.method === "sendMessage").at(-1)!.params;
      assert.equal((asked.reply_parameters as { message_id: number }).message_id, g.lastId());
      assert.equal(
        await say(es(ben), "/takexp @ana 50 porque sí"),
        "⛔ Solo los administradores de este chat pueden usar /takexp.",
      );
      assert.equal(await say(ben, "/resetxp @ana"), "⛔ Only this chat's admins can use /resetxp.");
      assert.equal(await xpOf(ana.id), 1200);
      assert.equal(await count("xp_ledger"), 0);
      assert.equal(await count("admin_actions"), 0);
      assert.equal(
        await dm(boss, "/givexp @ana 5 x"),
        "⚠️ /givexp works in groups: send it there.",
      );
    },
  );

  await t.step(
    "/givexp writes the ledger with its author and reason, and the board shows it",
    async () => {
      const before = memberChecks();
      assert.equal(
        await say(boss, "/givexp @ana 50 great answer"),
        "✅ Gave 50 XP to Ana: 1,250 XP now.",
      );
      assert.equal(memberChecks(), before + 1);
      assert.equal(await say(boss, "/givexp @BEN 5 thanks"), "✅ Gave 5 XP to Ben: 35 XP now.");
      assert.equal(memberChecks(), before + 1, "the second command reads the cached answer");
      assert.equal(
        await say(jefa, "/givexp @ana 1000 premio del mes"),
        "✅ Diste 1.000 XP a Ana: ahora tiene 2.250 XP.",
      );
      const ledger = await sql`
      SELECT user_id::int AS user, amount, reason, author, note FROM xp_ledger ORDER BY id`;
      assert.deepEqual(ledger.map((r) => ({ ...r })), [
        { user: ana.id, amount: 50, reason: "admin", author: "telegram:20", note: "great answer" },
        { user: ben.id, amount: 5, reason: "admin", author: "telegram:20", note: "thanks" },
        {
          user: ana.id,
          amount: 1000,
          reason: "admin",
          author: "telegram:21",
          note: "premio del mes",
        },
      ]);
      const audit = await sql`SELECT action, author FROM admin_actions ORDER BY id`;
      assert.deepEqual(audit.map((r) => `${r.action} ${r.author}`), [
        "give-xp telegram:20",
        "give-xp telegram:20",
        "give-xp telegram:21",
      ]);
      await runJob(leaderboardRecalcJob(), sql, new Date());
      const board = await readBoard(sql, GROUP, "all", 10);
      // The all-time board is the balances (the fixture's 1,200 and 30 were never in the ledger).
      assert.deepEqual(board.entries.map((e) => [e.rank, e.name, Number(e.score)]), [
        [1, "Ana", 2250],
        [2, "Ben", 35],
      ]);
    },
  );

  await t.step(
    "the admin answer is cached for 10 minutes; operators need no answer; a failed check refuses and caches nothing",
    async () => {
      const before = memberChecks();
      g.setNow(new Date(T0.getTime() + 11 * 60_000));
      assert.match(await say(boss, "/givexp @ben 1 again"), /^✅ Gave 1 XP to Ben/);
      assert.equal(memberChecks(), before + 1, "asked Telegram again after 10 minutes");
      assert.match(await say(ops, "/givexp @ben 1 ops"), /^✅ Gave 1 XP to Ben: 37 XP now\.$/);
      assert.equal(memberChecks(), before + 1, "ADMIN_USER_IDS: no getChatMember");
      api.setChatMember(GROUP, 30, "administrator");
      api.failNext({ method: "getChatMember", error: { code: 500 } });
      const newcomer = { id: 30, name: "New" };
      assert.equal(
        await say(newcomer, "/givexp @ben 1 x"),
        "⛔ Only this chat's admins can use /givexp.",
      );
      assert.equal((await sql`SELECT 1 FROM chat_admins WHERE user_id = 30`).length, 0);
      assert.match(await say(newcomer, "/givexp @ben 1 x"), /^✅ Gave 1 XP to Ben/);
    },
  );

  await t.step(
    "/takexp never goes below zero; as a reply; /resetxp; usage lines name what is wrong",
    async () => {
      assert.equal(await xpOf(ben.id), 38);
      assert.equal(
        await say(boss, "/takexp @ben 100 spam"),
        "✅ Took 38 XP from Ben, all they had (100 asked): 0 XP now.",
      );
      assert.equal(await say(boss, "/takexp @ben 5 spam"), "ℹ️ Ben has no XP to take: 0 XP now.");
      assert.equal(await xpOf(ben.id), 0);
      const anasMessage = groupMessage({
        chat: GROUP,
        from: ana,
        text: "rude",
        messageId: 1,
        date: T0,
      });
      assert.equal(
        await say(boss, "/takexp 250 rude", { reply_to_message: anasMessage.message }),
        "✅ Took 250 XP from Ana: 2,000 XP now.",
      );
      assert.equal(
        await say(boss, "/resetxp @ana"),
        "✅ Reset Ana's XP (2,000 XP taken): 0 XP now.",
      );
      const [last] = await sql`SELECT amount, note FROM xp_ledger ORDER BY id DESC LIMIT 1`;
      assert.deepEqual({ ...last }, { amount: -2000, note: "reset by an admin" });
      // Nothing left to reset: said so, never "-0 XP taken".
      assert.equal(await say(boss, "/resetxp @ana"), "ℹ️ Ana has no XP to take: 0 XP now.");
      const usage =
        "Usage: /givexp @user N reason, or as a reply to their message: /givexp N reason";
      const cases: Array<[string, string]> = [
        ["/givexp @nobody 5 why", "⚠️ @nobody is not a member I know in this chat."],
        ["/givexp @ana lots why", "⚠️ N must be a whole number from 1 to 1,000,000, not “lots”."],
        ["/givexp @ana 0 why", "⚠️ N must be a whole number from 1 to 1,000,000, not “0”."],
        [
          "/givexp @ana 1000001 why",
          "⚠️ N must be a whole number from 1 to 1,000,000, not “1000001”.",
        ],
        ["/givexp @ana 5", "⚠️ Missing reason: say why, in up to 200 characters."],
        ["/givexp @ana", "⚠️ Missing N: a whole number from 1 to 1,000,000."],
        ["/givexp 5 why", "⚠️ Whose XP? Name a member with @username or reply to their message."],
      ];
      const ledgerBefore = await count("xp_ledger");
      for (const [command, first] of cases) {
        assert.equal(await say(boss, command), `${first}\n${usage}`);
      }
      const strangers = groupMessage({
        chat: GROUP,
        from: { id: 77, name: "Zed" },
        text: "hi",
        messageId: 2,
        date: T0,
      });
      assert.equal(
        await say(boss, "/givexp 5 why", { reply_to_message: strangers.message }),
        `⚠️ Zed is not a member I know in this chat.\n${usage}`,
        "named as Telegram names him, not by his id",
      );
      assert.equal(
        await say(jefa, "/givexp @ana 2,5 x"),
        "⚠️ N debe ser un número entero del 1 al 1.000.000, no «2,5».\n" +
          "Uso: /givexp @usuario N motivo, o respondiendo a su mensaje: /givexp N motivo",
      );
      assert.equal(await count("xp_ledger"), ledgerBefore);
      // A member without a username is named by a text mention; the command may carry the bot's.
      const mention = {
        entities: [
          { type: "bot_command", offset: 0, length: 7 },
          {
            type: "text_mention",
            offset: 9,
            length: 3,
            user: { id: ben.id, is_bot: false, first_name: "Ben" },
          },
        ],
      };
      assert.equal(
        await say(boss, "/givexp  Ben 3 helped", mention),
        "✅ Gave 3 XP to Ben: 3 XP now.",
      );
      assert.equal(
        await say(boss, "/givexp@warden_test_bot @ben 2 again"),
        "✅ Gave 2 XP to Ben: 5 XP now.",
      );
    },
  );
});
