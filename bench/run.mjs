// `npm run bench`: measures Upgate against a plain-JS reference and a floor that do the same I/O (one Durable
// Object call to the shoot's SQLite ledger per presign), all on 127.0.0.1 in workerd (Miniflare), and prints one
// set of tables (also written to build/bench/results.md). With --before, Upgate before the ledger (KV only) is
// measured too: the difference is what the ledger's hop costs. The numbers are information, not a test: the run
// exits 0 once the tables are printed, 1 only if a section could not be measured at all (it is then listed
// under "Sections that failed").
//
// Options: --duration <s> (10, per target), --rounds <n> (2: the duration is split into rounds that alternate
//          between targets), --warmup <s> (2), --connections <n> (16),
//          --runs <n> (3: PUT runs of 64 MiB, and multipart runs of 512 MiB),
//          --batches <n> (100 batch presigns of 100 files per target, after 10 warm-up ones),
//          --uploads <n> (1000 uploads into one shoot for the storage section),
//          --before <dir> (or UPGATE_BEFORE=<dir>: a checkout of the parent of 6a6cc6d with its wasm built, the
//          target upgate-v1; without it that target is reported as not measured),
//          --digest-pairs <n> (1: pairs of 512 MiB multipart uploads without and with a declared sha256),
//          --only presign,batch,storage,compute,size,put,multipart,cli,previews (all; cli: `npm run upload` against
//          `wrangler dev` beside a plain loop of PUTs, bench/lib/cli.mjs; previews: the queue consumer's thumb and
//          web previews of 24 and 45 MP JPEGs and a raw in workerd against sharp, bench/lib/previews.mjs).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { BATCH_SHOOT_ID, measureBatch } from "./lib/batch.mjs";
import { measureCompute } from "./lib/compute.mjs";
import { checkPresign, loadPresign, presignBody, presignIo } from "./lib/presign.mjs";
import { measureMultipart } from "./lib/multipart.mjs";
import { killRunningWrangler, measureCli, withCliSection } from "./lib/cli.mjs";
import { measurePreviews, withPreviewsSection } from "./lib/previews.mjs";
import { measurePut } from "./lib/put.mjs";
import { renderReport } from "./lib/report.mjs";
import { measureStorage } from "./lib/storage.mjs";
import { asymmetricKey, hs256Token, signedToken } from "./lib/tokens.mjs";
import {
  BUILD_DIR,
  ROOT,
  STORAGE_ROOT,
  WASM_PATH,
  benchBindings,
  bundleWorkers,
  checkPreLedgerBuild,
  killRunningWorkerd,
  seedShoot,
  startWorkerd,
} from "./lib/workers.mjs";

const TIME_LIMIT_SECONDS = 300;
const MULTIPART_TIME_LIMIT_SECONDS = 240; // added to the limit when the multipart section runs
const CLI_TIME_LIMIT_SECONDS = 360; // added to the limit when the cli section runs
const PREVIEWS_TIME_LIMIT_SECONDS = 240; // added to the limit when the previews section runs (inputs made once)
const MULTIPART_MAX_UPLOAD_BYTES = String(1024 * 1024 * 1024); // the 512 MiB files fit
const GOALS = { upgateOverReference: 1.25, upgateOverFloor: 0.85, wasmGzipKiB: 350 };
const BATCH_WARMUP = 10;

// The presign targets, in the order they are measured; upgate-v1 only with a pre-ledger build.
const presignTargets = (settings) => ["upgate", ...(settings.preLedgerDir ? ["upgate-v1"] : []), "reference", "floor"];
// The floor has no batch presign.
const batchTargets = (settings) => presignTargets(settings).filter((name) => name !== "floor");

function readSettings() {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      rounds: { type: "string", default: "2" },
      warmup: { type: "string", default: "2" },
      connections: { type: "string", default: "16" },
      runs: { type: "string", default: "3" },
      batches: { type: "string", default: "100" },
      uploads: { type: "string", default: "1000" },
      before: { type: "string", default: process.env.UPGATE_BEFORE ?? "" },
      "digest-pairs": { type: "string", default: "1" },
      only: { type: "string", default: "presign,batch,storage,compute,size,put,multipart,cli,previews" },
    },
  });
  return {
    seconds: Number(values.duration),
    rounds: Math.max(1, Number(values.rounds)),
    warmupSeconds: Number(values.warmup),
    connections: Number(values.connections),
    putRuns: Number(values.runs),
    batches: Math.max(1, Number(values.batches)),
    uploads: Math.max(1, Number(values.uploads)),
    digestPairs: Math.max(1, Number(values["digest-pairs"])),
    preLedgerDir: values.before ? checkPreLedgerBuild(values.before) : null,
    sections: new Set(values.only.split(",").map((s) => s.trim())),
  };
}

function packageVersion(name) {
  return JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

function describeMachine(settings) {
  const cpus = os.cpus();
  const load = os.loadavg().map((value) => value.toFixed(2)).join(", ");
  return (
    `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "unknown"}), load average at start ${load}; Linux ${os.release()}, ` +
    `Node ${process.version}, Miniflare ${packageVersion("miniflare")}, workerd ${packageVersion("workerd")}. ` +
    `Everything on 127.0.0.1. Presign, batch, storage and compute: one workerd (one Miniflare instance with ` +
    `workers: [${[...presignTargets(settings), "compute", "upgate-sized"].join(", ")}], each on its own port through a ` +
    `direct socket, each with its own KV namespace, R2 bucket and SQLite Durable Objects); PUT and multipart: one ` +
    `workerd per target. ` +
    `Miniflare's local KV/R2/Durable Object storage in ${STORAGE_ROOT}. ` +
    (settings.preLedgerDir
      ? `upgate-v1: Upgate before the shoot ledger, from ${settings.preLedgerDir}.`
      : `upgate-v1 (Upgate before the shoot ledger) not measured: no --before <dir>.`)
  );
}

// Runs one section; a failure is recorded and the other sections still run.
async function section(report, name, measure) {
  const started = performance.now();
  log(`${name}…`);
  try {
    return await measure();
  } catch (error) {
    report.errors.push({ section: name, message: String(error?.message ?? error) });
    log(`${name} failed: ${error?.stack ?? error}`);
    return null;
  } finally {
    log(`${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

function measureWasmSize() {
  const bytes = readFileSync(WASM_PATH);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, targetKiB: GOALS.wasmGzipKiB };
}

async function benchPresign(workerd, bindings, token, settings) {
  const names = presignTargets(settings);
  for (const name of names) {
    await seedShoot(workerd, name, token);
    const { rateLimit } = await checkPresign(name, workerd.urls[name], token, presignBody());
    if (name.startsWith("upgate") && rateLimit !== bindings.RATE_LIMIT_PER_MINUTE) {
      throw new Error(`${name}'s rate limit is ${rateLimit}, not ${bindings.RATE_LIMIT_PER_MINUTE}: it would refuse under load`);
    }
  }
  const urls = Object.fromEntries(names.map((name) => [name, workerd.urls[name]]));
  const targets = await loadPresign(urls, {
    pids: workerd.pids,
    token,
    ...settings,
    log: (message) => log(`  ${message}`),
  });
  // After the load, so the shoot's work-index entry is no longer due: the steady-state count.
  for (const name of names) targets[name].io = await presignIo(name, workerd, token);
  const ratio = (a, b) => targets[a].requestsPerSecond / targets[b].requestsPerSecond;
  const cpuRatio = (a, b) => targets[b].cpuUsPerRequest / targets[a].cpuUsPerRequest;
  const goals = [
    ["Upgate / reference", "upgate", "reference", GOALS.upgateOverReference],
    ["Upgate / floor", "upgate", "floor", GOALS.upgateOverFloor],
  ];
  return {
    targets,
    ratios: goals.map(([name, a, b, target]) => ({ name, value: ratio(a, b), target })),
    cpuRatios: goals.map(([name, a, b, target]) => ({ name, value: cpuRatio(a, b), target })),
    // What Upgate / reference would be if Upgate cost no more than the floor: the most this set-up can show.
    ceiling: ratio("floor", "reference"),
  };
}

async function benchBatch(workerd, token, settings) {
  const names = batchTargets(settings);
  for (const name of names) await seedShoot(workerd, name, token, BATCH_SHOOT_ID);
  return measureBatch(workerd, names, {
    token,
    requests: settings.batches,
    warmup: BATCH_WARMUP,
    log: (message) => log(`  ${message}`),
  });
}

async function benchCompute(workerd, bindings, keys) {
  const tokens = {
    hs256: await hs256Token(bindings.JWT_SECRET),
    rs256: await signedToken(keys.rs256),
    es256: await signedToken(keys.es256),
  };
  return measureCompute(workerd.urls.compute, { tokens, bindings, pids: workerd.pids });
}

// Presign, batch, storage and compute share one workerd; it is gone before the PUT test starts.
async function benchInSharedWorkerd(report, settings) {
  const keys = { rs256: await asymmetricKey("RS256", "bench-rs"), es256: await asymmetricKey("ES256", "bench-es") };
  const bindings = benchBindings();
  const token = await hs256Token(bindings.JWT_SECRET);
  const computeBindings = { ...bindings, JWT_JWKS: JSON.stringify({ keys: [keys.rs256.jwk, keys.es256.jwk] }) };
  const names = [...presignTargets(settings), "compute", "upgate-sized"];
  const workerd = await section(report, "start workerd", () =>
    startWorkerd(names, (name) => (name === "compute" ? computeBindings : bindings), { preLedgerDir: settings.preLedgerDir }),
  );
  if (!workerd) return;
  try {
    if (settings.sections.has("presign")) {
      report.presign = await section(report, "presign", () => benchPresign(workerd, bindings, token, settings));
    }
    if (settings.sections.has("batch")) {
      report.batch = await section(report, "batch", () => benchBatch(workerd, token, settings));
    }
    if (settings.sections.has("storage")) {
      report.storage = await section(report, "storage", () =>
        measureStorage(workerd, { token, uploads: settings.uploads, log: (message) => log(`  ${message}`) }),
      );
    }
    if (settings.sections.has("compute")) {
      report.compute = await section(report, "compute", () => benchCompute(workerd, computeBindings, keys));
    }
  } finally {
    await workerd.dispose();
  }
}

async function benchPut(settings) {
  const bindings = benchBindings();
  const token = await hs256Token(bindings.JWT_SECRET);
  const targets = await measurePut(["upgate", "plain-put"], {
    bindings,
    token,
    runs: settings.putRuns,
    log: (message) => log(`  ${message}`),
  });
  return { targets, ratio: targets.upgate.mbPerSecond / targets["plain-put"].mbPerSecond };
}

async function benchMultipart(settings) {
  const bindings = benchBindings({ MAX_UPLOAD_BYTES: MULTIPART_MAX_UPLOAD_BYTES });
  const token = await hs256Token(bindings.JWT_SECRET);
  return measureMultipart(["upgate", "plain-multipart"], {
    bindings,
    token,
    runs: settings.putRuns,
    digestPairs: settings.digestPairs,
    log: (message) => log(`  ${message}`),
  });
}

// Ends the workerd processes this run started before leaving early (time limit, Ctrl-C, a crash).
function abort(reason) {
  log(`stopping: ${reason}`);
  killRunningWorkerd();
  killRunningWrangler();
  process.exit(1);
}

async function main() {
  process.chdir(ROOT);
  const settings = readSettings();
  const limit =
    TIME_LIMIT_SECONDS +
    (settings.sections.has("multipart") ? MULTIPART_TIME_LIMIT_SECONDS : 0) +
    (settings.sections.has("cli") ? CLI_TIME_LIMIT_SECONDS : 0) +
    (settings.sections.has("previews") ? PREVIEWS_TIME_LIMIT_SECONDS : 0);
  setTimeout(() => abort(`over the ${limit} s limit`), limit * 1000).unref();
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => abort(signal));
  process.on("uncaughtException", (error) => abort(error?.stack ?? String(error)));
  process.on("unhandledRejection", (/** @type {any} */ error) => abort(error?.stack ?? String(error)));

  const report = { date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), machine: describeMachine(settings), settings, errors: [] };
  await bundleWorkers();
  if (["presign", "batch", "storage", "compute"].some((name) => settings.sections.has(name))) {
    await benchInSharedWorkerd(report, settings);
  }
  if (settings.sections.has("size")) report.size = await section(report, "size", async () => measureWasmSize());
  if (settings.sections.has("put")) report.put = await section(report, "put", () => benchPut(settings));
  if (settings.sections.has("multipart")) {
    report.multipart = await section(report, "multipart", () => benchMultipart(settings));
  }
  if (settings.sections.has("cli")) {
    report.cli = await section(report, "cli", () => measureCli({ log: (message) => log(`  ${message}`) }));
  }
  if (settings.sections.has("previews")) {
    report.previews = await section(report, "previews", () => measurePreviews({ log: (message) => log(`  ${message}`) }));
  }

  const text = withPreviewsSection(withCliSection(renderReport(report), report.cli), report.previews);
  mkdirSync(BUILD_DIR, { recursive: true });
  writeFileSync(path.join(BUILD_DIR, "results.md"), text);
  process.stdout.write(`\n${text}\n(also written to build/bench/results.md)\n`);
  process.exitCode = report.errors.length > 0 ? 1 : 0;
}

main().catch((error) => abort(error?.stack ?? String(error)));
