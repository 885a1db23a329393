/**
 * Telegram's global limit, kept across replicas: a ring of `perSecond` places in the database
 * (`outbox_pace`). A send goes only with a place last used over a window ago, whichever replica
 * used it, so no window holds more than `perSecond` sends. A replica takes the places for the
 * sends it can make now in one statement (`SKIP LOCKED`: replicas never queue behind each
 * other), stamped `HORIZON_MS` ahead, and uses them within that horizon or lets them go unused;
 * its own pacer still keeps every other limit.
 */
import type postgres from "postgres";

/** Telegram's window, and the margin the pacer also keeps (`MARGIN_MS` in pacer.ts). */
const WINDOW_MS = 1_002;
/** How long places taken together stay usable; they count as used at its end. */
const HORIZON_MS = 25;

/** Takes up to `wanted` places at `now`: how many it took, or when one frees if none. */
async function reserve(
  sql: postgres.Sql,
  now: number,
  wanted: number,
  perSecond: number,
): Promise<{ taken: number; opens: number }> {
  const taken = await sql`
    UPDATE outbox_pace p SET sent_at = ${new Date(now + HORIZON_MS)}
    FROM (
      SELECT slot FROM outbox_pace
      WHERE slot <= ${perSecond}::int AND sent_at <= ${new Date(now - WINDOW_MS)}
      ORDER BY sent_at LIMIT ${wanted}::int FOR UPDATE SKIP LOCKED
    ) free
    WHERE p.slot = free.slot`;
  if (taken.count > 0) return { taken: taken.count, opens: now };
  const [ring] = await sql<{ places: number; opens: Date | null }[]>`
    SELECT count(*)::int AS places, min(sent_at) AS opens
    FROM outbox_pace WHERE slot <= ${perSecond}::int`;
  if (ring.places < perSecond) {
    // The limit was raised past the migration's 30 places (or rows were deleted): add them.
    await sql`
      INSERT INTO outbox_pace (slot) SELECT generate_series(1, ${perSecond}::int)
      ON CONFLICT (slot) DO NOTHING`;
    return await reserve(sql, now, wanted, perSecond);
  }
  // The least recently used place frees a window after its stamp (or is being taken now).
  return { taken: 0, opens: Math.max(now + 1, (ring.opens?.getTime() ?? 0) + WINDOW_MS) };
}

/**
 * One replica's share of the global limit.
 *
 * @example
 * const pace = sharedPace(sql, 30);
 * const at = await pace.take(now, () => readyNow); // `now`: send one now; later: wait until then
 */
export function sharedPace(sql: postgres.Sql, perSecond: number) {
  /** No more than the limit lets out within the horizon, so few go unused. */
  const most = Math.max(1, Math.ceil((perSecond * HORIZON_MS) / 1_000));
  let places = 0;
  let until = -Infinity;
  return {
    /**
     * A place for one send at `now` (ms): returns `now` when it holds one, else when to ask
     * again. `wanted(most)` says how many sends could go now, counting no further than `most`;
     * asked only when places run out.
     */
    async take(now: number, wanted: (most: number) => number): Promise<number> {
      if (places > 0 && now <= until) {
        places--;
        return now;
      }
      const want = Math.min(most, Math.max(1, wanted(most)));
      const { taken, opens } = await reserve(sql, now, want, perSecond);
      [places, until] = [Math.max(0, taken - 1), now + HORIZON_MS];
      return taken > 0 ? now : opens;
    },
  };
}
