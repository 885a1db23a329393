import type { Sql } from "postgres";

/**
 * The database handle of one run. Abandoning a run cancels its database work, so a
 * restarted actor never overlaps a query its previous run left behind.
 */
export interface RunConnection {
  sql: Sql;
  /** Cancels whatever the run still has running in the database and closes its connections. */
  cancel(): Promise<void>;
  /** Closes its connections once the run has ended. */
  close(): Promise<void>;
}

/** Opens a run's connection; `shared` hands every run the app's pool (nothing to cancel). */
export type RunConnections = (runId: string) => RunConnection;

/** Every run on the one shared pool: what tests on fakes and the embedded database use. */
export function sharedConnections(sql: Sql): RunConnections {
  return () => ({ sql, cancel: () => Promise.resolve(), close: () => Promise.resolve() });
}
