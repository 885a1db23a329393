/** The reward split of a closed case (`domain/case_split.ts`): pure, table-tested. */
import assert from "node:assert/strict";
import {
  argumentShares,
  type CaseArgument,
  type CaseReward,
  type CaseSplitInput,
  categoryTotals,
  equalShare,
  type RewardKind,
  splitCase,
} from "../domain/case_split.ts";
import { prng, shuffled } from "./fakes/prng.ts";

const T0 = Date.UTC(2026, 10, 1);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
function arg(id: number, userId: number, votes: number, minute = id): CaseArgument {
  return { id, userId, votes, postedAt: at(minute) };
}
const votesFor = (option: string, userIds: number[]) =>
  userIds.map((userId) => ({ userId, option }));
const sum = (entries: CaseReward[]) => entries.reduce((s, e) => s + e.amount, 0);
const of = (entries: CaseReward[], kind: RewardKind) => entries.filter((e) => e.kind === kind);
const amounts = (entries: CaseReward[], kind: RewardKind) => of(entries, kind).map((e) => e.amount);

/** 4 winners (1–4), 6 losers (5–10), 3 arguments by 11–13, participants 1–120, creator 999. */
const base: CaseSplitInput = {
  pool: 1000,
  verdict: "a",
  votes: [...votesFor("a", range(1, 4)), ...votesFor("b", range(5, 6))],
  arguments: [arg(1, 11, 9), arg(2, 12, 5), arg(3, 13, 2)],
  participants: range(1, 120),
  creatorId: 999,
};

interface Row {
  name: string;
  input: Partial<CaseSplitInput>;
  /** Paid to voters, arguments, participants, creator. */
  paid: [number, number, number, number];
  check?: (entries: CaseReward[]) => void;
}

const rows: Row[] = [{
  name: "the even case: P=1000, 4 winners, 3 arguments, 120 participants, a creator",
  input: {},
  paid: [400, 300, 200, 100],
  check(entries) {
    assert.deepEqual(amounts(entries, "voter"), [100, 100, 100, 100]);
    assert.deepEqual(of(entries, "argument"), [
      { userId: 11, kind: "argument", amount: 150, rank: 1, argumentId: 1 },
      { userId: 12, kind: "argument", amount: 90, rank: 2, argumentId: 2 },
      { userId: 13, kind: "argument", amount: 60, rank: 3, argumentId: 3 },
    ]);
    // 200 among 120: 80 get 2 (user ids 1–80), 40 get 1.
    assert.deepEqual(amounts(entries, "participant"), [...Array(80).fill(2), ...Array(40).fill(1)]);
    assert.deepEqual(of(entries, "creator"), [{ userId: 999, kind: "creator", amount: 100 }]);
  },
}, {
  name: "99 participants: the creator's 10 % is not paid",
  input: { participants: range(1, 99) },
  paid: [400, 300, 200, 0],
}, {
  name: "exactly creatorMinParticipants participants pays the creator; a custom threshold too",
  input: { participants: range(1, 10), creatorMinParticipants: 10 },
  paid: [400, 300, 200, 100],
}, {
  name: "no creator: its share is not paid",
  input: { creatorId: null },
  paid: [400, 300, 200, 0],
}, {
  name: "tied arguments: the earlier posted ranks first, then the smaller id",
  input: { arguments: [arg(7, 21, 4, 30), arg(8, 22, 4, 10), arg(9, 23, 4, 10), arg(6, 24, 3, 0)] },
  paid: [400, 300, 200, 100],
  check(entries) {
    assert.deepEqual(of(entries, "argument").map((e) => [e.argumentId, e.rank]), [
      [8, 1],
      [9, 2],
      [7, 3],
    ]);
  },
}, {
  name: "P=1001: the extra unit goes to voters (largest remainder .4)",
  input: { pool: 1001 },
  paid: [401, 300, 200, 100],
  check(entries) {
    assert.deepEqual(of(entries, "voter").map((e) => [e.userId, e.amount]), [
      [1, 101],
      [2, 100],
      [3, 100],
      [4, 100],
    ]);
    assert.deepEqual(amounts(entries, "argument"), [150, 90, 60]);
    assert.deepEqual(amounts(entries, "participant"), [...Array(80).fill(2), ...Array(40).fill(1)]);
    assert.deepEqual(of(entries, "participant").map((e) => e.userId), range(1, 120));
  },
}, {
  name: "P=7: totals 3/2/1/1, every entry pinned, extras to the lowest ids",
  input: { pool: 7 },
  paid: [3, 2, 1, 1],
  check(entries) {
    assert.deepEqual(entries, [
      { userId: 1, kind: "voter", amount: 1 },
      { userId: 2, kind: "voter", amount: 1 },
      { userId: 3, kind: "voter", amount: 1 },
      { userId: 11, kind: "argument", amount: 1, rank: 1, argumentId: 1 },
      { userId: 12, kind: "argument", amount: 1, rank: 2, argumentId: 2 },
      { userId: 1, kind: "participant", amount: 1 },
      { userId: 999, kind: "creator", amount: 1 },
    ]);
  },
}, {
  name: "P=1: the single unit goes to the lowest winning voter",
  input: { pool: 1 },
  paid: [1, 0, 0, 0],
  check: (entries) => assert.deepEqual(entries, [{ userId: 1, kind: "voter", amount: 1 }]),
}, {
  name: "P=0 pays nothing",
  input: { pool: 0 },
  paid: [0, 0, 0, 0],
}, {
  name: "no voter picked the verdict: the voter share is not paid",
  input: { verdict: "c" },
  paid: [0, 300, 200, 100],
}, {
  name: "no arguments: the argument share is not paid",
  input: { arguments: [] },
  paid: [400, 0, 200, 100],
}, {
  name: "two arguments: ranks 1 and 2 get their 3-argument amounts, 20 % unpaid",
  input: { arguments: [arg(1, 11, 9), arg(2, 12, 5)] },
  paid: [400, 240, 200, 100],
  check: (entries) => assert.deepEqual(amounts(entries, "argument"), [150, 90]),
}, {
  name: "participants default to voters ∪ argument authors, each counted once",
  input: { participants: undefined, arguments: [arg(1, 1, 3), arg(2, 11, 2), arg(3, 11, 1)] },
  paid: [400, 300, 200, 0],
  check(entries) {
    assert.deepEqual(of(entries, "participant").map((e) => e.userId), [...range(1, 11)]);
    assert.deepEqual(amounts(entries, "participant"), [...Array(2).fill(19), ...Array(9).fill(18)]);
  },
}, {
  name: "one member in every category gets one entry per kind",
  input: {
    votes: votesFor("a", [5]),
    arguments: [arg(1, 5, 1)],
    participants: [5],
    creatorId: 5,
    creatorMinParticipants: 1,
  },
  paid: [400, 150, 200, 100],
  check(entries) {
    assert.deepEqual(entries.map((e) => [e.userId, e.kind, e.amount]), [
      [5, "voter", 400],
      [5, "argument", 150],
      [5, "participant", 200],
      [5, "creator", 100],
    ]);
  },
}];

Deno.test("the split, case by case", async (t) => {
  for (const row of rows) {
    await t.step(row.name, () => {
      const entries = splitCase({ ...base, ...row.input });
      const kinds: RewardKind[] = ["voter", "argument", "participant", "creator"];
      assert.deepEqual(kinds.map((kind) => sum(of(entries, kind))), row.paid);
      assert.equal(sum(entries), row.paid.reduce((a, b) => a + b));
      assert.ok(entries.every((e) => Number.isSafeInteger(e.amount) && e.amount > 0));
      row.check?.(entries);
    });
  }
});

Deno.test("100,000 participants: exact sums and extras to the lowest ids", () => {
  const participants = range(1, 100_000);
  const votes = votesFor("a", range(1, 30_001));
  const args = range(1, 10_000).map((id) => arg(id, id, id % 97));
  const entries = splitCase({
    pool: 1_000_003,
    verdict: "a",
    votes,
    arguments: args,
    participants,
    creatorId: 1,
  });
  const totals = categoryTotals(1_000_003);
  assert.equal(sum(entries), 1_000_003);
  assert.equal(sum(of(entries, "voter")), totals.voters);
  assert.equal(sum(of(entries, "participant")), totals.participants);
  const extras = of(entries, "participant").filter((e) =>
    e.amount > Math.floor(totals.participants / 1e5)
  );
  assert.deepEqual(extras.map((e) => e.userId), range(1, totals.participants % 100_000));
  const voters = of(entries, "voter");
  const rest = totals.voters % 30_001;
  assert.ok(voters.slice(0, rest).every((e) => e.amount === Math.ceil(totals.voters / 30_001)));
  assert.ok(voters.slice(rest).every((e) => e.amount === Math.floor(totals.voters / 30_001)));
  assert.deepEqual(of(entries, "argument").map((e) => e.argumentId), [96, 193, 290]);
});

Deno.test("invalid inputs throw a RangeError naming the problem", async (t) => {
  const cases: Array<[string, Partial<CaseSplitInput>, RegExp]> = [
    ["a negative pool", { pool: -1 }, /pool .*got -1/],
    ["a fractional pool", { pool: 10.5 }, /pool .*got 10\.5/],
    ["an unsafe pool", { pool: 2 ** 53 }, /pool/],
    ["NaN as pool", { pool: NaN }, /pool/],
    ["a second vote by one user", { votes: votesFor("a", [1, 2, 1]) }, /user 1 voted twice/],
    ["a second identical vote", { votes: votesFor("b", [3, 3]) }, /user 3 voted twice/],
    ["an argument listed twice", { arguments: [arg(1, 11, 1), arg(1, 12, 2)] }, /argument 1/],
    ["negative argument votes", { arguments: [arg(4, 11, -1)] }, /votes of argument 4/],
    ["an invalid postedAt", {
      arguments: [{ id: 5, userId: 1, votes: 0, postedAt: new Date(NaN) }],
    }, /postedAt of argument 5/],
    ["a negative threshold", { creatorMinParticipants: -5 }, /creatorMinParticipants/],
  ];
  for (const [name, input, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => splitCase({ ...base, ...input }), { name: "RangeError", message });
    });
  }
});

Deno.test("shuffled input order gives the same output", () => {
  const rand = prng(15);
  const expected = splitCase({ ...base, pool: 1001 });
  for (let i = 0; i < 20; i++) {
    const [votes, args] = [shuffled(base.votes, rand), shuffled(base.arguments, rand)];
    const participants = shuffled(base.participants!, rand);
    assert.deepEqual(
      splitCase({ ...base, pool: 1001, votes, arguments: args, participants }),
      expected,
    );
  }
});

Deno.test("equalShare: base plus one for the first (total mod n), by ascending user id", () => {
  assert.deepEqual(range(0, 4).map((i) => equalShare(7, 4, i)), [2, 2, 2, 1]);
  assert.deepEqual(range(0, 3).map((i) => equalShare(2, 3, i)), [1, 1, 0]);
  assert.equal(equalShare(2 ** 53 - 1, 3, 0), 3002399751580331);
  assert.throws(() => equalShare(5, 0, 0), RangeError);
  assert.throws(() => equalShare(5, 2, 2), RangeError);
  assert.deepEqual(categoryTotals(5), { voters: 2, arguments: 2, participants: 1, creator: 0 });
  assert.deepEqual(argumentShares(5), [3, 1, 1]);
});

Deno.test("property: a few hundred seeded random cases keep the invariants", () => {
  const rand = prng(20261130);
  const int = (n: number) => Math.floor(rand() * n);
  const within = (amount: number, num: bigint, den: bigint) => {
    const diff = BigInt(amount) * den - num;
    return diff > -den && diff < den; // floor or ceil of num/den
  };
  for (let run = 0; run < 400; run++) {
    const pool = [int(20), int(5000), int(2 ** 40), Number.MAX_SAFE_INTEGER - int(1000)][run % 4];
    const users = range(1, 1 + int(150));
    const votes = users.filter(() => rand() < 0.7).map((userId) => ({
      userId,
      option: "ab"[int(2)],
    }));
    const args = range(1, int(6)).map((id) => arg(id, 1 + int(150), int(4), int(5)));
    const input = {
      pool,
      verdict: "a",
      votes,
      arguments: args,
      creatorId: int(3) ? 7 : null,
      creatorMinParticipants: int(120),
    };
    const entries = splitCase(input);
    const totals = categoryTotals(pool);
    const parts = [totals.voters, totals.arguments, totals.participants, totals.creator];
    [40n, 30n, 20n, 10n].forEach((w, i) => assert.ok(within(parts[i], BigInt(pool) * w, 100n)));
    const winners = votes.filter((v) => v.option === "a").length;
    const authors = args.map((a) => a.userId);
    const participants = new Set([...votes.map((v) => v.userId), ...authors]).size;
    const shares = argumentShares(totals.arguments);
    const expected = (winners ? totals.voters : 0) +
      shares.slice(0, args.length).reduce((s, x) => s + x, 0) +
      (participants ? totals.participants : 0) +
      (input.creatorId && participants >= input.creatorMinParticipants ? totals.creator : 0);
    assert.equal(sum(entries), expected, `run ${run}`);
    for (const e of entries) {
      assert.ok(e.amount > 0);
      if (e.kind === "voter") assert.ok(within(e.amount, BigInt(totals.voters), BigInt(winners)));
      if (e.kind === "participant") {
        assert.ok(within(e.amount, BigInt(totals.participants), BigInt(participants)));
      }
      if (e.kind === "argument") {
        const w = [50n, 30n, 20n][e.rank! - 1];
        assert.ok(within(e.amount, BigInt(totals.arguments) * w, 100n));
      }
    }
  }
});
