/**
 * A job's page (`/jobs/:name`): its state and controls, the next 10 slots, its run history
 * (paged, filtered by outcome and trigger) with each run's result and error, and its incidents.
 */
import type { FC } from "hono/jsx";
import type { TaskView } from "../actors/task_view.ts";
import { type HistoryFilter, type HistoryRun, OUTCOMES, TRIGGERS } from "./data.ts";
import { count, duration, resultSummary } from "./format.ts";
import { Incidents, JobControls, LastRun, Sparkline, StatusBadge } from "./jobs_page.tsx";
import type { IncidentRow, SparkRun } from "./data.ts";
import { Scroll, Time, type View } from "./layout.tsx";

export interface JobPageData {
  task: TaskView;
  words: string;
  slots: Date[];
  runs: SparkRun[];
  history: { runs: HistoryRun[]; more: boolean };
  filter: HistoryFilter;
  incidents: IncidentRow[];
}

function pageLink(name: string, f: HistoryFilter, before?: HistoryRun): string {
  const q = new URLSearchParams();
  if (f.outcome) q.set("outcome", f.outcome);
  if (f.trigger) q.set("trigger", f.trigger);
  if (before) q.set("before", `${before.startedAt.toISOString()}~${before.id}`);
  const s = q.toString();
  return `/jobs/${name}${s ? `?${s}` : ""}#history`;
}

const Select: FC<{ name: string; label: string; options: readonly string[]; value?: string }> = (
  { name, label, options, value },
) => (
  <label>
    {label}{" "}
    <select name={name}>
      <option value="">any</option>
      {options.map((o) => <option key={o} value={o} selected={o === value}>{o}</option>)}
    </select>
  </label>
);

export const JobPage: FC<{ d: JobPageData; view: View }> = ({ d, view }) => {
  const t = d.task;
  return (
    <>
      <p>{t.description}</p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge t={t} />
        </dd>
        <dt>Schedule</dt>
        <dd>{d.words}</dd>
        <dt>Last run</dt>
        <dd>
          <LastRun t={t} view={view} />
        </dd>
        <dt>Last success</dt>
        <dd>
          <Time at={t.lastSuccessAt ? new Date(t.lastSuccessAt) : null} view={view} rel />
        </dd>
        <dt>Failures in a row</dt>
        <dd>{count(t.consecutiveFailures)}</dd>
        <dt>Last 50 runs</dt>
        <dd>
          <Sparkline runs={d.runs} label={t.name} />
        </dd>
      </dl>
      <JobControls t={t} view={view} />

      <h2>Next 10 slots</h2>
      {d.slots.length === 0
        ? <p class="muted">{t.paused ? "Paused: no slot runs until it is resumed." : "None."}</p>
        : (
          <ol class="slots">
            {d.slots.map((s) => (
              <li>
                <Time at={s} view={view} rel />
              </li>
            ))}
          </ol>
        )}

      <h2 id="history">Runs</h2>
      <form method="get" action={`/jobs/${t.name}#history`} class="filters">
        <Select name="outcome" label="Outcome" options={OUTCOMES} value={d.filter.outcome} />
        <Select name="trigger" label="Trigger" options={TRIGGERS} value={d.filter.trigger} />
        <button type="submit">Filter</button>
      </form>
      {d.history.runs.length === 0 ? <p class="muted">No runs match.</p> : (
        <Scroll label="Runs">
          <table class="runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Outcome</th>
                <th scope="col">Trigger</th>
                <th scope="col">Slot</th>
                <th scope="col" class="num">Took</th>
                <th scope="col">Node</th>
                <th scope="col">Result or error</th>
              </tr>
            </thead>
            <tbody>
              {d.history.runs.map((r) => (
                <tr data-run={r.id}>
                  <td>
                    <Time at={r.startedAt} view={view} />
                  </td>
                  <td>
                    <span class={`badge o-${r.outcome}`}>{r.outcome}</span>
                    {r.attempt > 1 ? <span class="small">attempt {r.attempt}</span> : null}
                  </td>
                  <td>{r.trigger}</td>
                  <td>
                    <Time at={r.scheduledFor} view={view} />
                  </td>
                  <td class="num">
                    {r.finishedAt ? duration(r.finishedAt.getTime() - r.startedAt.getTime()) : "…"}
                  </td>
                  <td class="small">{r.node}</td>
                  <td>
                    {r.error ? <span class="error">{r.error}</span> : resultSummary(r.result)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <nav class="pager" aria-label="Run pages">
        {d.filter.before ? <a href={pageLink(t.name, d.filter)}>Newest</a> : null}
        {d.history.more
          ? <a href={pageLink(t.name, d.filter, d.history.runs.at(-1))} rel="next">Older runs</a>
          : null}
      </nav>

      <h2>Incidents</h2>
      <Incidents items={d.incidents} view={view} />
    </>
  );
};
