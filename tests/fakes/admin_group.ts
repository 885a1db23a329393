/** A group with members, admins and an operator behind the webhook, for the admin-tool tests. */
import { testDatabase } from "../db.ts";
import { botApiDouble } from "./bot_api.ts";
import { serveWebhook, testBot } from "./bot.ts";
import { community } from "./community.ts";
import { callbackQuery, groupMessage, type Person, privateMessage } from "./updates.ts";

export const GROUP = -800;
export const OTHER = -801;
export const T0 = new Date("2026-06-01T12:00:00Z");
export const ana: Person = { id: 11, name: "Ana", username: "ana" };
export const ben: Person = { id: 12, name: "Ben", username: "ben" };
/** An administrator of GROUP. */
export const boss: Person = { id: 20, name: "Boss", username: "boss" };
/** GROUP's creator, whose app speaks Spanish. */
export const jefa: Person = { id: 21, name: "Jefa", username: "jefa", language: "es" };
/** In ADMIN_USER_IDS. */
export const ops: Person = { id: 90, name: "Ops" };
export const es = (p: Person): Person => ({ ...p, language: "es" });

/**
 * GROUP (Ana 1,200 XP, Ben 30 XP, Boss, Jefa) and OTHER (Ana), the real bot behind the webhook
 * and the Bot API double; `say`/`dm`/`press` post an update and return the bot's answer.
 */
export async function adminGroup() {
  const db = await testDatabase();
  const api = botApiDouble({ limits: false });
  let now = T0;
  const bot = testBot(api, db.sql, { adminUserIds: [ops.id], now: () => now });
  const hook = serveWebhook(bot);
  const sql = db.sql;
  await community(sql, { id: GROUP, title: "Group -800" }, [
    { user: ana.id, xp: 1200, name: "Ana" },
    { user: ben.id, xp: 30, name: "Ben" },
    { user: boss.id, name: "Boss" },
    { user: jefa.id, name: "Jefa" },
  ]);
  await community(sql, { id: OTHER }, [{ user: ana.id, name: "Ana" }]);
  await sql`UPDATE members SET username = lower(display_name)`;
  api.setChatMember(GROUP, boss.id, "administrator");
  api.setChatMember(GROUP, jefa.id, "creator");

  let messageId = 100;
  const group = {
    db,
    sql,
    api,
    hook,
    /** The id of the last message posted. */
    lastId: () => messageId,
    /** Moves the bot's clock. */
    setNow(at: Date) {
      now = at;
    },
    /** A group message from `from` (`extra` fields merged into it); the bot's last send. */
    async say(from: Person, text: string, extra: Record<string, unknown> = {}) {
      const update = groupMessage({ chat: GROUP, from, text, messageId: ++messageId, date: now });
      Object.assign(update.message, extra);
      await hook.post(update);
      return api.sent.at(-1)!.text;
    },
    /** A private message to the bot; the bot's last send. */
    async dm(from: Person, text: string) {
      await hook.post(privateMessage({ from, text, messageId: ++messageId, date: now }));
      return api.sent.at(-1)!.text;
    },
    /** A button press under the bot's message `messageId` in topic 7; the callback answer. */
    async press(from: Person, data: string, onMessage: number) {
      const update = callbackQuery({ chat: GROUP, from, messageId: onMessage, data, date: now });
      Object.assign(update.callback_query.message, {
        message_thread_id: 7,
        is_topic_message: true,
      });
      await hook.post(update);
      return api.calls.filter((c) => c.method === "answerCallbackQuery").at(-1)!.params.text;
    },
    async xpOf(user: number) {
      const [row] =
        await sql`SELECT xp FROM members WHERE chat_id = ${GROUP} AND user_id = ${user}`;
      return Number(row.xp);
    },
    async count(table: "xp_ledger" | "admin_actions" | "chat_admins") {
      return Number((await sql`SELECT count(*) AS n FROM ${sql(table)}`)[0].n);
    },
    /** How many getChatMember calls the double saw. */
    memberChecks: () => api.calls.filter((c) => c.method === "getChatMember").length,
    async [Symbol.asyncDispose]() {
      await hook[Symbol.asyncDispose]();
      await api.close();
      await db.close();
    },
  };
  return group;
}
