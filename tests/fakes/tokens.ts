/** Tokens one slip away from `token`: each must be refused. */
export function nearMisses(token: string): string[] {
  const last = token.at(-1)!;
  return [
    token.slice(0, -1), // last character removed
    token.slice(0, -1) + (last === "x" ? "y" : "x"), // last character changed
    token + token, // doubled
    token + last, // one more character
    token.slice(0, 1), // any prefix
    token.slice(0, token.length / 2),
    token.toUpperCase(), // another case
    "x" + token.slice(1), // first character changed
  ];
}
