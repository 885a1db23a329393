import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { runToJson } from "../actors/run_store.ts";
import type { Runtime } from "../actors/runtime.ts";
import { bearerAuth } from "./auth.ts";
import { deadline, HttpError, knownQuery, singleQuery } from "./errors.ts";

const waitQuery = z.stringbool({ error: "expected true or false" }).optional();

/** `POST /health/tasks/:name/run|pause|resume` and `POST /health/tasks/stop|start` (bearer). */
export function controlRoutes(
  { runtime, adminToken, deadlineMs }: {
    runtime: Runtime;
    adminToken?: string;
    deadlineMs?: number;
  },
) {
  const admin = bearerAuth(adminToken); // on each route, whatever else is mounted around it
  const bounded = deadline(deadlineMs); // a database outage answers 503 within it
  // `run?wait=true` waits for the run itself, however long it takes
  const unlessWaiting: MiddlewareHandler = (c, next) =>
    waitQuery.safeParse(c.req.queries("wait")?.length === 1 && c.req.query("wait")).data
      ? next()
      : bounded(c, next);
  return new Hono()
    .post(
      "/stop",
      admin,
      knownQuery(),
      bounded,
      async (c) => c.json({ paused: await runtime.pauseAll() }),
    )
    .post(
      "/start",
      admin,
      knownQuery(),
      bounded,
      async (c) => c.json({ resumed: await runtime.resumeAll() }),
    )
    .post("/:name/run", admin, knownQuery("wait"), unlessWaiting, async (c) => {
      const name = c.req.param("name");
      runtime.actor(name); // 404 before anything is parsed
      const raw = singleQuery(c, "wait");
      const wait = waitQuery.safeParse(raw);
      if (!wait.success) {
        throw new HttpError(400, `query wait=${JSON.stringify(raw)}: expected true or false`);
      }
      if (runtime.shuttingDown) throw new HttpError(503, `Cannot run ${name}: shutting down`);
      if (!wait.data) {
        return c.json({ runId: runtime.trigger(name), job: name, status: "queued" }, 202);
      }
      const run = await runtime.run(name);
      if (!run) throw new HttpError(409, `run of ${name} could not claim its slot`);
      return c.json(runToJson(run));
    })
    .post("/:name/pause", admin, knownQuery(), bounded, async (c) => {
      const name = c.req.param("name");
      await runtime.pause(name);
      return c.json({ job: name, paused: true });
    })
    .post("/:name/resume", admin, knownQuery(), bounded, async (c) => {
      const name = c.req.param("name");
      await runtime.resume(name);
      return c.json({ job: name, paused: false });
    });
}
