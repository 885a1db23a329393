import assert from "node:assert/strict";
import { ConfigError, loadConfig, VARIABLES } from "../config.ts";
import { DEFAULT_HANG_GRACE_MS, shutdownBudget } from "../actors/shutdown.ts";
import { type Manifest, manifests, only, ROOT, wardenContainer } from "./deploy_files.ts";

// The packaging (Dockerfile, deploy/*.yaml) read as data and held to what the app does.

const HEALTH_ROUTES = ["/health/liveness", "/health/readiness", "/health"];
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/** Whether a probe's or a Service's `port` / `targetPort` names the container port. */
function isContainerPort(ref: unknown, port: Manifest): boolean {
  return ref === port.containerPort || (port.name !== undefined && ref === port.name);
}

/** Names in the first column of README tables (`| \`NAME\` | …`): the documented variables. */
async function documentedVariables(): Promise<Set<string>> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  return new Set([...readme.matchAll(/^\s*\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map((m) => m[1]));
}

Deno.test("every file in deploy/ parses and says what it is", async () => {
  const all = await manifests();
  assert.ok(all.length >= 3, "deploy/ has the Deployment, the Service and the example Secret");
  for (const m of all) {
    assert.ok(m.apiVersion && m.kind && m.metadata?.name, `${m.file}: apiVersion, kind, name`);
  }
});

Deno.test("the Deployment runs several replicas, one at a time on rollout", async () => {
  const { deployment } = await wardenContainer();
  assert.ok(deployment.spec.replicas >= 2, `replicas: ${deployment.spec.replicas}`);
  assert.equal(deployment.spec.strategy?.type, "RollingUpdate");
  assert.equal(deployment.spec.strategy.rollingUpdate?.maxUnavailable, 0);
  const labels = deployment.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) {
    assert.equal(labels[k], v, `the selector ${k}=${v} matches the pod template`);
  }
});

Deno.test("probes ask the app's health routes on the container port", async () => {
  const { container, port, env } = await wardenContainer();
  const probes = ["livenessProbe", "readinessProbe", "startupProbe"]
    .filter((p) => container[p])
    .map((p) => [p, container[p].httpGet] as const);
  assert.ok(probes.length >= 2, "liveness and readiness probes exist");
  for (const [name, get] of probes) {
    assert.ok(get, `${name} is an httpGet probe`);
    assert.ok(HEALTH_ROUTES.includes(get.path), `${name} path ${get.path} is a Warden route`);
    assert.ok(isContainerPort(get.port, port), `${name} port ${get.port} is the container port`);
  }
  assert.equal(container.livenessProbe.httpGet.path, "/health/liveness");
  assert.equal(container.readinessProbe.httpGet.path, "/health/readiness");
  assert.equal(
    Number(env.get("PORT")?.value),
    port.containerPort,
    "PORT in the env is the port the container declares",
  );
});

/** How long the container's preStop hook holds SIGTERM back, in ms (0 without one). */
function preStopMs(container: Manifest): number {
  const hook = container.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep) return Number(hook.sleep.seconds) * 1000;
  const command: string[] = hook.exec?.command ?? [];
  assert.equal(command[0], "sleep", `preStop ${JSON.stringify(command)} is a sleep`);
  assert.equal(command.length, 2, "sleep N, nothing else");
  return Number(command[1]) * 1000;
}

Deno.test("a deleted pod keeps serving while the Services and proxies let go of it", async () => {
  // SIGTERM and the endpoints' removal start together; kube-proxy and ingresses follow a
  // moment later. Without a pause Warden, with no job running, closes its listener at once and
  // what they still send it is refused (a webhook delivery, an API call).
  const { container } = await wardenContainer();
  const ms = preStopMs(container);
  assert.ok(ms >= 5_000, `preStop holds SIGTERM back ${ms} ms (≥ 5 s)`);
});

Deno.test("the grace period outlasts the preStop, the shutdown timeout and Warden's hard-exit timer", async () => {
  const { deployment, container, env } = await wardenContainer();
  const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
  const timeoutMs = Number(env.get("SHUTDOWN_TIMEOUT_MS")?.value ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
  assert.ok(Number.isFinite(graceMs), "terminationGracePeriodSeconds is set");
  assert.ok(graceMs > timeoutMs, `grace ${graceMs} ms > SHUTDOWN_TIMEOUT_MS ${timeoutMs}`);
  const { guardMs } = shutdownBudget({ timeoutMs, hangGraceMs: DEFAULT_HANG_GRACE_MS });
  // The grace period counts from the preStop hook, not from SIGTERM. A margin: the hard exit's
  // own 2 s slack is no room for a slow node to log and flush.
  const hookMs = preStopMs(container);
  assert.ok(
    graceMs >= hookMs + guardMs + 5_000,
    `grace ${graceMs} ms ≥ preStop ${hookMs} ms + the hard exit at ${guardMs} ms + 5 s`,
  );
});

Deno.test("the Service sends its traffic to the container port of the pods", async () => {
  const { deployment, port } = await wardenContainer();
  const service = await only("Service");
  assert.ok(service.spec.ports.length >= 1);
  for (const p of service.spec.ports) {
    assert.ok(isContainerPort(p.targetPort, port), `targetPort ${p.targetPort}`);
  }
  const labels = deployment.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(service.spec.selector)) {
    assert.equal(labels[k], v, `the Service selector ${k}=${v} matches the pods`);
  }
});

Deno.test("the Secret holds documented variables, and the Deployment reads only its keys", async () => {
  const secret = await only("Secret");
  const { container, env } = await wardenContainer();
  const keys = Object.keys({ ...secret.stringData, ...secret.data });
  assert.ok(keys.includes("DATABASE_URL"), "replicas need a shared PostgreSQL");
  const documented = await documentedVariables();
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const secretTable = new Set(
    [...readme.matchAll(/^ {3}\| `([A-Z][A-Z0-9_]*)` +\| (?:yes|optional) /gm)].map((m) => m[1]),
  );
  const undocumented = keys.filter((k) => !documented.has(k));
  assert.deepEqual(undocumented, [], "every key of the Secret is documented in README.md");
  for (const e of env.values()) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    assert.equal(ref.name, secret.metadata.name, `${e.name} comes from the Secret`);
    // A key the example leaves out (one only a feature needs) is optional and in the README's
    // table of the Secret's keys.
    assert.ok(
      keys.includes(ref.key) || (ref.optional && secretTable.has(ref.key)),
      `${e.name}: the Secret has a key ${ref.key}`,
    );
  }
  assert.ok(!env.get("DATABASE_URL")?.valueFrom?.secretKeyRef?.optional, "DATABASE_URL required");
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) assert.equal(from.secretRef.name, secret.metadata.name);
  }
  assert.equal(env.get("NODE_ID")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
});

Deno.test("the manifest's environment and the example Secret make a valid Warden config", async () => {
  const secret = await only("Secret");
  const { env } = await wardenContainer();
  const values: Record<string, string> = { ...secret.stringData };
  for (const e of env.values()) {
    if (e.value !== undefined) values[e.name] = String(e.value);
  }
  values.NODE_ID = "warden-7c9d5b8f6d-x2k7q"; // what metadata.name gives a Deployment's pod
  const config = loadConfig(values, []);
  assert.equal(config.port, 8080);
  assert.equal(config.logFormat, "json");
  assert.ok(config.databaseUrl, "DATABASE_URL is set");
});

Deno.test("every variable Warden reads is in the README; a bad one is named", async () => {
  const documented = await documentedVariables();
  assert.deepEqual(VARIABLES.filter((v) => !documented.has(v)), [], "undocumented variables");
  const example = await Deno.readTextFile(new URL(".env.example", ROOT));
  const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  assert.deepEqual(VARIABLES.filter((v) => !listed.has(v)), [], "missing from .env.example");
  assert.equal(loadConfig({}, []).batchConcurrency, 2);
  assert.equal(loadConfig({ BATCH_CONCURRENCY: "4" }, []).batchConcurrency, 4);
  assert.throws(
    () => loadConfig({ BATCH_CONCURRENCY: "0", NOTIFY_LEVEL_UP: "maybe" }, []),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.some((p) => p === 'BATCH_CONCURRENCY="0": must be at least 1') &&
      e.problems.some((p) => p.startsWith('NOTIFY_LEVEL_UP="maybe"')),
  );
});

/** Dockerfile instructions, continuation lines joined, comments dropped. */
async function dockerfile(): Promise<Array<{ op: string; args: string }>> {
  const text = await Deno.readTextFile(new URL("Dockerfile", ROOT));
  const lines = text.split("\n").filter((l) => !/^\s*#/.test(l));
  const joined = lines.join("\n").replace(/\\\n/g, " ");
  return joined.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [, op, args] = /^(\S+)\s*(.*)$/.exec(l)!;
    return { op: op.toUpperCase(), args: args.trim() };
  });
}

/** The instructions of the final build stage. */
async function finalStage() {
  const all = await dockerfile();
  const from = all.findLastIndex((i) => i.op === "FROM");
  assert.ok(from >= 0, "the Dockerfile has a FROM");
  return all.slice(from);
}

/** `ENV A=1 B="2"` (or the legacy `ENV A 1`) as a map. */
function envOf(stage: Array<{ op: string; args: string }>): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of stage.filter((i) => i.op === "ENV")) {
    if (!/^[^\s=]+=/.test(args)) {
      const [k, ...v] = args.split(/\s+/);
      env.set(k, v.join(" "));
      continue;
    }
    for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env.set(m[1], m[3] ?? m[2]);
  }
  return env;
}

Deno.test("a developer's .env (secrets) is ignored by git and left out of the image", async () => {
  for (const file of [".gitignore", ".dockerignore"]) {
    const lines = (await Deno.readTextFile(new URL(file, ROOT))).split("\n").map((l) => l.trim());
    assert.ok(lines.includes(".env"), `${file} lists .env`);
  }
});

Deno.test("the Dockerfile pins the official Deno image at the version in use", async () => {
  const [from] = await finalStage();
  const image = from.args.split(/\s+/).find((a) => !a.startsWith("--"))!;
  const m =
    /^(?:docker\.io\/)?denoland\/deno:(?:(?:debian|alpine|ubuntu|distroless)-)?(\d+\.\d+\.\d+)(?:@sha256:[0-9a-f]{64})?$/
      .exec(image);
  assert.ok(m, `FROM ${image} is a version-pinned denoland/deno image`);
  assert.equal(m[1], Deno.version.deno, "the image runs the Deno the project is tested with");
});

Deno.test("the Dockerfile runs as a non-root user", async () => {
  const users = (await finalStage()).filter((i) => i.op === "USER");
  assert.ok(users.length > 0, "the final stage sets a USER");
  const user = users.at(-1)!.args.split(":")[0];
  assert.ok(!["root", "0"].includes(user), `USER ${user} is not root`);
});

Deno.test("the Dockerfile exposes the PORT it sets", async () => {
  const stage = await finalStage();
  const port = envOf(stage).get("PORT");
  assert.ok(port, "ENV PORT is set");
  const exposed = stage.filter((i) => i.op === "EXPOSE")
    .flatMap((i) => i.args.split(/\s+/).map((p) => p.split("/")[0]));
  assert.ok(exposed.includes(port), `EXPOSE ${exposed.join(" ")} includes PORT ${port}`);
  assert.equal(envOf(stage).get("DATA_DIR"), "/app/data");
});

Deno.test("the Dockerfile's CMD runs the start task", async () => {
  const stage = await finalStage();
  assert.equal(stage.filter((i) => i.op === "HEALTHCHECK").length, 0, "probes are Kubernetes'");
  const cmd = stage.findLast((i) => i.op === "CMD");
  assert.ok(cmd, "the final stage has a CMD");
  const args: string[] = cmd.args.startsWith("[") ? JSON.parse(cmd.args) : cmd.args.split(/\s+/);
  const deno = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const start: string = typeof deno.tasks.start === "string"
    ? deno.tasks.start
    : deno.tasks.start.command;
  const startArgs = start.trim().split(/\s+/);
  const runsStart = [["task", "start"], startArgs].some((want) => {
    const tail = args[0] === "deno" ? args.slice(1) : args;
    const wanted = want[0] === "deno" ? want.slice(1) : want;
    return tail.join(" ") === wanted.join(" ");
  });
  assert.ok(runsStart, `CMD ${JSON.stringify(args)} runs \`deno task start\` (${start})`);
});

Deno.test("Prometheus is told to scrape each pod's /metrics (its figures are per replica)", async () => {
  const { deployment, port } = await wardenContainer();
  const notes: Record<string, string> = deployment.spec.template.metadata.annotations ?? {};
  assert.equal(notes["prometheus.io/scrape"], "true");
  assert.equal(notes["prometheus.io/path"], "/metrics");
  assert.equal(Number(notes["prometheus.io/port"]), port.containerPort);
});

Deno.test("the image's log stream has no terminal colours (Deno colours even when piped)", async () => {
  // `deno task` prints its "Task start …" line, and Deno its own errors, with ANSI escapes into
  // the JSON log stream unless NO_COLOR is set.
  assert.ok(envOf(await finalStage()).get("NO_COLOR"), "ENV NO_COLOR=1");
});
