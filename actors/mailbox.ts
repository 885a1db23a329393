import { type Command, describeCommand, rejectReply } from "./commands.ts";
import { ActorStoppedError, MailboxFullError } from "./errors.ts";

export type { Command };

/** A tick: the slot it belongs to and why it came. */
export interface Tick {
  kind: "tick";
  slot: Date;
  trigger: "cron" | "catch-up";
}

export type Message = Tick | Command;

/** What happened to a posted tick. */
export type TickReceipt = "queued" | "skipped-overlap" | "dead-letter";

/**
 * A bounded mailbox. At most one tick waits; a tick that arrives while one waits or
 * while a tick is being handled is skipped (overlap). Commands queue up to
 * `commandLimit`; past it, posting throws `MailboxFullError`. After `close`, every
 * post is a dead letter, and every command still waiting has its reply rejected: an ask
 * never hangs.
 */
export interface Mailbox {
  postTick(tick: Tick): TickReceipt;
  /** Throws `MailboxFullError` or `ActorStoppedError`; both count as dead letters. */
  postCommand(command: Command): void;
  /** The next message; null once closed and empty, or as soon as `signal` aborts. */
  take(signal: AbortSignal): Promise<Message | null>;
  /** Tell the mailbox whether a tick is being handled (overlap detection). */
  handlingTick(yes: boolean): void;
  /**
   * Refuses everything from now on; the replies of waiting commands are rejected with
   * `reason` (default: `actor stopped`). Returns the messages that were still waiting.
   */
  close(reason?: Error): Message[];
  /** Opens a closed mailbox again (a restarted actor). */
  reopen(): void;
  readonly depth: number;
  readonly closed: boolean;
  readonly counters: { skippedOverlap: number; deadLetters: number };
}

/** Makes a mailbox; `onDeadLetter` hears about every message dropped. */
export function createMailbox(options: {
  commandLimit: number;
  onDeadLetter?: (message: Message, reason: string) => void;
}): Mailbox {
  const commands: Command[] = [];
  let tick: Tick | null = null;
  let busyWithTick = false;
  let closed = false;
  let wake: (() => void) | null = null;
  const counters = { skippedOverlap: 0, deadLetters: 0 };

  function dead(message: Message, reason: string) {
    counters.deadLetters++;
    options.onDeadLetter?.(message, reason);
  }
  function notify() {
    const w = wake;
    wake = null;
    w?.();
  }

  return {
    postTick(t) {
      if (closed) {
        dead(t, "actor stopped");
        return "dead-letter";
      }
      if (tick || busyWithTick) {
        counters.skippedOverlap++;
        return "skipped-overlap";
      }
      tick = t;
      notify();
      return "queued";
    },
    postCommand(c) {
      if (closed) {
        dead(c, "actor stopped");
        throw new ActorStoppedError(`Cannot deliver "${describeCommand(c)}": actor stopped`);
      }
      if (commands.length >= options.commandLimit) {
        dead(c, "mailbox full");
        throw new MailboxFullError(
          `Cannot queue "${
            describeCommand(c)
          }": ${commands.length} commands already wait (limit ${options.commandLimit}); try again later`,
        );
      }
      commands.push(c);
      notify();
    },
    async take(signal) {
      while (true) {
        if (signal.aborted) return null;
        if (commands.length > 0) return commands.shift()!;
        if (tick) {
          const t = tick;
          tick = null;
          return t;
        }
        if (closed) return null;
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener("abort", done);
            resolve();
          };
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
      }
    },
    handlingTick(yes) {
      busyWithTick = yes;
    },
    close(reason = new ActorStoppedError("actor stopped")) {
      closed = true;
      const left: Message[] = [...commands, ...(tick ? [tick] : [])];
      commands.length = 0;
      tick = null;
      for (const m of left) {
        dead(m, reason.message);
        if (m.kind === "command") rejectReply(m, reason);
      }
      notify();
      return left;
    },
    reopen() {
      closed = false;
    },
    get depth() {
      return commands.length + (tick ? 1 : 0);
    },
    get closed() {
      return closed;
    },
    counters,
  };
}
