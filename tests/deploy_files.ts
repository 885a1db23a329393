import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";

// The packaging (Dockerfile, .dockerignore, deploy/*.yaml) read as data, for the deploy tests.

export const ROOT = new URL("../", import.meta.url);

// deno-lint-ignore no-explicit-any -- manifests are untyped YAML, checked field by field
export type Manifest = Record<string, any>;

/**
 * Every YAML document in `dir` (deploy/ and, with `examples`, deploy/examples/: what
 * `kubectl apply -f deploy/` does not read), each with its file; a parse error fails.
 */
export async function manifests(
  { examples = true } = {},
): Promise<Array<Manifest & { file: string }>> {
  const out: Array<Manifest & { file: string }> = [];
  for (const dir of examples ? ["deploy/", "deploy/examples/"] : ["deploy/"]) {
    for await (const entry of Deno.readDir(new URL(dir, ROOT))) {
      if (!entry.isFile || !/\.(ya?ml|json)$/.test(entry.name)) continue;
      const file = `${dir}${entry.name}`;
      const text = await Deno.readTextFile(new URL(file, ROOT));
      for (const doc of parseAllDocuments(text)) {
        assert.deepEqual(doc.errors.map(String), [], `${file} does not parse`);
        const value = doc.toJS();
        if (value !== null) out.push({ ...value, file });
      }
    }
  }
  return out;
}

/** The one manifest of `kind` named `name`. */
export async function only(kind: string, name = "warden"): Promise<Manifest> {
  const found = (await manifests()).filter((m) => m.kind === kind && m.metadata?.name === name);
  assert.equal(found.length, 1, `expected one ${kind} "${name}" in deploy/, found ${found.length}`);
  return found[0];
}

/** The Deployment, its Warden container, the container's port and its env by name. */
export async function wardenContainer() {
  const deployment = await only("Deployment");
  const containers: Manifest[] = deployment.spec.template.spec.containers;
  const container = containers.find((c) => c.name === "warden") ?? containers[0];
  const port: Manifest | undefined = container.ports?.[0];
  assert.ok(port, "the container declares its port");
  const env = new Map<string, Manifest>((container.env ?? []).map((e: Manifest) => [e.name, e]));
  return { deployment, container, port, env };
}

/**
 * Whether `.dockerignore` leaves `path` out of the build context: Docker's rules, for the
 * patterns used here (`*`, `?`, `**`, `!` exceptions, the last match wins, a directory
 * matched leaves out what is in it).
 */
export function dockerIgnores(dockerignore: string, path: string): boolean {
  const rules = dockerignore.split("\n").map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const negated = l.startsWith("!");
      const glob = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const source = glob.split(/(\*\*\/?|\*|\?)/).map((part) =>
        part.startsWith("**")
          ? "(?:.*/)?" + (part === "**" ? ".*" : "")
          : part === "*"
          ? "[^/]*"
          : part === "?"
          ? "[^/]"
          : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")
      ).join("");
      return { negated, re: new RegExp(`^${source}$`) };
    });
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negated;
  }
  return ignored;
}
