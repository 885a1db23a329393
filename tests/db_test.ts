import assert from "node:assert/strict";
import postgres from "postgres";
import { openDatabase, redactUrl } from "../db/connect.ts";
import { migrate, MigrationError } from "../db/migrate.ts";
import { testDatabase } from "./db.ts";

const serverUrl = Deno.env.get("DATABASE_URL");

const threeMigrations = {
  "0001_create.sql": "CREATE TABLE widget (id int PRIMARY KEY, label text NOT NULL);",
  "0002_fill.sql": "SELECT pg_sleep(0.2);\nINSERT INTO widget VALUES (1, 'one');",
  "0003_more.sql": "INSERT INTO widget SELECT n, 'n' || n FROM generate_series(2, 3) AS n;",
};

async function migrationsDir(files: Record<string, string>) {
  const path = await Deno.makeTempDir({ prefix: "warden_migrations_" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${path}/${name}`, text);
  }
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

Deno.test("an embedded database creates its data dir and keeps rows across close and reopen", async () => {
  const root = await Deno.makeTempDir({ prefix: "warden_data_" });
  try {
    const dataDir = `${root}/nested/data`;
    const first = await openDatabase({ dataDir });
    assert.equal(first.kind, "embedded");
    await first.sql`CREATE TABLE kept (id int8 PRIMARY KEY, note text)`;
    await first.sql`INSERT INTO kept VALUES (${9_007_199_254_740_991}, 'still here')`;
    await first.close();
    assert.ok((await Deno.stat(`${dataDir}/PG_VERSION`)).isFile);

    const second = await openDatabase({ dataDir });
    try {
      const rows = await second.sql`SELECT id, note FROM kept`;
      assert.deepEqual([...rows], [{ id: 9_007_199_254_740_991, note: "still here" }]);
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("int8 comes back as a number, and one beyond 2^53 fails its query only", async () => {
  await using db = await testDatabase({ migrate: false });
  const [row] = await db.sql`SELECT count(*) AS n, 42::int8 AS answer, 1.5::numeric AS exact`;
  assert.deepEqual({ ...row }, { n: 1, answer: 42, exact: "1.5" });
  await assert.rejects(db.sql`SELECT 9007199254740993::int8 AS big`, /beyond ±2\^53/);
  assert.deepEqual([...await db.sql`SELECT 1 AS ok`], [{ ok: 1 }]);
});

Deno.test("migrate applies pending files in order once, and a second call applies nothing", async () => {
  await using db = await testDatabase({ migrate: false });
  await using dir = await migrationsDir(threeMigrations);
  const lines: string[] = [];

  const first = await migrate(db.sql, { dir: dir.path, log: (line) => lines.push(line) });
  assert.deepEqual(first, { applied: Object.keys(threeMigrations), alreadyApplied: 0 });
  assert.equal(lines.length, 3);
  const second = await migrate(db.sql, { dir: dir.path });
  assert.deepEqual(second, { applied: [], alreadyApplied: 3 });

  const recorded = await db.sql`SELECT version, name FROM schema_migrations ORDER BY version`;
  assert.deepEqual([...recorded], [
    { version: "0001", name: "create" },
    { version: "0002", name: "fill" },
    { version: "0003", name: "more" },
  ]);
  assert.deepEqual([...await db.sql`SELECT count(*) AS n FROM widget`], [{ n: 3 }]);
});

Deno.test("two starters migrating at once through separate clients apply each file once", async () => {
  await using db = await testDatabase({ migrate: false });
  await using dir = await migrationsDir(threeMigrations);
  const a = await openDatabase({ url: db.url, max: 2 });
  const b = await openDatabase({ url: db.url, max: 2 });
  try {
    const results = await Promise.all([
      migrate(a.sql, { dir: dir.path }),
      migrate(b.sql, { dir: dir.path }),
    ]);
    for (const result of results) {
      assert.equal(result.applied.length + result.alreadyApplied, 3);
    }
    const applied = results.flatMap((result) => result.applied).sort();
    assert.deepEqual(applied, Object.keys(threeMigrations));
    if (db.kind === "server") {
      // The session lock is held for the whole run: one starter applies everything, the other
      // waits and finds it done, never a split where each applies some. (Clients of the embedded
      // server share one session, where only the per-file check applies.)
      assert.deepEqual(results.map((result) => result.applied.length).sort(), [0, 3]);
    }
  } finally {
    await a.close();
    await b.close();
  }
  const versions = await db.sql`
    SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version`;
  assert.deepEqual(versions.map((row) => row.n), [1, 1, 1]);
  assert.deepEqual([...await db.sql`SELECT count(*) AS n FROM widget`], [{ n: 3 }]);
});

Deno.test("a migration edited after it was applied is refused, naming the file", async () => {
  await using db = await testDatabase({ migrate: false });
  await using dir = await migrationsDir(threeMigrations);
  await migrate(db.sql, { dir: dir.path });
  await Deno.writeTextFile(`${dir.path}/0002_fill.sql`, "INSERT INTO widget VALUES (9, 'nine');");

  await assert.rejects(
    migrate(db.sql, { dir: dir.path }),
    (error) => error instanceof MigrationError && /0002_fill\.sql changed/.test(error.message),
  );
  assert.deepEqual([...await db.sql`SELECT count(*) AS n FROM widget`], [{ n: 3 }]);
});

Deno.test("a misnamed migration file is refused, naming the file", async () => {
  await using db = await testDatabase({ migrate: false });
  await using dir = await migrationsDir({ "2_oops.sql": "SELECT 1;" });
  await assert.rejects(migrate(db.sql, { dir: dir.path }), /2_oops\.sql: expected a name like/);
});

Deno.test("a failing migration rolls back and names the file; earlier ones stay applied", async () => {
  await using db = await testDatabase({ migrate: false });
  await using dir = await migrationsDir({
    "0001_create.sql": threeMigrations["0001_create.sql"],
    "0002_broken.sql": "INSERT INTO widget VALUES (1, 'one');\nINSERT INTO nowhere VALUES (1);",
  });
  await assert.rejects(
    migrate(db.sql, { dir: dir.path }),
    (error) =>
      error instanceof MigrationError &&
      /Cannot apply migration 0002_broken\.sql/.test(error.message),
  );
  const versions = await db.sql`SELECT version FROM schema_migrations`;
  assert.deepEqual(versions.map((row) => row.version), ["0001"]);
  assert.deepEqual([...await db.sql`SELECT count(*) AS n FROM widget`], [{ n: 0 }]);
});

Deno.test("clients sharing the embedded server each get their own results, errors included", async () => {
  await using db = await testDatabase({ databaseUrl: null, migrate: false });
  // Unnamed statements are what two clients' interleaved Parse/Bind would clobber.
  const others = [1, 2, 3].map(() =>
    postgres(db.url, { max: 1, prepare: false, onnotice: () => {} })
  );
  try {
    const clients = [db.sql, ...others];
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) => {
        const sql = clients[i % clients.length];
        const query = i % 5 === 0
          ? sql`SELECT 1 / (${i}::int - ${i}::int) AS v`
          : sql`SELECT ${i}::int AS v, repeat('x', ${i % 50}) AS pad`;
        return query.then((rows) => rows[0].v, (error: Error) => error.message);
      }),
    );
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome, i % 5 === 0 ? "division by zero" : i, `query ${i}`);
    });
  } finally {
    await Promise.all(others.map((sql) => sql.end()));
  }
});

Deno.test("during an embedded outage queries fail, and after restart a fresh query succeeds", async () => {
  await using db = await testDatabase({ databaseUrl: null, migrate: false });
  assert.ok(db.restart);
  await db.sql`CREATE TABLE ping (n int)`;

  await db.restart({
    async whileDown() {
      // Refused, or the old connection found closed: either way the database is out of reach.
      await assert.rejects(
        db.sql`INSERT INTO ping VALUES (1)`,
        /ECONNREFUSED|refused|CONNECTION_CLOSED|ECONNRESET/i,
      );
    },
  });
  await db.sql`INSERT INTO ping VALUES (2)`;
  assert.deepEqual([...await db.sql`SELECT n FROM ping`], [{ n: 2 }]);
});

/** The versions of the migrations in db/migrations/, in order. */
function shippedVersions(): string[] {
  return [...Deno.readDirSync(new URL("../db/migrations", import.meta.url))]
    .map((f) => f.name).filter((n) => n.endsWith(".sql")).map((n) => n.slice(0, 4)).sort();
}

Deno.test("testDatabase without a server gives a migrated embedded database", async () => {
  await using db = await testDatabase({ databaseUrl: null });
  assert.equal(db.kind, "embedded");
  assert.match(db.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  const versions = await db.sql`SELECT version FROM schema_migrations`;
  assert.deepEqual(versions.map((row) => row.version).sort(), shippedVersions());
});

Deno.test({
  name: "testDatabase on DATABASE_URL creates a fresh migrated database and drops it on close",
  ignore: !serverUrl,
  async fn() {
    const db = await testDatabase({ databaseUrl: serverUrl });
    const [{ name }] = await db.sql`SELECT current_database() AS name`;
    assert.equal(db.kind, "server");
    assert.match(name, /^warden_t_[0-9a-f]{12}$/);
    const versions = await db.sql`SELECT version FROM schema_migrations`;
    assert.deepEqual(versions.map((row) => row.version).sort(), shippedVersions());
    await db.close();

    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    try {
      const left = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
      assert.equal(left.length, 0);
    } finally {
      await admin.end();
    }
  },
});

Deno.test("redactUrl hides the password and keeps the rest", () => {
  assert.equal(
    redactUrl("postgres://app:s3cret@db.internal:5432/warden?sslmode=require"),
    "postgres://app:***@db.internal:5432/warden?sslmode=require",
  );
  assert.equal(redactUrl("postgres://app@db/warden"), "postgres://app@db/warden");
  assert.equal(
    redactUrl("postgres://app:pw@h1:5432,h2:5432/warden"),
    "postgres://app:***@h1:5432,h2:5432/warden",
  );
});
