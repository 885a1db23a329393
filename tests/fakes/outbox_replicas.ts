/**
 * Outbox delivery replicas on one database and one fake clock, with an in-process Telegram that
 * records every send. Each replica has its own postgres.js client; the harness counts the I/O in
 * flight so time only moves when every replica waits on the clock, and it can kill a replica
 * (freeze it: nothing it does afterwards reaches the database or Telegram, as if its process
 * died) or cut it off from the database.
 */
import type { Clock } from "../../actors/clock.ts";
import { createLogger } from "../../actors/log.ts";
import { createDelivery, type DeliveryOptions } from "../../bot/delivery.ts";
import { telegramLimits } from "../../bot/pacer.ts";
import { connectClient } from "../../db/connect.ts";
import type { TestDb } from "../db.ts";
import type { FakeClock } from "./clock.ts";
import { type Gate, ioTracker } from "./io_tracker.ts";

/** One message as the fake Telegram received it. */
export interface Delivered {
  chatId: number;
  text: string;
  at: number;
  by: string;
}

/** A Bot API error as grammY throws it. */
export function apiError(code: number, description: string, retryAfter?: number) {
  return Object.assign(new Error(description), {
    error_code: code,
    description,
    parameters: retryAfter === undefined ? {} : { retry_after: retryAfter },
  });
}

/**
 * Makes Telegram answer the first send to `chatId` with 429 `retry_after` (seconds); returns
 * when that was (clock ms), undefined until it happened.
 */
export function limitOnce(
  world: { onSend(answer: (chatId: number) => void): void },
  clock: { now(): Date },
  chatId: number,
  retryAfter: number,
): () => number | undefined {
  let limitedAt: number | undefined;
  world.onSend((chat) => {
    if (chat === chatId && limitedAt === undefined) {
      limitedAt = clock.now().getTime();
      throw apiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
    }
  });
  return () => limitedAt;
}

const never = <T>() => new Promise<T>(() => {});

export interface ReplicaOptions extends Partial<Omit<DeliveryOptions, "sql" | "clock" | "send">> {
  /** How long Telegram takes to answer a send, on the clock (default 0). */
  sendMs?: number;
}

/**
 * A world of replicas.
 *
 * @example
 * await using w = replicaWorld(db, clock);
 * const a = w.replica("a"); await w.runUntil(async () => …);
 */
export function replicaWorld(db: TestDb, clock: FakeClock) {
  const io = ioTracker();
  const delivered: Delivered[] = [];
  const replicas: Array<
    { name: string; failure: unknown; stop(): Promise<void>; close(): Promise<void> }
  > = [];
  /** Answers a send instead of Telegram: throw to fail it. */
  let telegram: (chatId: number, text: string, by: string) => void = () => {};

  function replica(name: string, options: ReplicaOptions = {}) {
    const client = connectClient(db.url, { embedded: db.kind === "embedded", max: 2 });
    let dead = false;
    let cut = false;
    let claims = 0;
    let queries = 0;
    let sleeps = 0;
    const gate = (): Gate => (dead ? "dead" : cut ? "cut" : "open");
    const sql = io.sql(client, {
      gate,
      onQuery(text) {
        queries++;
        if (/SKIP LOCKED/.test(text)) claims++;
      },
    });
    const rclock: Clock = {
      now: clock.now,
      sleep(ms, signal) {
        if (dead) return never();
        sleeps++;
        return clock.sleep(ms, signal).then(
          () => (dead ? never() : undefined),
          (e) => (dead ? never() : Promise.reject(e)),
        );
      },
    };
    const inFlight = new Set<Delivered>();
    const delivery = createDelivery({
      node: name,
      log: createLogger({ level: "silent" }),
      limits: telegramLimits,
      ...options,
      sql,
      clock: rclock,
      async send(chatId, text) {
        if (dead) return await never();
        const sent = { chatId, text, at: clock.now().getTime(), by: name };
        delivered.push(sent);
        inFlight.add(sent);
        try {
          if (options.sendMs) await rclock.sleep(options.sendMs);
          telegram(chatId, text, name);
          return { message_id: delivered.length };
        } finally {
          inFlight.delete(sent);
        }
      },
    });
    const stop = new AbortController();
    let failure: unknown;
    const running = delivery.loop({ stop: stop.signal, kill: stop.signal }).catch((error) =>
      void (failure = error)
    );
    const r = {
      name,
      delivery,
      /** Claim queries sent so far, queries of any kind, and sleeps taken. */
      get claims() {
        return claims;
      },
      get queries() {
        return queries;
      },
      get sleeps() {
        return sleeps;
      },
      /** What the loop threw, once it ended. */
      get failure() {
        return failure;
      },
      /** Sends that went out but were not answered yet. */
      inFlight: () => [...inFlight],
      /** The process dies now: its sends in flight happened, nothing after this does. */
      kill() {
        dead = true;
      },
      /** Cuts it off from the database (every query fails), or reconnects it. */
      cutOff(value: boolean) {
        cut = value;
      },
      async stop() {
        stop.abort();
        if (!dead) await running;
      },
      close: () => client.end({ timeout: 1 }),
    };
    replicas.push(r);
    return r;
  }

  /** Resolves once no replica waits on I/O: each waits on the clock, or has ended. */
  const quiet = () => io.quiet();

  return {
    delivered,
    replica,
    quiet,
    /** Fails (throws) the next sends as `answer` says; `undefined` answers them all. */
    onSend(answer: typeof telegram) {
      telegram = answer;
    },
    /** Moves the clock from wake-up to wake-up, whenever all are waiting, until `done` holds. */
    async runUntil(done: () => Promise<boolean> | boolean, limitMs = 3_600_000) {
      const start = clock.now().getTime();
      for (;;) {
        await quiet();
        if (await done()) return;
        if (clock.pending === 0) {
          const failed = replicas.filter((r) => r.failure).map((r) => `${r.name}: ${r.failure}`);
          throw new Error(`nothing waits on the clock and it is not done; ${failed.join(", ")}`, {
            cause: replicas.find((r) => r.failure)?.failure,
          });
        }
        const wake = (await clock.sleeping()).getTime();
        if (wake - start > limitMs) {
          throw new Error(`not done within ${limitMs} ms of the clock`);
        }
        await clock.advanceTo(new Date(wake));
      }
    },
    async [Symbol.asyncDispose]() {
      for (const r of replicas) await r.stop();
      await quiet();
      for (const r of replicas) await r.close();
    },
  };
}

/** The most of `delivered` that reached Telegram within any `spanMs` (a sliding window). */
export function busiest(delivered: Delivered[], spanMs: number): number {
  const times = delivered.map((d) => d.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= spanMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
