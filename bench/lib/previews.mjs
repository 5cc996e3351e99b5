// The `previews` section: what making a photo's previews costs inside workerd, against sharp doing the same in Node.
//
// Upgate's side is its own queue consumer doing exactly what it does in production (contract 10): for each input
// a fresh workerd (one Miniflare instance) runs the Worker with its local R2, KV, shoot-ledger Durable Objects and
// its UPLOAD_EVENTS queue consuming into itself; the file is presigned and PUT (not measured), then measured from
// the POST /api/uploads/complete to the consumer's `queue` log line: the event sent, the claim in the ledger, the
// metadata read range by range out of R2, the preview's bytes read, the DCT-scaled decode, thumb and web encoded,
// both written to R2, the outcome recorded. workerd CPU: every thread of the workerd process (/proc schedstat), so it
// includes the local R2 simulator and the ledger's SQLite; peak RSS: VmHWM (reset first) and VmRSS sampled every
// 20 ms. A probe Worker in the same workerd, sharing the bucket, then reads the same bytes out of the local R2
// simulator into JavaScript and nothing else: the share of that CPU which production R2 would not cost here. sharp's
// side (bench/lib/sharp-previews.mjs) runs in a child Node process per run and variant. The runs alternate (Upgate,
// then sharp both ways), so the machine's other load falls on all alike.
//
// Inputs, made once with ImageMagick and ExifTool and kept in build/bench/previews/: 24-megapixel (6000 x 4000)
// and 45-megapixel (8192 x 5464) camera-like JPEGs (plasma blown up with sensor-like noise, quality 90, EXIF
// orientation 6: a portrait shot), and a CR2 (ExifTool's sample) whose IFD0 preview is the 24-megapixel JPEG, as
// Canon's are, with a 160 x 120 thumbnail in IFD1; sharp cannot read a CR2, so it gets that preview as ExifTool
// extracts it.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { MODULE_RULES } from "../../tests/worker/harness.js";
import { cpuSeconds, rssKiB, startRssSampler, workerdPids } from "./proc.mjs";
import { fixed, grouped, mark, mib, table } from "./report.mjs";
import { hs256Token } from "./tokens.mjs";
import { BUILD_DIR, ROOT, STORAGE_ROOT, WASM_PATH, benchBindings, today } from "./workers.mjs";

export const PREVIEW_GOALS = { cpuOverSharp: 2, peakMiB45: 128 };

const RUNS = 5;
const WARMUPS = 2;
const SHOOT_ID = "bench-previews";
const INPUT_DIR = path.join(BUILD_DIR, "previews");
const SAMPLES = path.join(ROOT, "third_party/exiftool-images");
const SHARP_CHILD = path.join(ROOT, "bench/lib/sharp-previews.mjs");
// The encoder quality of Upgate's previews, from the core's own header, so sharp is asked for the same.
const QUALITY = Number(/kPreviewQuality = (\d+);/.exec(readFileSync(path.join(ROOT, "wasm/previews/previews.h"), "utf8"))?.[1]);
const CONTENT_TYPES = { jpg: "image/jpeg", cr2: "image/x-canon-cr2", png: "image/png" };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function run(command, args) {
  return execFileSync(command, args, { maxBuffer: 256 * 1024 * 1024 });
}

// A file made once: `make(temporary)` writes it, and it is moved into place only when complete.
function cached(name, make) {
  const file = path.join(INPUT_DIR, name);
  if (existsSync(file)) return file;
  mkdirSync(INPUT_DIR, { recursive: true });
  const partial = path.join(INPUT_DIR, `partial-${name}`); // the same extension, for ExifTool
  rmSync(partial, { force: true });
  make(partial);
  renameSync(partial, file);
  return file;
}

// A camera-like JPEG: a plasma fractal a quarter of the size, blurred and blown up (smooth areas and edges, as a
// lens draws them), with Gaussian noise over it (a sensor's grain), quality 90, tagged as a camera tags it.
function cameraJpeg(width, height, orientation) {
  return cached(`photo-${width}x${height}-q90-o${orientation}.jpg`, (file) => {
    run("convert", [
      "-size", `${Math.round(width / 4)}x${Math.round(height / 4)}`, "-seed", "42", "plasma:fractal", "-blur", "0x2",
      "-resize", `${width}x${height}!`, "-attenuate", "0.4", "+noise", "Gaussian", "-quality", "90", `jpg:${file}`,
    ]);
    run("exiftool", ["-q", "-overwrite_original", "-Make=Canon", "-Model=Canon EOS R5", "-DateTimeOriginal=2026:11:22 14:03:22",
      `-Orientation#=${orientation}`, file]);
  });
}

function inputs(log) {
  log("making the input files (once; kept in build/bench/previews/)");
  const photo24 = cameraJpeg(6000, 4000, 6);
  const photo45 = cameraJpeg(8192, 5464, 6);
  const warmup = cached("warmup-1200x800.jpg", (file) => run("convert", ["-size", "1200x800", "-seed", "1", "plasma:fractal", "-quality", "90", `jpg:${file}`]));
  const fixed = cached("fixed-16x16.png", (file) => run("convert", ["-size", "16x16", "xc:gray", `png:${file}`]));
  /** @type {{id: string, label: string, ext?: string, file?: string, sharpFile?: string, missing?: string}[]} */
  const list = [
    { id: "jpeg24", label: "24 MP JPEG (6000 x 4000)", ext: "jpg", file: photo24, sharpFile: photo24 },
    { id: "jpeg45", label: "45 MP JPEG (8192 x 5464)", ext: "jpg", file: photo45, sharpFile: photo45 },
  ];
  const sample = path.join(SAMPLES, "CanonRaw.cr2");
  if (existsSync(sample)) {
    const thumbnail = cached("thumbnail-160x120.jpg", (file) => run("convert", ["-size", "160x120", "xc:gray", "-quality", "85", `jpg:${file}`]));
    const raw = cached("raw-cr2-preview-6000x4000.cr2", (file) => {
      copyFileSync(sample, file);
      run("exiftool", ["-q", "-q", "-m", "-overwrite_original", `-PreviewImage<=${photo24}`, `-ThumbnailImage<=${thumbnail}`,
        "-Orientation#=6", file]);
    });
    const extracted = cached("raw-cr2-preview-extracted.jpg", (file) => {
      writeFileSync(file, run("exiftool", ["-b", "-PreviewImage", raw]));
    });
    list.push({ id: "cr2", label: "CR2, its 24 MP embedded preview", ext: "cr2", file: raw, sharpFile: extracted });
  } else {
    list.push({ id: "cr2", label: "CR2, its 24 MP embedded preview", missing: `${sample} is missing (scripts/fetch-test-images.sh)` });
  }
  return { list, warmup, fixed };
}

// ---------------------------------------------------------------------------------------------------------
// Upgate in workerd.

// workerd processes this section started and has not disposed yet: ended if the run stops early.
const running = new Set();
process.on("exit", () => {
  for (const pid of [...running].flatMap((entry) => entry.pids)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

// Reads ?length bytes of ?key from the bucket into an ArrayBuffer, as the shim's r2_read_range does, and no more.
const READ_PROBE = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const object = await env.BUCKET.get(url.searchParams.get("key"), { range: { offset: 0, length: Number(url.searchParams.get("length")) } });
    return new Response(String((await object.arrayBuffer()).byteLength));
  },
};`;

// One workerd running Upgate with its queue consumer (and the read probe); the consumer's `queue` log lines,
// parsed, as they come.
async function startUpgate(bindings) {
  const earlier = new Set(workerdPids());
  const storage = mkdtempSync(path.join(STORAGE_ROOT, "upgate-bench-previews-"));
  const queueLines = [];
  const tail = { text: "" };
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false,
    workers: [
      {
        name: "upgate",
        modules: true,
        scriptPath: path.join(ROOT, "shim/index.js"),
        modulesRoot: ROOT,
        modulesRules: MODULE_RULES,
        compatibilityDate: "2025-04-01",
        bindings,
        kvNamespaces: ["UPLOADS_KV"],
        r2Buckets: { BUCKET: "bench-previews" },
        durableObjects: { SHOOTS: { className: "ShootLedger", useSQLite: true } },
        // As wrangler.toml, but one message a batch and no wait: each delivery is one file's processing.
        queueProducers: { UPLOAD_EVENTS: { queueName: "bench-preview-events" } },
        queueConsumers: { "bench-preview-events": { maxBatchSize: 1, maxBatchTimeout: 0, maxRetries: 3 } },
      },
      { name: "read-probe", modules: true, script: READ_PROBE, compatibilityDate: "2025-04-01", r2Buckets: { BUCKET: "bench-previews" } },
    ],
    kvPersist: path.join(storage, "kv"),
    r2Persist: path.join(storage, "r2"),
    durableObjectsPersist: path.join(storage, "do"),
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        let partial = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk) => {
          tail.text = (tail.text + chunk).slice(-4000);
          const lines = (partial + chunk).split("\n");
          partial = lines.pop();
          for (const line of lines) {
            if (!line.includes('"event":"queue"')) continue;
            try {
              queueLines.push(JSON.parse(line));
            } catch {
              // not a JSON log line
            }
          }
        });
      }
    },
  });
  const entry = { pids: [] };
  running.add(entry);
  const dispose = async () => {
    await mf.dispose();
    running.delete(entry);
    rmSync(storage, { recursive: true, force: true });
  };
  try {
    const url = (await mf.ready).href.replace(/\/$/, "");
    entry.pids = workerdPids().filter((pid) => !earlier.has(pid));
    if (entry.pids.length === 0) throw new Error("could not find the workerd process Miniflare started");
    const probe = await mf.getWorker("read-probe");
    return { mf, url, probe, pids: entry.pids, queueLines, tail, dispose };
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
}

async function api(upgate, token, route, body) {
  const response = await fetch(`${upgate.url}${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${route} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

let sequence = 0;

// Presign and PUT (not measured); answers the upload to complete.
async function stored(upgate, token, ext, bytes) {
  sequence += 1;
  const filename = `${SHOOT_ID}_${today()}_${String(sequence).padStart(4, "0")}.${ext}`;
  const item = await api(upgate, token, "/api/uploads/presign", { shootId: SHOOT_ID, filename, contentType: CONTENT_TYPES[ext], size: bytes.length });
  const response = await fetch(item.url, { method: "PUT", headers: item.headers, body: bytes });
  if (response.status !== 200) throw new Error(`PUT of ${filename} answered ${response.status}: ${await response.text()}`);
  return item;
}

// The complete, and the processing it starts, up to the consumer's log line: wall time, workerd CPU and memory.
async function measuredProcessing(upgate, token, ext, bytes) {
  const item = await stored(upgate, token, ext, bytes);
  await sleep(200); // the PUT's own work settles
  const seen = upgate.queueLines.length;
  const beforeKiB = rssKiB(upgate.pids);
  const sampler = startRssSampler(upgate.pids, 20);
  const cpuBefore = cpuSeconds(upgate.pids);
  const started = performance.now();
  await api(upgate, token, "/api/uploads/complete", { uploadId: item.uploadId });
  const deadline = started + 120_000;
  while (!upgate.queueLines.slice(seen).some((line) => line.processed >= 1)) {
    if (performance.now() > deadline) throw new Error(`no queue log line within 120 s; workerd said: ${upgate.tail.text}`);
    await sleep(5);
  }
  const wallMs = performance.now() - started;
  const cpuMs = (cpuSeconds(upgate.pids) - cpuBefore) * 1000;
  const memory = sampler.stop();
  return { item, wallMs, cpuMs, beforeKiB, peakKiB: memory.peakKiB };
}

const jpegSize = (bytes) => {
  for (let at = 2; at + 9 < bytes.length; at += 2 + bytes.readUInt16BE(at + 2)) {
    if (bytes[at + 1] >= 0xc0 && bytes[at + 1] <= 0xc2) return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
  }
  return null;
};

// The asset's outcome, and its previews' sizes read back from R2 (after the measurement).
async function outcome(upgate, token, item, expect) {
  const response = await fetch(`${upgate.url}/api/shoots/${SHOOT_ID}/assets`, { headers: { authorization: `Bearer ${token}` } });
  const asset = (await response.json()).assets.find((a) => a.key === item.key);
  if (asset?.processing !== expect) throw new Error(`${item.key} ended ${asset?.processing}: ${asset?.processingReason}, not ${expect}`);
  if (!asset.previews) return { sizes: null };
  const bucket = await upgate.mf.getR2Bucket("BUCKET");
  const sizes = {};
  for (const name of ["thumb", "web"]) {
    const object = await bucket.get(asset.previews[name]);
    sizes[name] = jpegSize(Buffer.from(await object.arrayBuffer()));
  }
  return { sizes };
}

// ---------------------------------------------------------------------------------------------------------
// sharp in a child process.

// One run of sharp in a fresh process (after its warm-up).
function sharpRun(file, warmup, variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SHARP_CHILD, JSON.stringify({ file, warmup, runs: 1, quality: QUALITY, variant })], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`sharp (${variant}) exited ${code}: ${stderr.slice(-2000)}`));
      const result = JSON.parse(stdout);
      resolve({ ...result, cpuMs: result.cpuMs[0], wallMs: result.wallMs[0] });
    });
  });
}

// The CPU the probe spends reading the file's bytes out of the local R2 simulator (after that run's processing).
async function probeRead(upgate, key, length) {
  const cpuBefore = cpuSeconds(upgate.pids);
  const response = await upgate.probe.fetch(`http://probe/?key=${encodeURIComponent(key)}&length=${length}`);
  const read = Number(await response.text());
  if (read !== length) throw new Error(`the read probe read ${read} bytes of ${key}, not ${length}`);
  return (cpuSeconds(upgate.pids) - cpuBefore) * 1000;
}

const SHARP_VARIANTS = ["one-decode", "two-pipelines"];

// One input in a fresh workerd: warm-ups, the fixed cost (a PNG: skipped, no decode) when asked, then RUNS rounds
// of Upgate, the read probe and sharp both ways.
async function measureInput(input, files, { withFixed, log }) {
  const bindings = benchBindings();
  const token = await hs256Token(bindings.JWT_SECRET);
  const upgate = await startUpgate(bindings);
  try {
    await api(upgate, token, "/api/shoots", { shootId: SHOOT_ID });
    const warmup = readFileSync(files.warmup);
    for (let i = 0; i < WARMUPS; i++) await measuredProcessing(upgate, token, "jpg", warmup);
    let fixed = null;
    if (withFixed) {
      const png = readFileSync(files.fixed);
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measuredProcessing(upgate, token, "png", png));
      await outcome(upgate, token, runs[0].item, "skipped");
      fixed = { cpuMs: median(runs.map((r) => r.cpuMs)), wallMs: median(runs.map((r) => r.wallMs)) };
    }
    const bytes = readFileSync(input.file);
    const idleKiB = rssKiB(upgate.pids);
    const runs = [];
    const reads = [];
    const sharp = Object.fromEntries(SHARP_VARIANTS.map((variant) => [variant, []]));
    for (let i = 0; i < RUNS; i++) {
      log(`${input.label}, round ${i + 1}/${RUNS}: Upgate, the read probe, sharp both ways`);
      const processed = await measuredProcessing(upgate, token, input.ext, bytes);
      runs.push(processed);
      reads.push(await probeRead(upgate, processed.item.key, bytes.length));
      for (const variant of SHARP_VARIANTS) sharp[variant].push(await sharpRun(input.sharpFile, files.warmup, variant));
    }
    const { sizes } = await outcome(upgate, token, runs.at(-1).item, "done");
    const summary = (list) => ({
      cpuMs: median(list.map((r) => r.cpuMs)),
      cpuRuns: list.map((r) => r.cpuMs),
      wallMs: median(list.map((r) => r.wallMs)),
    });
    return {
      upgate: {
        ...summary(runs),
        fileBytes: bytes.length,
        readCpuMs: median(reads),
        idleKiB,
        peakKiB: Math.max(...runs.map((r) => r.peakKiB)),
        firstGrowthKiB: runs[0].peakKiB - idleKiB,
        sizes,
        fixed,
      },
      sharp: Object.fromEntries(
        SHARP_VARIANTS.map((variant) => {
          const list = sharp[variant];
          return [
            variant,
            {
              ...summary(list),
              baselineKiB: Math.min(...list.map((r) => r.baselineKiB)),
              peakKiB: Math.max(...list.map((r) => r.peakKiB)),
              sizes: list.at(-1).sizes,
            },
          ];
        }),
      ),
    };
  } finally {
    await upgate.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------

export async function measurePreviews({ log }) {
  if (!Number.isInteger(QUALITY)) throw new Error("could not read kPreviewQuality from wasm/previews/previews.h");
  const files = inputs(log);
  const wasm = readFileSync(WASM_PATH);
  const results = [];
  for (const input of files.list) {
    if (input.missing) {
      results.push({ ...input });
      continue;
    }
    results.push({ ...input, ...(await measureInput(input, files, { withFixed: results.length === 0, log })) });
  }
  const sharpVersion = JSON.parse(readFileSync(path.join(ROOT, "node_modules/sharp/package.json"), "utf8")).version;
  return { runs: RUNS, quality: QUALITY, sharpVersion, wasm: { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length }, results };
}

// ---------------------------------------------------------------------------------------------------------
// The section's tables, in the style of bench/lib/report.mjs.

const size = (s) => (s ? `${s.width} x ${s.height}` : "n/a");

// The faster of sharp's two ways: the one Upgate is held to.
const bestSharp = (r) => (r.sharp["one-decode"].cpuMs <= r.sharp["two-pipelines"].cpuMs ? r.sharp["one-decode"] : r.sharp["two-pipelines"]);

export function previewsSection(previews) {
  const measured = previews.results.filter((r) => !r.missing);
  const rows = [];
  for (const r of measured) {
    const u = r.upgate;
    rows.push([
      r.label,
      "Upgate in workerd (complete → processed)",
      `${fixed(r.upgate.fileBytes / 1e6, 1)} MB`,
      `${grouped(u.cpuMs)} (${u.cpuRuns.map(grouped).join(", ")})`,
      grouped(u.readCpuMs),
      grouped(u.wallMs),
      mib(u.idleKiB),
      `${mib(u.peakKiB)} (+${mib(u.firstGrowthKiB)})`,
      `${size(u.sizes.thumb)}, ${size(u.sizes.web)}`,
    ]);
    for (const [variant, label] of [
      ["one-decode", "sharp, one decode (as Upgate)"],
      ["two-pipelines", "sharp, two clone() pipelines"],
    ]) {
      const s = r.sharp[variant];
      rows.push([
        "",
        label,
        "",
        `${grouped(s.cpuMs)} (${s.cpuRuns.map(grouped).join(", ")})`,
        "",
        grouped(s.wallMs),
        mib(s.baselineKiB),
        `${mib(s.peakKiB)} (+${mib(s.peakKiB - s.baselineKiB)})`,
        `${size(s.sizes.thumb)}, ${size(s.sizes.web)}`,
      ]);
    }
  }
  const goals = measured.map((r) => {
    const ratio = r.upgate.cpuMs / bestSharp(r).cpuMs;
    return [`${r.label}: Upgate CPU / sharp CPU (the faster way)`, fixed(ratio, 2), `≤ ${PREVIEW_GOALS.cpuOverSharp}`, mark(ratio <= PREVIEW_GOALS.cpuOverSharp)];
  });
  const big = measured.find((r) => r.id === "jpeg45");
  if (big) {
    const peak = big.upgate.peakKiB / 1024;
    const growth = big.upgate.firstGrowthKiB / 1024;
    goals.push(
      [`45 MP JPEG: workerd peak RSS (the whole process)`, `${fixed(peak, 1)} MiB`, `< ${PREVIEW_GOALS.peakMiB45} MiB`, mark(peak < PREVIEW_GOALS.peakMiB45)],
      [`45 MP JPEG: workerd RSS growth over its idle RSS`, `${fixed(growth, 1)} MiB`, `< ${PREVIEW_GOALS.peakMiB45} MiB`, mark(growth < PREVIEW_GOALS.peakMiB45)],
    );
  }
  const fixedCost = measured[0]?.upgate.fixed;
  const notes = previews.results.filter((r) => r.missing).map((r) => `${r.label}: not measured, ${r.missing}.`);
  return [
    "## Previews: thumb (400) and web (2048) of a photo, Upgate's queue consumer in workerd against sharp",
    "",
    `Upgate: each input in a fresh workerd running the Worker with its local R2, ledger and queue consuming into ` +
      `itself, after ${WARMUPS} warm-up files; presign and PUT not measured, then from POST /api/uploads/complete to ` +
      `the consumer's log line (the event, the ledger claim, the metadata read range by range from R2, the preview's ` +
      `bytes read, the DCT-scaled decode, both previews encoded and written to R2, the outcome recorded). workerd ` +
      `CPU: all its threads (/proc schedstat), the local R2 simulator and SQLite included; RSS idle: just before the ` +
      `first run; peak RSS: VmHWM (reset before each run) and VmRSS sampled every 20 ms, in brackets the first run's ` +
      `growth over RSS idle (wasm memory, once grown, stays). Local R2 read: a probe Worker in the same workerd ` +
      `reading the same bytes out of the local R2 simulator into an ArrayBuffer (as the shim's r2_read_range does) ` +
      `and nothing else, its workerd CPU: the part of Upgate's figure that production R2 would not cost the isolate ` +
      `in this form. sharp ${previews.sharpVersion}: a child Node process per run and way, warmed up on another file; ` +
      `process.cpuUsage (every thread) and getrusage maxRSS; in brackets the growth over its RSS after the warm-up. ` +
      `The runs alternate: Upgate, the probe, sharp one way, sharp the other. Both: EXIF orientation applied, never upscaled, baseline 4:2:0 JPEG, optimised ` +
      `Huffman tables, quality ${previews.quality} (Upgate's kPreviewQuality); Upgate downscales with an area filter, ` +
      `sharp with its default (Lanczos 3). sharp cannot read a CR2: it gets the embedded preview as ExifTool extracts ` +
      `it. Median of ${previews.runs} runs, the runs in brackets. Inputs in build/bench/previews/. The idle workerd ` +
      `(Miniflare's, with its local R2, KV, Durable Object and queue simulators) is already over 100 MiB, so the ` +
      `whole process's peak cannot be under 128 MiB here; the growth is what processing the file adds.`,
    "",
    table(
      ["input", "who", "file", "CPU ms (runs)", "of which local R2 read, ms", "wall ms", "RSS idle", "peak RSS", "thumb, web"],
      rows,
      ["l", "l", "r", "r", "r", "r", "r", "r", "l"],
    ),
    "",
    table(["goal", "measured", "target", ""], goals, ["l", "r", "r", "l"]),
    "",
    ...(fixedCost
      ? [
          `The fixed cost in those Upgate figures, a 16 x 16 PNG (processing "skipped": the same complete, event, claim, ` +
            `first range read and outcome, no decode): ${grouped(fixedCost.cpuMs)} ms workerd CPU, ${grouped(fixedCost.wallMs)} ms wall.`,
          "",
        ]
      : []),
    `build/wasm/upgate.wasm, which carries the previews (libjpeg-turbo): ${grouped(previews.wasm.raw)} B raw, ` +
      `${grouped(previews.wasm.gzip)} B gzip -9 (${fixed(previews.wasm.gzip / 1024, 1)} KiB).`,
    ...notes.map((note) => `\n${note}`),
  ].join("\n");
}

// The report's text with the previews section before "Sections that failed" (or at the end).
export function withPreviewsSection(text, previews) {
  if (!previews) return text;
  const failures = text.indexOf("## Sections that failed");
  const section = `${previewsSection(previews)}\n\n`;
  return failures < 0 ? `${text}${section}` : `${text.slice(0, failures)}${section}${text.slice(failures)}`;
}
