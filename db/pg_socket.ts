/**
 * The TCP socket every postgres.js client of the app connects through (its `socket` option).
 *
 * Why: postgres.js 3.4.9 handles a socket error in two steps, the `error` event (it fails the
 * queries it holds) and the `close` event a tick later (it marks the connection closed, and
 * on an error close fails nothing more). A query issued in between, typically from the
 * `catch` of the one that just failed, is queued on the dying connection and is never
 * answered: a job actor's slot claim hung forever after a database outage this way (seen in
 * tests/claims_test.ts under load), and the write it schedules throws from a timer
 * (upstream #1154/#1208, contained by `guardClientBug`). Here a socket that errors is
 * reported closed at once, in the same turn, so the next query reconnects (and fails fast
 * while the database is away) instead of waiting on a connection that is gone.
 */
import net from "node:net";

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/** Makes `socket` emit `close` right after its first `error`, and swallow what comes after. */
export function closeOnError(socket: net.Socket): net.Socket {
  const emit: Emit = socket.emit.bind(socket);
  let closed = false;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === "close") {
      if (closed) return false;
      closed = true;
      return emit(event, ...args);
    }
    if (event === "error") {
      // After the close postgres.js listens no more: an error then must not end the process.
      if (socket.listenerCount("error") === 0) return false;
      const handled = emit(event, ...args);
      if (!closed) {
        closed = true;
        emit("close", true);
      }
      return handled;
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket;
}

/**
 * The `socket` option for postgres.js: a connecting socket (postgres.js writes its startup
 * message at once; the socket sends it once connected), to the hosts in turn.
 */
export function pgSocket(): (o: { host: string[]; port: number[] }) => net.Socket {
  let next = 0;
  return (o) => {
    const i = next++ % o.host.length;
    return closeOnError(net.connect({ host: o.host[i], port: o.port[i] ?? o.port[0] }));
  };
}
