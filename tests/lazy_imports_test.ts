// What a start loads before it knows its config: the modules `main.ts` reaches by static value
// imports (`deno info --json`; type-only and dynamic imports are not loaded at start). grammY,
// viem and PGlite must not be among them: they load only with a bot token, `SETTLEMENT_RAIL=evm`
// or the embedded database (see bench/footprint.ts for what that saves).
import assert from "node:assert/strict";

interface Dependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface Module {
  specifier: string;
  kind: string;
  npmPackage?: string;
  dependencies?: Dependency[];
}

/** npm packages of the modules `entry` reaches by static value imports. */
async function staticPackages(entry: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout));
  const modules = new Map<string, Module>(graph.modules.map((m: Module) => [m.specifier, m]));
  const redirects: Record<string, string> = graph.redirects ?? {};
  const seen = new Set<string>();
  const packages = new Set<string>();
  const walk = (specifier: string) => {
    const resolved = redirects[specifier] ?? specifier;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    const m = modules.get(resolved);
    if (!m) return;
    // "viem@2.57.20_zod@4.6.7", "@electric-sql/pglite@0.5.16": the name before its version.
    if (m.npmPackage) packages.add(m.npmPackage.match(/^@?[^@]+/)![0]);
    for (const d of m.dependencies ?? []) {
      if (d.code && !d.isDynamic) walk(d.code.specifier);
    }
  };
  walk(graph.roots[0]);
  return packages;
}

Deno.test("a start loads grammY, viem and PGlite only when its config asks for them", async () => {
  const packages = await staticPackages("main.ts");
  for (const always of ["hono", "postgres", "zod"]) {
    assert.ok(packages.has(always), `${always} is loaded at start (the walk sees npm packages)`);
  }
  for (const lazy of ["grammy", "viem", "@electric-sql/pglite", "@electric-sql/pglite-socket"]) {
    assert.ok(!packages.has(lazy), `${lazy} is imported statically from main.ts`);
  }
});
