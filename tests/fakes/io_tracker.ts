/**
 * Counts the I/O in flight (queries, sends) of the code under test, so that a test on a fake
 * clock moves time only once every task waits on the clock, never while one waits on I/O.
 */
import type postgres from "postgres";

/** What happens to I/O: it goes, fails as a lost connection would, or never ends (a dead process). */
export type Gate = "open" | "cut" | "dead";

const never = <T>() => new Promise<T>(() => {});
const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * @example
 * const io = ioTracker();
 * const sql = io.sql(client); // hand `sql` to the code under test
 * await io.quiet(); // every query it sent has been answered and handled
 */
export function ioTracker() {
  let busy = 0;

  /** Tracks `start()` unless the gate says otherwise; after "dead", its answer never comes. */
  function track<T>(start: () => Promise<T>, gate: () => Gate = () => "open"): Promise<T> {
    const now = gate();
    if (now === "dead") return never();
    if (now === "cut") return Promise.reject(new Error("connection refused"));
    busy++;
    return start().then(
      (v) => (busy--, gate() === "dead" ? never<T>() : v),
      (e) => {
        busy--;
        if (gate() === "dead") return never<T>();
        throw e;
      },
    );
  }

  /** `client`, with every awaited query and transaction tracked; `onQuery` sees each query's text. */
  function sql(
    client: postgres.Sql,
    options: { gate?: () => Gate; onQuery?: (text: string) => void } = {},
  ): postgres.Sql {
    const gate = options.gate ?? (() => "open");
    const query = (q: postgres.PendingQuery<postgres.Row[]>) => {
      const then = q.then.bind(q);
      // Only when awaited: a query used as a fragment of another is never sent by itself.
      // deno-lint-ignore no-explicit-any
      (q as any).then = (ok?: any, err?: any) => {
        // deno-lint-ignore no-explicit-any
        if (gate() === "open") options.onQuery?.((q as any).strings?.join("?") ?? "");
        return track(() => then(), gate).then(ok, err);
      };
      return q;
    };
    return new Proxy(client, {
      apply: (target, self, args) => query(Reflect.apply(target, self, args)),
      get(target, prop, receiver) {
        if (prop === "begin") {
          // deno-lint-ignore no-explicit-any
          return (fn: any) => track(() => target.begin(fn), gate);
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as postgres.Sql;
  }

  return {
    track,
    sql,
    get busy() {
      return busy;
    },
    /** Resolves once nothing tracked is in flight, over a few turns of the event loop. */
    async quiet() {
      for (let calm = 0; calm < 3;) {
        await macrotask();
        calm = busy === 0 ? calm + 1 : 0;
      }
    },
  };
}
