import type { Health } from "./health.ts";
import type { RunRecord } from "./run_store.ts";

/** How an ask is answered: settled once, with the reply or with a clear error. */
export interface Reply<R> {
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * What an actor can be told. Pause and resume are not here: they are written to the
 * database at once and reach every replica's actors without waiting in a mailbox.
 */
export type Command =
  /** A manual run; `runId` names it before it starts. */
  | { kind: "command"; name: "run"; runId: string; reply?: Reply<RunRecord | null> }
  /**
   * Run a scheduled slot again whose run was abandoned (once, cluster-wide: the claim decides),
   * as try `attempt` of the job's retry policy; `unclaimed` hears when this actor did not take
   * it (paused, the store away, dropped).
   */
  | {
    kind: "command";
    name: "retry-abandoned";
    slot: Date;
    retryOf: string;
    attempt: number;
    unclaimed?: () => void;
  }
  /** Look for slots missed while paused or down (after a resume). */
  | { kind: "command"; name: "catch-up" }
  /** Stop this actor for good. */
  | { kind: "command"; name: "stop"; reply?: Reply<Health> };

export type CommandName = Command["name"];

/** The reply of a command, if it has one (rejected with `error`); for dead letters. */
export function rejectReply(command: Command, error: Error): void {
  if ("reply" in command) command.reply?.reject(error);
  if (command.name === "retry-abandoned") command.unclaimed?.();
}

/** A short name for logs: `run 3f2a…`, `retry-abandoned 2026-05-01T00:00:00.000Z`. */
export function describeCommand(c: Command): string {
  switch (c.name) {
    case "run":
      return `run ${c.runId}`;
    case "retry-abandoned":
      return `retry-abandoned ${c.slot.toISOString()}`;
    default:
      return c.name;
  }
}
