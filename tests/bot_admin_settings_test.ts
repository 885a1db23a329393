import assert from "node:assert/strict";
import { messageIds } from "../domain/messages.ts";
import { adminGroup, ana, ben, boss, es, GROUP, jefa, OTHER, T0 } from "./fakes/admin_group.ts";
import { until, withDeadline } from "./fakes/deadline.ts";
import { callbackQuery, type Person } from "./fakes/updates.ts";

Deno.test("/settings buttons and /hide, /show through the webhook", async (t) => {
  await using g = await adminGroup();
  const { sql, api, say, dm, press } = g;

  const keyboardOf = (markup: unknown) =>
    ((typeof markup === "string" ? JSON.parse(markup) : markup) as {
      inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
    }).inline_keyboard.flat();
  const setting = async () =>
    (await sql`SELECT xp_multiplier::float8 AS m, no_xp_topics AS topics, language FROM chats
               WHERE chat_id = ${GROUP}`)[0];

  await t.step(
    "/settings: buttons change the chat's settings, audited; a non-admin's press is refused",
    async () => {
      assert.equal(await say(ben, "/settings"), "⛔ Only this chat's admins can use /settings.");
      const text = await say(boss, "/settings", { message_thread_id: 7, is_topic_message: true });
      assert.match(text, /^⚙️ Settings of Group -800\n\n🌐 Language: each member's own\n/);
      assert.match(text, /✨ XP multiplier: 1×\n/);
      assert.match(text, /🚫 This topic: pays XP as usual\n/);
      const sentCall = api.calls.filter((c) => c.method === "sendMessage").at(-1)!;
      const buttons = keyboardOf(sentCall.params.reply_markup);
      assert.deepEqual(
        buttons.filter((b) => b.callback_data.startsWith("set:mult:")).map((b) => b.text),
        [
          "✨ 0.5×",
          "✨ 1× ✓",
          "✨ 1.5×",
          "✨ 2×",
        ],
      );
      assert.ok(buttons.some((b) => b.callback_data === "set:topic:7:off"));
      const posted = api.sent.at(-1)!.message_id;

      const edits = () => api.calls.filter((c) => c.method === "editMessageText");
      assert.equal(
        await press(ben, "set:mult:2", posted),
        "⛔ Only this chat's admins can use /settings.",
      );
      assert.equal((await setting()).m, 1);
      assert.equal(edits().length, 0);

      assert.equal(await press(boss, "set:mult:1.5", posted), "✅ Saved.");
      assert.equal((await setting()).m, 1.5);
      const edit = edits().at(-1)!.params;
      assert.equal(edit.message_id, posted);
      assert.match(String(edit.text), /✨ XP multiplier: 1.5×\n/);
      assert.ok(keyboardOf(edit.reply_markup).some((b) => b.text === "✨ 1.5× ✓"));

      assert.equal(await press(boss, "set:topic:7:off", posted), "✅ Saved.");
      assert.deepEqual((await setting()).topics, [7]);
      assert.match(String(edits().at(-1)!.params.text), /🚫 This topic: no XP\n/);
      assert.ok(
        keyboardOf(edits().at(-1)!.params.reply_markup).some((b) =>
          b.callback_data === "set:topic:7:on"
        ),
      );

      assert.equal(await press(boss, "set:mult:7", posted), "⚠️ That choice cannot be applied.");
      assert.equal(await press(boss, "set:lang:es", posted), "✅ Guardado.");
      assert.equal((await setting()).language, "es");
      assert.match(
        String(edits().at(-1)!.params.text),
        /^⚙️ Ajustes de Group -800\n\n🌐 Idioma: Español\n/,
      );
      assert.match(String(edits().at(-1)!.params.text), /✨ Multiplicador de XP: 1,5×\n/);
      // The zone by the name its button has, not its IANA name.
      assert.equal(
        await press(boss, "set:tz:America/Argentina/Buenos_Aires", posted),
        "✅ Guardado.",
      );
      assert.match(String(edits().at(-1)!.params.text), /\n🕒 Zona horaria: Buenos Aires\n/);
      const audit =
        await sql`SELECT author, detail FROM admin_actions WHERE action = 'settings' ORDER BY id`;
      assert.deepEqual(audit.map((r) => [r.author, r.detail]), [
        ["telegram:20", { field: "xpMultiplier", value: 1.5 }],
        ["telegram:20", { field: "noXpTopics", value: [7] }],
        ["telegram:20", { field: "language", value: "es" }],
        ["telegram:20", { field: "timeZone", value: "America/Argentina/Buenos_Aires" }],
      ]);
      // The chat now speaks Spanish, whatever the member's app says.
      assert.equal(
        await say(ben, "/givexp @ana 1 x"),
        "⛔ Solo los administradores de este chat pueden usar /givexp.",
      );
      assert.equal(await press(boss, "set:lang:auto", posted), "✅ Saved.");
      // the daily report: here, then none
      assert.equal(await press(boss, "set:report:here", posted), "✅ Saved.");
      const [report] =
        await sql`SELECT report_chat_id::int AS r FROM chats WHERE chat_id = ${GROUP}`;
      assert.equal(report.r, GROUP);
      assert.match(String(edits().at(-1)!.params.text), /📊 Daily report: sent here\n/);
      assert.equal(await press(boss, "set:report:none", posted), "✅ Saved.");
      assert.match(String(edits().at(-1)!.params.text), /📊 Daily report: not sent\n/);
    },
  );

  await t.step("/hide and /show, in a group and in private, in the member's language", async () => {
    const hidden = async () =>
      (await sql`SELECT chat_id::int AS c FROM members WHERE user_id = ${ana.id} AND hidden ORDER BY chat_id`)
        .map((r) => r.c);
    assert.equal(
      await say(ana, "/hide"),
      "🙈 Ana, you are hidden from this chat's boards. You still earn XP; /show puts you back.",
    );
    assert.deepEqual(await hidden(), [GROUP]);
    assert.equal(await dm(ana, "/show"), "👀 You are back on the boards of your 2 groups.");
    assert.deepEqual(await hidden(), []);
    assert.equal(
      await dm(es(ana), "/hide"),
      "🙈 Ya no apareces en las clasificaciones de tus 2 grupos. Sigues ganando XP; /show te devuelve a ellas.",
    );
    assert.deepEqual(await hidden(), [OTHER, GROUP]);
    assert.equal(
      await say(es(ana), "/show"),
      "👀 Ana, vuelves a aparecer en las clasificaciones de este chat.",
    );
    assert.deepEqual(await hidden(), [OTHER]);
    assert.equal(
      await dm(ben, "/hide"),
      "🙈 You are hidden from the boards of your group. You still earn XP; /show puts you back.",
    );
    assert.equal(
      await dm({ id: 77, name: "Nobody" }, "/hide"),
      "You are not in any group I know yet: say something in one first.",
    );
    const newcomer = { id: 78, name: "Zoe" };
    assert.match(await say(newcomer, "/hide"), /^🙈 Zoe, you are hidden/);
    assert.equal((await sql`SELECT hidden FROM members WHERE user_id = 78`)[0].hidden, true);
  });
});

Deno.test("the admin texts exist in English and Spanish alike", () => {
  const ours = (lang: "en" | "es") =>
    messageIds(lang).filter((id) => /^(admin|settings|zone)-/.test(id));
  assert.ok(ours("en").length > 40);
  assert.deepEqual(ours("es"), ours("en"));
});

Deno.test({
  name: "/settings: two admins turning off two topics at once both count (neither press lost)",
  // A row lock from another session holds both presses at their writes: the embedded database
  // has one session.
  ignore: !Deno.env.get("DATABASE_URL"),
  async fn() {
    await using g = await adminGroup();
    const { sql, api, hook } = g;
    /** `from` presses `data` under the bot's message `onMessage` in forum topic `topic`. */
    const press = (from: Person, data: string, onMessage: number, topic: number) => {
      const update = callbackQuery({ chat: GROUP, from, messageId: onMessage, data, date: T0 });
      Object.assign(update.callback_query.message, {
        message_thread_id: topic,
        is_topic_message: true,
      });
      return hook.post(update);
    };
    // Both admins' rights are asked once and cached before the row is held.
    for (const admin of [boss, jefa]) await press(admin, "set:mult:1", 1, 5);
    const waiting = async () => {
      const [w] = await sql`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
          AND query LIKE '%UPDATE chats SET%'`;
      return w.n;
    };
    const row = await sql.reserve();
    try {
      await row`BEGIN`;
      await row`SELECT 1 FROM chats WHERE chat_id = ${GROUP} FOR UPDATE`;
      // Boss in topic 5, then Jefa in topic 7: each has pressed and waits on its write.
      const first = press(boss, "set:topic:5:off", 501, 5);
      await until("Boss's toggle to wait on the held row", async () => (await waiting()) === 1);
      const second = press(jefa, "set:topic:7:off", 701, 7);
      await until("Jefa's toggle to wait too", async () => (await waiting()) === 2);
      await row`COMMIT`;
      await withDeadline(Promise.all([first, second]), "both presses, once the row is free");
    } finally {
      await row`ROLLBACK`.catch(() => {}); // if an assertion failed with the lock held
      row.release();
    }
    const [chat] = await sql`SELECT no_xp_topics AS topics FROM chats WHERE chat_id = ${GROUP}`;
    assert.deepEqual(chat.topics, [5, 7], "both topics pay no XP: neither press was lost");
    const answers = api.calls.filter((c) => c.method === "answerCallbackQuery").slice(-2);
    assert.deepEqual(answers.map((c) => c.params.text).sort(), ["✅ Guardado.", "✅ Saved."]);
    // Each message shows its own topic as the toggle left it.
    for (const message of [501, 701]) {
      const edit = api.calls.findLast((c) =>
        c.method === "editMessageText" && c.params.message_id === message
      )!;
      assert.match(String(edit.params.text), /(🚫 This topic: no XP|🚫 Este tema: sin XP)\n/);
    }
    const audit = await sql`
      SELECT detail FROM admin_actions WHERE action = 'settings' AND detail->>'field' = 'noXpTopics'`;
    assert.deepEqual(
      audit.map((r) => JSON.stringify(r.detail.value)).sort(),
      ["[5,7]", "[5]"],
      "Boss's toggle wrote [5]; Jefa's, applied after it, [5,7]",
    );
  },
});

Deno.test("/settings: a topic toggle keeps the list's limits (100 topics, ids 1 to 2^31-1)", async () => {
  await using g = await adminGroup();
  const { sql, api, say, press } = g;
  const topics = async () =>
    (await sql`SELECT no_xp_topics AS t FROM chats WHERE chat_id = ${GROUP}`)[0].t as number[];
  await say(boss, "/settings", { message_thread_id: 7, is_topic_message: true });
  const posted = api.sent.at(-1)!.message_id;
  const full = Array.from({ length: 100 }, (_, i) => 101 + i);
  await sql`UPDATE chats SET no_xp_topics = ${full}::int[] WHERE chat_id = ${GROUP}`;
  const refused = "⚠️ That choice cannot be applied.";
  assert.equal(await press(boss, "set:topic:7:off", posted), refused, "a 101st topic");
  assert.deepEqual(await topics(), full);
  assert.equal(await press(boss, "set:topic:0:off", posted), refused);
  assert.equal(await press(boss, "set:topic:2147483648:off", posted), refused);
  assert.equal(await press(boss, "set:topic:101:on", posted), "✅ Saved.");
  assert.equal(await press(boss, "set:topic:7:off", posted), "✅ Saved.");
  assert.deepEqual(await topics(), [...full.slice(1), 7]);
  // Already off at the limit: no change, not a refusal.
  assert.equal(await press(boss, "set:topic:7:off", posted), "✅ Saved.");
  assert.deepEqual(await topics(), [...full.slice(1), 7]);
});
