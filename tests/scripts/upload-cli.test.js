// The folder uploader (`npm run upload`, client/upload-cli.mjs) as a real child process against the real Worker in
// workerd (tests/worker/harness.js) over HTTP on 127.0.0.1. MAX_SINGLE_PUT_BYTES is 10 MiB, so a 12 MiB JPEG goes
// up in 5 MiB parts. The Worker's log lines (method, path, status) show what the uploader sent: nothing but
// GET /api/services in a dry run, no PUT when everything was completed before, and after an interrupted run and
// a crashed one, every part PUT exactly once with success.
//   node --test tests/scripts/upload-cli.test.js
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { fileName, jpegBytes, newUser, pngBytes, sha256Hex, uniqueShootId } from "../worker/flow.js";
import { developmentBindings, sleep, startWorker } from "../worker/harness.js";
import { formatBytes } from "../../client/progress.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(root, "client/upload-cli.mjs");
const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** @type {any} */
let worker;
const folders = [];

before(async () => {
  // A folder of 60 photos is uploaded several times over within a minute: the rate limit is no part of this test.
  worker = await startWorker({
    bindings: developmentBindings({ MAX_SINGLE_PUT_BYTES: String(10 * MiB), RATE_LIMIT_PER_MINUTE: "2000" }),
  });
});
after(async () => {
  await worker?.dispose();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function newFolder(files) {
  const folder = mkdtempSync(join(tmpdir(), "upgate-upload-"));
  folders.push(folder);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(folder, name), bytes);
  return folder;
}

/**
 * Runs the CLI; onSpawn(child) may kill it. Resolves to its exit code, signal and output.
 * @param {string[]} args
 * @param {{token?: string, onSpawn?: (child: import("node:child_process").ChildProcess) => void}} [options]
 * @returns {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string}>}
 */
function runCli(args, { token, onSpawn } = {}) {
  const env = { ...process.env };
  delete env.UPGATE_TOKEN;
  delete env.UPGATE_URL;
  if (token) env.UPGATE_TOKEN = token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--url", worker.url.toString()], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

const show = (run) => `exit ${run.code} ${run.signal ?? ""}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

// The Worker's request log lines from index `from` on, for one shoot's API calls and object paths.
function requestsSince(from, shootId) {
  return worker
    .jsonLogs()
    .slice(from)
    .filter((line) => line.event === "request" && typeof line.path === "string")
    .filter((line) => line.path.includes(shootId) || line.path.startsWith("/api/uploads") || line.path === "/api/services");
}
const logMark = () => worker.jsonLogs().length;
const successfulPuts = (lines, key) => lines.filter((line) => line.method === "PUT" && line.path === `/upload/${key}` && line.status === 200);

// The plain (non-terminal) output: `<event> <file> key=value ...`, a file name with spaces as a JSON string.
function events(text, event) {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${event} `))
    .map((line) => {
      const rest = line.slice(event.length + 1);
      const name = rest.startsWith('"') ? JSON.parse(rest.slice(0, rest.indexOf('"', 1) + 1)) : rest.split(" ")[0];
      return { name, line };
    });
}

async function api(user, path) {
  const response = await worker.fetch(path, { headers: user.headers });
  const body = await response.json();
  assert.equal(response.status, 200, `GET ${path}: ${JSON.stringify(body)}`);
  return body;
}

const readState = (folder) => JSON.parse(readFileSync(join(folder, ".upgate-upload.json"), "utf8"));
const stateEntry = (folder, name) => Object.values(readState(folder).targets)[0].files[name];

// 60 photos: 54 small JPEGs, a PNG, a 12 MiB JPEG that goes in parts, and 4 whose names break the standard.
describe("npm run upload: a folder of 60 photos, good and badly named", () => {
  /** @type {any} */
  let user;
  let shootId;
  let folder;
  const good = {};
  let refusedNames;
  let bigName;

  before(async () => {
    user = await newUser(worker, { prefix: "uploader" });
    shootId = uniqueShootId("cli");
    for (let i = 1; i <= 54; i += 1) good[fileName(shootId, String(i).padStart(4, "0"))] = jpegBytes(1000 * i + 17);
    good[fileName(shootId, "0055", { ext: "png" })] = pngBytes(4096);
    bigName = fileName(shootId, "0056", { variant: "edit" });
    good[bigName] = jpegBytes(12 * MiB + 333); // over the 10 MiB single-PUT limit: 3 parts of 5 MiB
    refusedNames = {
      "Bad Name.jpg": "charset",
      [fileName(shootId, "0057", { date: "20260230" })]: "date",
      "IMG_0042.JPG": "pattern",
      [fileName(shootId, "0059").replace(".jpg", ".JPG")]: "pattern",
    };
    const bad = Object.fromEntries(Object.keys(refusedNames).map((name) => [name, jpegBytes(200)]));
    folder = newFolder({ ...good, ...bad, ".DS_Store": Buffer.from("not a photo") });
  });

  it("without a token, says how to get one and sends nothing", async () => {
    const mark = logMark();
    const run = await runCli([folder, "--shoot", shootId]);
    assert.equal(run.code, 2, show(run));
    assert.match(run.stderr, /UPGATE_TOKEN/);
    assert.match(run.stderr, /npm run -s token/);
    assert.equal(requestsSince(mark, shootId).length, 0);
  });

  it("--dry-run lists the refusals with their rule, exits 1 and uploads nothing", async () => {
    const mark = logMark();
    const run = await runCli([folder, "--shoot", shootId, "--dry-run"], { token: user.token });
    assert.equal(run.code, 1, show(run));
    const refused = events(run.stdout, "refused");
    assert.deepEqual(refused.map((r) => r.name).sort(), Object.keys(refusedNames).sort(), show(run));
    for (const { name, line } of refused) assert.match(line, new RegExp(`code=invalid_filename rule=${refusedNames[name]}\\b`), line);
    assert.match(run.stdout, /56 to upload \(.*1 in parts\), 4 refused/);
    assert.match(run.stdout, /dry run: nothing was sent/);
    const sent = requestsSince(mark, shootId);
    assert.deepEqual(sent.map((line) => `${line.method} ${line.path}`), ["GET /api/services"], "a dry run only reads the limits");
    assert.equal(existsSync(join(folder, ".upgate-upload.json")), false, "a dry run writes no state");
  });

  it("uploads the good files (SHA-256 and all), reports the refusals and exits 1", async () => {
    const mark = logMark();
    const run = await runCli([folder, "--shoot", shootId, "--part-size", "5MiB"], { token: user.token });
    assert.equal(run.code, 1, show(run));
    assert.deepEqual(events(run.stdout, "refused").map((r) => r.name).sort(), Object.keys(refusedNames).sort());
    assert.deepEqual(events(run.stderr, "uploaded").map((r) => r.name).sort(), Object.keys(good).sort(), show(run));
    assert.match(run.stdout, /total: 56 uploaded, 0 already uploaded, 0 skipped \(completed earlier\), 4 refused, 0 failed/);
    // The summary table lists what did not make it, with the rule.
    assert.match(run.stdout, /^Bad Name\.jpg\s+200 B\s+refused: rule charset/m);
    // Plain lines when not on a terminal, a progress line at the end.
    for (const line of run.stderr.trim().split("\n")) {
      assert.match(line, /^(created|upload|uploaded|note|retry|progress) /, `an unexpected line: ${line}`);
    }
    const total = formatBytes(Object.values(good).reduce((sum, bytes) => sum + bytes.length, 0)).replace(" ", "");
    assert.match(run.stderr, new RegExp(`^progress files=56/56 bytes=${total.replace(".", "\\.")}/${total.replace(".", "\\.")} rate=\\S+ eta=0s failed=0`, "m"));
    assert.match(events(run.stderr, "uploaded").find((r) => r.name === bigName).line, / parts=3\b/);

    const { assets } = await api(user, `/api/shoots/${shootId}/assets`);
    assert.deepEqual(assets.map((asset) => asset.filename).sort(), Object.keys(good).sort(), "exactly the good files");
    for (const asset of assets) {
      assert.equal(asset.size, good[asset.filename].length, asset.filename);
      assert.equal(asset.sha256, sha256Hex(good[asset.filename]), `${asset.filename}: the SHA-256 was declared and matches`);
    }
    assert.match(assets.find((asset) => asset.filename === bigName).etag, /-3$/, "the big file went in 3 parts");

    const sent = requestsSince(mark, shootId);
    const presigns = sent.filter((line) => line.path === "/api/uploads/presign");
    assert.equal(presigns.length, 1, "the 55 single-PUT files in one batch presign");
    assert.equal(sent.filter((line) => line.path === "/api/uploads/multipart").length, 1);
    assert.equal(successfulPuts(sent, `shoots/${shootId}/${bigName}`).length, 3, "one PUT per part");
    for (const name of Object.keys(refusedNames)) {
      assert.ok(!sent.some((line) => line.path.endsWith(encodeURIComponent(name)) || line.path.endsWith(name)), `${name} never sent`);
    }
    assert.ok(!sent.some((line) => line.path.includes("DS_Store")), "dotfiles are left out");
  });

  it("a rerun skips everything completed, from its state, without a PUT", async () => {
    const mark = logMark();
    const run = await runCli([folder, "--shoot", shootId, "--part-size", "5MiB"], { token: user.token });
    assert.equal(run.code, 1, show(run)); // the four refusals are still there
    assert.deepEqual(events(run.stderr, "skipped").map((r) => r.name).sort(), Object.keys(good).sort(), show(run));
    assert.match(run.stdout, /total: 0 uploaded, 0 already uploaded, 56 skipped/);
    const sent = requestsSince(mark, shootId);
    assert.deepEqual(sent.filter((line) => line.method !== "GET"), [], "nothing but reads: no presign, no PUT");
  });

  it("without its state, a rerun learns from the server that the files are there, and PUTs nothing", async () => {
    rmSync(join(folder, ".upgate-upload.json"));
    const mark = logMark();
    const run = await runCli([folder, "--shoot", shootId, "--part-size", "5MiB"], { token: user.token });
    assert.equal(run.code, 1, show(run));
    assert.deepEqual(events(run.stderr, "already").map((r) => r.name).sort(), Object.keys(good).sort(), show(run));
    assert.match(run.stdout, /total: 0 uploaded, 56 already uploaded, 0 skipped/);
    const sent = requestsSince(mark, shootId);
    assert.equal(sent.filter((line) => line.method === "PUT").length, 0, "no PUT");
    assert.ok(sent.some((line) => line.path === "/api/uploads/presign" && line.status === 200), "presign answered already_exists per file");
    assert.ok(sent.some((line) => line.path === "/api/uploads/multipart" && line.status === 409), "multipart create answered 409 already_exists");
  });
});

describe("npm run upload: interrupted (Ctrl-C), then crashed (SIGKILL), then finished", () => {
  it("finishes the multipart file from the parts already stored, each part PUT once with success", async () => {
    const user = await newUser(worker, { prefix: "resumer" });
    const shootId = uniqueShootId("resume");
    const bigName = fileName(shootId, "0001");
    const big = jpegBytes(30 * MiB + 17); // 7 parts: six of 5 MiB and one of 17 bytes
    const partCount = Math.ceil(big.length / PART);
    const small = { [fileName(shootId, "0002")]: jpegBytes(3000), [fileName(shootId, "0003", { ext: "png" })]: pngBytes(2000) };
    const folder = newFolder({ [bigName]: big, ...small });
    const bigKey = `shoots/${shootId}/${bigName}`;
    const args = [folder, "--shoot", shootId, "--part-size", "5MiB", "--concurrency", "1"];
    const start = logMark();
    const putsSoFar = () => successfulPuts(requestsSince(start, shootId), bigKey).length;

    // Stops the child once the Worker has logged more successful part PUTs than `after`.
    const killAfterPart = (after, signal) => (child) => {
      const poll = setInterval(() => {
        if (putsSoFar() > after) {
          clearInterval(poll);
          child.kill(signal);
        }
      }, 10);
      child.on("close", () => clearInterval(poll));
    };
    // After the child is gone, its last requests settle (a part body cut short is refused, not stored).
    const settle = async () => {
      await sleep(500);
      const record = await api(user, `/api/uploads/${stateEntry(folder, bigName).uploadId}`);
      return { puts: putsSoFar(), record };
    };

    // 1. Ctrl-C after the first part: it stops, says how to resume, exits 130.
    const first = await runCli(args, { token: user.token, onSpawn: killAfterPart(0, "SIGINT") });
    assert.equal(first.code, 130, show(first));
    assert.match(first.stderr, /interrupted: run the same command again to resume/);
    assert.match(first.stderr, new RegExp(`^interrupted ${bigName} `, "m"), show(first));
    const afterFirst = await settle();
    assert.equal(afterFirst.record.state, "pending");
    assert.ok(afterFirst.puts >= 1 && afterFirst.puts < partCount, `interrupted mid-way: ${afterFirst.puts} of ${partCount} parts`);
    // Every successful part PUT is a stored part, and no part was PUT twice: parts in flight at the interrupt
    // either arrived whole (stored, counted) or were cut short (refused with 400, not counted).
    assert.equal(afterFirst.record.parts.length, afterFirst.puts, JSON.stringify(afterFirst.record.parts));

    // 2. A crash (SIGKILL, no chance to save anything) after one more part.
    const second = await runCli(args, { token: user.token, onSpawn: killAfterPart(afterFirst.puts, "SIGKILL") });
    assert.equal(second.signal, "SIGKILL", show(second));
    assert.match(second.stderr, new RegExp(`^resumed ${bigName} parts=${afterFirst.record.parts.length}/${partCount} `, "m"), show(second));
    const afterSecond = await settle();
    assert.ok(afterSecond.puts > afterFirst.puts && afterSecond.puts < partCount, `crashed mid-way: ${afterSecond.puts} of ${partCount}`);
    assert.equal(afterSecond.record.parts.length, afterSecond.puts, "still: each successful PUT one stored part");

    // 3. The same command again finishes it: only the missing parts are PUT, then it completes.
    const mark = logMark();
    const third = await runCli(args, { token: user.token });
    assert.equal(third.code, 0, show(third));
    assert.match(third.stderr, new RegExp(`^resumed ${bigName} parts=${afterSecond.puts}/${partCount} `, "m"), show(third));
    assert.match(third.stderr, new RegExp(`^uploaded ${bigName} size=${big.length} .*parts=${partCount}`, "m"), show(third));
    const thirdPuts = successfulPuts(requestsSince(mark, shootId), bigKey).length;
    assert.equal(thirdPuts, partCount - afterSecond.puts, "only the parts not stored yet");
    assert.equal(putsSoFar(), partCount, "over the three runs, every part PUT exactly once with success");

    const { assets } = await api(user, `/api/shoots/${shootId}/assets`);
    const byName = new Map(assets.map((asset) => [asset.filename, asset]));
    assert.equal(byName.get(bigName)?.sha256, sha256Hex(big), "the whole file's SHA-256 matches");
    assert.match(byName.get(bigName).etag, new RegExp(`-${partCount}$`));
    for (const [name, bytes] of Object.entries(small)) {
      assert.equal(byName.get(name)?.sha256, sha256Hex(bytes), name);
      assert.equal(successfulPuts(requestsSince(start, shootId), `shoots/${shootId}/${name}`).length, 1, `${name} PUT once`);
    }
    assert.equal(stateEntry(folder, bigName).completed, true);
  });
});
