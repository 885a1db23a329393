import { z } from "zod";

/**
 * A row id (an incident's, an outbox row's, a ledger line's) as a person types it in a path, a
 * query or a command line: digits only, no leading zero, sign or exponent, 1 to 2^53 - 1.
 *
 * ```ts
 * rowId.safeParse("42").data; // 42
 * rowId.safeParse("1e3").success; // false
 * ```
 */
export const rowId = z.string().regex(/^[1-9]\d{0,15}$/).transform(Number)
  .refine(Number.isSafeInteger);
