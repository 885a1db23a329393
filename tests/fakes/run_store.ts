import type { Clock } from "../../actors/clock.ts";
import { SHUTDOWN_CUT } from "../../actors/run_store.ts";
import type {
  ClaimRequest,
  Counter,
  FinalOutcome,
  JobSummary,
  RunRecord,
  RunStore,
} from "../../actors/run_store.ts";

/** An in-memory run store with the same claim rules as the Postgres one. */
export interface MemoryRunStore extends RunStore {
  runs: RunRecord[];
  counters: Map<string, number>;
  /** Marks running runs whose lease ended before now as abandoned (what the rescuer does). */
  rescue(): number;
}

export function memoryRunStore(clock: Clock): MemoryRunStore {
  const runs: RunRecord[] = [];
  const leases = new Map<string, { node: string; until: number }>();
  const paused = new Map<string, Date>();
  const known = new Map<string, Date>();
  const retried = new Set<string>();
  const counters = new Map<string, number>();
  const contends = (r: { trigger: string }) => r.trigger === "cron" || r.trigger === "catch-up";

  return {
    runs,
    counters,
    claim(req: ClaimRequest) {
      const slot = req.scheduledFor.getTime();
      if (
        contends(req) &&
        runs.some((r) => r.job === req.job && contends(r) && r.scheduledFor.getTime() === slot)
      ) return Promise.resolve(null);
      if (req.retryOf && retried.has(req.retryOf)) return Promise.resolve(null);
      if (req.retryOf) retried.add(req.retryOf);
      const run: RunRecord = {
        id: req.id,
        job: req.job,
        scheduledFor: req.scheduledFor,
        trigger: req.trigger,
        node: req.node,
        outcome: "running",
        attempt: req.attempt,
        startedAt: clock.now(),
        finishedAt: null,
        durationMs: null,
        result: null,
        error: null,
      };
      runs.push(run);
      leases.set(run.id, { node: req.node, until: clock.now().getTime() + req.leaseMs });
      return Promise.resolve({ ...run });
    },
    renew(runId, node, leaseMs) {
      const run = runs.find((r) => r.id === runId);
      const lease = leases.get(runId);
      if (!run || run.outcome !== "running" || lease?.node !== node) return Promise.resolve(false);
      lease.until = clock.now().getTime() + leaseMs;
      return Promise.resolve(true);
    },
    finish(runId, node, outcome: FinalOutcome) {
      const run = runs.find((r) => r.id === runId);
      const lateFailure = run?.node === node && run.outcome === "abandoned" &&
        outcome.outcome === "failed" && run.error === "lease expired";
      if (
        !run || (!lateFailure && (run.outcome !== "running" || leases.get(runId)?.node !== node))
      ) {
        return Promise.resolve(null);
      }
      const now = clock.now();
      Object.assign(run, {
        outcome: outcome.outcome,
        finishedAt: now,
        durationMs: now.getTime() - run.startedAt.getTime(),
        result: outcome.result ?? null,
        error: "error" in outcome ? outcome.error : null,
      });
      leases.delete(runId);
      return Promise.resolve({ ...run });
    },
    count(job, _node, counter: Counter) {
      const key = `${job}/${counter}`;
      counters.set(key, (counters.get(key) ?? 0) + 1);
      return Promise.resolve();
    },
    isPaused: (job) => Promise.resolve(paused.has(job)),
    setPaused(job, yes) {
      for (const j of typeof job === "string" ? [job] : job) {
        if (yes && !paused.has(j)) paused.set(j, clock.now());
        if (!yes) paused.delete(j);
      }
      return Promise.resolve();
    },
    register(jobs, at) {
      for (const job of jobs) {
        const first = runs.filter((r) => r.job === job).map((r) => r.startedAt.getTime());
        if (!known.has(job)) known.set(job, new Date(Math.min(at.getTime(), ...first)));
      }
      return Promise.resolve();
    },
    pauseStates: (jobs) => Promise.resolve(jobs.map((job) => ({ job, paused: paused.has(job) }))),
    summaries(jobs) {
      const newest = (rs: RunRecord[]) =>
        rs.reduce<RunRecord | null>(
          (a, r) => (!a || r.startedAt >= a.startedAt ? r : a),
          null,
        );
      return Promise.resolve(jobs.map((job): JobSummary => {
        const mine = runs.filter((r) => r.job === job && r.outcome !== "skipped");
        const ok = newest(mine.filter((r) => r.outcome === "succeeded"));
        const fails = mine.filter((r) =>
          (r.outcome === "failed" || r.outcome === "abandoned") &&
          (!ok || r.startedAt > ok.startedAt)
        );
        const copy = (r: RunRecord | null) => (r ? { ...r } : null);
        return {
          job,
          paused: paused.has(job),
          pausedSince: paused.get(job) ?? null,
          lastRun: copy(newest(mine)),
          lastFinished: copy(newest(mine.filter((r) => r.outcome !== "running"))),
          lastSuccessAt: ok?.finishedAt ?? null,
          consecutiveFailures: fails.length,
          knownSince: known.get(job) ??
            (runs.length ? new Date(Math.min(...runs.map((r) => r.startedAt.getTime()))) : null),
        };
      }));
    },
    abandonedSlots(windows) {
      const cut = (r: RunRecord) => r.error?.startsWith(SHUTDOWN_CUT) ?? false;
      const scheduled = (r: RunRecord) =>
        runs.some((s) =>
          s.job === r.job && contends(s) && s.scheduledFor.getTime() === r.scheduledFor.getTime()
        );
      return Promise.resolve(
        windows.filter((w) => !paused.has(w.job)).flatMap((w) =>
          runs.filter((r) =>
            r.job === w.job && r.outcome === "abandoned" && r.scheduledFor >= w.since &&
            !retried.has(r.id) &&
            (contends(r) ||
              (r.trigger === "retry" && (r.attempt < w.attempts || cut(r)) && scheduled(r)))
          ).sort((x, y) => x.scheduledFor.getTime() - y.scheduledFor.getTime()).slice(0, 100)
        ).map((r) => ({
          runId: r.id,
          job: r.job,
          scheduledFor: r.scheduledFor,
          trigger: r.trigger,
          attempt: r.attempt,
          cut: cut(r),
        })),
      );
    },
    lastSlot(job) {
      const slots = runs.filter((r) => r.job === job && (contends(r) || r.outcome === "skipped"))
        .map((r) => r.scheduledFor.getTime());
      return Promise.resolve(slots.length ? new Date(Math.max(...slots)) : null);
    },
    recordSkipped(job, node, slots, reason) {
      for (const slot of slots) {
        runs.push({
          id: crypto.randomUUID(),
          job,
          scheduledFor: slot,
          trigger: "catch-up",
          node,
          outcome: "skipped",
          attempt: 1,
          startedAt: clock.now(),
          finishedAt: clock.now(),
          durationMs: 0,
          result: null,
          error: reason,
        });
      }
      return Promise.resolve();
    },
    recordFailures(failures) {
      for (const f of failures) {
        const taken = runs.some((r) =>
          r.id === f.id ||
          (contends(f) && contends(r) && r.job === f.job &&
            r.scheduledFor.getTime() === f.scheduledFor.getTime())
        );
        if (taken) continue;
        runs.push({
          ...f,
          outcome: "failed",
          finishedAt: clock.now(),
          durationMs: 0,
          result: null,
        });
      }
      return Promise.resolve();
    },
    releaseLeases(node) {
      for (const lease of leases.values()) if (lease.node === node) lease.until = 0;
      return Promise.resolve();
    },
    rescue() {
      let n = 0;
      for (const run of runs) {
        const lease = leases.get(run.id);
        if (run.outcome === "running" && lease && lease.until < clock.now().getTime()) {
          run.outcome = "abandoned";
          run.error = "lease expired";
          leases.delete(run.id);
          n++;
        }
      }
      return n;
    },
  };
}
