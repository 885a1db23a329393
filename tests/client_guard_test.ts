import assert from "node:assert/strict";
import { guardClientBug } from "../db/connect.ts";

Deno.test("the postgres.js timer fault is contained and reported; other uncaught errors are left alone", () => {
  const reported: unknown[] = [];
  const unguard = guardClientBug((e) => reported.push(e));
  try {
    const fault = new TypeError("Cannot read properties of null (reading 'write')");
    fault.stack =
      `${fault.message}\n    at write (file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/connection.js:1:1)`;
    const contained = !globalThis.dispatchEvent(
      new ErrorEvent("error", { error: fault, cancelable: true }),
    );
    assert.equal(contained, true);
    assert.deepEqual(reported, [fault]);

    const other = new TypeError("something else");
    const passedOn = globalThis.dispatchEvent(
      new ErrorEvent("error", { error: other, cancelable: true }),
    );
    assert.equal(passedOn, true, "not prevented");
    assert.equal(reported.length, 1);
  } finally {
    unguard();
  }
});

Deno.test("a stray rejection of a backend terminated on purpose (57P01) is contained; others are not", () => {
  const reported: unknown[] = [];
  const unguard = guardClientBug((e) => reported.push(e));
  try {
    const terminated = Object.assign(
      new Error("terminating connection due to administrator command"),
      { code: "57P01" },
    );
    terminated.stack = `${terminated.message}\n    at ErrorResponse ` +
      `(file:///x/node_modules/.deno/postgres@3.4.9/node_modules/postgres/src/connection.js:815:30)`;
    const rejection = (reason: unknown) =>
      new PromiseRejectionEvent("unhandledrejection", {
        promise: Promise.resolve(),
        reason,
        cancelable: true,
      });
    assert.equal(globalThis.dispatchEvent(rejection(terminated)), false, "contained");
    assert.deepEqual(reported, [terminated]);
    const other = Object.assign(new Error("deadlock detected"), {
      code: "40P01",
      stack: terminated.stack,
    });
    assert.equal(globalThis.dispatchEvent(rejection(other)), true, "passed on");
    assert.equal(reported.length, 1);
  } finally {
    unguard();
  }
});
