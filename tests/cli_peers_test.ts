/**
 * Peers that are not what they should be: a `DATABASE_URL` that reaches something other than
 * PostgreSQL (an HTTP port, a proxy with no backend), a Bot API that never answers. The command
 * ends with one line naming the address and what answered, not a hang. postgres.js 3.4.9
 * reconnects at once, for ever, to a server that hangs up before the startup is done, and grammY
 * waits 500 s for an answer, so each of these ran until killed.
 */
import assert from "node:assert/strict";
import { defaultWaitMs } from "./fakes/deadline.ts";
import { denoChild } from "./fakes/deno_child.ts";

/** A loopback TCP server that does `answer` with every connection, then hangs up. */
function server(answer: (conn: Deno.Conn) => Promise<unknown>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const served = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      answer(conn).catch(() => {}).finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed already */ }
      });
    }
  })();
  return {
    url: `postgres://postgres@127.0.0.1:${listener.addr.port}/warden`,
    address: `127.0.0.1:${listener.addr.port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) conn.close();
      await served;
    },
  };
}

const HTTP_400 = "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/** `deno run -A <args>` on `url`; killed at the deadline, so a hang fails on its exit code. */
const child = (args: string[], url: string, env: Record<string, string> = {}) =>
  denoChild(["run", "-A", ...args], {
    env: { DATABASE_URL: url, PORT: "0", ...env },
    signal: AbortSignal.timeout(defaultWaitMs),
  });

Deno.test("the CLI on a DATABASE_URL that is not PostgreSQL: exit 1, one line naming it", async () => {
  await using http = server(async (conn) => {
    await conn.read(new Uint8Array(1024));
    await conn.write(new TextEncoder().encode(HTTP_400));
  });
  await using full = server((conn) =>
    conn.write(new TextEncoder().encode("Too many connections\n"))
  );
  let hangUps = 0;
  await using hangUp = server(() => Promise.resolve(hangUps++));
  await using readThenHangUp = server((conn) => conn.read(new Uint8Array(1024)));
  // says nothing: postgres.js's connect_timeout (10 s) ends it, naming the address it tried
  await using silent = server((conn) =>
    conn.read(new Uint8Array(1024)).then(() => new Promise(() => {}))
  );
  const cases: Array<[{ url: string; address: string }, string]> = [
    [
      http,
      `failed: the server at ${http.address} does not answer as PostgreSQL: it sent "HTTP/1.1 400 Bad Request"`,
    ],
    [full, `failed: the server at ${full.address} refused the connection: "Too many connections"`],
    [hangUp, `failed: the server at ${hangUp.address} closed the connection without answering`],
    [
      readThenHangUp,
      `failed: the server at ${readThenHangUp.address} closed the connection without answering`,
    ],
    [silent, `failed: write CONNECT_TIMEOUT ${silent.address}`],
  ];
  const results = await Promise.all(
    cases.map(([s]) => child(["cli.ts", "jobs", "status", "lease-rescue"], s.url)),
  );
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 1, `${cases[i][1]}: ${r.stdout}\n${r.stderr}`);
    assert.equal(r.stderr, cases[i][1]);
    assert.equal(r.stdout, "");
  }
  // once: a second try of the migration's failed reserve kept the command 5 s more to close
  assert.equal(hangUps, 1, "one connection tried");
});

Deno.test("the start on a DATABASE_URL that is not PostgreSQL: exit 1 at once, naming it", async () => {
  await using http = server(async (conn) => {
    await conn.read(new Uint8Array(1024));
    await conn.write(new TextEncoder().encode(HTTP_400));
  });
  const r = await child(["main.ts"], http.url);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    `warden: cannot start: the database at ${http.url} failed: Error: the server at ${http.address} ` +
      `does not answer as PostgreSQL: it sent "HTTP/1.1 400 Bad Request"`,
  );
});

Deno.test("telegram webhook on a Bot API that never answers: exit 1 after 10 s, naming the call", async () => {
  await using silent = server((conn) =>
    conn.read(new Uint8Array(4096)).then(() => new Promise(() => {}))
  );
  const r = await child(["cli.ts", "telegram", "webhook", "info"], "", {
    TELEGRAM_BOT_TOKEN: "123456:SECRETtokenZZ",
    TELEGRAM_API_ROOT: `http://${silent.address}`,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    "failed: Network request for 'getWebhookInfo' failed! " +
      "(Request to 'getWebhookInfo' timed out after 10 seconds)",
  );
});
