/** The runtime's own errors: few, each with one owner. */

/** A command sent to an actor whose command queue is full. Owner: the mailbox. */
export class MailboxFullError extends Error {
  override name = "MailboxFullError";
}

/** A message sent to an actor that has stopped. Owner: the mailbox. */
export class ActorStoppedError extends Error {
  override name = "ActorStoppedError";
}

/** A run that outlived its timeout plus grace without settling. Owner: the job actor. */
export class HungRunError extends Error {
  override name = "HungRunError";
}

/** Too many failed runs in a row. Owner: the job actor. */
export class TooManyFailuresError extends Error {
  override name = "TooManyFailuresError";
}

/** A name that matches no job. Owner: the runtime. */
export class UnknownJobError extends Error {
  override name = "UnknownJobError";
  constructor(name: string, known: readonly string[]) {
    super(`unknown job "${name}": known jobs are ${known.join(", ") || "(none)"}`);
  }
}

/** A lease that another holder took, or that ran out while it could not be renewed. Owner: the lease. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

/** An ask that can no longer be answered because the process is shutting down. Owner: the runtime. */
export class ShuttingDownError extends Error {
  override name = "ShuttingDownError";
}
