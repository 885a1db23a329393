// Every admin alert (an incident opened or closed) in the admin chat's language: a job given up
// and its recovery, health-monitor's stale / failing / paused and their end, verdict-check's
// mismatch, settlement-monitor's anchor-failed. Each driven against an admin chat set to `es` and
// one set to `en`, each run twice on its slot (and by a second replica): one alert, never two.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { defineJob } from "../actors/job.ts";
import { incidentAlerts } from "../domain/incidents.ts";
import type { EvmRail, Hex } from "../domain/evm_types.ts";
import { healthMonitorJob } from "../domain/health_monitor.ts";
import type { Language } from "../domain/i18n.ts";
import { openAnchorIncident } from "../domain/settlement_incidents.ts";
import { settlementMonitorJob } from "../domain/settlement_monitor.ts";
import { verdictCheckJob } from "../domain/verdict_check.ts";
import { testDatabase } from "./db.ts";
import { community, runJob } from "./fakes/community.ts";
import { ADMIN, closedCase, SLOT } from "./fakes/settlement.ts";

const M = 60_000;
const DAY = 1_440 * M;
const after = (ms: number) => new Date(SLOT.getTime() + ms);
const TX = `0x${"cd".repeat(32)}` as Hex;

/** The alerts of each incident, as `<job> <reason> <opened|closed>` → text. */
async function alerts(sql: postgres.Sql): Promise<Record<string, string>> {
  const rows = await sql<{ key: string; text: string }[]>`
    SELECT i.job || ' ' || i.reason || ' ' || split_part(o.dedupe_key, ':', 3) AS key, o.text
    FROM outbox o JOIN incidents i ON split_part(o.dedupe_key, ':', 2) = i.id::text
    WHERE o.chat_id = ${ADMIN} ORDER BY o.id`;
  const all = rows.map((r) => [r.key, r.text] as const);
  assert.equal(new Set(all.map(([k]) => k)).size, all.length, "one alert per incident and event");
  return Object.fromEntries(all);
}
const ids = async (sql: postgres.Sql) =>
  Object.fromEntries(
    (await sql<
      { key: string; id: number }[]
    >`SELECT job || ' ' || reason AS key, id FROM incidents`)
      .map((r) => [r.key, r.id]),
  );

/** The texts each alert must read, in each language (`i` is the incident's id). */
const expected = {
  "gave-up": {
    en: (i: number) =>
      `🚨 Warden: job level-ups was given up after repeated failures (incident ${i}).\nboom`,
    es: (i: number) =>
      `🚨 Warden: la tarea level-ups se abandonó tras fallar una y otra vez (incidencia ${i}).\nboom`,
  },
  "gave-up closed": {
    en: (i: number) =>
      `✅ Warden: job level-ups succeeded again; incident ${i} is closed (open for 3 h).`,
    es: (i: number) =>
      `✅ Warden: la tarea level-ups ha vuelto a funcionar; la incidencia ${i} queda cerrada (abierta durante 3 h).`,
  },
  "hourly stale": {
    en: (i: number) =>
      `🚨 Warden: job hourly is stale: no success within 1 h 6 min (the last one 3 days ago); incident ${i}.`,
    es: (i: number) =>
      `🚨 Warden: la tarea hourly está atascada: ningún éxito en 1 h 6 min (el último hace 3 días); incidencia ${i}.`,
  },
  "daily stale": {
    en: (i: number) =>
      `🚨 Warden: job daily is stale: no success within 24 h (none yet); incident ${i}.`,
    es: (i: number) =>
      `🚨 Warden: la tarea daily está atascada: ningún éxito en 24 h (ninguno todavía); incidencia ${i}.`,
  },
  "hourly failing": {
    en: (i: number) => `🚨 Warden: job hourly is failing: 3 failures in a row; incident ${i}.`,
    es: (i: number) =>
      `🚨 Warden: la tarea hourly está fallando: 3 fallos seguidos; incidencia ${i}.`,
  },
  "half-hourly paused": {
    en: (i: number) =>
      `🚨 Warden: job half-hourly is paused: for 3 days now, longer than 24 h; incident ${i}.`,
    es: (i: number) =>
      `🚨 Warden: la tarea half-hourly lleva 3 días en pausa, más de 24 h; incidencia ${i}.`,
  },
  "hourly stale closed": {
    en: (i: number) =>
      `✅ Warden: job hourly is no longer stale; incident ${i} is closed (open for 15 min).`,
    es: (i: number) =>
      `✅ Warden: la tarea hourly ya no está atascada; la incidencia ${i} queda cerrada (abierta durante 15 min).`,
  },
  "hourly failing closed": {
    en: (i: number) =>
      `✅ Warden: job hourly is no longer failing; incident ${i} is closed (open for 15 min).`,
    es: (i: number) =>
      `✅ Warden: la tarea hourly ya no está fallando; la incidencia ${i} queda cerrada (abierta durante 15 min).`,
  },
  "half-hourly paused closed": {
    en: (i: number) =>
      `✅ Warden: job half-hourly is no longer paused; incident ${i} is closed (open for 15 min).`,
    es: (i: number) =>
      `✅ Warden: la tarea half-hourly ya no está en pausa; la incidencia ${i} queda cerrada (abierta durante 15 min).`,
  },
  mismatch: {
    en: (i: number, c: number) =>
      `🚨 Warden: case #${c}'s verdict commitment does not match on chain (incident ${i}): transaction ${TX} carries other data, or was reverted.`,
    es: (i: number, c: number) =>
      `🚨 Warden: el compromiso del veredicto del caso #${c} no coincide en la cadena (incidencia ${i}): la transacción ${TX} lleva otros datos o fue revertida.`,
  },
  reverted: {
    en: (i: number, c: number) =>
      `🚨 Warden: case #${c}'s verdict commitment could not be anchored on chain (incident ${i}): its transaction ${TX} was reverted.`,
    es: (i: number, c: number) =>
      `🚨 Warden: el compromiso del veredicto del caso #${c} no se pudo anclar en la cadena (incidencia ${i}): su transacción ${TX} fue revertida.`,
  },
  once: {
    en: (i: number, c: number) =>
      `🚨 Warden: case #${c}'s verdict commitment could not be anchored on chain (incident ${i}): its send failed once. Last error: nonce too low`,
    es: (i: number, c: number) =>
      `🚨 Warden: el compromiso del veredicto del caso #${c} no se pudo anclar en la cadena (incidencia ${i}): su envío falló una vez. Último error: nonce too low`,
  },
  "not-found": {
    en: (i: number, c: number) =>
      `🚨 Warden: case #${c}'s verdict commitment could not be anchored on chain (incident ${i}): its transaction ${TX} was not found after 3 days.`,
    es: (i: number, c: number) =>
      `🚨 Warden: el compromiso del veredicto del caso #${c} no se pudo anclar en la cadena (incidencia ${i}): su transacción ${TX} no apareció en 3 días.`,
  },
};

const watched = (name: string, schedule: string) =>
  defineJob({ name, description: "x", schedule, timeout: "1m", run: () => Promise.resolve({}) });
const monitor = healthMonitorJob({
  // windows: 36 min, 1 h 6 min, 24 h 6 min
  watched: [
    watched("half-hourly", "*/30 * * * *"),
    watched("hourly", "0 * * * *"),
    watched("daily", "0 0 * * *"),
  ],
  pauseAlertAfterMs: DAY,
  adminChatId: ADMIN,
});
async function ran(sql: postgres.Sql, job: string, at: Date, outcome = "succeeded") {
  await sql`
    INSERT INTO job_runs (id, job, scheduled_for, trigger, node, outcome, started_at, finished_at)
    VALUES (gen_random_uuid(), ${job}, ${at}, 'manual', 'n', ${outcome}, ${at}, ${at})`;
}

/** A rail whose node finds every commitment wrong and every anchor transaction reverted. */
const badChain = {
  address: "0x0000000000000000000000000000000000000001",
  checkCommitment: () => Promise.resolve("mismatch"),
  status: () => Promise.resolve({ state: "failed" }),
} as unknown as EvmRail;

for (const lang of ["es", "en"] as const satisfies readonly Language[]) {
  Deno.test(`every admin alert reads in the admin chat's language: ${lang}`, async (t) => {
    await using db = await testDatabase();
    const sql = db.sql;
    await community(sql, { id: ADMIN, kind: "group" }, []);
    await sql`UPDATE chats SET language = ${lang} WHERE chat_id = ${ADMIN}`;

    await t.step("a job given up, and its next success", async () => {
      const sink = incidentAlerts(sql, { adminChatId: ADMIN });
      const gaveUp = { child: "level-ups", error: "boom", at: SLOT };
      await Promise.all([sink.raise(gaveUp), sink.raise(gaveUp)]); // two replicas give up
      await sink.raise(gaveUp);
      await Promise.all([
        sink.recovered("level-ups", after(180 * M)),
        sink.recovered("level-ups", after(180 * M)),
      ]);
      await sink.recovered("level-ups", after(181 * M));
      const i = (await ids(sql))["level-ups gave-up"];
      assert.deepEqual(await alerts(sql), {
        "level-ups gave-up opened": expected["gave-up"][lang](i),
        "level-ups gave-up closed": expected["gave-up closed"][lang](i),
      });
      await sql`DELETE FROM outbox`;
    });

    await t.step(
      "health-monitor: stale (with a last success, and never), failing, paused",
      async () => {
        await ran(sql, "hourly", SLOT);
        for (const m of [1, 2, 3]) await ran(sql, "hourly", after(m * M), "failed");
        await sql`INSERT INTO job_state (job, paused, updated_at) VALUES ('half-hourly', true, ${SLOT})`;
        const slot = after(3 * DAY);
        await Promise.all([runJob(monitor, sql, slot), runJob(monitor, sql, slot)]);
        await runJob(monitor, sql, slot);
        const i = await ids(sql);
        const opened = [
          "hourly stale",
          "daily stale",
          "hourly failing",
          "half-hourly paused",
        ] as const;
        assert.deepEqual(
          await alerts(sql),
          Object.fromEntries(opened.map((k) => [`${k} opened`, expected[k][lang](i[k])])),
        );
        await sql`DELETE FROM outbox`;

        for (const job of ["hourly", "daily", "half-hourly"]) {
          await ran(sql, job, after(3 * DAY + 10 * M));
        }
        await sql`UPDATE job_state SET paused = false WHERE job = 'half-hourly'`;
        await runJob(monitor, sql, after(3 * DAY + 15 * M));
        await runJob(monitor, sql, after(3 * DAY + 15 * M));
        const closed = await alerts(sql);
        for (const k of ["hourly stale", "hourly failing", "half-hourly paused"] as const) {
          assert.equal(closed[`${k} closed`], expected[`${k} closed`][lang](i[k]));
        }
        assert.equal(Object.keys(closed).length, 4, "daily's closes too");
        await sql`DELETE FROM outbox`;
      },
    );

    await t.step("verdict-check: a mismatch", async () => {
      const c = await closedCase(sql, "t:1", [], true);
      await sql`UPDATE case_anchors SET tx_hash = ${TX} WHERE case_id = ${c.id}`;
      const job = verdictCheckJob({ rail: badChain, adminChatId: ADMIN });
      await runJob(job, sql, after(4 * DAY));
      await runJob(job, sql, after(4 * DAY));
      const i = (await ids(sql))[`verdict-check:case-${c.id} mismatch`];
      assert.deepEqual(Object.values(await alerts(sql)), [expected.mismatch[lang](i, c.id)]);
      await sql`DELETE FROM outbox`;
    });

    await t.step("settlement-monitor: an anchor failed, for each cause", async () => {
      const c = await closedCase(sql, "t:2", [], true);
      await sql`UPDATE case_anchors SET tx_hash = ${TX} WHERE case_id = ${c.id}`;
      const job = settlementMonitorJob({ rail: badChain, adminChatId: ADMIN });
      await runJob(job, sql, after(5 * DAY));
      await runJob(job, sql, after(5 * DAY));
      const [d, e] = [await closedCase(sql, "t:3", []), await closedCase(sql, "t:4", [])];
      await sql.begin(async (tx) => {
        const o = { error: "nonce too low", at: after(5 * DAY), adminChatId: ADMIN };
        await openAnchorIncident(tx, {
          ...o,
          caseId: d.id,
          txHash: null,
          failure: { cause: "attempts", attempts: 1 },
        });
        await openAnchorIncident(tx, {
          ...o,
          caseId: e.id,
          txHash: TX,
          failure: { cause: "not-found", afterMs: 3 * DAY },
        });
      });
      const i = await ids(sql);
      const key = (id: number) => `settlement-monitor:case-${id} anchor-failed`;
      assert.deepEqual(await alerts(sql), {
        [`${key(c.id)} opened`]: expected.reverted[lang](i[key(c.id)], c.id),
        [`${key(d.id)} opened`]: expected.once[lang](i[key(d.id)], d.id),
        [`${key(e.id)} opened`]: expected["not-found"][lang](i[key(e.id)], e.id),
      });
    });
  });
}

Deno.test("an admin chat Warden does not know, or with no language set, reads English; no admin chat, no alert", async () => {
  await using db = await testDatabase();
  const gaveUp = (child: string) => ({ child, error: "boom", at: SLOT });
  await incidentAlerts(db.sql, {}).raise(gaveUp("daily-report"));
  assert.deepEqual([...await db.sql`SELECT count(*)::int AS n FROM outbox`], [{ n: 0 }]);
  await incidentAlerts(db.sql, { adminChatId: ADMIN }).raise(gaveUp("level-ups"));
  await community(db.sql, { id: ADMIN, kind: "group" }, []);
  await incidentAlerts(db.sql, { adminChatId: ADMIN }).raise(gaveUp("streak-expiry"));
  const i = await ids(db.sql);
  assert.deepEqual(await alerts(db.sql), {
    "level-ups gave-up opened": expected["gave-up"].en(i["level-ups gave-up"]),
    "streak-expiry gave-up opened": expected["gave-up"].en(i["streak-expiry gave-up"])
      .replace("level-ups", "streak-expiry"),
  });
});
