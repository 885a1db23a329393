// The wallet check without viem (domain/wallet.ts) agrees with viem's own EIP-55 checksum
// (`getAddress`) on random addresses, in every case form.
import assert from "node:assert/strict";
import { getAddress } from "viem";
import { parseWallet } from "../domain/wallet.ts";

Deno.test("parseWallet checksums 500 random addresses exactly as viem does", () => {
  for (let i = 0; i < 500; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(20));
    const lower = "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const expected = getAddress(lower);
    for (const input of [lower, "0x" + lower.slice(2).toUpperCase(), expected]) {
      assert.deepEqual(parseWallet(input), { ok: true, address: expected }, input);
    }
    // One letter's case flipped breaks the checksum (if the address has a letter at all).
    const at = [...expected].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
    if (at < 0) continue;
    const c = expected[at];
    const flipped = expected.slice(0, at) +
      (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + expected.slice(at + 1);
    if (flipped.slice(2) === flipped.slice(2).toLowerCase()) continue; // became all lowercase
    if (flipped.slice(2) === flipped.slice(2).toUpperCase()) continue;
    assert.equal(parseWallet(flipped).ok, false, flipped);
  }
});

Deno.test("what is wrong with an address is said in the member's language", () => {
  const error = (input: string, lang: "en" | "es") => {
    const r = parseWallet(input, lang);
    return r.ok ? "accepted" : r.error;
  };
  assert.equal(error("hola", "es"), "una dirección de cartera empieza por 0x");
  assert.equal(
    error("0x123", "es"),
    "una dirección de cartera tiene 40 dígitos hexadecimales después de 0x; esta tiene 3",
  );
  assert.equal(
    error(`0x${"g".repeat(40)}`, "es"),
    "«g», en la posición 3, no es un dígito hexadecimal",
  );
  assert.equal(error(`0x${"0".repeat(40)}`, "es"), "la dirección cero no puede recibir premios");
  assert.equal(error("0x123", "en"), "a wallet address has 40 hex digits after 0x, this one has 3");
});
