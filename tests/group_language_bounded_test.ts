import assert from "node:assert/strict";
import { LANGUAGE_SAMPLE, sqlChatLanguage } from "../domain/job_texts.ts";
import { testDatabase } from "./db.ts";
import { community } from "./fakes/community.ts";

/** Rows a plan read from `members`: those its nodes on it returned, and those they filtered out. */
function membersRead(node: Record<string, unknown>): number {
  const own = node["Relation Name"] === "members"
    ? (Number(node["Actual Rows"]) + Number(node["Rows Removed by Filter"] ?? 0)) *
      Number(node["Actual Loops"])
    : 0;
  const plans = (node["Plans"] ?? []) as Record<string, unknown>[];
  return own + plans.reduce((n, p) => n + membersRead(p), 0);
}

/**
 * A group's language (case posts, closings, daily reports) is read per group: it must not read
 * every member of a group of a million. It reads at most LANGUAGE_SAMPLE of them, the most
 * recently active first (then those never active), through the (chat_id, last_activity_at) index.
 */
Deno.test("a group's language reads at most LANGUAGE_SAMPLE of its members, the most recently active", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -21, title: "big" }, []);
  await community(db.sql, { id: -22, title: "other" }, []);
  const big = LANGUAGE_SAMPLE * 20;
  // Spanish speakers active long ago, or never, outnumber the English ones active lately: the
  // group speaks as those active lately.
  await db.sql`
    INSERT INTO members (chat_id, user_id, xp, level, next_level_xp, language_code,
                         last_activity_at)
    SELECT -21, g, 0, 0, 100, CASE WHEN g <= ${LANGUAGE_SAMPLE} THEN 'en' ELSE 'es' END,
           CASE WHEN g <= ${LANGUAGE_SAMPLE} THEN timestamptz '2026-06-01' + g * interval '1 s'
                WHEN g <= ${
    LANGUAGE_SAMPLE * 19
  } THEN timestamptz '2026-01-01' + g * interval '1 s' END
    FROM generate_series(1, ${big}) g`;
  await db.sql`
    INSERT INTO members (chat_id, user_id, xp, level, next_level_xp, language_code)
    SELECT -22, g, 0, 0, 100, 'es' FROM generate_series(1, ${big}) g`;
  await db.sql`ANALYZE members`;
  const query = `SELECT ${sqlChatLanguage("c")} AS lang FROM chats c WHERE c.chat_id = -21`;
  const [row] = await db.sql.unsafe<{ "QUERY PLAN": unknown }[]>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${query}`,
  );
  const raw = row["QUERY PLAN"];
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as {
    Plan: Record<string, unknown>;
  }[];
  const read = membersRead(plan[0].Plan);
  assert.ok(read <= LANGUAGE_SAMPLE, `read ${read} members of ${big} for one group's language`);
  const [{ lang }] = await db.sql.unsafe<{ lang: string }[]>(query);
  assert.equal(lang, "en");
});

Deno.test("a group whose members never spoke yet still speaks as most of them", async () => {
  await using db = await testDatabase();
  await community(db.sql, { id: -23, title: "new" }, []);
  await db.sql`
    INSERT INTO members (chat_id, user_id, xp, level, next_level_xp, language_code)
    SELECT -23, g, 0, 0, 100, CASE WHEN g % 3 = 0 THEN 'en' ELSE 'es' END
    FROM generate_series(1, 30) g`;
  const [{ lang }] = await db.sql.unsafe<{ lang: string }[]>(
    `SELECT ${sqlChatLanguage("c")} AS lang FROM chats c WHERE c.chat_id = -23`,
  );
  assert.equal(lang, "es");
});
