import type { RunRecord } from "./run_store.ts";

/** What the runtime tells whoever listens (metrics, logs, tests). */
export type RuntimeEvent =
  | { type: "run-finished"; job: string; run: RunRecord }
  | { type: "claimed"; job: string; trigger: RunRecord["trigger"] }
  | { type: "run-refused"; job: string; runId: string }
  | { type: "tick-skipped"; job: string; slot: Date; reason: "overlap" | "paused" | "lost-claim" }
  | { type: "dead-letter"; job: string; message: string; reason: string }
  | { type: "restarting"; child: string; delayMs: number; error: string }
  | { type: "gave-up"; child: string; error: string }
  | { type: "child-stopped"; child: string };

export interface EventBus {
  emit(event: RuntimeEvent): void;
  /** Subscribes; returns the unsubscribe function. */
  on(listener: (event: RuntimeEvent) => void): () => void;
}

/** A synchronous event bus; a throwing listener is reported, never propagated. */
export function createEventBus(onListenerError?: (error: unknown) => void): EventBus {
  const listeners = new Set<(event: RuntimeEvent) => void>();
  return {
    emit(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError?.(error);
        }
      }
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
