// The gated deploy and the rollback (scripts/lib/deploy-plan.mjs, scripts/deploy.mjs, scripts/rollback.mjs),
// offline: the logic runs against a fake runner that answers like wrangler and the smoke suite, and the real
// CLIs run with --dry-run as child processes whose PATH holds only tripwires and whose child_process and fetch
// are replaced by tripwires, so nothing can reach Cloudflare.
//   node --test tests/scripts/
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import {
  WORKERS,
  commands,
  deploy,
  formatCommand,
  parseDeployArgs,
  parseRollbackArgs,
  parseStatus,
  parseUpload,
  rollback,
  smokeCredentials,
  spawnRunner,
  UsageError,
} from "../../scripts/lib/deploy-plan.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const NOW = Date.parse("2026-05-01T12:00:00Z");

const VERSION_ID = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
const PREVIEW_URL = "https://9f1c2d3e-upgate-production.photo-team.workers.dev";
const CURRENT_ID = "0d5e4c3b-2a19-4f87-9e6d-5c4b3a291807";
const PREVIOUS_ID = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";

// A JWT-shaped token (not signed by anything) with the given expiry; the deploy only reads its exp.
function fakeToken(expSeconds) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "smoke-bot", exp: expSeconds })}.c2lnbmF0dXJl`;
}
const TOKEN = fakeToken(NOW / 1000 + 3600);

// What wrangler 4.86 prints for `versions upload` (src/versions/upload.ts), colours and all.
const UPLOAD_OUTPUT = `
 \u001b[33m⛅️ wrangler 4.86.0\u001b[39m
───────────────────
Total Upload: 612.48 KiB / gzip: 201.37 KiB
Worker Startup Time: 14 ms
Your Worker has access to the following bindings:
Binding                                                   Resource
env.UPLOADS_KV (00000000000000000000000000000000)         KV Namespace
env.BUCKET (upgate-photos)                                R2 Bucket
env.RATE_LIMITER (1002)                                   Rate Limit
env.APP_ENV ("production")                                Environment Variable
env.UPLOAD_MODE ("worker")                                Environment Variable

Uploaded upgate-production (3.84 sec)
Worker Version ID: ${VERSION_ID}
Version Preview URL: ${PREVIEW_URL}

\u001b[90mTo deploy this version to production traffic use the command \u001b[34mwrangler versions deploy\u001b[39m

Changes to non-versioned settings (config properties 'logpush' or 'tail_consumers') take effect after your next deployment using the command wrangler versions deploy

Changes to triggers (routes, custom domains, cron schedules, etc) must be applied with the command wrangler triggers deploy\u001b[39m
`;
const UPLOAD_OUTPUT_NO_PREVIEW = UPLOAD_OUTPUT.split("\n").filter((line) => !line.startsWith("Version Preview URL")).join("\n");

// `wrangler deployments status --json`: the latest deployment as the API returns it.
const statusJson = (versionId) =>
  JSON.stringify(
    {
      id: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
      source: "wrangler",
      strategy: "percentage",
      author_email: "ops@example.com",
      created_on: "2026-04-30T09:15:00.000000Z",
      annotations: { "workers/triggered_by": "deployment" },
      versions: [{ version_id: versionId, percentage: 100 }],
    },
    null,
    2,
  );

const SMOKE_PASS = ["# upgate smoke: x (run smoke-1)", "ok - GET /healthz answers 200 with status ok", "ok - presign works with a valid token", "9 passed, 0 failed, 1 skipped", ""].join("\n");
const SMOKE_FAIL = [
  "# upgate smoke: x (run smoke-2)",
  "ok - GET /healthz answers 200 with status ok",
  "not ok - presign works with a valid token: creating shoot smoke-2: expected 201, POST /api/shoots got 500 {} (request id smoke-2-2)",
  "8 passed, 1 failed, 1 skipped",
  "",
].join("\n");

const ok = (stdout = "") => ({ code: 0, stdout, stderr: "" });

// A runner that records every command and answers by what it is; `answers` overrides by name.
function fakeRunner(answers = {}) {
  const calls = [];
  const nameOf = (command) => {
    const line = formatCommand(command);
    if (line.includes("scripts/build.sh")) return "build";
    if (line.startsWith("node scripts/smoke.mjs")) return "smoke";
    if (line.includes("wrangler deployments status")) return "status";
    if (line.includes("wrangler versions upload")) return "upload";
    if (line.includes("wrangler versions deploy")) return "promote";
    if (line.includes("wrangler triggers deploy")) return "triggers";
    if (line.includes("wrangler rollback")) return "rollback";
    return "unknown";
  };
  const defaults = {
    build: () => ok("[build] build/wasm/upgate.wasm\n"),
    status: () => ok(statusJson(CURRENT_ID)),
    upload: () => ok(UPLOAD_OUTPUT),
    smoke: () => ok(SMOKE_PASS),
    promote: () => ok(`Deployed upgate-production version ${VERSION_ID} at 100% (1.20 sec)\n`),
    triggers: () => ok("Current Triggers:\nschedule: 0 */3 * * *\n"),
    rollback: () => ok(`Worker Version ${PREVIOUS_ID} has been deployed to 100% of traffic.\n\nCurrent Version ID: ${PREVIOUS_ID}\n`),
    unknown: () => ({ code: 99, stdout: "", stderr: "unexpected command" }),
  };
  const run = async (command) => {
    const name = nameOf(command);
    calls.push({ name, command, line: formatCommand(command) });
    const answer = answers[name] ?? defaults[name];
    return typeof answer === "function" ? answer(calls.filter((call) => call.name === name).length) : answer;
  };
  return { run, calls, names: () => calls.map((call) => call.name) };
}

// Collects what the deploy prints; fetch answers /healthz 200 unless told otherwise; the clock is fake.
function fakeIo(runner, overrides = {}) {
  const out = [];
  const err = [];
  const fetched = [];
  let clock = NOW;
  return {
    out,
    err,
    fetched,
    io: {
      run: runner?.run,
      fetch: async (url) => {
        fetched.push(url);
        return { ok: true, status: 200 };
      },
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
      log: (line) => out.push(line),
      error: (line) => err.push(line),
      environment: { UPGATE_SMOKE_TOKEN: TOKEN },
      ...overrides,
    },
  };
}

const indexOfLine = (lines, text) => lines.findIndex((line) => line.includes(text));

describe("deploy --dry-run", () => {
  it("lists build, versions upload, smoke and versions deploy in that order, and runs nothing", async () => {
    const tripwire = async () => assert.fail("a dry run ran a command");
    const { io, out, fetched } = fakeIo({ run: tripwire }, { fetch: async () => assert.fail("a dry run fetched") });
    const outcome = await deploy({ env: "production", dryRun: true }, io);
    assert.equal(outcome.code, 0);
    assert.equal(outcome.changed, false);
    assert.deepEqual(fetched, []);
    const order = [
      "UPGATE_BUILD_NATIVE=0 bash scripts/build.sh",
      "npx wrangler deployments status --env production --json",
      "npx wrangler versions upload --env production",
      "GET <preview-url>/healthz",
      "node scripts/smoke.mjs <preview-url>",
      "npx wrangler versions deploy <version-id>@100% --env production --yes --message",
      "npx wrangler triggers deploy --env production",
    ];
    const positions = order.map((text) => indexOfLine(out, text));
    for (const [i, position] of positions.entries()) assert.ok(position >= 0, `the plan shows ${order[i]}:\n${out.join("\n")}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, "in order");
    assert.ok(out.some((line) => line.includes("not deployed: <reason>; <current version> keeps serving")));
    assert.match(out.at(-1), /dry run: nothing was built, uploaded or deployed/);
  });

  it("says a real run would refuse when there is no smoke token, and still exits 0", async () => {
    const { io, out } = fakeIo(null, { environment: {} });
    const outcome = await deploy({ env: "production", dryRun: true }, io);
    assert.equal(outcome.code, 0);
    assert.ok(out.some((line) => /a real run would refuse now: no smoke token: set UPGATE_SMOKE_TOKEN/.test(line)), out.join("\n"));
  });

  it("targets the development worker for development", async () => {
    const { io, out } = fakeIo(null);
    await deploy({ env: "development", dryRun: true }, io);
    assert.ok(out[0].includes("upgate-development"));
    assert.ok(out.some((line) => line.includes("npx wrangler versions upload --env development")));
  });
});

describe("deploy with a fake runner", () => {
  it("a passing smoke suite leads to versions deploy <that id>@100%, then the triggers", async () => {
    const runner = fakeRunner();
    const { io, out, err, fetched } = fakeIo(runner);
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 0, err.join("\n"));
    assert.equal(outcome.changed, true);
    assert.equal(outcome.versionId, VERSION_ID);
    assert.equal(outcome.previewUrl, PREVIEW_URL);
    assert.deepEqual(runner.names(), ["build", "status", "upload", "smoke", "promote", "triggers"]);
    assert.deepEqual(fetched, [`${PREVIEW_URL}/healthz`]);

    const [build, , upload, smoke, promote] = runner.calls.map((call) => call.command);
    assert.deepEqual(build, { command: "bash", args: ["scripts/build.sh"], env: { UPGATE_BUILD_NATIVE: "0" } });
    assert.deepEqual(upload.args, ["wrangler", "versions", "upload", "--env", "production"]);
    assert.deepEqual(smoke.args, ["scripts/smoke.mjs", PREVIEW_URL]);
    assert.ok(!runner.calls.some((call) => call.line.includes(TOKEN)), "the token is never on a command line");
    assert.deepEqual(promote.args.slice(0, 7), ["wrangler", "versions", "deploy", `${VERSION_ID}@100%`, "--env", "production", "--yes"]);
    assert.ok(out.some((line) => line.includes(`deployed: version ${VERSION_ID} serves 100% of upgate-production, replacing version ${CURRENT_ID} (100%)`)), out.join("\n"));
    assert.deepEqual(err, []);
  });

  it("a failing smoke suite deploys nothing and says why, naming the version that keeps serving", async () => {
    const runner = fakeRunner({ smoke: { code: 1, stdout: SMOKE_FAIL, stderr: "" } });
    const { io, err } = fakeIo(runner);
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.equal(outcome.changed, false);
    assert.deepEqual(runner.names(), ["build", "status", "upload", "smoke"]);
    assert.ok(!runner.calls.some((call) => call.line.includes("versions deploy")), "no versions deploy");
    assert.match(outcome.reason, /the smoke suite failed against https:\/\/9f1c2d3e-upgate-production/);
    assert.match(outcome.reason, /8 passed, 1 failed/);
    assert.match(outcome.reason, /not ok - presign works with a valid token/);
    assert.equal(err.length, 1);
    assert.match(err[0], /^not deployed: the smoke suite failed/);
    assert.match(err[0], new RegExp(`; version ${CURRENT_ID} \\(100%\\) keeps serving upgate-production$`));
  });

  it("no preview URL: a clear error saying how to enable preview URLs, no smoke, no deploy", async () => {
    const runner = fakeRunner({ upload: ok(UPLOAD_OUTPUT_NO_PREVIEW) });
    const { io, err } = fakeIo(runner);
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.deepEqual(runner.names(), ["build", "status", "upload"]);
    assert.equal(outcome.versionId, VERSION_ID);
    assert.match(err[0], /^not deployed: wrangler versions upload printed no "Version Preview URL"/);
    assert.match(err[0], /preview_urls = true/);
    assert.match(err[0], /npx wrangler triggers deploy --env production/);
    assert.match(err[0], new RegExp(`Version ${VERSION_ID} was uploaded but serves no traffic`));
    assert.match(err[0], /keeps serving upgate-production$/);
  });

  it("refuses without a smoke token, before building anything", async () => {
    const runner = fakeRunner();
    const { io, err } = fakeIo(runner, { environment: {} });
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.deepEqual(runner.names(), []);
    assert.match(err[0], /^not deployed: no smoke token: set UPGATE_SMOKE_TOKEN/);
    assert.match(err[0], /never skips the smoke suite/);
  });

  it("refuses an expired smoke token", async () => {
    const runner = fakeRunner();
    const { io, err } = fakeIo(runner, { environment: { UPGATE_SMOKE_TOKEN: fakeToken(NOW / 1000 - 60) } });
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.deepEqual(runner.names(), []);
    assert.match(err[0], /UPGATE_SMOKE_TOKEN expired at 2026-05-01T11:59:00.000Z/);
  });

  it("development takes JWT_SECRET in place of a token (the suite mints one)", () => {
    assert.equal(smokeCredentials("development", { JWT_SECRET: "x".repeat(32) }, NOW).ok, true);
    assert.equal(smokeCredentials("production", { JWT_SECRET: "x".repeat(32) }, NOW).ok, false);
    assert.equal(smokeCredentials("production", { UPGATE_SMOKE_TOKEN: "not-a-jwt" }, NOW).ok, false);
  });

  it("a failed build or upload deploys nothing", async () => {
    const failedBuild = fakeRunner({ build: { code: 2, stdout: "", stderr: "[build] emcc: not found\n" } });
    const first = fakeIo(failedBuild);
    assert.equal((await deploy({ env: "production" }, first.io)).code, 1);
    assert.deepEqual(failedBuild.names(), ["build"]);
    assert.match(first.err[0], /^not deployed: the build failed \(exit 2\): \[build\] emcc: not found; whatever serves upgate-production now keeps serving$/);

    const failedUpload = fakeRunner({ upload: { code: 1, stdout: "", stderr: "✘ [ERROR] Authentication error [code: 10000]\n" } });
    const second = fakeIo(failedUpload);
    assert.equal((await deploy({ env: "production" }, second.io)).code, 1);
    assert.deepEqual(failedUpload.names(), ["build", "status", "upload"]);
    assert.match(second.err[0], /wrangler versions upload failed \(exit 1\): ✘ \[ERROR\] Authentication error/);
  });

  it("a preview that never answers deploys nothing", async () => {
    const runner = fakeRunner();
    const { io, err, fetched } = fakeIo(runner, {
      fetch: async (url) => {
        fetched.push(url);
        return { ok: false, status: 404 };
      },
    });
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.deepEqual(runner.names(), ["build", "status", "upload"]);
    assert.ok(fetched.length > 1, "it polled");
    assert.match(err[0], /the preview never came up: .*\/healthz did not answer 200 within 60 s \(last: HTTP 404\)/);
  });

  it("a first deploy (no deployment yet) says so when it fails", async () => {
    const runner = fakeRunner({
      status: { code: 1, stdout: "", stderr: "✘ [ERROR] The Worker upgate-production has no deployments.\n" },
      smoke: { code: 1, stdout: SMOKE_FAIL, stderr: "" },
    });
    const { io, err } = fakeIo(runner);
    assert.equal((await deploy({ env: "production" }, io)).code, 1);
    assert.match(err[0], /; upgate-production had no deployment and still has none$/);
  });

  it("a failed triggers deploy after the promotion is reported, with the command to rerun", async () => {
    const runner = fakeRunner({ triggers: { code: 1, stdout: "", stderr: "✘ [ERROR] A request to the Cloudflare API failed.\n" } });
    const { io, err } = fakeIo(runner);
    const outcome = await deploy({ env: "production" }, io);
    assert.equal(outcome.code, 1);
    assert.equal(outcome.changed, true);
    assert.match(err[0], /^deployed, with a problem: wrangler triggers deploy failed/);
    assert.match(err[0], /rerun npx wrangler triggers deploy --env production$/);
  });
});

describe("rollback", () => {
  it("--dry-run lists the status read, wrangler rollback with a message, and runs nothing", async () => {
    const { io, out } = fakeIo({ run: async () => assert.fail("a dry run ran a command") });
    const outcome = await rollback({ env: "production", dryRun: true }, io);
    assert.equal(outcome.code, 0);
    const rollbackLine = indexOfLine(out, "npx wrangler rollback --env production --message 'npm run rollback -- production' --yes");
    assert.ok(rollbackLine > 0, out.join("\n"));
    assert.ok(indexOfLine(out, "npx wrangler deployments status --env production --json") < rollbackLine);
    assert.match(out.at(-1), /dry run: nothing was rolled back/);
  });

  it("--dry-run with --version names that version", async () => {
    const { io, out } = fakeIo(null);
    await rollback({ env: "development", dryRun: true, versionId: PREVIOUS_ID, message: "bad release" }, io);
    assert.ok(out.some((line) => line.includes(`npx wrangler rollback ${PREVIOUS_ID} --env development --message 'bad release' --yes`)), out.join("\n"));
  });

  it("returns to the previous version with a fake runner", async () => {
    const runner = fakeRunner({ status: (n) => ok(statusJson(n === 1 ? CURRENT_ID : PREVIOUS_ID)) });
    const { io, out, err } = fakeIo(runner);
    const outcome = await rollback({ env: "production" }, io);
    assert.equal(outcome.code, 0, err.join("\n"));
    assert.deepEqual(runner.names(), ["status", "rollback", "status"]);
    assert.deepEqual(runner.calls[1].command.args, ["wrangler", "rollback", "--env", "production", "--message", "npm run rollback -- production", "--yes"]);
    assert.equal(outcome.versionId, PREVIOUS_ID);
    assert.ok(out.some((line) => line === `rolled back: upgate-production now serves version ${PREVIOUS_ID} (100%) (was version ${CURRENT_ID} (100%))`), out.join("\n"));
  });

  it("passes --version through and reports a failure", async () => {
    const runner = fakeRunner({ rollback: { code: 1, stdout: "", stderr: "✘ [ERROR] Version not found\n" } });
    const { io, err } = fakeIo(runner);
    const outcome = await rollback({ env: "production", versionId: PREVIOUS_ID, message: "smoke missed a bug" }, io);
    assert.equal(outcome.code, 1);
    assert.deepEqual(runner.calls[1].command.args, ["wrangler", "rollback", PREVIOUS_ID, "--env", "production", "--message", "smoke missed a bug", "--yes"]);
    assert.match(err[0], /^not rolled back: wrangler rollback failed \(exit 1\): ✘ \[ERROR\] Version not found; version .* keeps serving upgate-production$/);
  });
});

describe("parsing", () => {
  it("reads the version id and preview URL from wrangler's output", () => {
    assert.deepEqual(parseUpload(UPLOAD_OUTPUT), { versionId: VERSION_ID, previewUrl: PREVIEW_URL });
    assert.deepEqual(parseUpload(UPLOAD_OUTPUT_NO_PREVIEW), { versionId: VERSION_ID, previewUrl: null });
    assert.deepEqual(parseUpload("✘ [ERROR] something"), { versionId: null, previewUrl: null });
  });

  it("reads the serving versions from deployments status --json, split deployments too", () => {
    const split = JSON.stringify({ versions: [{ version_id: VERSION_ID, percentage: 90 }, { version_id: CURRENT_ID, percentage: 10 }] });
    assert.deepEqual(parseStatus(ok(split)), { kind: "versions", versions: [{ id: VERSION_ID, percentage: 90 }, { id: CURRENT_ID, percentage: 10 }] });
    assert.equal(parseStatus({ code: 1, stdout: "", stderr: "The Worker upgate-production has no deployments." }).kind, "none");
    assert.equal(parseStatus(ok("not json")).kind, "unknown");
  });

  it("command lines", () => {
    assert.throws(() => parseDeployArgs([]), UsageError);
    assert.throws(() => parseDeployArgs(["staging"]), UsageError);
    assert.throws(() => parseDeployArgs(["production", "--outdir", "dist"]), UsageError);
    assert.deepEqual(parseDeployArgs(["production", "--dry-run"]), { env: "production", dryRun: true, help: false });
    assert.deepEqual(parseRollbackArgs(["development", "--version", PREVIOUS_ID, "--message=why"]), {
      env: "development",
      dryRun: false,
      help: false,
      versionId: PREVIOUS_ID,
      message: "why",
    });
    assert.throws(() => parseRollbackArgs(["production", "--version", "v12"]), UsageError);
    assert.throws(() => parseRollbackArgs(["production", "--version"]), UsageError);
    assert.equal(formatCommand(commands.rollback("production", null, "it's broken")), "npx wrangler rollback --env production --message 'it'\\''s broken' --yes");
  });

  it("the worker names are wrangler.toml's", () => {
    const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
    for (const [env, name] of Object.entries(WORKERS)) {
      const section = new RegExp(`^\\[env\\.${env}\\]\\s*\\nname = "([^"]+)"`, "m").exec(toml);
      assert.ok(section, `[env.${env}] with a name in wrangler.toml`);
      assert.equal(section[1], name);
    }
  });
});

describe("the real runner", () => {
  it("keeps a child's output and exit status, with the step's variables added to the environment", async () => {
    const run = spawnRunner({ cwd: root });
    const script = "process.stdout.write('runner check: ' + process.env.UPGATE_RUNNER_CHECK); process.stderr.write('to stderr'); process.exit(3)";
    const result = await run({ command: "node", args: ["-e", script], env: { UPGATE_RUNNER_CHECK: "passed" } });
    assert.deepEqual(result, { code: 3, stdout: "runner check: passed", stderr: "to stderr" });
  });

  it("a program that does not exist is exit 127, not a crash", async () => {
    const result = await spawnRunner({ cwd: root })({ command: "upgate-no-such-program", args: [] });
    assert.equal(result.code, 127);
    assert.match(result.stderr, /ENOENT/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The real CLIs, as child processes that cannot reach anything.

describe("the CLIs with --dry-run", () => {
  let dir;
  let marker;
  let preload;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "upgate-deploy-test-"));
    marker = join(dir, "tripped");
    // PATH holds only these: any npx, wrangler, bash, node or curl the CLI tried would leave a line here.
    for (const name of ["npx", "wrangler", "bash", "sh", "node", "curl"]) {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> "${marker}"\nexit 97\n`);
      chmodSync(path, 0o755);
    }
    // And in the process itself: every way to start a process, and fetch, leave a line and throw.
    preload = join(dir, "tripwire.cjs");
    writeFileSync(
      preload,
      `const cp = require("node:child_process");
const { appendFileSync } = require("node:fs");
const { syncBuiltinESMExports } = require("node:module");
const trip = (what) => { appendFileSync(${JSON.stringify(marker)}, what + "\\n"); throw new Error("tripwire: " + what); };
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) cp[name] = (file) => trip(name + " " + file);
syncBuiltinESMExports();
globalThis.fetch = async (url) => trip("fetch " + url);
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runCli = (script, args, env = {}) => {
    rmSync(marker, { force: true });
    const result = spawnSync(process.execPath, ["--require", preload, script, ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: dir, HOME: dir, ...env },
    });
    return { ...result, tripped: existsSync(marker) ? readFileSync(marker, "utf8") : "" };
  };

  it("node scripts/deploy.mjs production --dry-run prints the plan, runs nothing, exits 0", () => {
    const result = runCli("scripts/deploy.mjs", ["production", "--dry-run"]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.tripped, "", "nothing was started or fetched");
    const lines = result.stdout.split("\n");
    const steps = ["bash scripts/build.sh", "wrangler versions upload --env production", "node scripts/smoke.mjs <preview-url>", "wrangler versions deploy <version-id>@100% --env production --yes"];
    const positions = steps.map((text) => indexOfLine(lines, text));
    assert.ok(positions.every((p) => p >= 0), result.stdout);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
    assert.match(result.stdout, /dry run: nothing was built, uploaded or deployed/);
  });

  it("node scripts/rollback.mjs production --dry-run prints the plan, runs nothing, exits 0", () => {
    const result = runCli("scripts/rollback.mjs", ["production", "--dry-run", "--message", "bad release"]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.tripped, "");
    assert.match(result.stdout, /npx wrangler rollback --env production --message 'bad release' --yes/);
    assert.match(result.stdout, /dry run: nothing was rolled back/);
  });

  it("a usage error exits 2 without running anything", () => {
    const result = runCli("scripts/deploy.mjs", ["staging", "--dry-run"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown environment "staging"/);
    assert.equal(result.tripped, "");
  });

  it("the tripwires are live: without --dry-run the same CLI's first step (the build) trips them", () => {
    const result = runCli("scripts/deploy.mjs", ["production"], { UPGATE_SMOKE_TOKEN: fakeToken(Math.floor(Date.now() / 1000) + 3600) });
    assert.notEqual(result.status, 0);
    assert.match(result.tripped, /bash/, result.stderr);
  });
});
