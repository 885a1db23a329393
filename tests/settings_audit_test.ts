/**
 * A `/settings` button's change and its `admin_actions` row are one transaction: an audit row
 * that cannot be written leaves the settings as they were (no change without its audit).
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { applyButton } from "../bot/admin_settings.ts";
import { adminGroup, boss, GROUP } from "./fakes/admin_group.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";

const CHAT = -100;

/** Every `admin_actions` insert fails from now on, as a full disk or a lost connection would fail it. */
async function refuseAudit(sql: postgres.Sql) {
  await sql`
    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit refused'; END $$`;
  await sql`
    CREATE TRIGGER refuse_audit BEFORE INSERT ON admin_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_audit()`;
}

Deno.test("a settings button whose audit row is refused changes nothing", async (t) => {
  await using db = await testDatabase();
  const sql = db.sql;
  await community(sql, { id: CHAT, title: "Audited" }, []);
  const row = async () =>
    (await sql`SELECT xp_multiplier::float8 AS m, no_xp_topics AS topics, language
               FROM chats WHERE chat_id = ${CHAT}`)[0];
  const before = await row();
  await refuseAudit(sql);

  for (const [field, value] of [["mult", "2"], ["lang", "es"], ["topic", "7:off"]]) {
    await t.step(`set:${field}:${value}`, async () => {
      await assert.rejects(applyButton(sql, CHAT, "telegram:20", field, value), /audit refused/);
      assert.deepEqual(await row(), before, "the change was rolled back with its audit row");
    });
  }

  await t.step("once the audit is written again, the change and its row are stored", async () => {
    await sql`DROP TRIGGER refuse_audit ON admin_actions`;
    const updated = await applyButton(sql, CHAT, "telegram:20", "topic", "7:off");
    assert.deepEqual(updated?.noXpTopics, [7]);
    assert.deepEqual((await row()).topics, [7]);
    const audit = await sql`SELECT author, chat_id::int AS chat, detail FROM admin_actions`;
    assert.deepEqual(audit.map((r) => [r.author, r.chat, r.detail]), [
      ["telegram:20", CHAT, { field: "noXpTopics", value: [7] }],
    ]);
    // An unknown chat: nothing to change, nothing audited.
    assert.equal(await applyButton(sql, -999, "telegram:20", "mult", "2"), null);
    assert.equal((await sql`SELECT count(*)::int AS n FROM admin_actions`)[0].n, 1);
  });
});

Deno.test("through the webhook: a press whose audit fails is not answered as saved", async () => {
  await using g = await adminGroup();
  const { sql, api, say, press } = g;
  await say(boss, "/settings", { message_thread_id: 7, is_topic_message: true });
  const posted = api.sent.at(-1)!.message_id;
  await refuseAudit(sql);
  const answers = () => api.calls.filter((c) => c.method === "answerCallbackQuery").length;
  const answered = answers();
  await press(boss, "set:mult:2", posted).catch(() => {});
  assert.equal(answers(), answered, "no ✅ Saved. for a change that was not stored");
  const [chat] = await sql`SELECT xp_multiplier::float8 AS m FROM chats WHERE chat_id = ${GROUP}`;
  assert.equal(chat.m, 1);
});
