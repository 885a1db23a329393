import assert from "node:assert/strict";
import { showValue, VARIABLES } from "../config.ts";
import { dockerIgnores, manifests, ROOT, wardenContainer } from "./deploy_files.ts";

// What a hardened cluster asks of the pod, and what the image must never carry.

Deno.test("the pod runs locked down: non-root, read-only root, no capabilities, no API token", async () => {
  const { deployment, container, env } = await wardenContainer();
  const pod = deployment.spec.template.spec;
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0, "runAsUser is a numeric non-root uid");
  // Warden never calls the Kubernetes API: the service account's token is only a key to steal.
  assert.equal(pod.automountServiceAccountToken, false, "automountServiceAccountToken: false");
  const sc = container.securityContext ?? {};
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.ok(sc.capabilities?.drop?.includes("ALL"), "every capability dropped");
  // Measured: `deno task start` as a user who can write nothing but DATA_DIR (root, /tmp,
  // DENO_DIR and /app read-only) starts, serves and stops with exit 0 on either database.
  assert.equal(sc.readOnlyRootFilesystem, true, "readOnlyRootFilesystem: true");
  const dataDir = env.get("DATA_DIR")?.value;
  const mounts: string[] = (container.volumeMounts ?? []).map((m: { mountPath: string }) =>
    m.mountPath
  );
  assert.ok(mounts.includes(dataDir), `DATA_DIR ${dataDir} is a writable mount (${mounts})`);
});

Deno.test(".dockerignore leaves local secrets out of the image and keeps what it runs", async () => {
  const ignore = await Deno.readTextFile(new URL(".dockerignore", ROOT));
  const secrets = [
    ".env",
    ".env.local",
    ".env.production",
    "deploy/secret.yaml", // a filled-in copy of the example Secret, as the README suggests
    "deploy/warden-secret.prod.yaml",
    ".git/config",
    "data/warden.lock",
  ];
  assert.deepEqual(secrets.filter((p) => !dockerIgnores(ignore, p)), [], "sent to the build");
  const needed = [
    "main.ts",
    "cli.ts",
    "deno.json",
    "deno.lock",
    "db/cluster.tar.gz",
    ".env.example",
  ];
  assert.deepEqual(needed.filter((p) => dockerIgnores(ignore, p)), [], "left out of the build");
});

Deno.test("the .dockerignore reader follows Docker's rules", () => {
  const rules = "# c\n.env\n.env.*\n!.env.example\ndeploy/\n**/*.log\n";
  assert.equal(dockerIgnores(rules, ".env.local"), true);
  assert.equal(dockerIgnores(rules, ".env.example"), false);
  assert.equal(dockerIgnores(rules, "deploy/a/b.yaml"), true);
  assert.equal(dockerIgnores(rules, "x/y/run.log"), true);
  assert.equal(dockerIgnores(rules, "run.log"), true);
  assert.equal(dockerIgnores(rules, "main.ts"), false);
  assert.equal(dockerIgnores(rules, "envy"), false);
});

Deno.test("a node drain or a node's loss never takes every replica at once", async () => {
  const { deployment } = await wardenContainer();
  const labels: Record<string, string> = deployment.spec.template.metadata.labels;
  const selects = (selector: { matchLabels?: Record<string, string> } | undefined) =>
    Object.keys(selector?.matchLabels ?? {}).length > 0 &&
    Object.entries(selector!.matchLabels!).every(([k, v]) => labels[k] === v);
  const pdbs = (await manifests()).filter((m) =>
    m.kind === "PodDisruptionBudget" && selects(m.spec?.selector)
  );
  assert.equal(pdbs.length, 1, "one PodDisruptionBudget selects Warden's pods");
  const { maxUnavailable, minAvailable } = pdbs[0].spec;
  const replicas: number = deployment.spec.replicas;
  const allowed = maxUnavailable ?? replicas - minAvailable;
  // At least one eviction at a time (a drain can go on), never all of them.
  assert.ok(allowed >= 1 && allowed < replicas, `${allowed} of ${replicas} may be evicted at once`);
  const spread = (deployment.spec.template.spec.topologySpreadConstraints ?? []).find((
    c: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } },
  ) => c.topologyKey === "kubernetes.io/hostname" && selects(c.labelSelector));
  assert.ok(spread, "the replicas are spread over nodes");
  assert.equal(spread.maxSkew, 1);
});

Deno.test("kubectl apply -f deploy/ never overwrites the real Secret with the example's", async () => {
  // The example Secret is named `warden` like the real one: it lives where `apply -f deploy/`
  // (not recursive) does not look.
  const applied = await manifests({ examples: false });
  assert.deepEqual(applied.filter((m) => m.kind === "Secret").map((m) => m.file), []);
  assert.ok(applied.some((m) => m.kind === "Deployment"), "deploy/ holds the Deployment");
});

Deno.test("every secret Warden reads comes from the Secret, none is written in the manifest", async () => {
  const { env } = await wardenContainer();
  // What Warden itself hides in its problem lines and logs: its secrets.
  const secrets = VARIABLES.filter((v) => showValue(v, "sample") !== JSON.stringify("sample"));
  assert.ok(secrets.includes("TELEGRAM_BOT_TOKEN") && secrets.includes("EVM_PRIVATE_KEY"));
  for (const name of secrets) {
    const e = env.get(name);
    assert.ok(e?.valueFrom?.secretKeyRef, `${name} is read from the Secret (secretKeyRef)`);
    assert.equal(e.value, undefined, `${name} has no value in the manifest`);
  }
});
