import assert from "node:assert/strict";
import net from "node:net";
import process from "node:process";
import { closeOnError } from "../db/pg_socket.ts";
import { testDatabase } from "./db.ts";

/** A server that hangs up on every connection at once. */
function hangUp() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) conn.close();
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    [Symbol.dispose]: () => listener.close(),
  };
}

/**
 * The socket's events as postgres.js sees them when it writes after the server hung up (the
 * write that fails a query), and what a query issued from that failure's handler would find.
 */
async function writeAfterHangUp(wrap: boolean) {
  using server = hangUp();
  const raw = net.connect({ host: "127.0.0.1", port: server.port });
  const socket = wrap ? closeOnError(raw) : raw;
  const seen: string[] = [];
  const done = Promise.withResolvers<void>();
  socket.on("data", () => {});
  socket.on("error", (e) => {
    seen.push(`error: ${e.message}`);
    // What the failed query's catch does next: issue another query, a turn later.
    queueMicrotask(() => seen.push("next query issued"));
  });
  socket.on("close", (hadError) => {
    seen.push(`close: ${hadError}`);
    socket.removeAllListeners(); // as postgres.js does
    done.resolve();
  });
  socket.on("end", () => process.nextTick(() => socket.write("Q")));
  await done.promise;
  await new Promise((r) => setTimeout(r, 0));
  return seen;
}

Deno.test("a socket that errors is closed in the same turn: a query issued from the error's handler finds it closed", async () => {
  const wrapped = await writeAfterHangUp(true);
  assert.deepEqual(wrapped, [
    "error: This socket has been ended by the other party",
    "close: true",
    "next query issued",
  ]);
  // Unwrapped, the next query lands between the two, on a connection postgres.js still uses:
  // the order that left a slot claim unanswered forever.
  const raw = await writeAfterHangUp(false);
  assert.deepEqual(raw, [
    "error: This socket has been ended by the other party",
    "next query issued",
    "close: true",
  ]);
});

Deno.test("after the close, a later error with nobody listening does not end the process", () => {
  const socket = closeOnError(new net.Socket());
  const seen: string[] = [];
  socket.on("error", () => seen.push("error"));
  socket.on("close", () => {
    seen.push("close");
    socket.removeAllListeners();
  });
  socket.emit("error", new Error("first"));
  assert.equal(socket.emit("error", new Error("second, unheard")), false);
  assert.equal(socket.emit("close", true), false, "one close only");
  assert.deepEqual(seen, ["error", "close"]);
  socket.destroy();
});

Deno.test("the app's clients connect through it: queries and transactions work", async () => {
  await using db = await testDatabase();
  const [{ n }] = await db.sql`SELECT 41 + 1 AS n`;
  assert.equal(n, 42);
  const rows = await db.sql.begin((tx) => tx`SELECT 1 AS one`);
  assert.equal(rows[0].one, 1);
});
