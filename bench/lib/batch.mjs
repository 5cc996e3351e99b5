// A batch presign of 100 files (POST /api/uploads/presign {shootId, files}), end to end: requests one after the
// other, each for 100 names never used before, timed from the client; p50/p99 over the measured requests. Each
// request carries an x-request-id the bench recognises, so its log line (bench/lib/workers.mjs drainStdio) gives
// the target's own count of binding calls for it (`io`).
import { percentile } from "./presign.mjs";
import { PROBE_ID_PREFIX, newFileName, probeLogLine } from "./workers.mjs";

export const BATCH_FILES = 100;
export const BATCH_SHOOT_ID = "bench-batch";

function batchBody() {
  const files = Array.from({ length: BATCH_FILES }, () => ({ filename: newFileName(BATCH_SHOOT_ID), contentType: "image/jpeg", size: 123456 }));
  return JSON.stringify({ shootId: BATCH_SHOOT_ID, files });
}

// One batch; answers its wall time (ms). Every file must get an upload: a batch that refused some would be
// measuring less work.
async function presignBatch(name, url, token, requestId) {
  const started = performance.now();
  const response = await fetch(`${url}/api/uploads/presign`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-request-id": requestId },
    body: batchBody(),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new Error(`${name}: batch presign answered ${response.status}: ${text.slice(0, 300)}`);
  const { uploads } = JSON.parse(text);
  const signed = uploads.filter((item) => item.uploadId && item.url).length;
  if (signed !== BATCH_FILES) throw new Error(`${name}: batch presign signed ${signed} of ${BATCH_FILES}: ${text.slice(0, 300)}`);
  return ms;
}

// names: targets that implement batch presign, their shoot BATCH_SHOOT_ID already seeded. Answers
// {name: {p50, p99, mean, requests, io: {value: count}}}; io counts how many measured requests logged each value
// ("none" when the line did not arrive).
export async function measureBatch(workerd, names, { token, requests, warmup, log }) {
  const results = {};
  for (const name of names) {
    const url = workerd.urls[name];
    log(`batch of ${BATCH_FILES} on ${name}: ${warmup} warm-up, ${requests} measured`);
    for (let i = 0; i < warmup; i++) await presignBatch(name, url, token, `warmup-${name}-${i}`);
    const times = [];
    const ids = [];
    for (let i = 0; i < requests; i++) {
      const requestId = `${PROBE_ID_PREFIX}${name}-${i}`;
      times.push(await presignBatch(name, url, token, requestId));
      ids.push(requestId);
    }
    const io = {};
    for (const requestId of ids) {
      const line = await probeLogLine(workerd, requestId);
      const value = typeof line?.io === "number" ? String(line.io) : "none";
      io[value] = (io[value] ?? 0) + 1;
    }
    const sorted = Float64Array.from(times).sort();
    results[name] = {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: times.reduce((sum, t) => sum + t, 0) / times.length,
      requests,
      io,
    };
  }
  return results;
}
