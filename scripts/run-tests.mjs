// Runs every suite and prints one closing line that sums them: "N passed, N failed". Exits non-zero when
// anything failed.
//
// Two lanes at once, one per core of the machines this runs on:
//   workerd   node's test runner over tests/worker, tests/browser and tests/scripts, two files at a time (each
//             file starts its own Miniflare, on its own port, with its own storage)
//   native    ctest (doctest inside), the smoke suite against a `wrangler dev` it starts itself (free ports, its
//             own state folder), a short fuzz pass, and the unit tests under ASan/UBSan
// Each suite's output is printed whole when it ends, so lines of two suites never interleave.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";

/**
 * Runs a command to its end, its output kept and printed once it is done.
 * @param {string} command
 * @param {string[]} args
 * @param {import("node:child_process").SpawnOptions} [options]
 * @returns {Promise<{status: number | null, stdout: string}>}
 */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => {
      stderr += `${command}: ${error.message}\n`;
    });
    child.on("close", (status) => {
      process.stdout.write(stdout);
      process.stderr.write(stderr);
      resolve({ status, stdout });
    });
  });
}

// doctest's own summary carries the number of test cases; a run that printed none, or exited non-zero
// without a failed case, counts as one failure.
function doctestSummary(result) {
  const cases = /test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/.exec(result.stdout ?? "");
  if (!cases) return { passed: 0, failed: 1 };
  const failed = Number(cases[3]);
  return { passed: Number(cases[2]), failed: failed + (result.status === 0 || failed > 0 ? 0 : 1) };
}

// The suites that print their own "N passed, N failed" line; a run that printed none counts as one failure.
function summaryOf(result) {
  const match = /^(\d+) passed, (\d+) failed/m.exec(result.stdout ?? "");
  if (!match) return { passed: 0, failed: 1 };
  return { passed: Number(match[1]), failed: Number(match[2]) + (result.status === 0 ? 0 : Number(match[2]) ? 0 : 1) };
}

// node's test runner: its closing "# pass N" / "# fail N"; a non-zero exit with no failed test counts as one.
function nodeTestSummary(result) {
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)`, "m").exec(result.stdout ?? "")?.[1] ?? 0);
  const failed = count("fail");
  return { passed: count("pass"), failed: failed + (result.status === 0 || failed > 0 ? 0 : 1) };
}

async function workerdLane() {
  // The longest files first (Chromium's, then the CLI's), so the run does not end on one long file alone.
  const files = ["tests/browser", "tests/scripts", "tests/worker"].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith(".test.js"))
      .map((name) => `${dir}/${name}`),
  );
  const result = await run(process.execPath, ["--test", "--test-concurrency=2", ...files], {
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  return { worker: nodeTestSummary(result) };
}

async function nativeLane() {
  // -V passes doctest's output through.
  const unit = doctestSummary(await run("ctest", ["--test-dir", "build/native", "-V"]));
  const smoke = summaryOf(await run("bash", ["scripts/smoke-local.sh"]));
  const fuzz = summaryOf(await run("bash", ["scripts/fuzz.sh", "--short"]));
  // The unit tests again under ASan and UBSan, built beside the fuzzers (their libraries are shared).
  const sanitized = doctestSummary(await run("bash", ["scripts/unit-sanitized.sh"]));
  return { unit, smoke, fuzz, sanitized };
}

const [{ worker }, { unit, smoke, fuzz, sanitized }] = await Promise.all([workerdLane(), nativeLane()]);
const suites = [unit, worker, smoke, fuzz, sanitized];
const passed = suites.reduce((sum, suite) => sum + suite.passed, 0);
const failed = suites.reduce((sum, suite) => sum + suite.failed, 0);
console.log(
  `unit: ${unit.passed} passed, ${unit.failed} failed; ` +
    `worker and browser: ${worker.passed} passed, ${worker.failed} failed; ` +
    `smoke: ${smoke.passed} passed, ${smoke.failed} failed; fuzz targets: ${fuzz.passed} passed, ${fuzz.failed} failed; ` +
    `unit under ASan/UBSan: ${sanitized.passed} passed, ${sanitized.failed} failed`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
