/**
 * A loopback TCP proxy in front of a database, to cut it off and bring it back: `down()`
 * closes the listener and every connection (clients see resets, then refusals), `up()`
 * listens again on the same port.
 */
export function tcpProxy(target: { hostname: string; port: number }) {
  let listener: Deno.Listener | null = null;
  let port = 0;
  const pipes = new Set<{ a: Deno.Conn; b: Deno.Conn; done: Promise<unknown> }>();
  let accepting: Promise<void> = Promise.resolve();

  async function pipe(a: Deno.Conn) {
    let b: Deno.Conn;
    try {
      b = await Deno.connect(target);
    } catch {
      a.close();
      return;
    }
    const done = Promise.allSettled([
      a.readable.pipeTo(b.writable),
      b.readable.pipeTo(a.writable),
    ]);
    const entry = { a, b, done };
    pipes.add(entry);
    await done;
    pipes.delete(entry);
  }

  function up() {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    port = (listener.addr as Deno.NetAddr).port;
    const l = listener;
    accepting = (async () => {
      const running: Promise<void>[] = [];
      try {
        for await (const conn of l) running.push(pipe(conn));
      } catch {
        // closed
      }
      await Promise.allSettled(running);
    })();
  }

  async function down() {
    listener?.close();
    listener = null;
    for (const { a, b } of pipes) {
      for (const c of [a, b]) {
        try {
          c.close();
        } catch {
          // already closed by the other side
        }
      }
    }
    await accepting;
  }

  up();
  return {
    get port() {
      return port;
    },
    up,
    down,
    /** The target's URL with host and port swapped for the proxy's. */
    via(url: string) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    async [Symbol.asyncDispose]() {
      await down();
    },
  };
}
