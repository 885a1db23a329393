import assert from "node:assert/strict";
import { Hono } from "hono";
import { bodyLimit } from "../routes/body_limit.ts";
import { denoChild } from "./fakes/deno_child.ts";

const chunked = (parts: string[]) =>
  new Request("http://warden.test/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    }),
  });

function app() {
  let reached = 0;
  const hono = new Hono()
    .use(bodyLimit(64, (c) => c.json({ error: "too large" }, 413)))
    .post("/echo", async (c) => (reached++, c.json(await c.req.json())));
  return { hono, reached: () => reached };
}

Deno.test("a body sent without a length reaches the route whole under the limit", async () => {
  const { hono, reached } = app();
  const res = await hono.fetch(chunked(['{"amount":', "5,", '"reason":"x"}']));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { amount: 5, reason: "x" });
  assert.equal(reached(), 1);
});

Deno.test("served, a body without a length leaves no Deno notice on stderr (JSON logs stay JSON)", async () => {
  // Hono's own bodyLimit rebuilt the request as `new Request(raw, …)`, which reads its signal.
  const r = await denoChild(["run", "-A", "tests/fixtures/body_limit_serve.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '200 {"ok":true}');
  assert.equal(r.stderr, "", "nothing on stderr");
});

Deno.test("a body sent without a length is refused once past the limit; the route never runs", async () => {
  const { hono, reached } = app();
  const res = await hono.fetch(chunked(["x".repeat(40), "y".repeat(40)]));
  assert.equal(res.status, 413);
  assert.equal(reached(), 0);
});
