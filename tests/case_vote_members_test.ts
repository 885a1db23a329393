/** Only a group's members vote on its case: Telegram's `getChatMember` says who is in, cached. */
import assert from "node:assert/strict";
import { caseGenerationJob } from "../domain/case_generation.ts";
import { bankProvider } from "../domain/case_provider.ts";
import { testDatabase } from "./db.ts";
import { botApiDouble } from "./fakes/bot_api.ts";
import { testBot } from "./fakes/bot.ts";
import { fakeClock } from "./fakes/clock.ts";
import { community, runJob } from "./fakes/community.ts";
import { callbackQuery, type Person } from "./fakes/updates.ts";

const GROUP = -710;
const OPEN = new Date("2026-06-01T00:00:00Z");
const [ana, ben, cai, dee, eve, fay, gus, hal] = [21, 22, 23, 24, 25, 26, 27, 28]
  .map((id): Person => ({ id, name: `P${id}` }));
const LEFT = "🚪 Only members of this group can vote on its cases.";
const RECORDED = /^✅ Vote recorded: /;

Deno.test("case votes count only from the group's members", async (t) => {
  await using db = await testDatabase();
  await using api = botApiDouble({ limits: false });
  const clock = fakeClock(new Date(OPEN.getTime() + 3_600_000));
  const bot = testBot(api, db.sql, { now: () => clock.now() });
  await bot.init();
  await community(db.sql, { id: GROUP, title: "Thinkers" }, []);
  await db.sql`UPDATE chats SET cases_enabled = true WHERE chat_id = ${GROUP}`;
  await runJob(
    caseGenerationJob({ provider: bankProvider(), votingHours: 24, rail: "xp" }),
    db.sql,
    OPEN,
  );

  /** Presses `option` under case `caseId`'s post as `who`; the bot's answer to the press. */
  const vote = async (who: Person, option = "police", caseId = 1) => {
    await bot.handleUpdate(callbackQuery({
      chat: GROUP,
      from: who,
      messageId: 500,
      data: `vote:${caseId}:${option}`,
      date: clock.now(),
    }) as never);
    const answers = api.calls.filter((c) => c.method === "answerCallbackQuery");
    return String(answers.at(-1)?.params.text);
  };
  const voters = async () =>
    (await db.sql<{ u: number }[]>`SELECT user_id::int AS u FROM case_votes ORDER BY user_id`)
      .map((r) => r.u);
  const asked = () => api.calls.filter((c) => c.method === "getChatMember").length;

  await t.step(
    "a member who left or was kicked is refused in their language, and not counted",
    async () => {
      api.setChatMember(GROUP, ana.id, "left");
      api.setChatMember(GROUP, ben.id, "kicked");
      assert.equal(await vote(ana), LEFT);
      assert.equal(
        await vote({ ...ben, language: "es" }),
        "🚪 Solo los miembros de este grupo pueden votar sus casos.",
      );
      assert.deepEqual(await voters(), []);
    },
  );

  await t.step(
    "a vote on a case that does not exist says so in the member's language, before any membership check",
    async () => {
      const ivy: Person = { id: 29, name: "P29" };
      api.setChatMember(GROUP, ivy.id, "left");
      const before = asked();
      assert.equal(await vote(ivy, "police", 999), "Unknown case #999.");
      assert.equal(
        await vote({ ...ivy, language: "es" }, "police", 998),
        "No existe el caso #998.",
      );
      assert.equal(await vote(ana, "police", 999), "Unknown case #999.", "a known outsider too");
      assert.equal(asked(), before, "Telegram is not asked about a case that does not exist");
      assert.equal(await vote(ivy), LEFT, "on a case that exists, the outsider is refused");
      assert.deepEqual(await voters(), []);
    },
  );

  await t.step(
    "members, admins, the creator and restricted members still in are counted",
    async () => {
      api.setChatMember(GROUP, dee.id, "administrator");
      api.setChatMember(GROUP, eve.id, "creator");
      api.setChatMember(GROUP, fay.id, "restricted", true);
      api.setChatMember(GROUP, gus.id, "restricted", false);
      for (const who of [cai, dee, eve, fay]) assert.match(await vote(who), RECORDED);
      assert.equal(await vote(gus), LEFT, "restricted, but no longer in the group");
      assert.deepEqual(await voters(), [cai.id, dee.id, eve.id, fay.id]);
    },
  );

  await t.step("Telegram's answer is kept 10 minutes, then asked again", async () => {
    api.setChatMember(GROUP, ana.id, "member"); // Ana came back
    const before = asked();
    assert.equal(await vote(ana), LEFT, "within 10 minutes the cached answer stands");
    assert.match(await vote(cai, "keep"), /^🔁 Vote changed to: /);
    assert.equal(asked(), before, "no call while the cache is fresh");
    clock.set(new Date(clock.now().getTime() + 10 * 60_000 + 1));
    assert.match(await vote(ana), RECORDED);
    assert.equal(asked(), before + 1);
  });

  await t.step(
    "a leave seen in the group refuses the next vote at once; a join asks Telegram again",
    async () => {
      const service = (who: Person, field: "left_chat_member" | "new_chat_members") => {
        const user = { id: who.id, is_bot: false, first_name: who.name };
        return bot.handleUpdate({
          update_id: 900_000 + who.id + (field === "left_chat_member" ? 0 : 1),
          message: {
            message_id: 900 + who.id,
            date: Math.floor(clock.now().getTime() / 1000),
            chat: { id: GROUP, type: "supergroup", title: "Thinkers" },
            from: user,
            ...(field === "left_chat_member"
              ? { left_chat_member: user }
              : { new_chat_members: [user] }),
          },
        } as never);
      };
      assert.match(await vote(cai, "police"), /^🔁 Vote changed to: /); // cached: a member
      const before = asked();
      await service(cai, "left_chat_member"); // Telegram would still say "member" for a while
      assert.equal(await vote(cai, "keep"), LEFT, "refused within the 10 minutes");
      assert.equal(asked(), before, "from the leave, without asking Telegram");
      await service(cai, "new_chat_members");
      assert.match(await vote(cai, "keep"), /^🔁 Vote changed to: /);
      assert.equal(asked(), before + 1, "a rejoin is asked again");
    },
  );

  await t.step(
    "when Telegram cannot be asked, the vote is not counted and the member is told to retry",
    async () => {
      api.failNext({ method: "getChatMember", error: { code: 500, description: "Internal" } });
      assert.equal(
        await vote(hal),
        "⚠️ Your vote was not counted: I could not check that you are in this group. Try again in a moment.",
      );
      api.failNext({ method: "getChatMember", error: { network: true } });
      assert.equal(
        await vote({ ...hal, language: "es" }),
        "⚠️ Tu voto no se contó: no pude comprobar que estás en este grupo. Inténtalo de nuevo en un momento.",
      );
      assert.ok(!(await voters()).includes(hal.id));
      assert.match(await vote(hal), RECORDED, "nothing was cached: the next press asks again");
    },
  );
});
