/** A database server that accepts connections and never answers, for the routes' deadlines. */
import postgres from "postgres";

/**
 * A postgres.js client on a loopback listener that takes every connection and stays silent (no
 * startup reply, ever); `connectTimeout` (s) is how long the client alone would wait. Disposing
 * ends the client and closes the listener and what it held.
 */
export function silentDatabase(connectTimeout: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const sql = postgres(`postgres://warden@127.0.0.1:${listener.addr.port}/warden`, {
    max: 1,
    connect_timeout: connectTimeout,
  });
  return {
    sql,
    async [Symbol.asyncDispose]() {
      const sqlEnded = sql.end({ timeout: 0 });
      listener.close();
      for (const conn of held) conn.close();
      await accepting;
      await sqlEnded;
    },
  };
}
