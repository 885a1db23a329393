/**
 * The community pages: chats with members, activity and backlog (`/chats`); a chat's boards and
 * member search (`/chats/:chat`); a member's profile, badges and ledger, with give/take XP
 * (`/chats/:chat/members/:user`).
 */
import type { FC } from "hono/jsx";
import type { LedgerLine } from "../domain/admin_xp.ts";
import type { EarnedBadge } from "../domain/badges.ts";
import type { BoardEntry, Period } from "../domain/boards.ts";
import type { MemberProfile } from "../domain/profile.ts";
import type { ChatRow, MemberHit } from "./data.ts";
import { count } from "./format.ts";
import { Num, Scroll, shown, Time, type View } from "./layout.tsx";
import { CSRF_FIELD } from "./session.ts";

export const ChatsPage: FC<{ chats: ChatRow[]; view: View }> = ({ chats, view }) =>
  chats.length === 0
    ? <p class="muted">No chats yet: add the bot to a group.</p>
    : (
      <Scroll label="Chats">
        <table>
          <thead>
            <tr>
              <th scope="col">Chat</th>
              <th scope="col" class="num">Members</th>
              <th scope="col" class="num">Active in 24 h</th>
              <th scope="col" class="num">Messages in 24 h</th>
              <th scope="col" class="num">Backlog</th>
              <th scope="col">Measured</th>
            </tr>
          </thead>
          <tbody>
            {chats.map((c) => (
              <tr data-chat={String(c.chatId)}>
                <th scope="row">
                  <a href={`/chats/${c.chatId}`}>{shown(c.title) || String(c.chatId)}</a>
                  <div class="small muted">{c.kind} · {String(c.chatId)}</div>
                </th>
                <td class="num">{count(c.members)}</td>
                <td class="num">
                  <Num n={c.active24h} />
                </td>
                <td class="num">
                  <Num n={c.messages24h} />
                </td>
                <td class="num">{count(c.backlog)}</td>
                <td>
                  <Time at={c.snapshotAt} view={view} rel />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    );

export const PERIOD_LABEL: Record<Period, string> = {
  day: "Today",
  week: "This week",
  month: "This month",
  all: "All time",
};

export const ChatPage: FC<
  {
    chat: ChatRow;
    period: Period;
    board: { computedAt: string | null; live: boolean; entries: BoardEntry[] };
    q: string;
    hits: MemberHit[] | null;
    view: View;
  }
> = ({ chat, period, board, q, hits, view }) => (
  <>
    <p>
      {count(chat.members)} members · {count(chat.backlog)} notifications waiting
    </p>
    <h2>Find a member</h2>
    <form method="get" action={`/chats/${chat.chatId}`} class="filters" role="search">
      <input type="hidden" name="period" value={period} />
      <label>
        Name, @username or id <input type="search" name="q" value={q} autocomplete="off" />
      </label>
      <button type="submit">Search</button>
    </form>
    {hits === null
      ? null
      : hits.length === 0
      ? <p class="muted">Nobody matches “{q}”.</p>
      : (
        <ul class="hits">
          {hits.map((h) => (
            <li>
              <a href={`/chats/${chat.chatId}/members/${h.userId}`}>{h.name || String(h.userId)}</a>
              {h.username ? <span class="muted">@{h.username}</span> : null} · level {h.level} ·
              {" "}
              {count(h.xp)} XP
            </li>
          ))}
        </ul>
      )}
    <h2>Leaderboard</h2>
    <nav class="tabs" aria-label="Board period">
      {(["day", "week", "month", "all"] as Period[]).map((p) => (
        <a
          href={`/chats/${chat.chatId}?period=${p}`}
          aria-current={p === period ? "page" : undefined}
        >
          {PERIOD_LABEL[p]}
        </a>
      ))}
    </nav>
    <p class="small muted">
      {board.live
        ? "Live: this period began after the last recalculation, so it is read from the ledger."
        : board.computedAt
        ? (
          <>
            Computed <Time at={new Date(board.computedAt)} view={view} rel />
          </>
        )
        : "Not computed yet: leaderboard-recalc runs every 15 minutes."}
    </p>
    {board.entries.length === 0
      ? <p class="muted">Nobody on this board yet.</p>
      : (
        <Scroll label="Board">
          <table class="board">
            <thead>
              <tr>
                <th scope="col" class="num">Rank</th>
                <th scope="col">Member</th>
                <th scope="col" class="num">XP</th>
              </tr>
            </thead>
            <tbody>
              {board.entries.map((e) => (
                <tr>
                  <td class="num">{e.rank}</td>
                  <td>
                    <a href={`/chats/${chat.chatId}/members/${e.userId}`}>
                      {e.name || String(e.userId)}
                    </a>
                  </td>
                  <td class="num">{count(e.score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
  </>
);

/** A member's page; a bot's offers no Give (bots earn no XP), only Take (cleaning up). */
export const MemberPage: FC<{
  p: MemberProfile;
  badges: EarnedBadge[];
  /** One page of the ledger, newest first; `more` when older lines follow, `paged` past the first. */
  ledger: LedgerLine[];
  more: boolean;
  paged: boolean;
  isBot: boolean;
  view: View;
}> = ({ p, badges, ledger, more, paged, isBot, view }) => (
  <>
    <p>
      <a href={`/chats/${p.chatId}`}>← back to the chat</a>
    </p>
    <dl class="facts">
      <dt>Level</dt>
      <dd>
        {p.level}
        {p.levelName ? ` · ${p.levelName}` : ""} {p.nextLevelXp === null
          ? "(the top level)"
          : p.xp >= p.nextLevelXp
          ? "(a level-up is due: the level-ups job grants it)"
          : `(${Math.round(p.progress * 100)}% of the way to the next)`}
      </dd>
      <dt>XP</dt>
      <dd data-xp={String(p.xp)}>{count(p.xp)}</dd>
      <dt>Streak</dt>
      <dd>
        {count(p.streak.current)} {p.streak.current === 1 ? "day" : "days"} (best{" "}
        {count(p.streak.best)}), {count(p.streak.protections)} protections
      </dd>
      <dt>Lives</dt>
      <dd>{p.lives.current} of {p.lives.max}</dd>
      <dt>Messages</dt>
      <dd>
        {count(p.counters.messages)} · {count(p.counters.links)} links ·{" "}
        {count(p.counters.thanksReceived)} thanks
      </dd>
      <dt>Rank</dt>
      <dd>
        {(["day", "week", "month", "all"] as Period[]).map((k) =>
          `${PERIOD_LABEL[k]}: ${p.rank[k] ?? "—"}`
        )
          .join(" · ")}
      </dd>
    </dl>
    <h2>Badges ({badges.length})</h2>
    {badges.length === 0 ? <p class="muted">None yet.</p> : (
      <ul class="badges">
        {badges.map((b) => (
          <li title={b.description}>
            {b.emoji} {b.name}{" "}
            <span class="muted small">
              earned <Time at={new Date(b.earnedAt)} view={view} />
            </span>
          </li>
        ))}
      </ul>
    )}
    {view.csrf
      ? (
        <>
          <h2>{isBot ? "Take XP" : "Give or take XP"}</h2>
          {isBot ? <p class="muted">Bots earn no XP: it can only be taken.</p> : null}
          <form method="post" action={`/chats/${p.chatId}/members/${p.userId}/xp`} class="xp-form">
            <input type="hidden" name={CSRF_FIELD} value={view.csrf} />
            <input type="hidden" name="back" value={view.path} />
            <input type="hidden" name="form" value={crypto.randomUUID()} />
            <label>
              XP{" "}
              <input
                type="number"
                name="amount"
                min="1"
                max="1000000"
                required
                inputmode="numeric"
              />
            </label>
            <label>
              Reason <input type="text" name="reason" maxlength={200} required />
            </label>
            {isBot ? null : <button type="submit" name="direction" value="give">Give</button>}
            <button type="submit" name="direction" value="take" class="danger">Take</button>
          </form>
        </>
      )
      : null}
    <h2>Ledger</h2>
    {ledger.length === 0 ? <p class="muted">No XP yet.</p> : (
      <Scroll label="Ledger">
        <table class="ledger">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col" class="num">XP</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {ledger.map((l) => (
              <tr data-ledger={String(l.id)}>
                <td>
                  <Time at={l.at} view={view} />
                </td>
                <td class="num">{l.amount > 0 ? `+${count(l.amount)}` : count(l.amount)}</td>
                <td>
                  {l.reason}
                  {l.note ? `: ${l.note}` : ""}
                </td>
                <td class="small">{l.author ?? "Warden"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    )}
    {more || paged
      ? (
        <nav class="pager" aria-label="Ledger pages">
          {paged ? <a href={`/chats/${p.chatId}/members/${p.userId}`}>Newest lines</a> : null}
          {more
            ? (
              <a
                href={`/chats/${p.chatId}/members/${p.userId}?before=${ledger.at(-1)!.id}`}
                rel="next"
              >
                Older lines
              </a>
            )
            : null}
        </nav>
      )
      : null}
  </>
);
