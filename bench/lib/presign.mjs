// POST /api/uploads/presign under load (autocannon), one target at a time. Each target gets a warm-up, then its
// measured time is split into rounds that alternate between the targets, so a change in the machine's background
// load during the run falls on every target alike. Latencies are collected per response and pooled over rounds.
// Every request presigns a file name not used before (newFileName), as a client does, so each one is a new
// upload in the shoot's ledger.
import autocannon from "autocannon";
import { cpuSeconds } from "./proc.mjs";
import { PROBE_ID_PREFIX, SHOOT_ID, newFileName, probeLogLine } from "./workers.mjs";

export function presignBody() {
  return JSON.stringify({ shootId: SHOOT_ID, filename: newFileName(), contentType: "image/jpeg", size: 123456 });
}

function presignRequest(token, body) {
  return { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body };
}

// One request before the load, so a broken target fails loudly instead of being measured at full speed.
export async function checkPresign(name, url, token, body) {
  const response = await fetch(`${url}/api/uploads/presign`, presignRequest(token, body));
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${name}: presign answered ${response.status}: ${text}`);
  const answer = JSON.parse(text);
  const complete = answer.uploadId && answer.key && (name === "floor" || (answer.url && answer.headers));
  if (!complete) throw new Error(`${name}: unexpected presign answer ${text}`);
  return { answer, rateLimit: response.headers.get("x-ratelimit-limit") };
}

// One more presign with a request id the bench recognises: the binding calls the target's own log line reports
// for it (io), or null when the line did not arrive.
export async function presignIo(name, workerd, token) {
  const requestId = `${PROBE_ID_PREFIX}single-${name}`;
  const { method, headers, body } = presignRequest(token, presignBody());
  const response = await fetch(`${workerd.urls[name]}/api/uploads/presign`, {
    method,
    headers: { ...headers, "x-request-id": requestId },
    body,
  });
  if (response.status !== 200) throw new Error(`${name}: presign answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  const line = await probeLogLine(workerd, requestId);
  return typeof line?.io === "number" ? line.io : null;
}

/** @param {(status: number, ms: number) => void} [onResponse] */
async function hammer(url, { token, connections, seconds }, onResponse = () => {}) {
  const { method, headers } = presignRequest(token, "");
  const instance = autocannon({
    url: `${url}/api/uploads/presign`,
    // A fresh body (a new file name) for every request.
    requests: [{ method, headers, setupRequest: (request) => ({ ...request, body: presignBody() }) }],
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
  });
  instance.on("response", (client, status, bytes, ms) => onResponse(status, ms));
  return instance;
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function summarise(runs, latencies, cpu) {
  const seconds = runs.reduce((sum, r) => sum + r.duration, 0);
  const total = runs.reduce((sum, r) => sum + r.requests.total, 0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    requestsPerSecond: total / seconds,
    cpuUsPerRequest: (cpu * 1e6) / total,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    total,
    seconds,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
  };
}

// targets: {name: url}; pids: the workerd running them, whose CPU time is counted during each measured round.
// Answers {name: {requestsPerSecond, cpuUsPerRequest, p50, p99, total, seconds, non2xx, errors}}.
export async function loadPresign(targets, { pids, token, connections, warmupSeconds, seconds, rounds, log }) {
  const names = Object.keys(targets);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  const latencies = Object.fromEntries(names.map((name) => [name, []]));
  const cpu = Object.fromEntries(names.map((name) => [name, 0]));
  const roundSeconds = seconds / rounds;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      if (round === 0 && warmupSeconds > 0) {
        log(`warm-up on ${name}`);
        await hammer(targets[name], { token, connections, seconds: warmupSeconds });
      }
      log(`round ${round + 1}/${rounds} on ${name}`);
      const cpuBefore = cpuSeconds(pids);
      runs[name].push(
        await hammer(targets[name], { token, connections, seconds: roundSeconds }, (status, ms) => latencies[name].push(ms)),
      );
      cpu[name] += cpuSeconds(pids) - cpuBefore;
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarise(runs[name], latencies[name], cpu[name])]));
}
