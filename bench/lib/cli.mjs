// The folder uploader end to end (`npm run upload`, client/upload-cli.mjs) against `wrangler dev`: wall time and
// bytes/s for 200 files of 5 MB and for 4 files of 300 MB (multipart), beside a plain loop of PUTs
// (bench/plain-put-loop.mjs: same files, same concurrency, straight PUTs with no checks) to the plain streaming
// Worker (bench/plain-put-worker.js), also served by `wrangler dev`, so both take the same local I/O path
// (wrangler's proxy, workerd, Miniflare's local R2). And the CLI's own memory: its peak RSS at each file size.
//
// Upgate runs as `npm run dev` serves it (scripts/dev.sh): `wrangler dev --env development`, secrets from
// .dev.vars (scripts/dev-vars.sh writes random development ones when it is missing), with one override:
// RATE_LIMIT_PER_MINUTE (100 in development) is raised to the core's maximum, as in the other sections, so the
// CLI's pacing does not turn the measurement into a minute-by-minute wait. Each wrangler gets free loopback
// ports and a fresh persistence folder; everything (the files, both local states, the logs) lives in one
// temporary folder under STORAGE_ROOT (tmpfs when there is one) and is deleted afterwards.
//
// Both Workers and both clients run from a copy of their files taken as the section starts (snapshot()):
// wrangler dev rebuilds and restarts a Worker whenever a file it was built from changes, and a request in flight
// then fails (503 "Your worker restarted mid-request"), so an edit to the tree during the run would otherwise
// show up as retries in the CLI's time, or change the code being measured half-way.
//
// The files: random bytes behind a real JPEG header (the core checks magic bytes at complete), named under the
// naming standard as the tests name them (<shootId>_<today>_<NNNN>.jpg, tests/worker/flow.js). The clients are
// started as `npm run upload` starts the CLI (node client/upload-cli.mjs, with UPGATE_TOKEN in the environment),
// with a preload (bench/lib/child-usage.mjs) that reports the process's own peak RSS and CPU time at exit.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import { JPEG_HEADER, fileName } from "../../tests/worker/flow.js";
import { workerdPids } from "./proc.mjs";
import { fixed, grouped, mark, mib, table } from "./report.mjs";
import { hs256Token } from "./tokens.mjs";
import { ROOT, STORAGE_ROOT, WASM_PATH } from "./workers.mjs";

const MB = 1e6;
const MiB = 1024 * 1024;
export const CLI_GOALS = {
  // CLI bytes/s over the plain loop's, at each file size: the CLI reads every file twice (SHA-256 first, then the
  // PUT), presigns, completes, and Upgate checks each signature and re-reads each object at complete for the
  // declared SHA-256; all of it on the same two cores. Half the plain loop's rate is the bar.
  throughputRatio: 0.5,
  // Peak RSS of the CLI for the 300 MB files over the 5 MB ones: flat in file size.
  rssRatio: 1.5,
};
const CONCURRENCY = 4; // the CLI's default; the plain loop uses the same
const DATASETS = [
  { id: "small", shootId: "bench-cli-5mb", count: 200, bytes: 5 * MB },
  { id: "large", shootId: "bench-cli-300mb", count: 4, bytes: 300 * MB },
];
const WARMUP = { shootId: "bench-cli-warmup", count: 2, bytes: 5 * MB };
const READY_TIMEOUT_MS = 90_000;
const CHUNK = 8 * MiB;

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const USAGE_PRELOAD = pathToFileURL(path.join(ROOT, "bench/lib/child-usage.mjs")).href;

// The wrangler processes this run started and has not stopped yet, the clients still running and the temporary
// folders not deleted yet, so an abort (bench/run.mjs) can still end and delete them: each wrangler runs in its
// own process group, which outlives this process, and so would a client.
const running = new Set();
const clients = new Set();
const folders = new Set();

// A wrangler's process group, and the workerd processes under it (in case one left the group).
function killTree(entry, signal) {
  if (!(entry.pid > 0)) return;
  entry.workerd = [...new Set([...entry.workerd, ...workerdPids(entry.pid)])];
  for (const pid of entry.workerd) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  try {
    process.kill(-entry.pid, signal);
  } catch {
    // already gone
  }
}

export function killRunningWrangler() {
  for (const child of clients) child.kill("SIGKILL");
  clients.clear();
  for (const entry of running) killTree(entry, "SIGKILL");
  running.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

function freePort(taken) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => (taken.has(port) ? resolve(freePort(taken)) : (taken.add(port), resolve(port))));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const tail = (file, chars = 3000) => {
  try {
    return readFileSync(file, "utf8").slice(-chars);
  } catch {
    return "";
  }
};

// Starts `wrangler dev <args>` on free loopback ports with its own persistence folder and log file, in its own
// process group; resolves once `readyPath` answers (with 200 when `want200`).
async function startWrangler(label, args, folder, app, ports, { readyPath, want200 }) {
  const port = await freePort(ports);
  const inspectorPort = await freePort(ports);
  const logPath = path.join(folder, `${label}-wrangler.log`);
  const log = openSync(logPath, "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      ...args,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      path.join(folder, `${label}-state`),
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: app,
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  closeSync(log);
  const entry = { pid: child.pid, workerd: [], exited: false };
  running.add(entry);
  const exited = new Promise((resolve) => child.on("exit", () => resolve((entry.exited = true))));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    killTree(entry, "SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    killTree(entry, "SIGKILL");
    running.delete(entry);
  };
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${base}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (!want200 || response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (entry.exited || performance.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev (${label}) ${entry.exited ? "exited" : "did not answer"} before serving ${readyPath}:\n${tail(logPath)}`);
    }
    await sleep(250);
  }
  entry.workerd = workerdPids(entry.pid);
  return { label, base, logPath, stop };
}

// The development secrets `npm run dev` uses (.dev.vars; written with random values when it is missing).
function developmentJwtSecret() {
  const wrote = spawnSync("bash", [path.join(ROOT, "scripts/dev-vars.sh")], { cwd: ROOT, encoding: "utf8" });
  if (wrote.status !== 0) throw new Error(`scripts/dev-vars.sh failed: ${wrote.stderr}`);
  const secret = /^JWT_SECRET=(.+)$/m.exec(readFileSync(path.join(ROOT, ".dev.vars"), "utf8"))?.[1]?.trim();
  if (!secret) throw new Error("no JWT_SECRET in .dev.vars");
  return secret;
}

// What the Workers and the clients run, copied into `folder`/app (see the top of this file): Upgate's Worker
// (wrangler.toml, .dev.vars, shim/, the built core), the CLI (client/, which imports shim/core.js and runs the
// built core), and the plain Worker and loop (bench/plain-put-*). Answers the copy's root.
function snapshot(folder) {
  const app = path.join(folder, "app");
  for (const dir of ["shim", "client"]) cpSync(path.join(ROOT, dir), path.join(app, dir), { recursive: true });
  mkdirSync(path.join(app, "build/wasm"), { recursive: true });
  mkdirSync(path.join(app, "bench"));
  const files = [
    [WASM_PATH, "build/wasm/upgate.wasm"],
    ...["wrangler.toml", ".dev.vars", "bench/plain-put-worker.js", "bench/plain-put-wrangler.toml", "bench/plain-put-loop.mjs"].map(
      (file) => [path.join(ROOT, file), file],
    ),
  ];
  for (const [from, to] of files) copyFileSync(from, path.join(app, to));
  return app;
}

// `count` files of `bytes` random bytes, each starting with a JPEG header, named for the shoot; answers the folder.
function makeFiles(parent, { id, shootId, count, bytes }) {
  const folder = path.join(parent, `files-${id}`);
  mkdirSync(folder);
  for (let i = 1; i <= count; i++) {
    const fd = openSync(path.join(folder, fileName(shootId, String(i).padStart(4, "0"))), "w");
    try {
      for (let written = 0; written < bytes; ) {
        const chunk = randomBytes(Math.min(CHUNK, bytes - written));
        if (written === 0) JPEG_HEADER.copy(chunk);
        written += writeSync(fd, chunk);
      }
    } finally {
      closeSync(fd);
    }
  }
  return folder;
}

// Runs a client (node <script> <args>) to its end: its exit code, output, wall time (spawn to exit) and, from the
// preload, its peak RSS and CPU time.
function runClient(app, script, args, env, usageFile) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", USAGE_PRELOAD, path.join(app, script), ...args], {
      cwd: app,
      env: { ...env, UPGATE_BENCH_USAGE_FILE: usageFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    clients.add(child);
    let stdout = "";
    let stderr = "";
    let retries = 0;
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    // The CLI's stderr: its `retry <what> ...` lines counted, the end kept for error messages.
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      retries += lines.filter((line) => line.startsWith("retry ")).length;
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clients.delete(child);
      const wallMs = performance.now() - started;
      let usage = null;
      try {
        usage = JSON.parse(readFileSync(usageFile, "utf8"));
      } catch {
        // the process did not reach its exit handler
      }
      resolve({ code, signal, stdout, stderr, wallMs, usage, retries });
    });
  });
}

const clientEnv = (token) => {
  /** @type {Record<string, string | undefined>} */
  const env = { ...process.env, UPGATE_TOKEN: token };
  delete env.UPGATE_URL;
  return env;
};

const describeRun = (run) => `exit ${run.code ?? run.signal}\n--- stdout (end)\n${run.stdout.slice(-2000)}\n--- stderr (end)\n${run.stderr.slice(-2000)}`;

function measured(run, dataset, retries) {
  const totalBytes = dataset.count * dataset.bytes;
  if (!run.usage) throw new Error(`no resource usage from the client:\n${describeRun(run)}`);
  return {
    files: dataset.count,
    fileBytes: dataset.bytes,
    bytes: totalBytes,
    wallSeconds: run.wallMs / 1000,
    mbPerSecond: totalBytes / MB / (run.wallMs / 1000),
    peakRssKiB: run.usage.maxRssKiB,
    cpuSeconds: (run.usage.userCpuUs + run.usage.systemCpuUs) / 1e6,
    retries,
  };
}

// Upgate's completes since byte `from` of its wrangler log, from its request log lines: how many, their total
// and longest duration (ms; the Worker's own duration_ms). The lines reach the log a moment after the answers.
async function completesSince(upgate, from) {
  await sleep(500);
  const durations = readFileSync(upgate.logPath)
    .subarray(from)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.startsWith("{") && line.includes('"/api/uploads/complete"'))
    .map((line) => {
      try {
        const fields = JSON.parse(line);
        return fields.event === "request" && fields.path === "/api/uploads/complete" ? fields.duration_ms : null;
      } catch {
        return null;
      }
    })
    .filter(Number.isFinite);
  return { requests: durations.length, totalMs: durations.reduce((sum, ms) => sum + ms, 0), longestMs: Math.max(0, ...durations) };
}

async function runCli(app, upgate, folder, dataset, token, usageFile) {
  const logFrom = statSync(upgate.logPath).size;
  const run = await runClient(
    app,
    "client/upload-cli.mjs",
    [folder, "--shoot", dataset.shootId, "--url", upgate.base, "--concurrency", String(CONCURRENCY)],
    clientEnv(token),
    usageFile,
  );
  const total = new RegExp(`^total: ${dataset.count} uploaded, 0 already uploaded, 0 skipped \\(completed earlier\\), 0 refused, 0 failed`, "m");
  if (run.code !== 0 || !total.test(run.stdout)) throw new Error(`the CLI did not upload all ${dataset.count} files:\n${describeRun(run)}`);
  const multipart = dataset.bytes > upgate.maxSinglePutBytes;
  const plan = new RegExp(`: ${dataset.count} to upload \\([^)]*${multipart ? `, ${dataset.count} in parts` : ""}\\), 0 refused`);
  if (!plan.test(run.stdout)) throw new Error(`the CLI did not plan ${multipart ? "multipart" : "single PUT"} uploads:\n${describeRun(run)}`);
  return { ...measured(run, dataset, run.retries), completes: await completesSince(upgate, logFrom) };
}

async function runPlain(app, plain, folder, dataset, usageFile) {
  const run = await runClient(
    app,
    "bench/plain-put-loop.mjs",
    [folder, "--url", plain.base, "--shoot", dataset.shootId, "--concurrency", String(CONCURRENCY)],
    clientEnv(""),
    usageFile,
  );
  let answer = null;
  try {
    answer = JSON.parse(run.stdout.trim().split("\n").at(-1));
  } catch {
    // reported below
  }
  if (run.code !== 0 || answer?.files !== dataset.count || answer?.bytes !== dataset.count * dataset.bytes) {
    throw new Error(`the plain PUT loop did not PUT all ${dataset.count} files:\n${describeRun(run)}`);
  }
  return measured(run, dataset, answer.retries);
}

/**
 * Both Workers under `wrangler dev`, a warm-up of both clients, then per data set: its files made, the plain loop,
 * the CLI, the files deleted.
 * @param {{log: (message: string) => void}} options
 */
export async function measureCli({ log }) {
  // The CLI's checks and the Worker both run the built core.
  if (!existsSync(WASM_PATH)) throw new Error(`${WASM_PATH} is missing: run npm run build first`);
  const token = await hs256Token(developmentJwtSecret());
  const folder = mkdtempSync(path.join(STORAGE_ROOT, "upgate-bench-cli-"));
  folders.add(folder);
  const servers = [];
  let usageRuns = 0;
  const usageFile = () => path.join(folder, `usage-${++usageRuns}.json`);
  try {
    const app = snapshot(folder);
    const ports = new Set();
    log("starting wrangler dev: Upgate (--env development) and the plain PUT Worker");
    const started = await Promise.allSettled([
      startWrangler("upgate", ["-c", "wrangler.toml", "--env", "development", "--var", "RATE_LIMIT_PER_MINUTE:1000000"], folder, app, ports, {
        readyPath: "/healthz",
        want200: true,
      }),
      startWrangler("plain-put", ["-c", "bench/plain-put-wrangler.toml"], folder, app, ports, { readyPath: "/", want200: false }),
    ]);
    // One that started is stopped below even when the other did not.
    for (const outcome of started) if (outcome.status === "fulfilled") servers.push(outcome.value);
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    const [upgate, plain] = servers;
    const services = await (await fetch(`${upgate.base}/api/services`)).json();
    upgate.maxSinglePutBytes = services.maxSinglePutBytes;
    const partBytes = services.multipart?.defaultPartBytes;

    log(`warm-up: ${WARMUP.count} files of ${WARMUP.bytes / MB} MB through each client`);
    const warmFolder = makeFiles(folder, { id: "warmup", ...WARMUP });
    await runPlain(app, plain, warmFolder, WARMUP, usageFile());
    await runCli(app, upgate, warmFolder, WARMUP, token, usageFile());
    rmSync(warmFolder, { recursive: true, force: true });

    const results = {};
    for (const dataset of DATASETS) {
      const label = `${dataset.count} × ${dataset.bytes / MB} MB`;
      log(`${label}: writing the files`);
      const files = makeFiles(folder, dataset);
      log(`${label}: plain PUT loop`);
      const plainRun = await runPlain(app, plain, files, dataset, usageFile());
      log(`${label}: the CLI`);
      const cliRun = await runCli(app, upgate, files, dataset, token, usageFile());
      log(
        `${label}: plain ${plainRun.mbPerSecond.toFixed(1)} MB/s, CLI ${cliRun.mbPerSecond.toFixed(1)} MB/s, ` +
          `CLI peak RSS ${(cliRun.peakRssKiB / 1024).toFixed(1)} MiB`,
      );
      rmSync(files, { recursive: true, force: true });
      results[dataset.id] = { plain: plainRun, cli: cliRun };
    }
    const { small, large } = results;
    return {
      concurrency: CONCURRENCY,
      maxSinglePutBytes: upgate.maxSinglePutBytes,
      partBytes,
      small,
      large,
      ratios: {
        small: small.cli.mbPerSecond / small.plain.mbPerSecond,
        large: large.cli.mbPerSecond / large.plain.mbPerSecond,
        rss: large.cli.peakRssKiB / small.cli.peakRssKiB,
      },
      goals: CLI_GOALS,
    };
  } catch (error) {
    // What the Workers said last goes with the error: their logs are deleted with the folder.
    const logs = servers.map((server) => `--- wrangler dev (${server.label}), the end of its log:\n${tail(server.logPath, 4000)}`);
    throw new Error([String(error?.message ?? error), ...logs].join("\n"), { cause: error });
  } finally {
    for (const server of servers) await server.stop();
    rmSync(folder, { recursive: true, force: true });
    folders.delete(folder);
  }
}

// ---- the table ----------------------------------------------------------------------------------------------


export function cliSection(cli) {
  const size = (r) => `${r.files} × ${grouped(r.fileBytes / MB)} MB`;
  const row = (label, r) => [
    label,
    size(r),
    fixed(r.wallSeconds, 1),
    fixed(r.mbPerSecond, 1),
    String(r.retries),
    fixed(r.cpuSeconds, 1),
    mib(r.peakRssKiB),
  ];
  const rows = [
    row("plain PUT loop", cli.small.plain),
    row("CLI (npm run upload), single PUTs", cli.small.cli),
    row("plain PUT loop, whole-file PUTs", cli.large.plain),
    row(`CLI, multipart (${fixed(cli.partBytes / MiB, 0)} MiB parts)`, cli.large.cli),
  ];
  const completes = (r) =>
    `${size(r)}: ${r.completes.requests} complete request(s), ${fixed(r.completes.totalMs / 1000, 1)} s in all, the longest ` +
    `${fixed(r.completes.longestMs / 1000, 1)} s`;
  const { goals, ratios } = cli;
  return [
    "## Upload CLI: npm run upload against wrangler dev",
    "",
    `MB = 10^6 bytes. Upgate served by \`wrangler dev --env development\` as \`npm run dev\` serves it (development ` +
      `secrets from .dev.vars; RATE_LIMIT_PER_MINUTE raised to 1,000,000 so the CLI's pacing is not what is measured); ` +
      `the plain PUT Worker (bench/plain-put-worker.js: a FixedLengthStream into R2, no checks) by \`wrangler dev -c ` +
      `bench/plain-put-wrangler.toml\`; both running throughout, each with a fresh local state, from a copy of the ` +
      `tree's files taken at the start (wrangler dev restarts a Worker when one of its files changes). The files: ` +
      `random bytes behind a JPEG header, named under the naming standard, written to a temporary folder ` +
      `(${STORAGE_ROOT}) and deleted afterwards. Both clients are node processes with ${cli.concurrency} PUTs in ` +
      `flight, streaming the same files with the same body code and the same retries. The CLI (node ` +
      `client/upload-cli.mjs, what npm run upload runs) does its whole job: the core's checks, a SHA-256 pass over ` +
      `every file, batch presigns (above ${grouped(cli.maxSinglePutBytes)} B: multipart create and sign), the PUTs, ` +
      `batch completes (the Worker reads each object back for its declared SHA-256; its queue consumer then ` +
      `processes each asset). The plain loop only PUTs each file whole. Wall: from starting the process to its exit; ` +
      `MB/s = bytes / wall. Retries: requests the client sent again (a 503 from wrangler dev's proxy, "Your worker ` +
      `restarted mid-request", when its connection to the Worker drops). Client CPU and peak RSS: the client ` +
      `process's own (getrusage at exit: user + system time, ru_maxrss). The plain loop first, then the CLI, after ` +
      `one warm-up of ${WARMUP.count} files through each.`,
    "",
    table(["client", "files", "wall s", "MB/s", "retries", "client CPU s", "client peak RSS"], rows, ["l", "l", "r", "r", "r", "r", "r"]),
    "",
    table(
      ["goal", "measured", "target", ""],
      [
        [`CLI / plain loop, MB/s, ${size(cli.small.cli)}`, fixed(ratios.small, 2), `≥ ${goals.throughputRatio}`, mark(ratios.small >= goals.throughputRatio)],
        [`CLI / plain loop, MB/s, ${size(cli.large.cli)}`, fixed(ratios.large, 2), `≥ ${goals.throughputRatio}`, mark(ratios.large >= goals.throughputRatio)],
        [
          `CLI peak RSS, ${grouped(cli.large.cli.fileBytes / MB)} MB files / ${grouped(cli.small.cli.fileBytes / MB)} MB files (flat in file size)`,
          `${fixed(ratios.rss, 3)} (${mib(cli.large.cli.peakRssKiB)} / ${mib(cli.small.cli.peakRssKiB)})`,
          `≤ ${goals.rssRatio}`,
          mark(ratios.rss <= goals.rssRatio),
        ],
      ],
      ["l", "r", "r", "l"],
    ),
    "",
    `Upgate's completes during the CLI runs (the Worker's own duration_ms, from its log): ${completes(cli.small.cli)}; ` +
      `${completes(cli.large.cli)}.`,
    "",
    `Client memory: the plain loop's whole-file PUTs of ${grouped(cli.large.plain.fileBytes / MB)} MB raise its RSS ` +
      `far more than the CLI's multipart PUTs, which move at most ${cli.concurrency} × ` +
      `${fixed(cli.partBytes / MiB, 0)} MiB at a time (peak RSS counts file buffers not yet collected too).`,
  ].join("\n");
}

// The report with this section in it: after the other sections, before "Sections that failed".
export function withCliSection(text, cli) {
  if (!cli) return text;
  const failures = text.indexOf("## Sections that failed");
  const before = failures < 0 ? text : text.slice(0, failures);
  const gap = before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
  return `${before}${gap}${cliSection(cli)}\n\n${failures < 0 ? "" : text.slice(failures)}`;
}
