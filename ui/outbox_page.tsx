/**
 * The outbox page (`/outbox`): queue depth, the oldest due notification's age, what was sent,
 * retried and dropped (by reason) in the last hour and day, and the rows that failed or were
 * dropped, each with Retry and Discard.
 */
import type { FC } from "hono/jsx";
import type { OutboxOverview, ProblemRow, WindowCounts } from "../domain/outbox_admin.ts";
import { count, duration } from "./format.ts";
import { Action, Num, Scroll, Time, type View } from "./layout.tsx";

const Window: FC<{ label: string; w: WindowCounts }> = ({ label, w }) => (
  <section class="card" aria-label={`Last ${label}`}>
    <h3>Last {label}</h3>
    <dl class="facts">
      <dt>Sent</dt>
      <dd data-count="sent">
        <Num n={w.sent} />
      </dd>
      <dt>Retried</dt>
      <dd data-count="retried">
        <Num n={w.retried} />
      </dd>
      {w.dropped.length === 0
        ? (
          <>
            <dt>Dropped</dt>
            <dd>0</dd>
          </>
        )
        : w.dropped.map((d) => (
          <>
            <dt>
              {d.state}: {d.reason}
            </dt>
            <dd>
              <Num n={d.count} />
            </dd>
          </>
        ))}
    </dl>
  </section>
);

export const OutboxPage: FC<
  { o: OutboxOverview; rows: ProblemRow[]; more: boolean; view: View }
> = ({ o, rows, more, view }) => (
  <>
    <div class="cards">
      <section class="card" aria-label="Queue">
        <h3>Queue</h3>
        <dl class="facts">
          <dt>Waiting</dt>
          <dd data-count="waiting">
            <Num n={o.waiting} />
          </dd>
          <dt>Due now</dt>
          <dd>
            <Num n={o.due} />
          </dd>
          <dt>Being sent</dt>
          <dd>
            <Num n={o.sending} />
          </dd>
          <dt>Oldest due</dt>
          <dd>{o.oldestDueAgeMs === null ? "—" : `${duration(o.oldestDueAgeMs)} overdue`}</dd>
        </dl>
      </section>
      <Window label="hour" w={o.windows.hour} />
      <Window label="day" w={o.windows.day} />
    </div>
    <h2>Failed, dropped and expired</h2>
    {rows.length === 0
      ? <p class="muted">Nothing failed or was dropped.</p>
      : (
        <Scroll label="Failed, dropped and expired notifications">
          <table class="outbox">
            <thead>
              <tr>
                <th scope="col" class="num">#</th>
                <th scope="col">Chat</th>
                <th scope="col">State</th>
                <th scope="col">Why</th>
                <th scope="col" class="num">Tries</th>
                <th scope="col">Written</th>
                <th scope="col">Message</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-outbox={String(r.id)}>
                  <td class="num">{String(r.id)}</td>
                  <td>{String(r.chatId)}</td>
                  <td>
                    <span class={`badge o-${r.state}`}>{r.state}</span>
                  </td>
                  <td class="error">{r.lastError ?? ""}</td>
                  <td class="num">{count(r.attempts)}</td>
                  <td>
                    <Time at={r.createdAt} view={view} rel />
                  </td>
                  <td class="message">
                    {cut(r.text, 160)}
                  </td>
                  <td>
                    <div class="controls">
                      <Action
                        view={view}
                        to={`/outbox/${r.id}/retry`}
                        label="Retry"
                        name={`Retry notification ${r.id}`}
                      />
                      <Action
                        view={view}
                        to={`/outbox/${r.id}/discard`}
                        label="Discard"
                        name={`Discard notification ${r.id}`}
                        confirm="Discard this notification for good?"
                        danger
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    {more
      ? (
        <nav class="pager" aria-label="Outbox pages">
          <a href={`/outbox?before=${rows.at(-1)!.id}`} rel="next">Older rows</a>
        </nav>
      )
      : null}
  </>
);

/** `text` cut to `max` characters (code points: an emoji is never cut in half), "…" marking a cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : text;
}
