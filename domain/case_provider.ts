import type postgres from "postgres";
import { z } from "zod";
import { CASE_BANK } from "./case_bank.ts";

const text = (max: number) => z.string().trim().min(1).max(max);
const texts = (max: number) => z.object({ en: text(max), es: text(max) });

/**
 * A dilemma as a provider hands it over, verdict included, checked whole before anything is
 * stored: two to four options with distinct ids, a verdict that is one of them, texts in English
 * and Spanish within Telegram's limits (a button label fits a line).
 */
export const caseDraft = z.object({
  key: z.string().regex(/^[\w.:-]{1,80}$/, "expected a short key of letters, digits, . : _ -"),
  title: texts(120),
  body: texts(1500),
  options: z.array(z.object({
    id: z.string().regex(/^[a-z0-9-]{1,16}$/, "expected an option id like a or return"),
    label: texts(60),
  })).min(2).max(4),
  verdict: z.string(),
  reasoning: texts(600),
}).superRefine((d, ctx) => {
  const ids = d.options.map((o) => o.id);
  if (new Set(ids).size !== ids.length) {
    ctx.addIssue({ code: "custom", path: ["options"], message: `option ids repeat: ${ids}` });
  }
  if (!ids.includes(d.verdict)) {
    ctx.addIssue({
      code: "custom",
      path: ["verdict"],
      message: `verdict ${JSON.stringify(d.verdict)} is not one of the options (${ids.join(", ")})`,
    });
  }
});
export type CaseDraft = z.infer<typeof caseDraft>;

/** A provider's answer that is not a whole, valid case: recorded, and the run retried. */
export class ProviderAnswerError extends Error {
  override name = "ProviderAnswerError";
}

/** Where cases come from (`CASE_PROVIDER`). */
export interface CaseProvider {
  readonly name: "bank" | "openai";
  /** The next case to run; throws `ProviderAnswerError` (or a network error) without one. */
  next(sql: postgres.Sql, signal: AbortSignal): Promise<CaseDraft>;
}

/**
 * The shipped bank: the first entry not used in the current round, in order; when every entry
 * has run, a new round starts. A case's `source_key` is `bank:<key>:<round>`.
 */
export function bankProvider(bank: readonly CaseDraft[] = CASE_BANK): CaseProvider {
  for (const entry of bank) caseDraft.parse(entry);
  return {
    name: "bank",
    async next(sql) {
      const [{ n }] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM cases WHERE source = 'bank'`;
      const round = Math.floor(n / bank.length) + 1;
      const used = new Set(
        (await sql<{ key: string }[]>`
          SELECT split_part(source_key, ':', 2) AS key FROM cases
          WHERE source = 'bank' AND source_key LIKE ${`bank:%:${round}`}`).map((r) => r.key),
      );
      const entry = bank.find((e) => !used.has(e.key)) ?? bank[0];
      return { ...entry, key: `bank:${entry.key}:${round}` };
    },
  };
}
