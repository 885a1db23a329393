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
 * What a PostgreSQL server sends first: Authentication "R", ErrorResponse "E" or
 * NegotiateProtocolVersion "v" to the startup message, "S"/"N" to an SSLRequest, a TLS handshake
 * record (0x16) to a direct TLS hello.
 */
const FIRST_BYTES = new Set([..."REvSN"].map((c) => c.charCodeAt(0)).concat(0x16));

/**
 * Makes `socket` fail, naming `address`, when its peer is not a PostgreSQL server: a first answer
 * no server sends, or a hang-up before any answer. postgres.js 3.4.9 reconnects at once, for ever,
 * when a connection closes cleanly before its startup is done (an HTTP port, a proxy without a
 * backend): the command waited for ever. As an error, it fails the query that was waiting.
 * Only the first chunk is looked at.
 */
export function refuseNonPostgres(socket: net.Socket, address: string): net.Socket {
  const emit: Emit = socket.emit.bind(socket);
  let answered = false;
  const fail = (message: string, code: string) => {
    answered = true;
    emit("error", Object.assign(new Error(`the server at ${address} ${message}`), { code }));
  };
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === "data" && !answered) {
      const chunk = args[0] as Uint8Array;
      if (chunk.length > 0 && !FIRST_BYTES.has(chunk[0])) {
        const said = new TextDecoder().decode(chunk.subarray(0, 200)).split(/\r?\n/)[0]
          .replace(/[^\x20-\x7e]/g, "?").slice(0, 60);
        // pglite-socket's answer past its maxConnections: full for now, as Postgres's 53300
        if (said === "Too many connections") fail(`refused the connection: "${said}"`, "53300");
        else fail(`does not answer as PostgreSQL: it sent ${JSON.stringify(said)}`, "EPROTO");
        socket.destroy();
        return true;
      }
      answered = chunk.length > 0;
    }
    if (event === "error") answered = true; // the socket's own error says it already
    if (event === "close" && !answered && !args[0]) {
      // postgres.js may ask again: a server that is starting may answer then
      fail("closed the connection without answering", "ECONNRESET");
      return true;
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
  return socket;
}

/**
 * The `socket` option for postgres.js: a connecting socket (postgres.js writes its startup
 * message at once; the socket sends it once connected), to the hosts in turn. `host` and `port`
 * are set as postgres.js sets them on its own sockets: its errors name them
 * ("write CONNECT_TIMEOUT db:5432").
 */
export function pgSocket(): (o: { host: string[]; port: number[] }) => net.Socket {
  let next = 0;
  return (o) => {
    const i = next++ % o.host.length;
    const [host, port] = [o.host[i], o.port[i] ?? o.port[0]];
    const socket = refuseNonPostgres(closeOnError(net.connect({ host, port })), `${host}:${port}`);
    return Object.assign(socket, { host, port });
  };
}
