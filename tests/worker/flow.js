// The upload flow over real HTTP, shared by the worker tests: files that look real, users and shoots,
// presign → PUT → complete as a client does them, and the contract's response shapes.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { bearer, hs256Token, today } from "./tokens.js";

// ---------------------------------------------------------------------------------------------------------
// Bytes that look like real files.

export const JPEG_HEADER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00]);
export const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

export function jpegBytes(size = 256) {
  return Buffer.concat([JPEG_HEADER, randomBytes(size - JPEG_HEADER.length)]);
}

export function pngBytes(size = 256) {
  return Buffer.concat([PNG_HEADER, randomBytes(size - PNG_HEADER.length)]);
}

export const sha256Hex = (bytes) => createHash("sha256").update(bytes).digest("hex");

// ---------------------------------------------------------------------------------------------------------
// Helpers over real HTTP.

let counter = 0;
// A shoot id nobody else in this file uses: 3–32 characters of [a-z0-9-].
export function uniqueShootId(prefix) {
  counter += 1;
  return `${prefix}-${process.pid.toString(36)}-${counter}`.slice(0, 32).replace(/-+$/, "");
}

// A caller with its own sub, so each test has its own rate-limit bucket and its own shoots.
export async function newUser(worker, { prefix = "user", claims = {} } = {}) {
  counter += 1;
  const sub = `${prefix}-${counter}`;
  const token = await hs256Token(worker.bindings.JWT_SECRET, { sub, claims });
  return { sub, token, headers: bearer(token) };
}

export function fileName(shootId, sequence = "0001", { ext = "jpg", variant = null, date = today() } = {}) {
  return `${shootId}_${date}_${sequence}${variant ? `_${variant}` : ""}.${ext}`;
}

export function post(worker, path, user, body) {
  return worker.fetch(path, {
    method: "POST",
    headers: user ? user.headers : { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function createShoot(worker, user, shootId) {
  const response = await post(worker, "/api/shoots", user, { shootId });
  assert.equal(response.status, 201, `creating shoot ${shootId}`);
  return response.json();
}

// A fresh user owning a fresh shoot.
export async function ownerWithShoot(worker, prefix) {
  const user = await newUser(worker);
  const shootId = uniqueShootId(prefix);
  await createShoot(worker, user, shootId);
  return { user, shootId };
}

export const presign = (worker, user, body) => post(worker, "/api/uploads/presign", user, body);
export const complete = (worker, user, body) => post(worker, "/api/uploads/complete", user, body);

export async function presignOk(worker, user, body) {
  const response = await presign(worker, user, body);
  const answer = await response.json();
  assert.equal(response.status, 200, `presign answered ${JSON.stringify(answer)}`);
  return answer;
}

// The PUT exactly as a client does it: the URL and headers from the presign answer, the bytes as the body.
export function put(item, body, headerOverrides = {}, url = item.url) {
  return fetch(url, { method: "PUT", headers: { ...item.headers, ...headerOverrides }, body });
}

// A PUT over a raw socket that sends fewer bytes than its Content-Length and then half-closes: fetch cannot
// do this (it refuses a body that disagrees with Content-Length). Resolves to the status line and JSON body.
export function putShortOverSocket(item, body) {
  const url = new URL(item.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port), allowHalfOpen: true }, () => {
      const headers = Object.entries(item.headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
      socket.write(`PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${headers}Connection: close\r\n\r\n`);
      socket.write(body);
      socket.end();
    });
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (received += chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const json = received.slice(received.indexOf("\r\n\r\n") + 4);
      resolve({ status, text: json, head: received.slice(0, received.indexOf("\r\n\r\n")) });
    });
    socket.setTimeout(20_000, () => socket.destroy(new Error("no answer to the short PUT")));
  });
}

export function assertRateLimitHeaders(response) {
  for (const name of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"]) {
    assert.match(response.headers.get(name) ?? "", /^\d+$/, `${name} on an /api/* response`);
  }
  assert.ok(Number(response.headers.get("x-ratelimit-remaining")) <= Number(response.headers.get("x-ratelimit-limit")));
}

// The contract's error shape (section 2); /api/* responses also carry the rate-limit headers (section 7).
// code null: the contract names no code for this case, so any snake_case code will do.
export async function assertJsonError(response, status, code, { api = true } = {}) {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${text}`);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const body = JSON.parse(text);
  assert.equal(typeof body.error, "object");
  if (code !== null) assert.equal(body.error.code, code);
  assert.match(body.error.code, /^[a-z0-9]+(_[a-z0-9]+)*$/);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  const requestId = response.headers.get("x-request-id");
  assert.match(requestId ?? "", /^[A-Za-z0-9._-]{1,64}$/);
  assert.equal(body.error.request_id, requestId);
  if (api) assertRateLimitHeaders(response);
  return body;
}

export async function assertJsonOk(response, status = 200) {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status} ${text}`);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assertRateLimitHeaders(response);
  return JSON.parse(text);
}

export const objectAt = (worker, key) => worker.mf.getR2Bucket("BUCKET").then((bucket) => bucket.head(key));
// The shoot's asset under a key, as GET /api/shoots/<shootId>/assets lists it; null when there is none.
export async function assetAt(worker, user, shootId, key) {
  const response = await worker.fetch(`/api/shoots/${shootId}/assets`, { headers: user.headers });
  assert.equal(response.status, 200);
  return (await response.json()).assets.find((asset) => asset.key === key) ?? null;
}

// A Worker whose shoot ledger can be told that time has passed for one upload (tests/worker/fixtures/ledger-clock.js).
export const LEDGER_CLOCK_SCRIPT = "tests/worker/fixtures/ledger-clock.js";

// Moves an upload's presign back in time in its shoot's ledger, as if it had been presigned `ms` ago; the
// worker must run LEDGER_CLOCK_SCRIPT.
export async function agePresign(worker, item, ms) {
  const shootId = item.key.split("/")[1];
  const response = await worker.fetch("/__test/rewind", {
    method: "POST",
    body: JSON.stringify({ shootId, uploadId: item.uploadId, ms }),
  });
  assert.equal(response.status, 200, await response.text());
}

// presign → PUT → complete for one JPEG; returns every answer along the way.
export async function uploadJpeg(worker, user, shootId, sequence = "0001", extra = {}) {
  const bytes = jpegBytes(300);
  const filename = fileName(shootId, sequence);
  const item = await presignOk(worker, user, { shootId, filename, contentType: "image/jpeg", size: bytes.length, ...extra });
  const uploaded = await put(item, bytes);
  assert.equal(uploaded.status, 200, `PUT answered ${await uploaded.clone().text()}`);
  const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
  return { bytes, filename, item, done };
}

