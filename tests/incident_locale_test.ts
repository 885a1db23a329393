// An incident without an admin chat writes no alert, so it builds no alert text: that would read
// the locale data (`Intl`, about 5 MB resident) into a Warden that may never need it. Its own file:
// the alert text is built once per process, so no other test may have built it first.
import assert from "node:assert/strict";
import { incidentAlerts } from "../domain/incidents.ts";
import { testDatabase } from "./db.ts";

const at = (m: number) => new Date(Date.UTC(2026, 5, 1, 10, m));

/** Counts `Intl.NumberFormat` and `Intl.PluralRules` made from here on; `restore` puts them back. */
function intlSpy() {
  const intl = Intl as unknown as Record<string, unknown>;
  const names = ["NumberFormat", "PluralRules"];
  const originals = names.map((n) => intl[n] as new (...a: unknown[]) => object);
  const spy = { made: 0, restore: () => names.forEach((n, i) => intl[n] = originals[i]) };
  names.forEach((n, i) =>
    intl[n] = new Proxy(originals[i], {
      construct: (target, args) => (spy.made++, Reflect.construct(target, args)),
      apply: (target, self, args) => (spy.made++, Reflect.apply(target, self, args)),
    })
  );
  return spy;
}

Deno.test("an incident without an admin chat reads no locale data; with one, its alert does", async () => {
  await using db = await testDatabase();
  const spy = intlSpy();
  try {
    const silent = incidentAlerts(db.sql, {});
    await silent.raise({ child: "level-ups", error: "boom", at: at(1) });
    await silent.recovered("level-ups", at(2));
    const [{ n }] = await db
      .sql`SELECT count(*)::int AS n FROM incidents WHERE closed_at IS NOT NULL`;
    assert.equal(n, 1, "the incident was opened and closed");
    assert.equal(spy.made, 0, "no Intl object made without an admin chat");

    await incidentAlerts(db.sql, { adminChatId: -5 }).raise({
      child: "badge-check",
      error: "boom",
      at: at(3),
    });
    const [alert] = await db.sql`SELECT text FROM outbox WHERE chat_id = -5`;
    assert.match(alert.text, /badge-check/);
    assert.ok(spy.made > 0, "the alert's text formats numbers and plurals");
  } finally {
    spy.restore();
  }
});
