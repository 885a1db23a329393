import postgres from "postgres";
import type { RunConnections } from "../actors/run_db.ts";
import type { clientOptions } from "./connect.ts";

/** The `application_name` a run's connections carry, so any replica can find and cancel them. */
export function runApplicationName(runId: string): string {
  return `warden-run-${runId}`;
}

/**
 * On a server, each run gets its own small pool named after the run: abandoning it
 * terminates its backends (a hung query stops), and the rescuer of another replica can do
 * the same for runs whose node died (`cancelRunBackends`).
 */
export function serverRunConnections(
  o: { url: string; admin: postgres.Sql; max: number; options: ReturnType<typeof clientOptions> },
): RunConnections {
  return (runId) => {
    const name = runApplicationName(runId);
    const sql = postgres(o.url, {
      ...o.options,
      max: o.max,
      idle_timeout: 30,
      connection: { application_name: name },
    });
    return {
      sql,
      async cancel() {
        await cancelRunBackends(o.admin, [runId]);
        await sql.end({ timeout: 0 });
      },
      close: () => sql.end({ timeout: 5 }),
    };
  };
}

/** Terminates the backends of these runs, wherever they run; returns how many. */
export async function cancelRunBackends(sql: postgres.Sql, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
    WHERE application_name = ANY(${runIds.map(runApplicationName)}) AND pid <> pg_backend_pid()`;
  return row.n;
}
