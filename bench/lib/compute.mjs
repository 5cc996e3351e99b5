// Per-operation CPU cost inside workerd, timed from outside: the compute Worker (bench/compute-worker.js) runs an
// operation N times in one request; cost = (time of an N-iteration request - time of a 0-iteration request) / N.
// N is chosen so one request takes about `targetMs`. The machine may be shared (other builds, other tests):
// background load only ever adds time, so each time is the best of `trials` requests. Next to the wall time, the
// same difference in workerd's CPU time (which other processes taking the CPU away does not inflate).
import { cpuSeconds } from "./proc.mjs";
import { SHOOT_ID, fileName, shootRecord } from "./workers.mjs";

let workerdProcesses = [];

async function timedRequest(url, payload) {
  const cpuBefore = cpuSeconds(workerdProcesses);
  const started = performance.now();
  const response = await fetch(url, { method: "POST", body: JSON.stringify(payload) });
  const answer = await response.json();
  const ms = performance.now() - started;
  const cpuMs = (cpuSeconds(workerdProcesses) - cpuBefore) * 1000;
  if (!response.ok) throw new Error(`compute ${payload.op}: ${answer.error ?? response.status}`);
  return { ms, cpuMs, answer };
}

// Microseconds per operation. A first request warms up (instantiation, JIT); the calibration requests grow N
// until one request takes 40 ms, and then N is set for about `targetMs`.
async function perOperation(url, op, args, { targetMs = 150, trials = 5 } = {}) {
  await timedRequest(url, { op, n: 50, ...args });
  let n = 16;
  const fastest = async (count) => {
    const [a, b] = [await timedRequest(url, { op, n: count, ...args }), await timedRequest(url, { op, n: count, ...args })];
    return Math.min(a.ms, b.ms);
  };
  let probe = await fastest(n);
  while (probe < 40 && n < 1_000_000) {
    n *= 4;
    probe = await fastest(n);
  }
  const estimate = Math.max((probe - (await fastest(0))) / n, 1e-4);
  const iterations = Math.min(2_000_000, Math.max(10, Math.round(targetMs / estimate)));
  const full = [];
  const zero = [];
  let sample = null;
  for (let trial = 0; trial < trials; trial++) {
    zero.push(await timedRequest(url, { op, n: 0, ...args }));
    const timed = await timedRequest(url, { op, n: iterations, ...args });
    full.push(timed);
    sample = timed.answer.sample;
  }
  const best = (runs, key) => Math.min(...runs.map((run) => run[key]));
  return {
    us: ((best(full, "ms") - best(zero, "ms")) * 1000) / iterations,
    cpuUs: ((best(full, "cpuMs") - best(zero, "cpuMs")) * 1000) / iterations,
    n: iterations,
    sample,
  };
}

function expectKind(result, kind, what) {
  if (result.sample?.kind !== kind) throw new Error(`${what}: expected ${kind}, got ${JSON.stringify(result.sample)}`);
  return result;
}

// tokens: {hs256, rs256, es256}; bindings: the compute Worker's (for the signing key pair); pids: its workerd.
export async function measureCompute(url, { tokens, bindings, pids }) {
  workerdProcesses = pids;
  const signing = {
    accessKeyId: bindings.UPLOAD_SIGNING_KEY_ID,
    secretAccessKey: bindings.UPLOAD_SIGNING_SECRET,
    host: "127.0.0.1:8787",
    path: `/upload/shoots/${SHOOT_ID}/${fileName(1)}`,
    headers: { "content-type": "image/jpeg", "content-length": "123456" },
  };
  const body = JSON.stringify({ shootId: SHOOT_ID, filename: fileName(1), contentType: "image/jpeg", size: 123456 });
  const request = {
    url: "http://127.0.0.1:8787/api/uploads/presign",
    headers: {
      host: "127.0.0.1:8787",
      authorization: `Bearer ${tokens.hs256}`,
      "content-type": "application/json",
      "content-length": String(body.length),
    },
    body,
    shoot: shootRecord(), // kv_get answers the stored JSON parsed, as shim/effects.js does
  };

  const result = {};
  result.corePresign = await perOperation(url, "core_presign", signing);
  if (!result.corePresign.sample?.url) throw new Error(`core_presign: ${JSON.stringify(result.corePresign.sample)}`);
  result.jsPresign = await perOperation(url, "js_presign", signing);
  result.coreHs256 = expectKind(await perOperation(url, "core_jwt", { token: tokens.hs256 }), "valid", "HS256");
  result.joseHs256 = await perOperation(url, "jose_hs256", { token: tokens.hs256 });
  for (const alg of ["rs256", "es256"]) {
    const token = tokens[alg];
    result[alg] = {
      phase1: expectKind(await perOperation(url, "core_jwt", { token }), "needs_signature_check", alg),
      phase2: expectKind(await perOperation(url, "core_jwt_checked", { token }), "valid", alg),
      subtle: await perOperation(url, "subtle_verify", { token }),
    };
    if (result[alg].subtle.sample !== true) throw new Error(`${alg}: crypto.subtle.verify answered false`);
  }
  result.coreRequest = await perOperation(url, "core_request", request);
  if (result.coreRequest.sample?.status !== 200) {
    throw new Error(`core_request: ${JSON.stringify(result.coreRequest.sample)}`);
  }
  result.coreNoop = await perOperation(url, "core_noop", {});
  result.steps = [];
  let previous = { us: 0, cpuUs: 0 };
  for (let step = 1; step <= result.coreRequest.sample.steps; step++) {
    const upTo = await perOperation(url, "core_step", { ...request, step });
    const parseOnly = await perOperation(url, "core_parse_step", { ...request, step });
    // core_step times the first `step` calls: this step's own cost is the difference with the previous one.
    result.steps.push({
      step,
      ...upTo.sample,
      us: upTo.us - previous.us,
      cpuUs: upTo.cpuUs - previous.cpuUs,
      parseUs: parseOnly.us,
      parseCpuUs: parseOnly.cpuUs,
    });
    previous = upTo;
  }
  return result;
}
