/**
 * Test databases are copies of one migrated template (tests/db_template.ts): each copy has
 * every migration, and a copy is its own database, whatever another copy or the template does.
 */
import assert from "node:assert/strict";
import { migrate } from "../db/migrate.ts";
import { testDatabase } from "./db.ts";

const MIGRATIONS = [...Deno.readDirSync(new URL("../db/migrations/", import.meta.url))]
  .filter((e) => e.name.endsWith(".sql")).length;

Deno.test("a test database is a migrated copy, apart from every other copy", async () => {
  await using a = await testDatabase();
  await using b = await testDatabase();
  for (const db of [a, b]) {
    assert.deepEqual(await migrate(db.sql), { applied: [], alreadyApplied: MIGRATIONS });
  }
  await a.sql`CREATE TABLE only_in_a (x int)`;
  await a.sql`INSERT INTO only_in_a VALUES (1)`;
  const [{ seen }] = await b.sql<{ seen: string | null }[]>`
    SELECT to_regclass('only_in_a')::text AS seen`;
  assert.equal(seen, null, "a table made in one copy appears in another");
  await using c = await testDatabase();
  const [{ later }] = await c.sql<{ later: string | null }[]>`
    SELECT to_regclass('only_in_a')::text AS later`;
  assert.equal(
    later,
    null,
    "a copy made afterwards has another copy's table: the template changed",
  );
});

Deno.test("an empty test database has no migrations", async () => {
  await using db = await testDatabase({ migrate: false });
  const [{ tables }] = await db.sql<{ tables: number }[]>`
    SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`;
  assert.equal(tables, 0);
});
