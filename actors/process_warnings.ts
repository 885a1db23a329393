/**
 * Imported first by every entry point (start, CLI, bench). grammY's HTTP client (node-fetch 2,
 * through whatwg-url 5 and tr46) loads Node's `punycode`, whose DeprecationWarning would be
 * printed on stderr by every command, before its own output: an operator's one-line error would
 * come out as two. Deprecation warnings only are silenced; other warnings still print.
 */
import process from "node:process";

// Node reads it when it warns; its types omit it.
(process as { noDeprecation?: boolean }).noDeprecation = true;
