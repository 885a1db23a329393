import { defineJob, type JobSpec } from "../actors/job.ts";
import { pgRunStore } from "./run_store.ts";

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
        details: { runs: rescued.map((r) => r.id) },
      };
    },
  });
}
