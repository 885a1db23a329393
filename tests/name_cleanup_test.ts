/**
 * db/migrations/0035_clean_names.sql: the names stored before `displayName` cleaned them are
 * cleaned once, set-based, as `displayName` would show them, without waiting for each member's
 * next message; a second run changes nothing.
 */
import assert from "node:assert/strict";
import { migrate } from "../db/migrate.ts";
import { displayName } from "../domain/xp_rules.ts";
import { testDatabase } from "./db.ts";

const MIGRATIONS = new URL("../db/migrations/", import.meta.url);
const CLEANUP = "0035_clean_names.sql";

const NAMES: Array<{ id: number; name: string; username?: string }> = [
  { id: 1, name: "\u202EAna" },
  { id: 2, name: "\u200B Ben \u3164" },
  { id: 3, name: "\u3164", username: "ghost" },
  { id: 4, name: "\u2800\u200D" },
  { id: 5, name: "Zoë \u2066x\u2069 Q" },
  { id: 6, name: "Plain Name", username: "plain" },
  { id: 7, name: "\u{E0020}tag\u{E007F}" },
  { id: 8, name: "  😀 Emoji\u00A0" },
  { id: 9, name: "Nadia \u061C\u200F" },
];

Deno.test("names stored unclean are cleaned once, as displayName shows them; an empty name stays empty; a second run changes nothing", async () => {
  await using db = await testDatabase({ migrate: false });
  const before = await Deno.makeTempDir();
  try {
    for await (const f of Deno.readDir(MIGRATIONS)) {
      if (f.name !== CLEANUP) {
        await Deno.copyFile(new URL(f.name, MIGRATIONS), `${before}/${f.name}`);
      }
    }
    await migrate(db.sql, { dir: new URL(`file://${before}/`) });
  } finally {
    await Deno.remove(before, { recursive: true });
  }
  await db.sql`INSERT INTO chats (chat_id, title, kind) VALUES (-1, 'G', 'supergroup')`;
  const rows = [...NAMES.map((n) => ({ ...n, username: n.username ?? null })), {
    id: 10,
    name: "",
    username: "nobody",
  }];
  await db.sql`
    INSERT INTO members (chat_id, user_id, display_name, username)
    SELECT -1, r.id, r.name, r.username
    FROM json_to_recordset(${
    JSON.stringify(rows)
  }::text::json) AS r(id bigint, name text, username text)`;

  await migrate(db.sql);
  const stored = async () =>
    Object.fromEntries(
      (await db.sql<{ id: number; name: string }[]>`
        SELECT user_id::int AS id, display_name AS name FROM members ORDER BY user_id`)
        .map((r) => [r.id, r.name]),
    );
  const expected = Object.fromEntries([
    ...NAMES.map((
      n,
    ) => [n.id, displayName({ id: n.id, first_name: n.name, username: n.username })]),
    [10, ""],
  ]);
  assert.deepEqual(await stored(), expected);
  assert.equal(expected[3], "ghost");
  assert.equal(expected[4], "4");

  const again = await db.sql.unsafe(await Deno.readTextFile(new URL(CLEANUP, MIGRATIONS)));
  assert.equal(again.count, 0, "a second run changes no row");
  assert.deepEqual(await stored(), expected);
});
