/**
 * Telegram's global limit, kept across replicas: a ring of `perSecond` places in the database
 * (`outbox_pace`). A send goes only with a place last used over a window ago, whichever replica
 * used it, so no window holds more than `perSecond` sends. A replica takes the places for the
 * sends it can make now in one statement (`SKIP LOCKED`: replicas never queue behind each
 * other), stamped `HORIZON_MS` ahead, and uses them within that horizon or lets them go unused;
 * its own pacer still keeps every other limit.
 *
 * A send's place and its start are one write: the rows whose places it takes are marked
 * `send_started_at` in the same statement, before they leave, so that a claim whose replica
 * stops is known to have (perhaps) sent exactly those (bot/outbox_claim.ts, `claimDue`).
 */
import type postgres from "postgres";

/** Telegram's window, and the margin the pacer also keeps (`MARGIN_MS` in pacer.ts). */
const WINDOW_MS = 1_002;
/** How long places taken together stay usable; they count as used at its end. */
const HORIZON_MS = 25;

/**
 * Takes a place at `now` for each of `ids` it can (rows `token` holds, in order), and writes
 * their sends down as started on the rows in the same statement (`send_started_at`), before any
 * of them leaves: the rows it started, or when a place frees if none.
 */
async function reserve(
  sql: postgres.Sql,
  now: number,
  o: { token: string; ids: number[] },
  perSecond: number,
): Promise<{ taken: number; started: number[]; opens: number }> {
  const [took] = await sql<{ taken: number; started: number[] }[]>`
    WITH free AS (
      SELECT slot FROM outbox_pace
      WHERE slot <= ${perSecond}::int AND sent_at <= ${new Date(now - WINDOW_MS)}
      ORDER BY sent_at LIMIT ${o.ids.length}::int FOR UPDATE SKIP LOCKED
    ), taken AS (
      UPDATE outbox_pace p SET sent_at = ${new Date(now + HORIZON_MS)}
      FROM free WHERE p.slot = free.slot
      RETURNING p.slot
    ), started AS (
      UPDATE outbox o SET send_started_at = ${new Date(now)}
      FROM unnest(${o.ids}::bigint[]) WITH ORDINALITY AS r(id, n)
      WHERE o.id = r.id AND r.n <= (SELECT count(*) FROM taken)
        AND o.claimed_by = ${o.token} AND o.state = 'sending'
      RETURNING o.id
    )
    SELECT (SELECT count(*)::int FROM taken) AS taken,
           coalesce((SELECT array_agg(id::float8) FROM started), '{}') AS started`;
  if (took.taken > 0) return { taken: took.taken, started: took.started.map(Number), opens: now };
  const [ring] = await sql<{ places: number; opens: Date | null }[]>`
    SELECT count(*)::int AS places, min(sent_at) AS opens
    FROM outbox_pace WHERE slot <= ${perSecond}::int`;
  if (ring.places < perSecond) {
    // The limit was raised past the migration's 30 places (or rows were deleted): add them.
    await sql`
      INSERT INTO outbox_pace (slot) SELECT generate_series(1, ${perSecond}::int)
      ON CONFLICT (slot) DO NOTHING`;
    return await reserve(sql, now, o, perSecond);
  }
  // The least recently used place frees a window after its stamp (or is being taken now).
  const opens = Math.max(now + 1, (ring.opens?.getTime() ?? 0) + WINDOW_MS);
  return { taken: 0, started: [], opens };
}

/**
 * One replica's share of the global limit.
 *
 * @example
 * const pace = sharedPace(sql, 30);
 * const at = await pace.take(now, { token, id, ready: () => idsReadyNow });
 * // `now`: send row `id` now (its send is written down as started); later: wait until then
 */
export function sharedPace(sql: postgres.Sql, perSecond: number) {
  /** No more than the limit lets out within the horizon, so few go unused. */
  const most = Math.max(1, Math.ceil((perSecond * HORIZON_MS) / 1_000));
  /** Rows started with a place taken for each, usable until `until`. */
  let started = new Set<number>();
  let until = -Infinity;
  return {
    /**
     * A place for sending row `id` of claim `token` at `now` (ms), its send written down as
     * started: returns `now` when it may go, else when to ask again (`Infinity`: the row is no
     * longer the claim's; its lease's renewal will say). `ready(most)` lists the rows that could
     * go now, counting no further than `most`; asked only when places run out, their places are
     * taken (and their sends started) together.
     */
    async take(
      now: number,
      o: { token: string; id: number; ready: (most: number) => number[] },
    ): Promise<number> {
      if (now <= until && started.delete(o.id)) return now;
      const ids = [o.id, ...o.ready(most).filter((id) => id !== o.id)].slice(0, most);
      const took = await reserve(sql, now, { token: o.token, ids }, perSecond);
      [started, until] = [new Set(took.started), now + HORIZON_MS];
      if (started.delete(o.id)) return now;
      return took.taken > 0 ? Infinity : took.opens;
    },
  };
}
