import assert from "node:assert/strict";
import { cli } from "../cli.ts";
import { syncLevels } from "../domain/levels.ts";
import { SEED_USER_BASE, seedCommunity } from "../domain/seed.ts";
import { testDatabase } from "./db.ts";

const NOW = new Date("2026-06-10T12:00:00Z");

Deno.test("seeding again after the community moved on adds nothing; balances stay the ledger's", async () => {
  await using db = await testDatabase();
  const { sql } = db;
  await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
  const first = await seedCommunity(sql, { members: 300, chats: 3, now: NOW });
  assert.equal(first.members, 300);
  // what the bot and the jobs do meanwhile: members who had nothing earn XP (ledger first),
  // some streaks end, sessions close
  const earned = await sql`
    WITH paid AS (
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT chat_id, user_id, 7, 'message', 'bot:' || user_id, ${NOW}
      FROM members WHERE user_id > ${SEED_USER_BASE} AND xp = 0
      RETURNING chat_id, user_id, amount)
    UPDATE members m SET xp = m.xp + p.amount FROM paid p
    WHERE m.chat_id = p.chat_id AND m.user_id = p.user_id`;
  assert.ok(earned.count > 0, "some seeded members start with no XP");
  await sql`DELETE FROM streaks WHERE user_id % 4 = 0`;
  await sql`DELETE FROM quiz_sessions`;
  await sql`DELETE FROM lives WHERE user_id % 10 = 0`;

  const again = await seedCommunity(sql, { members: 300, chats: 3, now: NOW });
  assert.deepEqual(again, {
    chats: 0,
    members: 0,
    ledger: 0,
    streaks: 0,
    lives: 0,
    sessions: 0,
  });
  const mismatched = await sql`
    SELECT m.user_id FROM members m
    LEFT JOIN (SELECT chat_id, user_id, sum(amount) AS total FROM xp_ledger GROUP BY 1, 2) l
      USING (chat_id, user_id)
    WHERE m.xp <> coalesce(l.total, 0)`;
  assert.equal(mismatched.length, 0, `balances off the ledger: ${mismatched.length}`);
  const more = await seedCommunity(sql, { members: 400, chats: 3, now: NOW });
  assert.equal(more.members, 100, "a bigger seed adds only the new members");
  assert.ok(more.ledger <= 100 && more.streaks <= 50);
});

Deno.test("deno task seed says how many members were new, and how many were there already", async () => {
  await using db = await testDatabase({ share: true });
  const lines: string[] = [];
  const seed = (members: string) =>
    cli(["seed", "--members", members, "--chats", "2"], db.env, (l) => lines.push(l));
  assert.equal(await seed("30"), 0);
  assert.match(lines.pop()!, /^seeded 30 members in 2 chats in [\d.]+ s \(30 new; new rows: /);
  assert.equal(await seed("20"), 0);
  assert.match(lines.pop()!, /^seeded 20 members .* \(0 new, 20 there already; new rows: /);
  assert.equal(await seed("40"), 0);
  assert.match(lines.pop()!, /^seeded 40 members .* \(10 new, 30 there already; new rows: /);
});
