// Helpers for the shoot ledger's tests (ledger*.test.js, assets-downloads-audit.test.js): reading what the
// ledger holds over real HTTP, requests with a request id of the test's choosing, the log line of a request,
// and the cron as an operator triggers it locally. Everything goes through the real Worker in workerd.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { post } from "./flow.js";

export const HOUR = 3600_000;
// ISO 8601 in UTC, as the contract's timestamps are.
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let counter = 0;
// A request id no other request of this process sends: 1–64 characters of [A-Za-z0-9._-].
export function requestId(label) {
  counter += 1;
  return `${label}.${process.pid.toString(36)}.${counter}`.slice(-64);
}

// The same caller, sending its own X-Request-Id.
export function withRequestId(user, id) {
  return { ...user, headers: { ...user.headers, "x-request-id": id } };
}

export const get = (worker, path, user = null) => worker.fetch(path, { headers: user ? user.headers : {} });
export const abort = (worker, user, body) => post(worker, "/api/uploads/abort", user, body);
export const presignDownloads = (worker, user, body) => post(worker, "/api/downloads/presign", user, body);

// An upload id that no upload has: "up_" and 32 hex digits, or, given a shoot, of the shape the Worker hands
// out ("up_<shootId>_<32 hex>"), which names that shoot's ledger and so is looked up there.
export const unknownUploadId = (shootId = null) =>
  shootId ? `up_${shootId}_${randomBytes(16).toString("hex")}` : `up_${randomBytes(16).toString("hex")}`;

// Calls fn until it returns something truthy, and returns that; fails once the deadline has passed.
export async function until(fn, what, { timeoutMs = 5000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`gave up waiting ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// The request log line of the request that carried this id (the Worker prints it as it answers; the line
// reaches the test through workerd's stdout a moment later).
export function requestLogLine(worker, id) {
  return until(
    () => worker.jsonLogs().find((line) => line.request_id === id && line.event === "request"),
    `the log line of request ${id}`,
    { timeoutMs: 3000, intervalMs: 20 },
  );
}

const cleanupLines = (worker) => worker.jsonLogs().filter((line) => line.event === "cleanup");

// Triggers `runs` cron runs at once with the scheduled time `time` (ms), on a worker started with
// unsafeTriggerHandlers; resolves to their log lines once all of them are out.
export async function runCleanupAt(worker, time, runs = 1) {
  const seen = cleanupLines(worker).length;
  const responses = await Promise.all(
    Array.from({ length: runs }, () => worker.fetch(`/cdn-cgi/handler/scheduled?time=${Math.round(time)}`)),
  );
  for (const response of responses) assert.equal(response.status, 200, await response.text());
  const lines = await until(
    () => {
      const all = cleanupLines(worker);
      return all.length >= seen + runs ? all.slice(seen) : null;
    },
    `${runs} cleanup log line(s)`,
  );
  assert.equal(lines.length, runs, `one log line per run: ${JSON.stringify(lines)}`);
  return lines;
}

// A JSON answer that must be 200; returns it parsed.
export async function okJson(response, what) {
  const text = await response.text();
  assert.equal(response.status, 200, `${what}: expected 200, got ${response.status} ${text}`);
  return JSON.parse(text);
}

export const uploadRecord = async (worker, user, uploadId) =>
  okJson(await get(worker, `/api/uploads/${uploadId}`, user), `GET /api/uploads/${uploadId}`);

export const shootRecord = async (worker, user, shootId) =>
  okJson(await get(worker, `/api/shoots/${shootId}`, user), `GET /api/shoots/${shootId}`);

// Every audit event of the shoot, following the cursor through every page.
export async function auditEvents(worker, user, shootId) {
  const events = [];
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const path = `/api/shoots/${shootId}/audit${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`;
    const body = await okJson(await get(worker, path, user), `GET ${path}`);
    assert.ok(Array.isArray(body.events), `events is an array: ${JSON.stringify(body)}`);
    events.push(...body.events);
    if (body.cursor === undefined) return events;
    assert.equal(typeof body.cursor, "string");
    cursor = body.cursor;
  }
  assert.fail("the audit did not end within 100 pages");
}

// Every asset of the shoot, following the cursor.
export async function assetList(worker, user, shootId) {
  const assets = [];
  let cursor = null;
  for (let page = 0; page < 100; page++) {
    const path = `/api/shoots/${shootId}/assets${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`;
    const body = await okJson(await get(worker, path, user), `GET ${path}`);
    assert.ok(Array.isArray(body.assets), `assets is an array: ${JSON.stringify(body)}`);
    assets.push(...body.assets);
    if (body.cursor === undefined) return assets;
    cursor = body.cursor;
  }
  assert.fail("the asset list did not end within 100 pages");
}
