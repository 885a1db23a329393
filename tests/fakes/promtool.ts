/**
 * What `promtool check metrics` says about a `/metrics` text: "" when it agrees, or when promtool
 * is not installed (a warning says the check was skipped; CI installs it: apt-get install
 * prometheus).
 */
export async function promtoolRemarks(text: string): Promise<string> {
  let check;
  try { // (spawning a missing program throws at once)
    check = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch {
    console.warn("promtool not installed: format check skipped (apt-get install prometheus)");
    return "";
  }
  const writer = check.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await check.output();
  const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return out.code === 0 ? said.trim() : `exit ${out.code}: ${said}`;
}
