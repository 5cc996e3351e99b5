// Runs ctest (doctest inside), node's test runner over tests/worker, tests/browser and tests/scripts, the smoke suite against a
// `wrangler dev` it starts itself, a short fuzz pass, and the unit tests under ASan/UBSan; then prints one
// closing line that sums them:
// "N passed, N failed".
// Exits non-zero when anything failed.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  process.stdout.write(result.stdout ?? "");
  process.stderr.write(result.stderr ?? "");
  return result;
}

// doctest's own summary carries the number of test cases; a run that printed none, or exited non-zero
// without a failed case, counts as one failure.
function doctestSummary(result) {
  const cases = /test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/.exec(result.stdout ?? "");
  if (!cases) return { passed: 0, failed: 1 };
  const failed = Number(cases[3]);
  return { passed: Number(cases[2]), failed: failed + (result.status === 0 || failed > 0 ? 0 : 1) };
}

// -V passes doctest's output through.
const unit = doctestSummary(run("ctest", ["--test-dir", "build/native", "-V"]));

// The Worker tests, the real-browser tests (Chromium, tests/browser) and the deploy scripts' tests in one run of
// node's test runner.
const files = ["tests/worker", "tests/browser", "tests/scripts"].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".test.js"))
    .map((name) => `${dir}/${name}`),
);
const worker = run(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
});
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)`, "m").exec(worker.stdout ?? "")?.[1] ?? 0);
const workerPassed = count("pass");
const workerFailed = count("fail") + (worker.status === 0 ? 0 : count("fail") === 0 ? 1 : 0);

// The suites that print their own "N passed, N failed" line; a run that printed none counts as one failure.
function summaryOf(result) {
  const match = /^(\d+) passed, (\d+) failed/m.exec(result.stdout ?? "");
  if (!match) return { passed: 0, failed: 1 };
  return { passed: Number(match[1]), failed: Number(match[2]) + (result.status === 0 ? 0 : Number(match[2]) ? 0 : 1) };
}
const smoke = summaryOf(run("bash", ["scripts/smoke-local.sh"]));
const fuzz = summaryOf(run("bash", ["scripts/fuzz.sh", "--short"]));
// The unit tests again under ASan and UBSan, built beside the fuzzers (their libraries are shared).
const sanitized = doctestSummary(run("bash", ["scripts/unit-sanitized.sh"]));

const passed = unit.passed + workerPassed + smoke.passed + fuzz.passed + sanitized.passed;
const failed = unit.failed + workerFailed + smoke.failed + fuzz.failed + sanitized.failed;
console.log(
  `unit: ${unit.passed} passed, ${unit.failed} failed; ` +
    `worker and browser: ${workerPassed} passed, ${workerFailed} failed; ` +
    `smoke: ${smoke.passed} passed, ${smoke.failed} failed; fuzz targets: ${fuzz.passed} passed, ${fuzz.failed} failed; ` +
    `unit under ASan/UBSan: ${sanitized.passed} passed, ${sanitized.failed} failed`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
