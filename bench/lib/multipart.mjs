// Worker-mode multipart throughput and workerd memory: Upgate's multipart flow (POST /api/uploads/multipart, one
// sign of all parts, the part PUTs `PARALLEL` at a time to their signed URLs, POST /api/uploads/complete) against
// a plain JS Worker (bench/plain-multipart-worker.js) that does the same I/O per part with no auth. Each target runs
// in its own workerd, so each process's RSS is that Worker's; both run side by side and their uploads alternate, so
// background load falls on both alike. Then the SHA-256 check at complete: Upgate's complete of the same size of
// file with a declared whole-file sha256 and without one, in workerd CPU time and wall time; and, to split that
// cost, the plain Worker's two probes: the same read of the whole object without a digest, and the digest alone
// over memory (bench/plain-multipart-worker.js).
//
// The bytes come from memory: one random 16 MiB block, and per part a 64-byte prefix unique to the upload and the
// part (part 1's starts with a JPEG signature, so complete's magic-bytes check passes), the block's rest after it.
// Nothing is held per upload; the whole file's SHA-256 is computed in node (about 1 s per GiB) before the timing.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { cpuSeconds, rssKiB, startRssSampler } from "./proc.mjs";
import { SHOOT_ID, fileName, seedShoot, startWorkerd } from "./workers.mjs";

export const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
export const PART_BYTES = 16 * MiB;
export const PARALLEL = 4;
const MAX_PARTS_PER_SIGN = 100;
const PREFIX_BYTES = 64;
const JPEG_HEADER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00]);

let block = null; // the random 16 MiB every part's body is cut from (made on first use)
const blockOf = () => (block ??= randomBytes(PART_BYTES));

// The middle value; for an even count, the mean of the two middle ones.
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const partCountOf = (size) => Math.ceil(size / PART_BYTES);
const partSizeOf = (size, n) => Math.min(PART_BYTES, size - (n - 1) * PART_BYTES);

// Part n of upload `salt`: its prefix and the rest of its bytes (a view into the block: nothing is copied).
function partBody(salt, size, n) {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  if (n === 1) JPEG_HEADER.copy(prefix);
  prefix.write(`upload ${salt} part ${n}`, 16, "latin1");
  return [prefix, blockOf().subarray(PREFIX_BYTES, partSizeOf(size, n))];
}

// The SHA-256 of the whole file of upload `salt`, hex.
function fileDigest(salt, size) {
  const hash = createHash("sha256");
  for (let n = 1; n <= partCountOf(size); n++) for (const piece of partBody(salt, size, n)) hash.update(piece);
  return hash.digest("hex");
}

// PUTs a part's pieces to `url` with `headers` (back-pressure left to node: the pieces are in memory already).
function sendPart(url, headers, pieces) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "PUT", headers, agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode, text }));
    });
    request.on("error", reject);
    for (const piece of pieces.slice(0, -1)) request.write(piece);
    request.end(pieces.at(-1));
  });
}

async function postJson(url, body, token = null) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${new URL(url).pathname} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// Runs fn over items, at most `limit` at a time.
async function inParallel(items, limit, fn) {
  let next = 0;
  const runner = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

// What each target's client does: create (answers the upload), the part URLs and headers, complete.
const CLIENTS = {
  upgate: {
    create: (target, filename, size, sha256) =>
      postJson(
        `${target.base}/api/uploads/multipart`,
        { shootId: SHOOT_ID, filename, contentType: "image/jpeg", size, partSize: PART_BYTES, ...(sha256 ? { sha256 } : {}) },
        target.token,
      ),
    async partUrls(target, upload) {
      const numbers = Array.from({ length: upload.partCount }, (_, i) => i + 1);
      const parts = [];
      for (let i = 0; i < numbers.length; i += MAX_PARTS_PER_SIGN) {
        const signed = await postJson(
          `${target.base}/api/uploads/multipart/sign`,
          { uploadId: upload.uploadId, partNumbers: numbers.slice(i, i + MAX_PARTS_PER_SIGN) },
          target.token,
        );
        parts.push(...signed.parts);
      }
      return parts;
    },
    complete: (target, upload) => postJson(`${target.base}/api/uploads/complete`, { uploadId: upload.uploadId }, target.token),
  },
  "plain-multipart": {
    create: (target, filename, size) =>
      postJson(`${target.base}/multipart/create`, { shootId: SHOOT_ID, filename, contentType: "image/jpeg", size, partSize: PART_BYTES }),
    async partUrls(target, upload) {
      return Array.from({ length: upload.partCount }, (_, i) => ({
        partNumber: i + 1,
        url: `${target.base}/multipart/part/${encodeURI(upload.key)}?uploadId=${encodeURIComponent(upload.uploadId)}&partNumber=${i + 1}`,
        headers: { "Content-Length": String(partSizeOf(upload.size, i + 1)) },
      }));
    },
    complete: (target, upload) => postJson(`${target.base}/multipart/complete`, { shootId: SHOOT_ID, uploadId: upload.uploadId }),
  },
};

let salts = 0;

// One whole flow of a `size`-byte file: its timings, the workerd's CPU time per phase and its peak RSS while it
// ran. withDigest: Upgate's upload declares the file's SHA-256, which complete then checks. keep: the object is
// left in storage (for a probe; the caller deletes it).
async function measuredFlow(target, size, { withDigest = false, keep = false } = {}) {
  const client = CLIENTS[target.name];
  const salt = ++salts;
  const sha256 = withDigest ? fileDigest(salt, size) : null;
  const filename = fileName(++target.sequence);
  const beforeKiB = rssKiB(target.pids);
  const sampler = startRssSampler(target.pids);
  const started = performance.now();
  const upload = await client.create(target, filename, size, sha256);
  upload.size = size;
  if (upload.partCount !== partCountOf(size)) throw new Error(`${target.name}: ${upload.partCount} parts, not ${partCountOf(size)}`);
  const parts = await client.partUrls(target, upload);
  const partsCpu = cpuSeconds(target.pids);
  const partsStarted = performance.now();
  await inParallel(parts, PARALLEL, async (part) => {
    const answer = await sendPart(part.url, part.headers, partBody(salt, size, part.partNumber));
    if (answer.status !== 200) throw new Error(`${target.name}: part ${part.partNumber} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  });
  const partsEnded = performance.now();
  const completeCpu = cpuSeconds(target.pids);
  const done = await client.complete(target, upload);
  const ended = performance.now();
  const endCpu = cpuSeconds(target.pids);
  const memory = sampler.stop();
  if (done.size !== size) throw new Error(`${target.name}: complete answered ${JSON.stringify(done)}`);
  // The object is not needed again: gone, so the run's storage (tmpfs) holds at most one file per target.
  if (!keep) await deleteObject(target, upload.key);
  return {
    key: upload.key,
    fileMiB: size / MiB,
    partMiBps: size / MiB / ((partsEnded - partsStarted) / 1000),
    partCpuSecondsPerGiB: ((completeCpu - partsCpu) * GiB) / size,
    flowSeconds: (ended - started) / 1000,
    completeMs: ended - partsEnded,
    completeCpuMs: (endCpu - completeCpu) * 1000,
    beforeKiB,
    peakKiB: memory.peakKiB,
    growthKiB: memory.peakKiB - beforeKiB,
  };
}

async function deleteObject(target, key) {
  await (await target.workerd.mf.getR2Bucket("BUCKET", target.name)).delete(key);
}

// One probe request to the plain Worker: its answer, wall time and the workerd's CPU time.
async function probe(target, path, body) {
  const cpu = cpuSeconds(target.pids);
  const started = performance.now();
  const answer = await postJson(`${target.base}${path}`, body);
  return { ...answer, wallMs: performance.now() - started, cpuMs: (cpuSeconds(target.pids) - cpu) * 1000 };
}

async function startTarget(name, bindings, token) {
  const workerd = await startWorkerd([name], () => bindings);
  await seedShoot(workerd, name, token);
  return { name, workerd, pids: workerd.pids, base: workerd.urls[name], token, sequence: 0 };
}

function summary(flows) {
  return {
    fileMiB: flows[0].fileMiB,
    runs: flows.map((flow) => flow.partMiBps),
    partMiBps: median(flows.map((flow) => flow.partMiBps)),
    partCpuSecondsPerGiB: median(flows.map((flow) => flow.partCpuSecondsPerGiB)),
    flowSeconds: median(flows.map((flow) => flow.flowSeconds)),
    beforeKiB: Math.min(...flows.map((flow) => flow.beforeKiB)),
    peakKiB: Math.max(...flows.map((flow) => flow.peakKiB)),
    growthKiB: median(flows.map((flow) => flow.growthKiB)),
  };
}

// names: Upgate first, then the plain Worker, each in its own workerd. A warm-up flow of 4 parts on each, then
// one flow of smallMiB, `runs` flows of largeMiB and one more of smallMiB, alternating between targets (workerd's
// RSS creeps up over its first GiB or so whatever the file size, then stays: the second small flow is the one
// to set beside the large ones); the plain Worker's first large file is kept for the read probe, run after the
// second small flows (the read grows RSS). Then, on Upgate, `digestPairs` pairs of largeMiB flows, one without a declared sha256 and one
// with (the order alternating between pairs), and the plain Worker's digest probe.
export async function measureMultipart(names, { bindings, token, runs = 3, smallMiB = 128, largeMiB = 512, digestPairs = 1, log }) {
  const targets = [];
  try {
    for (const name of names) targets.push(await startTarget(name, bindings, token));
    const results = {};
    for (const target of targets) {
      log(`warm-up: ${(PARALLEL * PART_BYTES) / MiB} MiB on ${target.name}`);
      await measuredFlow(target, PARALLEL * PART_BYTES);
      results[target.name] = { idleKiB: rssKiB(target.pids), large: [] };
    }
    for (const target of targets) {
      log(`${smallMiB} MiB on ${target.name}`);
      results[target.name].small = await measuredFlow(target, smallMiB * MiB);
    }
    const [upgate, plain] = targets;
    let kept = null;
    for (let run = 0; run < runs; run++) {
      // Which target goes first alternates between runs.
      for (const target of run % 2 === 0 ? targets : [...targets].reverse()) {
        log(`${largeMiB} MiB run ${run + 1}/${runs} on ${target.name}`);
        const keep = target === plain && !kept;
        const flow = await measuredFlow(target, largeMiB * MiB, { keep });
        if (keep) kept = flow.key;
        results[target.name].large.push(flow);
      }
    }
    for (const target of targets) {
      log(`${smallMiB} MiB again on ${target.name}`);
      results[target.name].smallAgain = await measuredFlow(target, smallMiB * MiB);
    }
    log(`read probe on ${plain.name}: a ${largeMiB} MiB object, no digest`);
    const read = await probe(plain, "/probe/read", { key: kept });
    await deleteObject(plain, kept);
    if (read.bytes !== largeMiB * MiB) throw new Error(`the read probe read ${read.bytes} bytes`);
    const digest = { without: [], with: [] };
    for (let pair = 0; pair < digestPairs; pair++) {
      for (const withDigest of pair % 2 === 0 ? [false, true] : [true, false]) {
        log(`${largeMiB} MiB on ${upgate.name}, ${withDigest ? "with" : "without"} a declared sha256 (pair ${pair + 1}/${digestPairs})`);
        digest[withDigest ? "with" : "without"].push(await measuredFlow(upgate, largeMiB * MiB, { withDigest }));
      }
    }
    log(`digest probe on ${plain.name}: ${largeMiB} MiB from memory, twice`);
    const memoryDigest = [await probe(plain, "/probe/digest", { mib: largeMiB }), await probe(plain, "/probe/digest", { mib: largeMiB })];
    const out = Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        { idleKiB: r.idleKiB, small: summary([r.small]), large: summary(r.large), smallAgain: summary([r.smallAgain]) },
      ]),
    );
    const [a, b] = names;
    const perGiB = (ms) => (ms * GiB) / (largeMiB * MiB);
    const cost = (flows) => ({
      wallMs: median(flows.map((flow) => flow.completeMs)),
      cpuMs: median(flows.map((flow) => flow.completeCpuMs)),
      wallRuns: flows.map((flow) => flow.completeMs),
      cpuRuns: flows.map((flow) => flow.completeCpuMs),
      peakKiB: Math.max(...flows.map((flow) => flow.peakKiB)),
    });
    const without = cost(digest.without);
    const withDigest = cost(digest.with);
    return {
      partMiB: PART_BYTES / MiB,
      parallel: PARALLEL,
      runs,
      targets: out,
      ratio: out[a].large.partMiBps / out[b].large.partMiBps,
      cpuRatio: out[b].large.partCpuSecondsPerGiB / out[a].large.partCpuSecondsPerGiB,
      digest: {
        fileMiB: largeMiB,
        pairs: digestPairs,
        without,
        with: withDigest,
        wallMsPerGiB: perGiB(withDigest.wallMs - without.wallMs),
        cpuMsPerGiB: perGiB(withDigest.cpuMs - without.cpuMs),
        read: { wallMs: read.wallMs, cpuMs: read.cpuMs, chunks: read.chunks, cpuMsPerGiB: perGiB(read.cpuMs) },
        memoryDigest: {
          wallMs: Math.min(...memoryDigest.map((p) => p.wallMs)),
          cpuMs: Math.min(...memoryDigest.map((p) => p.cpuMs)),
          cpuMsPerGiB: perGiB(Math.min(...memoryDigest.map((p) => p.cpuMs))),
        },
      },
    };
  } finally {
    for (const target of targets) await target.workerd.dispose();
  }
}
