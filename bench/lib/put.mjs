// Worker-mode PUT throughput and workerd memory: Upgate's PUT /upload/<key> (after a presign) against a plain JS
// Worker that streams the body into R2 the same way. Each target runs in its own workerd, so each process's RSS
// is that Worker's; both run side by side and their uploads alternate, so background load falls on both alike.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { cpuSeconds, rssKiB, startRssSampler } from "./proc.mjs";
import { SHOOT_ID, fileName, seedShoot, startWorkerd } from "./workers.mjs";

const MiB = 1024 * 1024;
const CHUNK = randomBytes(MiB); // the body is this chunk sent again and again: streamed from memory

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Streams `size` bytes to `url`, honouring back-pressure; answers the status and the wall time.
function streamPut(url, headers, size) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(url, { method: "PUT", headers, agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode, text, seconds: (performance.now() - started) / 1000 }));
    });
    request.on("error", reject);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const length = Math.min(CHUNK.length, size - sent);
        sent += length;
        if (!request.write(length === CHUNK.length ? CHUNK : CHUNK.subarray(0, length))) {
          request.once("drain", pump);
          return;
        }
      }
      request.end();
    };
    pump();
  });
}

// Where and how to PUT `size` bytes for the given target (Upgate presigns first, with the bench token).
async function uploadTarget(target, size) {
  const filename = fileName(++target.sequence);
  if (target.name === "plain-put") {
    return {
      url: `${target.base}/upload/shoots/${SHOOT_ID}/${filename}`,
      headers: { "Content-Type": "image/jpeg", "Content-Length": String(size) },
    };
  }
  const response = await fetch(`${target.base}/api/uploads/presign`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
    body: JSON.stringify({ shootId: SHOOT_ID, filename, contentType: "image/jpeg", size }),
  });
  const answer = await response.json();
  if (response.status !== 200) throw new Error(`presign for PUT answered ${response.status}: ${JSON.stringify(answer)}`);
  return { url: answer.url, headers: answer.headers };
}

// One upload with its wall time, the workerd's CPU time and its peak RSS while it ran.
async function measuredPut(target, size) {
  const { url, headers } = await uploadTarget(target, size);
  const beforeKiB = rssKiB(target.pids);
  const sampler = startRssSampler(target.pids);
  const cpuBefore = cpuSeconds(target.pids);
  const result = await streamPut(url, headers, size);
  const cpu = cpuSeconds(target.pids) - cpuBefore;
  const memory = sampler.stop();
  if (result.status !== 200) throw new Error(`${target.name}: PUT of ${size} bytes answered ${result.status}: ${result.text}`);
  return { mbPerSecond: size / 1e6 / result.seconds, cpuMs: cpu * 1000, peakKiB: memory.peakKiB, growthKiB: memory.peakKiB - beforeKiB };
}

async function startTarget(name, bindings, token) {
  const workerd = await startWorkerd([name], () => bindings);
  await seedShoot(workerd, name, token);
  return { name, workerd, pids: workerd.pids, base: workerd.urls[name], token, sequence: 0 };
}

// names: the targets, each in its own workerd. Warm-up uploads of 1 and 16 MiB each (the first large upload
// grows the runtime's buffers once), then 16 MiB once and 64 MiB `runs` times, alternating between targets.
export async function measurePut(names, { bindings, token, runs = 3, log }) {
  const targets = [];
  try {
    for (const name of names) targets.push(await startTarget(name, bindings, token));
    const results = {};
    for (const target of targets) {
      await measuredPut(target, MiB);
      await measuredPut(target, 16 * MiB);
      results[target.name] = { idleKiB: rssKiB(target.pids), large: [] };
    }
    for (const target of targets) {
      log(`16 MiB on ${target.name}`);
      results[target.name].small = await measuredPut(target, 16 * MiB);
    }
    for (let run = 0; run < runs; run++) {
      for (const target of targets) {
        log(`64 MiB run ${run + 1}/${runs} on ${target.name}`);
        results[target.name].large.push(await measuredPut(target, 64 * MiB));
      }
    }
    return Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          mbPerSecond: median(r.large.map((x) => x.mbPerSecond)),
          runs: r.large.map((x) => x.mbPerSecond),
          cpuMs64: median(r.large.map((x) => x.cpuMs)),
          idleKiB: r.idleKiB,
          peak16KiB: r.small.peakKiB,
          growth16KiB: r.small.growthKiB,
          peak64KiB: Math.max(...r.large.map((x) => x.peakKiB)),
          growth64KiB: median(r.large.map((x) => x.growthKiB)),
        },
      ]),
    );
  } finally {
    for (const target of targets) await target.workerd.dispose();
  }
}
