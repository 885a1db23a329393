import type postgres from "postgres";
import type { JobContext } from "../actors/job.ts";

/** What one batch statement reports: rows it looked at, rows it changed, and where it stopped. */
export interface BatchStep<K> {
  scanned: number;
  changed: number;
  last: K | null;
}

/**
 * Walks a key range in batches, one transaction each, until a batch finds nothing. The
 * statement does the work set-based; this only carries the cursor, reports progress and
 * stops when the run's signal aborts. `afterBatch` runs inside each transaction (a test
 * seam for crashing between the change and the commit).
 */
export async function walkBatches<K>(
  ctx: JobContext,
  first: K,
  step: (tx: postgres.TransactionSql, after: K) => Promise<BatchStep<K>>,
  options: { afterBatch?: (batch: number) => void | Promise<void> } = {},
): Promise<{ processed: number; changed: number; batches: number }> {
  let after = first;
  let processed = 0;
  let changed = 0;
  let batches = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const r = await ctx.db.begin(async (tx) => {
      const result = await step(tx, after);
      await options.afterBatch?.(batches + 1);
      return result;
    });
    if (r.scanned === 0 || r.last === null) break;
    batches++;
    processed += r.scanned;
    changed += r.changed;
    after = r.last;
    ctx.progress({ processed, note: `${batches} batches` });
  }
  return { processed, changed, batches };
}

/** The smallest (chat_id, user_id) key. */
export const FIRST_MEMBER: [number, number] = [-(2 ** 53 - 1), -(2 ** 53 - 1)];

type Tx = postgres.TransactionSql;
type Fragment = ReturnType<Tx["unsafe"]>;

/**
 * Walks members in `(chat_id, user_id)` keyset batches. `ctes` writes the statement's CTEs
 * for one batch: it must define `batch` (the members looked at, in key order, at most the
 * batch size) and `changed` (the rows it changed); the cursor and counts are added here.
 */
export function walkMembers(
  ctx: JobContext,
  ctes: (
    tx: Tx,
    afterChat: number,
    afterUser: number,
  ) => Fragment | postgres.PendingQuery<postgres.Row[]>,
  options: { afterBatch?: (batch: number) => void | Promise<void>; workMem?: string } = {},
) {
  return walkBatches(ctx, FIRST_MEMBER, async (tx, [afterChat, afterUser]) => {
    if (options.workMem) {
      await tx.unsafe(`SET LOCAL work_mem = '${options.workMem.replace(/[^0-9A-Za-z]/g, "")}'`);
    }
    const [r] = await tx<
      { scanned: number; changed: number; last_chat: number | null; last_user: number | null }[]
    >`
      WITH ${ctes(tx, afterChat, afterUser)},
      last AS (SELECT chat_id, user_id FROM batch ORDER BY chat_id DESC, user_id DESC LIMIT 1)
      SELECT (SELECT count(*)::int FROM batch) AS scanned, (SELECT count(*)::int FROM changed) AS changed,
             (SELECT chat_id FROM last) AS last_chat, (SELECT user_id FROM last) AS last_user`;
    return {
      scanned: r.scanned,
      changed: r.changed,
      last: r.last_chat === null ? null : [r.last_chat, r.last_user!] as [number, number],
    };
  }, options);
}
