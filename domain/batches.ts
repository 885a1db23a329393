import type postgres from "postgres";
import type { JobContext } from "../actors/job.ts";

/** What one batch statement reports: rows it looked at, rows it changed, and where it stopped. */
export interface BatchStep<K> {
  scanned: number;
  changed: number;
  last: K | null;
}

/** What a walk did, summed over its batches (and its workers). */
export interface Walked {
  processed: number;
  changed: number;
  batches: number;
}

interface WalkOptions {
  /** Runs inside each batch's transaction, after the change (a test seam for crashing). */
  afterBatch?: (batch: number) => void | Promise<void>;
  /** Sums shared by several walks at once (see `walkMembers`); a fresh one by default. */
  tally?: Walked;
  /** Stops the walk before its next batch (another worker failed). */
  stopped?: () => boolean;
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
  options: WalkOptions = {},
): Promise<Walked> {
  const tally = options.tally ?? { processed: 0, changed: 0, batches: 0 };
  let after = first;
  for (;;) {
    ctx.signal.throwIfAborted();
    if (options.stopped?.()) break;
    const r = await ctx.db.begin(async (tx) => {
      const result = await step(tx, after);
      await options.afterBatch?.(tally.batches + 1);
      return result;
    });
    if (r.scanned === 0 || r.last === null) break;
    tally.batches++;
    tally.processed += r.scanned;
    tally.changed += r.changed;
    after = r.last;
    ctx.progress({ processed: tally.processed, note: `${tally.batches} batches` });
  }
  return tally;
}

/** The smallest (chat_id, user_id) key. */
export const FIRST_MEMBER: [number, number] = [-(2 ** 53 - 1), -(2 ** 53 - 1)];

type Tx = postgres.TransactionSql;
type Fragment = ReturnType<Tx["unsafe"]>;

/** A contiguous range of chats, both ends included. */
export interface ChatRange {
  lo: number;
  hi: number;
}

/**
 * Runs `work` on disjoint contiguous ranges of chats, `concurrency` at a time, each worker
 * taking the next range when it finishes one (so a range of big chats doesn't hold the others
 * back). Members, their rows and their groups never span two ranges, so the workers never
 * touch the same row and a per-group digest stays one per group. With `concurrency` 1, `work`
 * runs once on every chat (`null`). One worker failing stops the others before their next
 * step (`stopped`); the call fails with the first error, and what was committed stays.
 */
export async function eachChatRange(
  ctx: JobContext,
  concurrency: number,
  work: (range: ChatRange | null, stopped: () => boolean) => Promise<void>,
): Promise<void> {
  const parts = concurrency * 4;
  const ranges: (ChatRange | null)[] = concurrency > 1
    ? await ctx.db<ChatRange[]>`
        SELECT min(chat_id) AS lo, max(chat_id) AS hi
        FROM (SELECT chat_id, ntile(${parts}) OVER (ORDER BY chat_id) AS part FROM chats) c
        GROUP BY part ORDER BY lo`
    : [null];
  let failure: { error: unknown } | null = null;
  const stopped = () => failure !== null;
  const worker = async () => {
    for (let range = ranges.shift(); range !== undefined && !stopped(); range = ranges.shift()) {
      try {
        await work(range, stopped);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}

/**
 * Walks members in `(chat_id, user_id)` keyset batches. `ctes` writes the statement's CTEs
 * for one batch: it must define `batch` (the members looked at that match `after`, the
 * condition on `(chat_id, user_id)` this adds, in key order, at most the batch size) and
 * `changed` (the rows it changed); the cursor and counts are added here. With `concurrency`
 * above 1, that many walks run at once over disjoint ranges of chats (`eachChatRange`).
 */
export async function walkMembers(
  ctx: JobContext,
  ctes: (
    tx: Tx,
    after: postgres.PendingQuery<postgres.Row[]>,
  ) => Fragment | postgres.PendingQuery<postgres.Row[]>,
  options: {
    afterBatch?: (batch: number) => void | Promise<void>;
    workMem?: string;
    concurrency?: number;
  } = {},
): Promise<Walked> {
  const tally: Walked = { processed: 0, changed: 0, batches: 0 };
  await eachChatRange(ctx, options.concurrency ?? 1, async (range, stopped) => {
    await walkBatches(
      ctx,
      range ? [range.lo, FIRST_MEMBER[1]] as [number, number] : FIRST_MEMBER,
      async (tx, [afterChat, afterUser]) => {
        if (options.workMem) {
          await tx.unsafe(`SET LOCAL work_mem = '${options.workMem.replace(/[^0-9A-Za-z]/g, "")}'`);
        }
        const after = range
          ? tx`(chat_id, user_id) > (${afterChat}, ${afterUser}) AND chat_id <= ${range.hi}`
          : tx`(chat_id, user_id) > (${afterChat}, ${afterUser})`;
        const [r] = await tx<
          { scanned: number; changed: number; last_chat: number | null; last_user: number | null }[]
        >`
          WITH ${ctes(tx, after)},
          last AS (SELECT chat_id, user_id FROM batch ORDER BY chat_id DESC, user_id DESC LIMIT 1)
          SELECT (SELECT count(*)::int FROM batch) AS scanned, (SELECT count(*)::int FROM changed) AS changed,
                 (SELECT chat_id FROM last) AS last_chat, (SELECT user_id FROM last) AS last_user`;
        return {
          scanned: r.scanned,
          changed: r.changed,
          last: r.last_chat === null ? null : [r.last_chat, r.last_user!] as [number, number],
        };
      },
      { afterBatch: options.afterBatch, tally, stopped },
    );
  });
  return tally;
}
