/**
 * The jobs page (`/`): every job as the cluster sees it, with its schedule in words, last and
 * next run, failures in a row, a sparkline of the last 50 durations and the controls.
 */
import type { FC } from "hono/jsx";
import type { TaskView } from "../actors/task_view.ts";
import type { IncidentRow, SparkRun } from "./data.ts";
import { count, duration, resultSummary, sparkBars } from "./format.ts";
import { Action, Scroll, Time, type View } from "./layout.tsx";

export interface JobRow {
  task: TaskView;
  words: string;
  runs: SparkRun[];
}

export const Sparkline: FC<{ runs: SparkRun[]; label: string }> = ({ runs, label }) => {
  const W = 150, H = 28;
  if (runs.length === 0) return <span class="muted">no runs yet</span>;
  return (
    <svg
      class="spark"
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${label}: last ${runs.length} durations`}
    >
      {sparkBars(runs, W, H).map((b) => (
        <rect x={b.x} y={b.y} width={b.width} height={b.height} class={`o-${b.outcome}`}>
          <title>{b.title}</title>
        </rect>
      ))}
    </svg>
  );
};

export const StatusBadge: FC<{ t: TaskView }> = ({ t }) => (
  <>
    <span class={`badge s-${t.status}`}>{t.status}</span>
    {t.stale
      ? <span class="badge s-failed" title="no success within its expected age">stale</span>
      : null}
  </>
);

export const LastRun: FC<{ t: TaskView; view: View }> = ({ t, view }) => {
  const r = t.lastRun;
  if (!r) return <span class="muted">never ran</span>;
  return (
    <>
      <span class={`badge o-${r.outcome}`}>{r.outcome}</span>{" "}
      <Time at={new Date(r.finishedAt)} view={view} rel />
      <div class="small">
        {duration(r.durationMs)} · {r.trigger}
        {r.error ? <div class="error">{r.error}</div> : null}
      </div>
    </>
  );
};

export const JobControls: FC<{ t: TaskView; view: View }> = ({ t, view }) => (
  <div class="controls">
    <Action
      view={view}
      to={`/jobs/${t.name}/run`}
      label="Run now"
      name={`Run now: ${t.name}`}
      once
    />
    {t.paused
      ? (
        <Action
          view={view}
          to={`/jobs/${t.name}/resume`}
          label="Resume"
          name={`Resume ${t.name}`}
        />
      )
      : <Action view={view} to={`/jobs/${t.name}/pause`} label="Pause" name={`Pause ${t.name}`} />}
  </div>
);

export const JobsTable: FC<{ rows: JobRow[]; view: View }> = ({ rows, view }) => (
  <Scroll label="Jobs">
    <table class="jobs">
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Status</th>
          <th scope="col">Schedule</th>
          <th scope="col">Last run</th>
          <th scope="col">Next run</th>
          <th scope="col" class="num">Failures in a row</th>
          <th scope="col">Last 50</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ task: t, words, runs }) => (
          <tr id={`job-${t.name}`} data-job={t.name} data-status={t.status}>
            <th scope="row">
              <a href={`/jobs/${t.name}`}>{t.name}</a>
              <div class="small muted">{t.description}</div>
            </th>
            <td>
              <StatusBadge t={t} />
            </td>
            <td data-label="Schedule">{words}</td>
            <td class="last-run" data-label="Last run">
              <LastRun t={t} view={view} />
              <div class="small muted">{resultSummary(runs.at(-1)?.result)}</div>
            </td>
            <td data-label="Next run">
              {t.nextRunAt
                ? <Time at={new Date(t.nextRunAt)} view={view} rel />
                : <span class="muted">{t.paused ? "paused" : "—"}</span>}
            </td>
            <td class="num" data-label="Failures in a row">{count(t.consecutiveFailures)}</td>
            <td data-label="Last 50">
              <Sparkline runs={runs} label={t.name} />
            </td>
            <td>
              <JobControls t={t} view={view} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </Scroll>
);

/** Incidents; a case's (`verdict-check:case-7`) links to its job's page. */
export const Incidents: FC<{ items: IncidentRow[]; view: View }> = ({ items, view }) =>
  items.length === 0 ? <p class="muted">No incidents.</p> : (
    <ul class="incidents">
      {items.map((i) => (
        <li>
          <span class={`badge ${i.closedAt ? "o-succeeded" : "o-failed"}`}>
            {i.closedAt ? "closed" : "open"}
          </span>{" "}
          <a href={`/jobs/${i.job.split(":")[0]}`}>{i.job}</a> <strong>{i.reason}</strong>{" "}
          {i.detail} · opened <Time at={i.openedAt} view={view} rel />
          {i.closedAt
            ? (
              <>
                , closed <Time at={i.closedAt} view={view} />
                {i.closedBy ? ` by ${i.closedBy}: ${i.note}` : null}
              </>
            )
            : null}
        </li>
      ))}
    </ul>
  );
