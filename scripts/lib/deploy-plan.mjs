// @ts-check
// The gated deploy and the rollback behind `npm run deploy` and `npm run rollback` (scripts/deploy.mjs,
// scripts/rollback.mjs). Everything that touches the outside world is passed in: `run` executes one command
// and answers its exit code and output, `fetch` is used only to wait for a preview URL, `sleep` and `now` pace
// that wait. So the tests drive the real logic with fakes, and a dry run is the same plan printed instead of
// run.
//
// Deploy: build → read the current deployment → `wrangler versions upload` (a new version, serving nothing) →
// wait for its preview URL → the smoke suite against that URL → `wrangler versions deploy <id>@100%` →
// `wrangler triggers deploy` (cron schedules and workers.dev / preview-URL settings from wrangler.toml, which
// `wrangler deploy` used to apply and `versions upload` does not). A failure before the promotion deploys
// nothing: "not deployed: <reason>; <current version> keeps serving", exit 1.
// Rollback: read the current deployment → `wrangler rollback [<id>] --message … --yes` → read it again.
import { spawn } from "node:child_process";

// The worker each environment deploys to: `name` in [env.<env>] of wrangler.toml (a test checks they agree).
export const WORKERS = Object.freeze({ development: "upgate-development", production: "upgate-production" });

// How long a fresh preview URL may take to answer /healthz before the deploy gives up.
export const PREVIEW_READY_TIMEOUT_MS = 60_000;
const PREVIEW_POLL_MS = 2_000;
// A smoke token must stay valid at least this long: the suite takes well under a minute.
const TOKEN_MIN_LIFETIME_S = 120;

const PLACEHOLDER_VERSION = "<version-id>";
const PLACEHOLDER_URL = "<preview-url>";

/**
 * One command to execute: the program, its arguments, and variables added to the inherited environment.
 * @typedef {{ command: string, args: string[], env?: Record<string, string> }} Command
 */
/** @typedef {{ code: number, stdout: string, stderr: string }} RunResult */
/** @typedef {(command: Command) => Promise<RunResult>} Runner */
/** @typedef {(url: string, init?: { signal?: AbortSignal }) => Promise<{ ok: boolean, status: number }>} Fetcher */
/**
 * What was serving: `versions` when it could be read, `none` when the Worker has no deployment yet, `unknown`
 * (with why) when the read failed.
 * @typedef {{ kind: "versions", versions: { id: string, percentage: number }[] } | { kind: "none" } | { kind: "unknown", why: string }} Serving
 */
/**
 * @typedef {object} Io
 * @property {Runner} [run] executes a command; required unless dryRun
 * @property {Fetcher} [fetch] for the preview URL's /healthz (default: globalThis.fetch)
 * @property {(ms: number) => Promise<void>} [sleep]
 * @property {() => number} [now] milliseconds since the epoch
 * @property {(line: string) => void} [log] progress and results (default: console.log)
 * @property {(line: string) => void} [error] the final failure line (default: console.error)
 * @property {Record<string, string | undefined>} [environment] where UPGATE_SMOKE_TOKEN / JWT_SECRET are read (default: process.env)
 * @property {number} [previewTimeoutMs]
 */
/**
 * @typedef {object} Outcome
 * @property {number} code the exit status: 0 done (or dry run), 1 not done
 * @property {boolean} changed whether the serving version was changed
 * @property {string} [reason] why not, when code is 1
 * @property {string} [versionId] the uploaded version (deploy) or the version now serving (rollback)
 * @property {string} [previewUrl]
 * @property {Serving} [before] what served before
 */

export class UsageError extends Error {}

export const DEPLOY_USAGE = `usage: npm run deploy -- <development|production> [--dry-run]

  Builds, uploads a new version (wrangler versions upload), runs the smoke suite against that version's
  preview URL and deploys it to 100% only if the suite passes; otherwise the current version keeps serving.

  --dry-run   print every step, in order, and run none of them (no build, no wrangler, no network)

Environment: UPGATE_SMOKE_TOKEN, a valid JWT for a subject that may create shoots (required for production;
for development JWT_SECRET, the deployed Worker's secret, works too). UPLOAD_SIGNING_KEY_ID and
UPLOAD_SIGNING_SECRET, when set, let the smoke suite check URL expiry as well.`;

export const ROLLBACK_USAGE = `usage: npm run rollback -- <development|production> [--version <version-id>] [--message <text>] [--dry-run]

  Deploys the previous version (the last one that served 100% before the current deployment; wrangler
  rollback picks it) or the one given with --version, to 100% of traffic.

  --version <id>    the Worker version to return to (see npx wrangler versions list --env <env>)
  --message <text>  the reason, kept with the deployment (default: "npm run rollback -- <env>")
  --dry-run         print every step and run none of them`;

// ---------------------------------------------------------------------------------------------------------
// Command lines.

/** @param {string} env */
function checkEnv(env) {
  if (!Object.hasOwn(WORKERS, env)) throw new UsageError(`unknown environment ${JSON.stringify(env)}: expected development or production`);
}

// Splits "--flag=value" and answers a reader for the next value.
/** @param {string[]} argv */
function* options(argv) {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : null;
    const value = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length || argv[i + 1].startsWith("--")) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return argv[i];
    };
    yield { arg, flag, inline, value };
  }
}

/**
 * @param {string[]} argv
 * @returns {{ env: string, dryRun: boolean, help: boolean }}
 */
export function parseDeployArgs(argv) {
  let env = null;
  let dryRun = false;
  for (const { arg, flag, inline } of options(argv)) {
    if (flag === "-h" || flag === "--help") return { env: "", dryRun: false, help: true };
    if (flag === "--dry-run" && inline === null) dryRun = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (env !== null) throw new UsageError(`unexpected argument ${arg}`);
    else env = arg;
  }
  if (env === null) throw new UsageError("the environment is required");
  checkEnv(env);
  return { env, dryRun, help: false };
}

const VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * @param {string[]} argv
 * @returns {{ env: string, dryRun: boolean, help: boolean, versionId: string | null, message: string | null }}
 */
export function parseRollbackArgs(argv) {
  let env = null;
  let dryRun = false;
  let versionId = null;
  let message = null;
  for (const { arg, flag, inline, value } of options(argv)) {
    if (flag === "-h" || flag === "--help") return { env: "", dryRun: false, help: true, versionId: null, message: null };
    if (flag === "--dry-run" && inline === null) dryRun = true;
    else if (flag === "--version") versionId = value();
    else if (flag === "--message" || flag === "-m") message = value();
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (env !== null) throw new UsageError(`unexpected argument ${arg}`);
    else env = arg;
  }
  if (env === null) throw new UsageError("the environment is required");
  checkEnv(env);
  if (versionId !== null && !VERSION_ID.test(versionId)) {
    throw new UsageError(`--version ${JSON.stringify(versionId)} is not a Worker version id (a UUID, as npx wrangler versions list --env ${env} shows)`);
  }
  if (message !== null && message.length > 120) throw new UsageError("--message is limited to 120 characters (wrangler rollback's limit)");
  return { env, dryRun, help: false, versionId, message };
}

// ---------------------------------------------------------------------------------------------------------
// The commands, one builder each, so a dry run prints exactly what a real run executes.

/** @param {string[]} args @returns {Command} */
const wrangler = (args) => ({ command: "npx", args: ["wrangler", ...args] });

export const commands = {
  /** @returns {Command} */
  build: () => ({ command: "bash", args: ["scripts/build.sh"], env: { UPGATE_BUILD_NATIVE: "0" } }),
  /** @param {string} env */
  status: (env) => wrangler(["deployments", "status", "--env", env, "--json"]),
  /** @param {string} env */
  upload: (env) => wrangler(["versions", "upload", "--env", env]),
  // The token reaches the suite through the environment (UPGATE_SMOKE_TOKEN), never the command line.
  /** @param {string} previewUrl @returns {Command} */
  smoke: (previewUrl) => ({ command: "node", args: ["scripts/smoke.mjs", previewUrl] }),
  /** @param {string} env @param {string} versionId @param {string} previewUrl */
  promote: (env, versionId, previewUrl) =>
    wrangler(["versions", "deploy", `${versionId}@100%`, "--env", env, "--yes", "--message", `gated deploy: smoke passed against ${previewUrl}`]),
  /** @param {string} env */
  triggers: (env) => wrangler(["triggers", "deploy", "--env", env]),
  /** @param {string} env @param {string | null} versionId @param {string} message */
  rollback: (env, versionId, message) => wrangler(["rollback", ...(versionId ? [versionId] : []), "--env", env, "--message", message, "--yes"]),
};

/** @param {string} word */
const shellQuote = (word) => (/^[A-Za-z0-9_\-.,:/@%+=<>]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** A command as one shell line: `NAME=value program arg …`. @param {Command} command */
export function formatCommand(command) {
  const env = Object.entries(command.env ?? {}).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [...env, command.command, ...command.args.map(shellQuote)].join(" ");
}

// ---------------------------------------------------------------------------------------------------------
// Reading wrangler's and the smoke suite's output.

// eslint-disable-next-line no-control-regex
const stripAnsi = (text) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

/**
 * The version id and preview URL from `wrangler versions upload`'s output ("Worker Version ID: <uuid>",
 * "Version Preview URL: https://<first 8 of the id>-<worker>.<subdomain>.workers.dev").
 * @param {string} output
 * @returns {{ versionId: string | null, previewUrl: string | null }}
 */
export function parseUpload(output) {
  const text = stripAnsi(output);
  const versionId = /Worker Version ID:\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i.exec(text)?.[1] ?? null;
  const url = /Version Preview URL:\s*(https:\/\/[^\s'"]+)/.exec(text)?.[1] ?? null;
  return { versionId, previewUrl: url ? url.replace(/\/+$/, "") : null };
}

/**
 * What `wrangler deployments status --json` says is serving.
 * @param {RunResult} result
 * @returns {Serving}
 */
export function parseStatus(result) {
  const text = stripAnsi(`${result.stdout}\n${result.stderr}`);
  if (result.code !== 0) {
    if (/has no deployments/i.test(text)) return { kind: "none" };
    return { kind: "unknown", why: `wrangler deployments status exited ${result.code}${lastLine(result) ? `: ${lastLine(result)}` : ""}` };
  }
  const json = stripAnsi(result.stdout);
  const start = json.indexOf("{");
  const end = json.lastIndexOf("}");
  try {
    const deployment = JSON.parse(json.slice(start, end + 1));
    const versions = (deployment.versions ?? []).map((v) => ({ id: String(v.version_id), percentage: Number(v.percentage) }));
    if (versions.length === 0) return { kind: "unknown", why: "wrangler deployments status listed no versions" };
    return { kind: "versions", versions };
  } catch {
    return { kind: "unknown", why: "wrangler deployments status did not print JSON" };
  }
}

/** @param {Serving | undefined} serving */
export function describeServing(serving) {
  if (!serving || serving.kind === "unknown") return null;
  if (serving.kind === "none") return "nothing (no deployment yet)";
  return serving.versions.map((v) => `version ${v.id} (${v.percentage}%)`).join(" and ");
}

// "<current version> keeps serving" for the failure line.
/** @param {Serving | undefined} serving @param {string} worker */
function keepsServing(serving, worker) {
  if (serving?.kind === "none") return `${worker} had no deployment and still has none`;
  const described = describeServing(serving);
  if (described) return `${described} keeps serving ${worker}`;
  const why = serving?.kind === "unknown" ? ` (could not read which version: ${serving.why})` : "";
  return `whatever serves ${worker} now keeps serving${why}`;
}

/** The last non-empty line of stderr, else of stdout. @param {RunResult} result */
function lastLine(result) {
  for (const stream of [result.stderr, result.stdout]) {
    const lines = stripAnsi(stream ?? "").split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
    if (lines.length > 0) return lines.at(-1);
  }
  return "";
}

/** @param {string} what @param {RunResult} result */
const failed = (what, result) => `${what} failed (exit ${result.code})${lastLine(result) ? `: ${lastLine(result)}` : ""}`;

/**
 * Why the smoke suite failed, from its "not ok - …" and "Bail out! …" lines and its summary.
 * @param {RunResult} result
 */
export function smokeFailures(result) {
  const lines = stripAnsi(result.stdout).split(/\r?\n/);
  const problems = lines.filter((line) => line.startsWith("not ok - ") || line.startsWith("Bail out!")).map((line) => line.split("\n")[0]);
  const summary = lines.find((line) => /^\d+ passed, \d+ failed/.test(line));
  const shown = problems.slice(0, 3).join("; ");
  const more = problems.length > 3 ? `; and ${problems.length - 3} more` : "";
  const details = shown ? `: ${shown}${more}` : lastLine(result) ? `: ${lastLine(result)}` : "";
  return `exit ${result.code}${summary ? `, ${summary}` : ""}${details}`;
}

// ---------------------------------------------------------------------------------------------------------
// The smoke suite's credentials.

/**
 * Whether the smoke suite will have a token against `env`: production needs UPGATE_SMOKE_TOKEN (a real JWT);
 * development takes it or JWT_SECRET (the suite mints a token when the target says it is development).
 * @param {string} env
 * @param {Record<string, string | undefined>} environment
 * @param {number} nowMs
 * @returns {{ ok: boolean, source?: string, why?: string }} source when ok, else why not
 */
export function smokeCredentials(env, environment, nowMs) {
  const token = environment.UPGATE_SMOKE_TOKEN?.trim();
  if (!token) {
    if (env === "development" && environment.JWT_SECRET) return { ok: true, source: "JWT_SECRET (the suite mints a development token)" };
    const alternatives = env === "development" ? ", or JWT_SECRET to the development Worker's secret" : "";
    return {
      ok: false,
      why: `no smoke token: set UPGATE_SMOKE_TOKEN to a valid JWT for a subject that may create shoots on ${WORKERS[env]}${alternatives}; the deploy never skips the smoke suite`,
    };
  }
  let payload = null;
  try {
    const parts = token.split(".");
    if (parts.length === 3) payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    payload = null;
  }
  if (payload === null || typeof payload !== "object") return { ok: false, why: "UPGATE_SMOKE_TOKEN is not a JWT (header.payload.signature)" };
  if (typeof payload.exp === "number" && payload.exp * 1000 < nowMs + TOKEN_MIN_LIFETIME_S * 1000) {
    const when = new Date(payload.exp * 1000).toISOString();
    return { ok: false, why: `UPGATE_SMOKE_TOKEN ${payload.exp * 1000 <= nowMs ? "expired" : "expires"} at ${when}: get a fresh one` };
  }
  return { ok: true, source: "UPGATE_SMOKE_TOKEN" };
}

// ---------------------------------------------------------------------------------------------------------
// Running.

/** @param {Io} io */
function resolveIo(io) {
  return {
    run: io.run,
    fetch: io.fetch ?? /** @type {Fetcher} */ (globalThis.fetch),
    sleep: io.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: io.now ?? Date.now,
    log: io.log ?? ((line) => console.log(line)),
    error: io.error ?? ((line) => console.error(line)),
    environment: io.environment ?? process.env,
    previewTimeoutMs: io.previewTimeoutMs ?? PREVIEW_READY_TIMEOUT_MS,
  };
}

/** @param {ReturnType<typeof resolveIo>} io @param {string} label @param {Command} command */
async function step(io, label, command) {
  io.log(`==> ${label}: ${formatCommand(command)}`);
  if (!io.run) throw new Error("no runner: pass io.run, or dryRun");
  return io.run(command);
}

// Polls <previewUrl>/healthz until it answers 2xx. A new version's preview URL can take a moment to be served.
/** @param {ReturnType<typeof resolveIo>} io @param {string} previewUrl @returns {Promise<string | null>} null when ready, else why not */
async function waitForPreview(io, previewUrl) {
  const url = `${previewUrl}/healthz`;
  const deadline = io.now() + io.previewTimeoutMs;
  let last = "no answer";
  for (;;) {
    try {
      const response = await io.fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (response.ok) return null;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error?.cause?.code ?? error?.message ?? String(error);
    }
    if (io.now() >= deadline) return `${url} did not answer 200 within ${Math.round(io.previewTimeoutMs / 1000)} s (last: ${last})`;
    await io.sleep(PREVIEW_POLL_MS);
  }
}

/**
 * The gated deploy of one environment.
 * @param {{ env: string, dryRun?: boolean }} request
 * @param {Io} [ioOptions]
 * @returns {Promise<Outcome>}
 */
export async function deploy({ env, dryRun = false }, ioOptions = {}) {
  checkEnv(env);
  const io = resolveIo(ioOptions);
  const worker = WORKERS[env];
  const credentials = smokeCredentials(env, io.environment, io.now());

  if (dryRun) {
    const waitSeconds = Math.round(io.previewTimeoutMs / 1000);
    const lines = [
      `deploy ${env} (worker ${worker}), dry run: the steps a real run takes, in order; none is run now`,
      `  1. build: ${formatCommand(commands.build())}`,
      `  2. read what serves now: ${formatCommand(commands.status(env))}`,
      `  3. upload a new version (serves no traffic yet): ${formatCommand(commands.upload(env))}`,
      `       its output gives "Worker Version ID: ${PLACEHOLDER_VERSION}" and "Version Preview URL: ${PLACEHOLDER_URL}"`,
      `       (no preview URL: stop, nothing deployed; enable preview_urls in wrangler.toml)`,
      `  4. wait for the preview: GET ${PLACEHOLDER_URL}/healthz until it answers 200 (up to ${waitSeconds} s)`,
      `  5. smoke suite against the preview: ${formatCommand(commands.smoke(PLACEHOLDER_URL))}`,
      `       (token from ${credentials.ok ? credentials.source : "UPGATE_SMOKE_TOKEN"}; it fails: stop, nothing deployed)`,
      `  6. deploy the version: ${formatCommand(commands.promote(env, PLACEHOLDER_VERSION, PLACEHOLDER_URL))}`,
      `  7. apply triggers (crons, workers.dev and preview-URL settings): ${formatCommand(commands.triggers(env))}`,
      `on a failure before step 6 it prints "not deployed: <reason>; <current version> keeps serving ${worker}" and exits 1`,
      credentials.ok ? `smoke token: ${credentials.source} is set` : `smoke token: a real run would refuse now: ${credentials.why}`,
      "dry run: nothing was built, uploaded or deployed",
    ];
    for (const line of lines) io.log(line);
    return { code: 0, changed: false };
  }

  // Read after the build; the failure line before then says "whatever serves <worker> now".
  /** @type {Serving | undefined} */
  let before = undefined;
  /** @param {string} reason @param {Partial<Outcome>} [extra] @returns {Outcome} */
  const notDeployed = (reason, extra = {}) => {
    io.error(`not deployed: ${reason}; ${keepsServing(before, worker)}`);
    return { code: 1, changed: false, reason, before, ...extra };
  };

  if (!credentials.ok) return notDeployed(credentials.why);

  const build = await step(io, "build", commands.build());
  if (build.code !== 0) return notDeployed(failed("the build", build));

  before = parseStatus(await step(io, "read what serves now", commands.status(env)));
  io.log(`serving ${worker} now: ${describeServing(before) ?? `unknown (${before.kind === "unknown" ? before.why : ""})`}`);

  const upload = await step(io, "upload a new version", commands.upload(env));
  if (upload.code !== 0) return notDeployed(failed("wrangler versions upload", upload));
  const { versionId, previewUrl } = parseUpload(`${upload.stdout}\n${upload.stderr}`);
  if (!versionId) return notDeployed('wrangler versions upload printed no "Worker Version ID"');
  if (!previewUrl) {
    return notDeployed(
      `wrangler versions upload printed no "Version Preview URL" for version ${versionId}, so the smoke suite has nothing to run against. ` +
        `Enable preview URLs: add \`preview_urls = true\` to wrangler.toml (top level, so every env inherits it), apply it once with ` +
        `\`npx wrangler triggers deploy --env ${env}\` (changes no version), and make sure the account has a workers.dev subdomain. ` +
        `Version ${versionId} was uploaded but serves no traffic`,
      { versionId },
    );
  }
  io.log(`uploaded version ${versionId}, preview ${previewUrl}`);

  io.log(`==> wait for the preview: GET ${previewUrl}/healthz`);
  const notReady = await waitForPreview(io, previewUrl);
  if (notReady) return notDeployed(`the preview never came up: ${notReady}`, { versionId, previewUrl });

  const smoke = await step(io, `smoke suite against the preview (token from ${credentials.source})`, commands.smoke(previewUrl));
  if (smoke.code !== 0) return notDeployed(`the smoke suite failed against ${previewUrl} (${smokeFailures(smoke)})`, { versionId, previewUrl });

  const promote = await step(io, "deploy the version", commands.promote(env, versionId, previewUrl));
  if (promote.code !== 0) {
    const reason = `${failed("wrangler versions deploy", promote)} (check with npx wrangler deployments status --env ${env})`;
    return notDeployed(reason, { versionId, previewUrl });
  }
  const replaced = describeServing(before);
  const deployed = `version ${versionId} serves 100% of ${worker}${replaced ? `, replacing ${replaced}` : ""}; the smoke suite passed against ${previewUrl}`;

  const triggers = await step(io, "apply triggers", commands.triggers(env));
  if (triggers.code !== 0) {
    const reason = `${failed("wrangler triggers deploy", triggers)}: ${deployed}, but the cron schedules and workers.dev / preview-URL settings in wrangler.toml may not be applied; rerun ${formatCommand(commands.triggers(env))}`;
    io.error(`deployed, with a problem: ${reason}`);
    return { code: 1, changed: true, reason, versionId, previewUrl, before };
  }
  io.log(`deployed: ${deployed}`);
  io.log(`to go back: npm run rollback -- ${env}`);
  return { code: 0, changed: true, versionId, previewUrl, before };
}

/**
 * Back to the previous version (wrangler picks the last one that served 100% before the current deployment),
 * or to `versionId`.
 * @param {{ env: string, dryRun?: boolean, versionId?: string | null, message?: string | null }} request
 * @param {Io} [ioOptions]
 * @returns {Promise<Outcome>}
 */
export async function rollback({ env, dryRun = false, versionId = null, message = null }, ioOptions = {}) {
  checkEnv(env);
  const io = resolveIo(ioOptions);
  const worker = WORKERS[env];
  const reason = message ?? `npm run rollback -- ${env}`;
  const target = versionId ? `version ${versionId}` : "the previous version (the last one at 100% before the current deployment)";

  if (dryRun) {
    const lines = [
      `rollback ${env} (worker ${worker}) to ${target}, dry run: the steps a real run takes, in order; none is run now`,
      `  1. read what serves now: ${formatCommand(commands.status(env))}`,
      `  2. roll back: ${formatCommand(commands.rollback(env, versionId, reason))}`,
      `  3. read what serves after: ${formatCommand(commands.status(env))}`,
      "dry run: nothing was rolled back",
    ];
    for (const line of lines) io.log(line);
    return { code: 0, changed: false };
  }

  const before = parseStatus(await step(io, "read what serves now", commands.status(env)));
  io.log(`serving ${worker} now: ${describeServing(before) ?? `unknown (${before.kind === "unknown" ? before.why : ""})`}`);
  if (before.kind === "none") {
    const why = `${worker} has no deployment, so there is nothing to roll back`;
    io.error(`not rolled back: ${why}`);
    return { code: 1, changed: false, reason: why, before };
  }

  const result = await step(io, `roll back to ${target}`, commands.rollback(env, versionId, reason));
  if (result.code !== 0) {
    const why = failed("wrangler rollback", result);
    io.error(`not rolled back: ${why}; ${keepsServing(before, worker)}`);
    return { code: 1, changed: false, reason: why, before };
  }

  const after = parseStatus(await step(io, "read what serves after", commands.status(env)));
  const now = describeServing(after);
  const current = after.kind === "versions" && after.versions.length === 1 ? after.versions[0].id : undefined;
  const was = describeServing(before);
  io.log(`rolled back: ${worker} now serves ${now ?? (versionId ? `version ${versionId}` : "the previous version")}${was ? ` (was ${was})` : ""}`);
  return { code: 0, changed: true, versionId: current ?? versionId ?? undefined, before };
}

// ---------------------------------------------------------------------------------------------------------
// The real runner.

/**
 * Executes commands in `cwd`, showing their output as it comes (stdout and stderr passed through) while keeping
 * it for parsing. stdin is closed, so wrangler never waits at a prompt (it takes its defaults, --yes).
 * "node" is this Node.
 * @param {{ cwd: string }} options
 * @returns {Runner}
 */
export function spawnRunner({ cwd }) {
  return (command) =>
    new Promise((resolve) => {
      const program = command.command === "node" ? process.execPath : command.command;
      const child = spawn(program, command.args, { cwd, env: { ...process.env, ...command.env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      let settled = false;
      const finish = (/** @type {number} */ code) => {
        if (settled) return;
        settled = true;
        resolve({ code, stdout, stderr });
      };
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        process.stdout.write(chunk);
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
        process.stderr.write(chunk);
      });
      child.on("error", (error) => {
        stderr += `${command.command}: ${error.message}\n`;
        finish(127);
      });
      child.on("close", (code, signal) => finish(code ?? (signal ? 128 : 1)));
    });
}
