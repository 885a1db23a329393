/**
 * The README lists every HTTP route the app serves, and nothing it does not: the routes Hono
 * registered (the API, the webhook and the dashboard all mounted) against the README's route
 * tables, one row per route (`…/x` and a bare path continue the row's method).
 */
import assert from "node:assert/strict";
import { createLogger } from "../actors/log.ts";
import { createApp } from "../routes/app.ts";
import { ROOT } from "./fakes/hostile.ts";

/** `METHOD /path` of every route in the README's tables, query strings left out. */
function readmeRoutes(): Set<string> {
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const routes = new Set<string>();
  for (
    const [, cell] of readme.matchAll(/^\| (`(?:GET|POST|PATCH|PUT|DELETE) \/(?:[^|\\]|\\.)*)\|/gm)
  ) {
    let last: [string, string] | undefined;
    for (const item of cell.match(/`[^`]+`/g) ?? []) {
      const [, method, raw] = /^`(?:(GET|POST|PATCH|PUT|DELETE) )?([^`?\s]+)/.exec(item)!;
      const path = raw.startsWith("…/") ? last![1].replace(/\/[^/]+$/, raw.slice(1)) : raw;
      last = [method ?? last![0], path];
      routes.add(last.join(" "));
    }
  }
  return routes;
}

/** What the app serves, `:action{run|pause}` spelt out as one path per action. */
function servedRoutes(): Set<string> {
  // Only the route table is read: nothing is called, so the collaborators are left empty.
  const app = createApp({
    runtime: {} as never,
    readiness: {} as never,
    log: createLogger({ level: "silent" }),
    metrics: { scrape: () => Promise.resolve("") },
    adminToken: "s3cret-admin-token-0123",
    sql: {} as never,
    webhook: { bot: {} as never, secretToken: "webhook-secret-123" },
  });
  const routes = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware (the body limit)
    const choice = /^(.*):\w+\{([\w|-]+)\}$/.exec(r.path);
    const paths = choice ? choice[2].split("|").map((a) => choice[1] + a) : [r.path];
    for (const path of paths) routes.add(`${r.method} ${path}`);
  }
  return routes;
}

Deno.test("the README's route tables list every route the app serves, and only those", () => {
  const served = servedRoutes();
  const listed = readmeRoutes();
  assert.ok(served.size > 40, `the app's routes were read: ${[...served]}`);
  assert.deepEqual([...served].filter((r) => !listed.has(r)), [], "served, not in the README");
  assert.deepEqual([...listed].filter((r) => !served.has(r)), [], "in the README, not served");
});
