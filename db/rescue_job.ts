import { defineJob, type JobSpec } from "../actors/job.ts";
import { pgRunStore } from "./run_store.ts";
import { cancelRunBackends } from "./run_connections.ts";

/**
 * `lease-rescue`: runs whose owner stopped renewing their lease (a crashed or cut-off
 * replica) are marked `abandoned`, so history and health tell the truth; the owner's
 * late outcome write is then refused.
 */
export function leaseRescueJob(): JobSpec {
  return defineJob({
    name: "lease-rescue",
    description: "Marks runs whose lease expired (their node died or was cut off) as abandoned",
    schedule: { every: "30s" },
    timeout: "20s",
    async run(ctx) {
      const rescued = await pgRunStore(ctx.db).rescue();
      // Abandon means stop: whatever those runs still run in the database is cancelled.
      const cancelled = rescued.length === 0
        ? 0
        : await cancelRunBackends(ctx.db, rescued.map((r) => r.id)).catch((error) => {
          ctx.log.warn("cannot cancel the abandoned runs' queries", { error });
          return 0;
        });
      if (rescued.length === 0) ctx.log.debug("no expired leases");
      for (const run of rescued) {
        ctx.log.warn("run abandoned: its lease expired", {
          job: run.job,
          run: run.id,
          node: run.node,
        });
      }
      return {
        processed: rescued.length,
        changed: rescued.length,
        details: { runs: rescued.map((r) => r.id), cancelledBackends: cancelled },
      };
    },
  });
}
