import { Hono } from "hono";
import type postgres from "postgres";
import { z } from "zod";
import { listCases, readCase } from "../domain/case_reads.ts";
import { queryParam } from "./api.ts";
import { bearerAuth } from "./auth.ts";
import { deadline, HttpError, knownQuery, rowIdOr400 } from "./errors.ts";

const status = z.enum(["open", "closed", "all"]).default("all");
const limit = z.string().regex(/^[1-9]\d{0,2}$/).transform(Number).pipe(z.number().max(100))
  .default(20);

/**
 * `GET /api/cases?status=open|closed|all&limit` and `GET /api/cases/:id` (bearer): the dilemma
 * cases, newest first; one case with its vote counts, verdict and salt once closed, its top
 * arguments and its rewards by settlement state.
 */
export function caseRoutes(
  { sql, adminToken, deadlineMs }: { sql: postgres.Sql; adminToken?: string; deadlineMs?: number },
) {
  const admin = bearerAuth(adminToken);
  const bounded = deadline(deadlineMs);
  return new Hono()
    .get("/cases", admin, knownQuery("status", "limit"), bounded, async (c) => {
      const s = queryParam(c, "status", status, "one of open, closed, all");
      const n = queryParam(c, "limit", limit, "1..100");
      return c.json({
        cases: await listCases(sql, { status: s === "all" ? undefined : s, limit: n }),
      });
    })
    .get("/cases/:id", admin, knownQuery(), bounded, async (c) => {
      const id = rowIdOr400(c.req.param("id"), "id", "a case number");
      const found = await readCase(sql, id);
      if (!found) throw new HttpError(404, `unknown case ${id}`);
      return c.json(found);
    });
}
