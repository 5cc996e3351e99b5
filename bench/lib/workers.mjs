// The Workers under test and the workerd that runs them: bundling (esbuild), Miniflare set-up, seeding KV.
//
// Presign and compute run in ONE workerd (one Miniflare instance, `workers: [...]`), each Worker on its own
// loopback port through Miniflare's direct sockets (`unsafeDirectSockets`), so requests reach the Worker without
// Miniflare's entry Worker in between. Each Worker has its own KV namespace and R2 bucket (same binding names).
// The PUT test starts one Miniflare instance per Worker instead, so each workerd's memory is that Worker's alone.
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
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

export const SCRIPTS = {
  upgate: "shim/index.js",
  reference: "build/bench/reference-worker.js",
  floor: "bench/floor-worker.js",
  compute: "build/bench/compute-worker.js",
  "plain-put": "bench/plain-put-worker.js",
};

function workerOptions(name, bindings) {
  return {
    name,
    modules: true,
    scriptPath: path.join(ROOT, SCRIPTS[name]),
    modulesRoot: ROOT,
    modulesRules: MODULE_RULES,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    kvNamespaces: { UPLOADS_KV: `bench-kv-${name}` },
    r2Buckets: { BUCKET: `bench-r2-${name}` },
    ...(name === "upgate" ? { durableObjects: { SHOOTS: { className: "ShootLedger", useSQLite: true } } } : {}),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  };
}

// workerd's stdout/stderr carry one log line per request from Upgate and the reference: drained and counted
// here (Miniflare would otherwise print them), the last few kept for error messages.
function drainStdio(sink) {
  return (stdout, stderr) => {
    for (const stream of [stdout, stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        sink.bytes += chunk.length;
        sink.tail = (sink.tail + chunk).slice(-4000);
      });
    }
  };
}

// Miniflare's local KV and R2 keep their data in SQLite and blob files. On a disk shared with other work the
// run then waits on the disk, and the numbers say more about the disk than about the Workers; on tmpfs
// (/dev/shm) the same code runs CPU-bound. Falls back to the system's temporary folder.
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

// Starts one workerd running the named Workers; answers their loopback URLs by name and the workerd process ids.
export async function startWorkerd(names, bindingsFor) {
  const stdio = { bytes: 0, tail: "" };
  const earlier = new Set(workerdPids());
  const storage = mkdtempSync(path.join(STORAGE_ROOT, "upgate-bench-"));
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    kvPersist: path.join(storage, "kv"),
    r2Persist: path.join(storage, "r2"),
    handleRuntimeStdio: drainStdio(stdio),
    workers: names.map((name) => workerOptions(name, bindingsFor(name))),
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

// The shoot record as Upgate writes it for POST /api/shoots (wasm/app/routes_shoots.cpp).
export function shootRecord() {
  return { shootId: SHOOT_ID, owner: SUBJECT, createdAt: new Date().toISOString() };
}

// The bench's shoot: Upgate's is created through its API (its shoot ledger holds it); the reference and the
// floor read the same record from KV, as Upgate version 1 did.
export async function seedShoot(workerd, name, token) {
  if (name === "upgate") {
    const response = await fetch(`${workerd.urls[name]}/api/shoots`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ shootId: SHOOT_ID }),
    });
    if (response.status !== 201) throw new Error(`creating the bench shoot answered ${response.status}: ${await response.text()}`);
    return;
  }
  const kv = await workerd.mf.getKVNamespace("UPLOADS_KV", name);
  await kv.put(`shoot:${SHOOT_ID}`, JSON.stringify(shootRecord()));
}

// Today in UTC as YYYYMMDD, so the file name passes the naming standard's date rule.
export function today() {
  return new Date().toISOString().slice(0, 10).replace(/-/g, "");
}

export function fileName(sequence = 1) {
  return `${SHOOT_ID}_${today()}_${String(sequence).padStart(4, "0")}.jpg`;
}
