/**
 * Taking messages in does not read a chat's membership (db/migrations/0021_ingest_lookups.sql):
 * one batch of `award_messages` in a chat of 3,000 members, with thank-yous by reply (id) and by
 * @username and a newcomer, reads members only through primary-key and username probes. What
 * the batch read is the transaction's own table statistics (`pg_stat_xact_user_tables`), read
 * inside the same transaction: counts, not timings.
 */
import assert from "node:assert/strict";
import { SEED_CHAT_BASE, SEED_USER_BASE, seedCommunity } from "../domain/seed.ts";
import { awardRules } from "../domain/award.ts";
import { syncLevels } from "../domain/levels.ts";
import { testDatabase } from "./db.ts";

const CHAT = SEED_CHAT_BASE - 1;
const MEMBERS = 3_000;
const RULES = awardRules({ perMessage: 1, perLink: 3, perThanks: 5, maxPerMinute: 10 });

/** One message as `award_messages` reads it (domain/award.ts builds the same). */
function message(n: number, author: number, thanks: { ids?: number[]; usernames?: string[] } = {}) {
  const user = (id: number) => ({
    user_id: id,
    name: `Member ${id - SEED_USER_BASE}`,
    username: `member${id - SEED_USER_BASE}`,
    is_bot: false,
  });
  return {
    chat: CHAT,
    title: "Community 1",
    kind: "supergroup",
    thread: null,
    source: `msg:${n}`,
    at: new Date(Date.UTC(2026, 5, 1, 10, 0, n)).toISOString(),
    language: null,
    base: 1,
    has_link: false,
    users: [user(author), ...(thanks.ids ?? []).map(user)],
    ids: thanks.ids ?? [],
    usernames: thanks.usernames ?? [],
  };
}

Deno.test("a batch with thank-yous and a newcomer reads members by key, not the chat's 3,000", async () => {
  await using db = await testDatabase();
  await syncLevels(db.sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  await seedCommunity(db.sql, {
    members: MEMBERS,
    chats: 1,
    now: new Date("2026-05-31T00:00:00Z"),
  });
  await db.sql`ANALYZE members`;
  const id = (g: number) => SEED_USER_BASE + g;
  const batch = [
    ...Array.from({ length: 12 }, (_, i) => message(i + 1, id(10 + i * 97))),
    message(20, id(7), { ids: [id(8)] }), // thanks by reply
    message(21, id(9), { usernames: ["member11", "member12"] }), // thanks by @username
    message(22, id(13), { ids: [id(14)], usernames: ["member15"] }),
    message(23, id(MEMBERS + 1)), // a newcomer
    message(24, id(7)), // a second message of a member: paid one at a time
  ];
  const read = await db.sql.begin(async (tx) => {
    // The backend's pending counts may hold earlier transactions' too: the batch's are the change.
    const members = () =>
      tx<{ seq_tup_read: number; idx_tup_fetch: number }[]>`
        SELECT seq_tup_read::int, idx_tup_fetch::int
        FROM pg_stat_xact_user_tables WHERE relname = 'members'`.then(([r]) => r);
    const before = await members();
    const [{ outcomes }] = await tx<{ outcomes: Array<{ author: number; thanked: unknown[] }> }[]>`
      SELECT award_messages(${JSON.stringify(batch)}::text::jsonb,
                            ${JSON.stringify(RULES)}::text::jsonb) AS outcomes`;
    assert.deepEqual(outcomes.map((o) => o.author), batch.map(() => 1), "every author paid 1");
    assert.deepEqual(outcomes.map((o) => o.thanked.length).slice(12, 15), [1, 2, 2]);
    const after = await members();
    return {
      seq: after.seq_tup_read - before.seq_tup_read,
      index: after.idx_tup_fetch - before.idx_tup_fetch,
    };
  });
  assert.equal(read.seq, 0, "members rows read by sequential scan");
  // Each message touches its author and those it thanks a few times (create, lock, pay, name):
  // about 100 rows for 17 messages; reading the chat would be thousands.
  assert.ok(read.index < 150, `members rows fetched by index: ${read.index}`);
  const [joined] = await db.sql`
    SELECT count(*)::int AS n FROM members WHERE chat_id = ${CHAT} AND user_id = ${
    id(MEMBERS + 1)
  }`;
  assert.equal(joined.n, 1, "the newcomer became a member");
});
