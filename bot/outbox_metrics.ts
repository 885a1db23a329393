import type { Registry } from "../actors/metrics.ts";

/**
 * The delivery actor's metrics (without a registry, none): what was sent, tried again and given
 * up, by reason, and the queue's depth and lateness as `observe` last read them.
 */
export function outboxMetrics(registry: Registry | undefined) {
  const m = {
    sent: registry?.counter("warden_outbox_sent_total", "Outbox messages sent."),
    retried: registry?.counter(
      "warden_outbox_retried_total",
      "Outbox sends to try again, by reason.",
    ),
    dropped: registry?.counter(
      "warden_outbox_dropped_total",
      "Outbox messages given up, by reason.",
    ),
    depth: 0,
    oldestAgeS: 0,
  };
  registry?.gauge(
    "warden_outbox_queue_depth",
    "Outbox messages waiting to be sent.",
    (set) => set({}, m.depth),
  );
  registry?.gauge(
    "warden_outbox_oldest_due_age_seconds",
    "How late the oldest due message is.",
    (set) => set({}, m.oldestAgeS),
  );
  return m;
}

export type OutboxMetrics = ReturnType<typeof outboxMetrics>;
