import type postgres from "postgres";
import type { Registry } from "../actors/metrics.ts";
import { openIncidentCounts } from "../domain/incidents.ts";
import { type CommunityTotals, communityTotals } from "../domain/community_metrics.ts";

/** How long a scrape waits for the cluster's reads before showing them absent. */
const CLUSTER_READ_MS = 1_000;

/** What `read` answers, or null when it failed or did not answer within `ms`. */
async function bounded<T>(read: () => Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      read(),
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms)),
    ]);
  } catch {
    return null; // a database error leaves the gauges out; warden_database_up tells why
  } finally {
    clearTimeout(timer);
  }
}

/** The community gauges without labels: name, help, and the total they show. */
const COMMUNITY_GAUGES: Array<[string, string, (t: CommunityTotals) => number]> = [
  [
    "warden_community_messages_24h",
    "Messages in the 24 h before the snapshot.",
    (t) => t.messages24h,
  ],
  ["warden_community_xp_24h", "Net XP awarded in the 24 h before the snapshot.", (t) => t.xp24h],
  [
    "warden_community_level_ups_24h",
    "Level-ups in the 24 h before the snapshot.",
    (t) => t.levelUps24h,
  ],
  [
    "warden_community_badges_24h",
    "Badges awarded in the 24 h before the snapshot.",
    (t) => t.badges24h,
  ],
  ["warden_community_streaks_alive", "Streaks alive (current > 0).", (t) => t.streaksAlive],
  ["warden_community_outbox_backlog", "Notifications to the groups still pending or sending.", (
    t,
  ) => t.outboxBacklog],
  ["warden_community_chats", "Groups in the newest snapshot.", (t) => t.chats],
  [
    "warden_community_snapshot_timestamp_seconds",
    "When the newest community-metrics snapshot was taken (its slot, unix time).",
    (t) => t.at.getTime() / 1000,
  ],
];

/**
 * The cluster-wide community gauges: sums over every group's newest community-metrics snapshot,
 * never one series per chat (cardinality). Absent before the first run or when the read failed.
 */
function communityGauges(registry: Registry, totals: () => CommunityTotals | null) {
  registry.gauge(
    "warden_community_active_members",
    "Members active in the window (24h: sent a message; 7d: any activity), all groups.",
    (set) => {
      const t = totals();
      if (t) {
        set({ window: "24h" }, t.active24h);
        set({ window: "7d" }, t.active7d);
      }
    },
  );
  for (const [name, help, value] of COMMUNITY_GAUGES) {
    registry.gauge(name, help, (set) => {
      const t = totals();
      if (t) set({}, value(t));
    });
  }
}

/**
 * The cluster's gauges, read from the database at each scrape (`refresh`): the community totals
 * and the open incidents by reason. Absent when the database is down or slow to answer.
 */
export function clusterGauges(registry: Registry, sql: postgres.Sql, readMs = CLUSTER_READ_MS) {
  let community: CommunityTotals | null = null;
  let incidents: Array<{ reason: string; n: number }> | null = null;
  communityGauges(registry, () => community);
  registry.gauge(
    "warden_incidents_open",
    "Open incidents (given-up jobs, health-monitor, verdict-check, settlement-monitor), by reason.",
    (set) => {
      for (const i of incidents ?? []) set({ reason: i.reason }, i.n);
    },
  );
  return {
    async refresh(databaseUp: boolean) {
      [community, incidents] = databaseUp
        ? await Promise.all([
          bounded(() => communityTotals(sql), readMs),
          bounded(() => openIncidentCounts(sql), readMs),
        ])
        : [null, null];
    },
  };
}
