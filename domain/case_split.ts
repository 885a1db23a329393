/**
 * The reward split of a closed dilemma case (seed 001, issue 15): a pure function, so the
 * closure job can pay it in SQL and the rules are tested without a database.
 *
 * The pool P (integer XP) goes 40 % to voters who picked the verdict (equally), 30 % to the
 * top 3 arguments (50/30/20 by rank), 20 % to all participants (equally) and 10 % to the
 * creator when the case had at least `creatorMinParticipants` (100) participants.
 *
 * Decisions, all in integers (BigInt where a product could pass 2^53):
 * - Hierarchical largest remainder. First P into the four category totals by largest
 *   remainder over 40/30/20/10 (ties: voters, arguments, participants, creator), so the
 *   four always sum to P. Then each total among its recipients by largest remainder.
 * - An equal split (voters, participants) of `total` among n: base = floor(total / n), and
 *   the first (total mod n) recipients in ascending user id get one more: `equalShare`.
 *   The closure job reproduces this in SQL with `row_number() over (order by user_id)`.
 * - Arguments: the argument total is split over 50/30/20 by largest remainder (ties to the
 *   better rank), always over all three weights, and only the ranks present are paid: with
 *   2 arguments the 20 % share is not paid, and rank 1 gets the same with 2 or 3.
 * - A category with nobody to pay (no voter picked the verdict, no arguments, too few
 *   participants or no creator) pays nothing; its total is not given to anyone else.
 * - Top 3 arguments: most votes, then earlier `postedAt`, then smaller id.
 * - Participants default to voters ∪ argument authors; a given list is used as is, each
 *   user counted once. The creator needs not be a participant.
 * - One member may hold several entries (voter, argument, participant, creator), each with
 *   its kind. Zero amounts are omitted; entries are sorted by kind (voter, argument,
 *   participant, creator), then rank, then user id.
 * - Two votes by one user throw a RangeError: one vote per member is enforced upstream,
 *   and the split must not silently pay twice.
 *
 * @example
 * splitCase({ pool: 1000, verdict: "a", votes: [{ userId: 1, option: "a" }], arguments: [] });
 * // [{ userId: 1, kind: "voter", amount: 400 }, { userId: 1, kind: "participant", amount: 200 }]
 */

/** The pool when `CASE_REWARD_POOL_XP` is not set. */
export const DEFAULT_CASE_POOL_XP = 1000;
/** The creator's share is paid only from this many participants on. */
export const DEFAULT_CREATOR_MIN_PARTICIPANTS = 100;
/** Percent of the pool per category, in tie-break order. */
export const CATEGORY_WEIGHTS = { voters: 40, arguments: 30, participants: 20, creator: 10 };
/** Percent of the argument total for ranks 1, 2 and 3. */
export const ARGUMENT_RANK_WEIGHTS = [50, 30, 20] as const;

export type RewardKind = "voter" | "argument" | "participant" | "creator";

/** One payment. A member may receive several, one per kind (and per top argument). */
export interface CaseReward {
  userId: number;
  kind: RewardKind;
  amount: number;
  rank?: 1 | 2 | 3;
  argumentId?: number;
}

export interface CaseArgument {
  id: number;
  userId: number;
  votes: number;
  postedAt: Date;
}

export interface CaseSplitInput {
  pool: number;
  /** The option id of the verdict. */
  verdict: string;
  /** One per member: a second vote by the same user throws. */
  votes: ReadonlyArray<{ userId: number; option: string }>;
  /** All arguments of the case; the top 3 are picked here. */
  arguments: readonly CaseArgument[];
  /** Everyone who voted or argued; defaults to voters ∪ argument authors. */
  participants?: readonly number[];
  creatorId?: number | null;
  creatorMinParticipants?: number;
}

export interface CategoryTotals {
  voters: number;
  arguments: number;
  participants: number;
  creator: number;
}

/**
 * `total` split over `weights` by largest remainder, ties to the lower index. Sums to
 * `total`; each part is the floor or the ceiling of total·w/Σw.
 */
function largestRemainder(total: number, weights: readonly number[]): number[] {
  const t = BigInt(total);
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  const parts = weights.map((w) => (t * BigInt(w)) / sum);
  const rests = weights.map((w) => (t * BigInt(w)) % sum);
  let left = t - parts.reduce((a, b) => a + b, 0n);
  const order = weights.map((_, i) => i).sort((a, b) =>
    rests[a] === rests[b] ? a - b : rests[a] > rests[b] ? -1 : 1
  );
  for (const i of order) {
    if (left === 0n) break;
    parts[i] += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot split case rewards: ${name} must be a non-negative safe integer, got ${
        String(value)
      }`,
    );
  }
  return value;
}

function checkId(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new RangeError(
      `Cannot split case rewards: ${name} must be a safe integer, got ${String(value)}`,
    );
  }
  return value;
}

/** The pool into the four category totals; they always sum to `pool`. */
export function categoryTotals(pool: number): CategoryTotals {
  checkCount("pool", pool);
  const [voters, args, participants, creator] = largestRemainder(
    pool,
    Object.values(CATEGORY_WEIGHTS),
  );
  return { voters, arguments: args, participants, creator };
}

/** The argument total for ranks 1, 2, 3 (50/30/20); a missing rank's share is not paid. */
export function argumentShares(argumentTotal: number): [number, number, number] {
  checkCount("argument total", argumentTotal);
  const [first, second, third] = largestRemainder(argumentTotal, ARGUMENT_RANK_WEIGHTS);
  return [first, second, third];
}

/**
 * The amount of the `index`-th of `n` recipients (0-based, ascending user id) in an equal
 * split of `total`: floor(total / n), plus one for the first (total mod n).
 *
 * @example equalShare(200, 120, 79) // 2; equalShare(200, 120, 80) // 1
 */
export function equalShare(total: number, n: number, index: number): number {
  checkCount("total", total);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Cannot split equally: n must be a positive integer, got ${n}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`Cannot split equally: index must be in [0, ${n}), got ${index}`);
  }
  const rest = total % n;
  // Exact: total - rest is a multiple of n, so no floating-point quotient is floored.
  return (total - rest) / n + (index < rest ? 1 : 0);
}

/** The top 3 arguments: most votes, then earlier `postedAt`, then smaller id. */
export function topArguments(args: readonly CaseArgument[]): CaseArgument[] {
  return [...args].sort((a, b) =>
    b.votes - a.votes || a.postedAt.getTime() - b.postedAt.getTime() || a.id - b.id
  ).slice(0, 3);
}

function equalEntries(kind: RewardKind, total: number, userIds: number[]): CaseReward[] {
  const entries: CaseReward[] = [];
  userIds.forEach(function payShare(userId, index) {
    const amount = equalShare(total, userIds.length, index);
    if (amount > 0) entries.push({ userId, kind, amount });
  });
  return entries;
}

function validArguments(args: readonly CaseArgument[]): readonly CaseArgument[] {
  const ids = new Set<number>();
  for (const arg of args) {
    checkId("argument id", arg.id);
    checkId(`author of argument ${arg.id}`, arg.userId);
    checkCount(`votes of argument ${arg.id}`, arg.votes);
    if (!(arg.postedAt instanceof Date) || Number.isNaN(arg.postedAt.getTime())) {
      throw new RangeError(
        `Cannot split case rewards: postedAt of argument ${arg.id} must be a valid Date`,
      );
    }
    if (ids.has(arg.id)) {
      throw new RangeError(`Cannot split case rewards: argument ${arg.id} is listed twice`);
    }
    ids.add(arg.id);
  }
  return args;
}

/** Voters by user id, throwing on a second vote by the same user. */
function votersOf(votes: CaseSplitInput["votes"]): Map<number, string> {
  const byUser = new Map<number, string>();
  for (const vote of votes) {
    checkId("voter id", vote.userId);
    if (byUser.has(vote.userId)) {
      throw new RangeError(
        `Cannot split case rewards: user ${vote.userId} voted twice; one vote per member is expected`,
      );
    }
    byUser.set(vote.userId, vote.option);
  }
  return byUser;
}

const ascending = (a: number, b: number) => a - b;

/** The rewards of a closed case, sorted by kind, rank, user id; zero amounts omitted. */
export function splitCase(input: CaseSplitInput): CaseReward[] {
  const totals = categoryTotals(input.pool);
  const minParticipants = checkCount(
    "creatorMinParticipants",
    input.creatorMinParticipants ?? DEFAULT_CREATOR_MIN_PARTICIPANTS,
  );
  const creatorId = input.creatorId == null ? null : checkId("creatorId", input.creatorId);
  const voters = votersOf(input.votes);
  const args = validArguments(input.arguments);

  const winners = [...voters].filter(([, option]) => option === input.verdict)
    .map(([userId]) => userId).sort(ascending);
  const participantSet = new Set<number>(
    input.participants?.map((id) => checkId("participant id", id)) ??
      [...voters.keys(), ...args.map((arg) => arg.userId)],
  );
  const participants = [...participantSet].sort(ascending);

  const entries = equalEntries("voter", totals.voters, winners);
  const shares = argumentShares(totals.arguments);
  topArguments(args).forEach(function payRank(arg, i) {
    const amount = shares[i];
    const rank = (i + 1) as 1 | 2 | 3;
    if (amount > 0) {
      entries.push({ userId: arg.userId, kind: "argument", amount, rank, argumentId: arg.id });
    }
  });
  entries.push(...equalEntries("participant", totals.participants, participants));
  if (creatorId !== null && participants.length >= minParticipants && totals.creator > 0) {
    entries.push({ userId: creatorId, kind: "creator", amount: totals.creator });
  }
  return entries;
}
