// The Workers under test and the workerd that runs them: bundling (esbuild), Miniflare set-up, seeding shoots.
//
// Presign, batch, storage and compute run in ONE workerd (one Miniflare instance, `workers: [...]`), each Worker
// on its own loopback port through Miniflare's direct sockets (`unsafeDirectSockets`), so requests reach the
// Worker without Miniflare's entry Worker in between. Each Worker has its own KV namespace, R2 bucket and
// shoot-ledger Durable Objects (same binding names). The PUT and multipart tests start one Miniflare instance per
// Worker instead, so each workerd's memory is that Worker's alone.
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
// The project's module rules (the same as wrangler.toml's), so Upgate loads here exactly as in its Worker tests.
import { MODULE_RULES } from "../../tests/worker/harness.js";
import { workerdPids } from "./proc.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILD_DIR = path.join(ROOT, "build/bench");
export const WASM_PATH = path.join(ROOT, "build/wasm/upgate.wasm");

export const SUBJECT = "bench-user";
export const SHOOT_ID = "bench-shoot";

const COMPATIBILITY_DATE = "2025-04-01";

// The Workers that import npm packages are bundled into build/bench/. The core's wasm stays a separate
// CompiledWasm module: its import is rewritten to build/wasm/<module>.wasm as seen from build/bench/.
export async function bundleWorkers() {
  const keepWasmExternal = {
    name: "upgate-wasm-external",
    setup(build) {
      build.onResolve({ filter: /upgate(-probe)?\.wasm$/ }, (args) => ({
        path: path.relative(BUILD_DIR, path.join(ROOT, "build/wasm", path.basename(args.path))).split(path.sep).join("/"),
        external: true,
      }));
    },
  };
  await esbuild.build({
    // The Durable Object base class is the runtime's own module.
    external: ["cloudflare:workers"],
    entryPoints: {
      "reference-worker": path.join(ROOT, "bench/reference-worker.js"),
      "compute-worker": path.join(ROOT, "bench/compute-worker.js"),
    },
    outdir: BUILD_DIR,
    outExtension: { ".js": ".js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    plugins: [keepWasmExternal],
    logLevel: "warning",
  });
}

const secret = (bytes = 32) => randomBytes(bytes).toString("base64url");

// Development bindings shared by every Worker of a run. The core accepts RATE_LIMIT_PER_MINUTE up to 1,000,000
// (wasm/config/config.cpp; a larger value falls back to the default 100 in development), so the bench uses the maximum:
// a full bucket of a million tokens outlasts every request a run sends.
export function benchBindings(extra = {}) {
  return {
    APP_ENV: "development",
    JWT_SECRET: secret(),
    UPLOAD_MODE: "worker",
    UPLOAD_SIGNING_KEY_ID: `AKBENCH${randomBytes(6).toString("hex").toUpperCase()}`,
    UPLOAD_SIGNING_SECRET: secret(),
    CORS_ORIGINS: "http://localhost:*",
    PRESIGN_TTL_SECONDS: "900",
    MAX_UPLOAD_BYTES: "104857600",
    RATE_LIMIT_PER_MINUTE: "1000000",
    ...extra,
  };
}

// Each Worker: its script, and the class of its shoot ledger (binding SHOOTS, SQLite-backed), if it has one.
// upgate-v1 is Upgate before the shoot ledger (KV only), from a separate build (bench/run.mjs --before).
export const SCRIPTS = {
  upgate: "shim/index.js",
  "upgate-sized": "bench/upgate-sized-worker.js",
  "upgate-v1": "shim/index.js",
  reference: "build/bench/reference-worker.js",
  floor: "bench/floor-worker.js",
  compute: "build/bench/compute-worker.js",
  "plain-put": "bench/plain-put-worker.js",
  "plain-multipart": "bench/plain-multipart-worker.js",
};
const LEDGER_CLASSES = {
  upgate: "ShootLedger",
  "upgate-sized": "ShootLedger",
  reference: "BenchShootLedger",
  floor: "BenchShootLedger",
  "plain-multipart": "BenchShootLedger",
};

// A checkout of Upgate before the ledger (the parent of 6a6cc6d) with its wasm built: the folder, or an error
// that says what is missing.
export function checkPreLedgerBuild(dir) {
  for (const file of ["shim/index.js", "build/wasm/upgate.wasm"]) {
    if (!existsSync(path.join(dir, file))) throw new Error(`${path.join(dir, file)} is missing: build that checkout first`);
  }
  if (existsSync(path.join(dir, "shim/ledger.js"))) throw new Error(`${dir} already has the shoot ledger (shim/ledger.js)`);
  return path.resolve(dir);
}

function workerOptions(name, bindings, preLedgerDir) {
  if (name === "upgate-v1" && !preLedgerDir) throw new Error("upgate-v1 needs the pre-ledger build's folder");
  const root = name === "upgate-v1" ? preLedgerDir : ROOT;
  const ledger = LEDGER_CLASSES[name];
  return {
    name,
    modules: true,
    scriptPath: path.join(root, SCRIPTS[name]),
    modulesRoot: root,
    modulesRules: MODULE_RULES,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    kvNamespaces: { UPLOADS_KV: `bench-kv-${name}` },
    r2Buckets: { BUCKET: `bench-r2-${name}` },
    ...(ledger ? { durableObjects: { SHOOTS: { className: ledger, useSQLite: true } } } : {}),
    // Upgate's completions send their events (no consumer here: the bench measures the upload, not processing).
    ...(name !== "upgate-v1" && name.startsWith("upgate") ? { queueProducers: { UPLOAD_EVENTS: { queueName: `bench-events-${name}` } } } : {}),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
}

// A request id the bench sends (x-request-id) when it wants that request's log line (bench/lib/batch.mjs).
export const PROBE_ID_PREFIX = "bench-probe-";

// workerd's stdout/stderr carry one log line per request from every target: drained and counted here (Miniflare
// would otherwise print them), the last few kept for error messages, and the lines of probe requests (request id
// starting with PROBE_ID_PREFIX) kept whole. Under load that is a few MB/s, so only a chunk that names a probe is
// split into lines.
function drainStdio(sink) {
  return (stdout, stderr) => {
    for (const stream of [stdout, stderr]) {
      let partial = ""; // the start of a line the next chunk finishes
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        sink.bytes += chunk.length;
        sink.tail = (sink.tail + chunk).slice(-4000);
        const text = partial + chunk;
        const end = text.lastIndexOf("\n");
        partial = text.slice(end + 1);
        if (end < 0 || !text.includes(PROBE_ID_PREFIX)) return;
        for (const line of text.slice(0, end).split("\n")) {
          if (!line.includes(PROBE_ID_PREFIX)) continue;
          try {
            const fields = JSON.parse(line);
            if (typeof fields.request_id === "string") sink.probes.set(fields.request_id, fields);
          } catch {
            // not a JSON log line
          }
        }
      });
    }
  };
}

// Miniflare's local KV, R2 and Durable Objects keep their data in SQLite and blob files. On a disk shared with
// other work the run then waits on the disk, and the numbers say more about the disk than about the Workers; on
// tmpfs (/dev/shm) the same code runs CPU-bound. Falls back to the system's temporary folder.
export const STORAGE_ROOT = (() => {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return os.tmpdir();
  }
})();

// Every workerd this run started and has not disposed yet, so an abort can still end them (Miniflare's own exit
// hook cannot finish its asynchronous dispose while the process exits).
const running = new Set();

export function killRunningWorkerd() {
  for (const entry of running) {
    for (const pid of entry.pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(entry.storage, { recursive: true, force: true });
  }
  running.clear();
}

// The log line of the probe request with this id, parsed (null if it did not arrive): it reaches the bench
// through workerd's stdout pipe a moment after the answer, so this waits up to waitMs for it.
export async function probeLogLine(workerd, requestId, waitMs = 2000) {
  const deadline = performance.now() + waitMs;
  while (!workerd.stdio.probes.has(requestId) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const line = workerd.stdio.probes.get(requestId) ?? null;
  workerd.stdio.probes.delete(requestId);
  return line;
}

// Starts one workerd running the named Workers; answers their loopback URLs by name and the workerd process ids.
// preLedgerDir: the pre-ledger build, needed only when names include upgate-v1.
export async function startWorkerd(names, bindingsFor, { preLedgerDir = null } = {}) {
  const stdio = { bytes: 0, tail: "", probes: new Map() };
  const earlier = new Set(workerdPids());
  const storage = mkdtempSync(path.join(STORAGE_ROOT, "upgate-bench-"));
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    kvPersist: path.join(storage, "kv"),
    r2Persist: path.join(storage, "r2"),
    durableObjectsPersist: path.join(storage, "do"),
    handleRuntimeStdio: drainStdio(stdio),
    workers: names.map((name) => workerOptions(name, bindingsFor(name), preLedgerDir)),
  });
  const entry = { pids: [], storage };
  running.add(entry);
  const dispose = async () => {
    await mf.dispose();
    rmSync(storage, { recursive: true, force: true });
    running.delete(entry);
  };
  try {
    await mf.ready;
    const urls = {};
    for (const name of names) urls[name] = (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, "");
    const pids = workerdPids().filter((pid) => !earlier.has(pid));
    entry.pids = pids;
    if (pids.length === 0) throw new Error("could not find the workerd process Miniflare started");
    return { mf, urls, pids, stdio, dispose };
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
}

// The shoot record as Upgate version 1 kept it in KV (shoot:<shootId>); the compute section's canned KV answer.
export function shootRecord(shootId = SHOOT_ID) {
  return { shootId, owner: SUBJECT, createdAt: new Date().toISOString() };
}

// A shoot owned by the bench subject, where each target keeps its shoots: Upgate creates it through its API
// (POST /api/shoots: its ledger's createShoot, and the KV put of the owner's list); the reference and the floor in
// their bench ledger (the same createShoot statements, through Miniflare's RPC to the object), as does the plain
// multipart Worker; Upgate version 1 read the record from KV.
export async function seedShoot(workerd, name, token, shootId = SHOOT_ID) {
  if (name === "upgate" || name === "upgate-sized") {
    const response = await fetch(`${workerd.urls[name]}/api/shoots`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ shootId }),
    });
    if (response.status !== 201) throw new Error(`${name}: creating shoot ${shootId} answered ${response.status}: ${await response.text()}`);
  } else if (name === "reference" || name === "floor" || name === "plain-multipart") {
    const ledgers = await workerd.mf.getDurableObjectNamespace("SHOOTS", name);
    const ledger = ledgers.get(ledgers.idFromName(shootId));
    const created = await ledger.createShoot({ shootId, owner: SUBJECT, requestId: `req_seed_${shootId}`, now: Date.now() });
    if (!created.ok) throw new Error(`${name}: creating shoot ${shootId} answered ${JSON.stringify(created)}`);
  } else if (name === "upgate-v1") {
    const kv = await workerd.mf.getKVNamespace("UPLOADS_KV", name);
    await kv.put(`shoot:${shootId}`, JSON.stringify(shootRecord(shootId)));
  }
}

// Today in UTC as YYYYMMDD, so the file name passes the naming standard's date rule.
export function today() {
  return new Date().toISOString().slice(0, 10).replace(/-/g, "");
}

export function fileName(sequence = 1) {
  return `${SHOOT_ID}_${today()}_${String(sequence).padStart(4, "0")}.jpg`;
}

// A name never used before in this run: a real client presigns each file once, so every target takes its
// new-upload path (the INSERT) on every request, not the path of a file asked for again. Naming v3.1 allows
// 9,999 sequence numbers a day; the days count back from today (the standard accepts 2000-01-01 to tomorrow).
let namesGiven = 0;
const DAY_MS = 86_400_000;

export function newFileName(shootId = SHOOT_ID) {
  const n = namesGiven++;
  const day = new Date(Date.now() - Math.floor(n / 9999) * DAY_MS).toISOString().slice(0, 10).replace(/-/g, "");
  return `${shootId}_${day}_${String((n % 9999) + 1).padStart(4, "0")}.jpg`;
}
