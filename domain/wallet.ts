/**
 * The EIP-55 wallet check of `/wallet` and of the rail's rewards, with the Keccak-256 viem itself
 * uses (`@noble/hashes`), so checking an address does not load viem.
 */
import { keccak_256 } from "@noble/hashes/sha3";
import type { Address } from "./evm_types.ts";
import type { Language } from "./i18n.ts";
import { t } from "./messages.ts";

/** The EIP-55 form of 40 lowercase hex digits: a letter is upper case where the hash's nibble ≥ 8. */
function checksummed(digits: string): Address {
  const hash = keccak_256(new TextEncoder().encode(digits));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? digits[i].toUpperCase() : digits[i];
  }
  return out as Address;
}

/**
 * Checks a wallet address by EIP-55: 40 hex digits after `0x`; all-lowercase or
 * all-uppercase digits carry no checksum and are accepted; mixed case must match its
 * checksum. The accepted address comes back in checksummed form. The zero address is refused.
 * What is wrong is said in `lang` (`wallet-error-*` in `locales/<lang>/bot.ftl`).
 */
export function parseWallet(
  input: string,
  lang: Language = "en",
): { ok: true; address: Address } | { ok: false; error: string } {
  const wrong = (id: string, args?: Record<string, string | number>) => ({
    ok: false as const,
    error: t(lang, `wallet-error-${id}`, args),
  });
  const s = input.trim();
  if (!/^0x/i.test(s)) return wrong("prefix");
  const digits = s.slice(2);
  const chars = [...digits]; // by code point: an emoji is one character, never half of one
  if (chars.length !== 40) return wrong("length", { n: chars.length });
  const bad = chars.findIndex((c) => !/^[0-9a-fA-F]$/.test(c));
  if (bad >= 0) return wrong("digit", { char: chars[bad], position: bad + 3 });
  const address = checksummed(digits.toLowerCase());
  const mixed = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixed && `0x${digits}` !== address) return wrong("checksum");
  if (/^0+$/.test(digits)) return wrong("zero");
  return { ok: true, address };
}

/** True for an address `parseWallet` accepts. */
export function isAddress(s: string): boolean {
  return parseWallet(s).ok;
}
