import type postgres from "postgres";
import { defineJob, type JobSpec } from "../actors/job.ts";
import { type CaseDraft, type CaseProvider } from "./case_provider.ts";
import { casePost, commitmentOf, hex, inEveryLanguage, voteKeyboard } from "./case_texts.ts";
import { sqlChatLanguage } from "./job_texts.ts";

export interface CaseGenerationOptions {
  provider: CaseProvider;
  /** How long voting lasts (`CASE_VOTING_HOURS`). */
  votingHours: number;
  /** With `evm`, the commitment is also anchored on chain (by `settlement-monitor`). */
  rail: "xp" | "evm";
}

/**
 * `case-generation` (every 12 h; seed 001). One case per slot, whichever replica runs it: the
 * provider's draft is checked whole, its verdict committed as `sha256(verdict ‖ salt)` with a
 * fresh salt, and the case, its anchor (evm rail) and its post in every chat that takes part
 * (`cases_enabled`, each in the chat's language, with the vote buttons; the post expires when
 * voting closes) are written in one transaction. A provider failure is recorded in
 * `case_attempts` and fails the run, which the runtime retries: never half a case.
 */
export function caseGenerationJob(o: CaseGenerationOptions): JobSpec {
  return defineJob({
    name: "case-generation",
    description: "Opens a new dilemma case with its verdict committed before voting",
    schedule: "0 */12 * * *",
    timeout: "5m",
    async run(ctx) {
      const at = ctx.scheduledFor;
      const [made] = await ctx.db`SELECT id FROM cases WHERE slot = ${at}`;
      if (made) return { processed: 0, changed: 0, details: { caseId: Number(made.id) } };
      let draft: CaseDraft;
      try {
        draft = await o.provider.next(ctx.db, ctx.signal);
      } catch (error) {
        await ctx.db`
          INSERT INTO case_attempts (provider, slot, error)
          VALUES (${o.provider.name}, ${at}, ${String((error as Error)?.message ?? error)})`;
        throw error;
      }
      const opened = await openCase(ctx.db, draft, {
        source: o.provider.name,
        slot: at,
        opensAt: at,
        votingHours: o.votingHours,
        rail: o.rail,
      });
      return {
        processed: 1,
        changed: opened ? 1 : 0,
        details: opened ? { caseId: opened.id, posts: opened.posts } : {},
      };
    },
  });
}

/**
 * Writes a case from `draft` with its commitment, its anchor (evm) and its posts, in one
 * transaction; null when the slot or the draft's key already made one.
 */
export async function openCase(
  sql: postgres.Sql,
  draft: CaseDraft,
  c: {
    source: "bank" | "openai" | "member";
    slot: Date | null;
    opensAt: Date;
    votingHours: number;
    rail: "xp" | "evm";
    creator?: { userId: number; chatId: number };
  },
): Promise<{ id: number; posts: number } | null> {
  const salt = hex(crypto.getRandomValues(new Uint8Array(16)));
  const commitment = await commitmentOf(draft.verdict, salt);
  const votingMs = c.votingHours * 3_600_000;
  const closesAt = new Date(c.opensAt.getTime() + votingMs);
  return await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO cases (source, source_key, title, body, options, verdict, reasoning, salt,
                         commitment, creator_id, creator_chat, slot, opens_at, closes_at)
      VALUES (${c.source}, ${draft.key}, ${tx.json(draft.title)}, ${tx.json(draft.body)},
              ${tx.json(draft.options)}, ${draft.verdict}, ${tx.json(draft.reasoning)}, ${salt},
              ${commitment}, ${c.creator?.userId ?? null}, ${
      c.creator?.chatId ?? null
    }, ${c.slot}, ${c.opensAt}, ${closesAt})
      ON CONFLICT DO NOTHING
      RETURNING id`;
    if (!row) return null;
    const id = Number(row.id);
    if (c.rail === "evm") await tx`INSERT INTO case_anchors (case_id) VALUES (${id})`;
    const view = { ...draft, id, commitment, votingMs };
    const texts = inEveryLanguage((lang) => casePost(view, lang));
    const keyboards = inEveryLanguage((lang) => JSON.stringify(voteKeyboard(view, lang)));
    const posts = await tx`
      INSERT INTO outbox (chat_id, text, reply_markup, dedupe_key, expires_at)
      SELECT ch.chat_id,
             CASE WHEN g.lang = 'es' THEN ${texts.es} ELSE ${texts.en} END,
             (CASE WHEN g.lang = 'es' THEN ${keyboards.es} ELSE ${keyboards.en} END)::jsonb,
             'case-post:' || ${id} || ':' || ch.chat_id, ${closesAt}
      FROM chats ch CROSS JOIN LATERAL (SELECT ${tx.unsafe(sqlChatLanguage("ch"))} AS lang) g
      WHERE ch.cases_enabled AND ch.kind IN ('group', 'supergroup')
      ON CONFLICT (dedupe_key) DO NOTHING`;
    return { id, posts: posts.count };
  });
}
