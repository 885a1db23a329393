import postgres from "postgres";
import { openDatabase } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { syncLevels } from "../domain/levels.ts";
import { seedCommunity } from "../domain/seed.ts";
import { syncBadges } from "../domain/badges.ts";
const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
await admin.unsafe(`DROP DATABASE IF EXISTS scratch WITH (FORCE)`);
await admin.unsafe(`CREATE DATABASE scratch`);
await admin.end();
const db = await openDatabase({ url: "postgres://postgres@127.0.0.1:5432/scratch", max: 4 });
const sql = db.sql;
await migrate(sql);
await syncLevels(sql, { formula: "mee6", baseXp: 100, multiplier: 1.5, max: 100 });
await syncBadges(sql);
const now = new Date();
await seedCommunity(sql, { members: 100000, chats: 100, now });
await sql`
      INSERT INTO xp_ledger (chat_id, user_id, amount, reason, source, created_at)
      SELECT m.chat_id, m.user_id, 1 + (m.user_id * k) % 7, 'message', 'bench:' || k,
             ${now}::timestamptz - ((m.user_id * 31 + k * 977) % 86400) * interval '1 minute'
      FROM members m, generate_series(1, 9) k`;
await sql`VACUUM ANALYZE`;
await db.close();
