/**
 * The dilemma cases' commands answer as every member command does (README, "For members"): in a
 * group as a reply to the asking message, in private plainly.
 */
import assert from "node:assert/strict";
import { adminGroup, ana } from "./fakes/admin_group.ts";

Deno.test("/case, /verify, /propose and /wallet answer in a group as a reply to the asking message", async () => {
  await using g = await adminGroup();
  const lastSend = () => g.api.calls.filter((c) => c.method === "sendMessage").at(-1)!.params;
  for (const command of ["/case", "/case x", "/verify", "/verify 42", "/propose", "/wallet 0x1"]) {
    const before = g.api.sent.length;
    await g.say(ana, command);
    assert.equal(g.api.sent.length, before + 1, `one answer to ${command}`);
    const reply = lastSend().reply_parameters as { message_id: number } | undefined;
    assert.equal(reply?.message_id, g.lastId(), `${command} answers as a reply`);
  }
  await g.dm(ana, "/wallet nope");
  assert.equal(lastSend().reply_parameters, undefined, "in private, plainly");
});
