// Multipart uploads over real HTTP (contract 5.4), as a client does them: create the upload, sign parts, PUT
// each part with exactly the headers the sign answer lists, read the upload back, download the result. Shared
// by tests/worker/multipart.test.js; built on flow.js and ledger-flow.js.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { assertJsonOk, post } from "./flow.js";
import { okJson, presignDownloads, uploadRecord } from "./ledger-flow.js";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

// The contract's numbers (sections 1 and 5.4).
export const MIN_PART_BYTES = 5 * MiB; // 5242880
export const DEFAULT_PART_BYTES = 16 * MiB; // 16777216
export const MAX_PARTS = 10000;
export const MAX_PARTS_PER_SIGN = 100;
export const WORKER_MAX_SINGLE_PUT_BYTES = 99614720; // 95 MiB, worker mode's default
export const DEFAULT_MAX_UPLOAD_BYTES = 5 * GiB; // 5368709120
export const PRESIGN_TTL_SECONDS = 900;

export const createMultipart = (worker, user, body) => post(worker, "/api/uploads/multipart", user, body);
export const signParts = (worker, user, body) => post(worker, "/api/uploads/multipart/sign", user, body);

// POST /api/uploads/multipart that must answer 200; returns the answer.
export async function createMultipartOk(worker, user, body) {
  return assertJsonOk(await createMultipart(worker, user, body));
}

// POST /api/uploads/multipart/sign that must answer 200; returns its parts.
/**
 * @param {any} worker
 * @param {any} user
 * @param {string} uploadId
 * @param {number[]} partNumbers
 * @param {Record<string, string>} [sha256] part number -> hex digest
 */
export async function signPartsOk(worker, user, uploadId, partNumbers, sha256 = undefined) {
  const body = await assertJsonOk(await signParts(worker, user, { uploadId, partNumbers, ...(sha256 ? { sha256 } : {}) }));
  assert.ok(Array.isArray(body.parts), `sign answered ${JSON.stringify(body)}`);
  assert.deepEqual(body.parts.map((part) => part.partNumber), partNumbers, "one signed part per requested number, in order");
  return body.parts;
}

export const sha256Base64 = (bytes) => createHash("sha256").update(bytes).digest("base64");

// The bytes of part n (1-based) of a file cut into parts of partSize bytes; the last part holds the rest.
export function partOf(file, partSize, partNumber) {
  return file.subarray((partNumber - 1) * partSize, Math.min(partNumber * partSize, file.length));
}

export const partCountOf = (size, partSize) => Math.ceil(size / partSize);

// 1 … n
export const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

// A header's value from a plain headers object, whatever the case of its name; undefined when absent.
export function headerValue(headers, name) {
  const found = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === name.toLowerCase());
  return found === undefined ? undefined : headers[found];
}

// The headers with some replaced (or, given undefined, removed), matching names case-insensitively so that a
// replaced header is not sent twice.
/** @param {Record<string, string>} headers @param {Record<string, string | undefined>} overrides */
export function withHeaders(headers, overrides) {
  const out = {};
  const replaced = new Set(Object.keys(overrides).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(headers ?? {})) if (!replaced.has(name.toLowerCase())) out[name] = value;
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) out[name] = value;
  return out;
}

// The part PUT exactly as a client does it: the signed URL and headers, the part's bytes as the body.
export function putPart(part, body, overrides = {}, url = part.url) {
  return fetch(url, { method: "PUT", headers: withHeaders(part.headers, overrides), body });
}

export const unquote = (etag) => String(etag ?? "").replace(/^W\//, "").replace(/"/g, "");

// A part PUT that must be accepted: 200, an ETag header, and {partNumber, size, etag} with the same ETag.
export async function putPartOk(part, body) {
  const response = await putPart(part, body);
  const text = await response.text();
  assert.equal(response.status, 200, `PUT of part ${part.partNumber} answered ${response.status} ${text}`);
  const answer = JSON.parse(text);
  assert.equal(answer.partNumber, part.partNumber, `the answer names the part: ${text}`);
  assert.equal(answer.size, body.length, `the answer gives the part's size: ${text}`);
  assert.equal(typeof answer.etag, "string");
  assert.ok(unquote(answer.etag).length > 0, "a non-empty ETag");
  assert.equal(unquote(response.headers.get("etag")), unquote(answer.etag), "the ETag header is the body's etag");
  return answer;
}

// Runs fn over items, at most `limit` at a time; resolves to the results in item order and the largest number
// that were in flight at once.
/**
 * @template T, R
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T, index: number) => Promise<R>} fn
 * @returns {Promise<{results: R[], maxInFlight: number}>}
 */
export async function inParallel(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        results[index] = await fn(items[index], index);
      } finally {
        inFlight -= 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return { results, maxInFlight };
}

// Signs and PUTs the given parts of `file` for an upload (from the create answer), `concurrency` at a time;
// resolves to a Map partNumber -> the PUT's answer {partNumber, size, etag}.
/**
 * @param {any} worker
 * @param {any} user
 * @param {{uploadId: string, partSize: number}} upload
 * @param {Buffer} file
 * @param {number[]} partNumbers
 * @param {{concurrency?: number}} [options]
 */
export async function uploadParts(worker, user, upload, file, partNumbers, { concurrency = 1 } = {}) {
  const signed = [];
  for (let i = 0; i < partNumbers.length; i += MAX_PARTS_PER_SIGN) {
    signed.push(...(await signPartsOk(worker, user, upload.uploadId, partNumbers.slice(i, i + MAX_PARTS_PER_SIGN))));
  }
  const { results } = await inParallel(signed, concurrency, (part) =>
    putPartOk(part, partOf(file, upload.partSize, part.partNumber)),
  );
  return new Map(results.map((answer) => [answer.partNumber, answer]));
}

// The parts the ledger lists for an upload (GET /api/uploads/<uploadId>).
export async function partsOf(worker, user, uploadId) {
  const record = await uploadRecord(worker, user, uploadId);
  assert.ok(Array.isArray(record.parts), `a multipart upload lists its parts: ${JSON.stringify(record)}`);
  return record.parts;
}

// The bytes of an asset, through POST /api/downloads/presign and its GET /download URL.
export async function downloadBytes(worker, user, shootId, key) {
  const body = await okJson(await presignDownloads(worker, user, { shootId, keys: [key] }), "download presign");
  const [entry] = body.downloads;
  assert.equal(entry.error, undefined, `a download URL for ${key}: ${JSON.stringify(entry)}`);
  const response = await fetch(entry.url);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(response.status, 200, `GET ${key}: ${response.status} ${bytes.subarray(0, 300).toString()}`);
  return { bytes, response };
}

// The JSON body of a raw HTTP/1.1 response (putShortOverSocket's text), chunked or not.
export function rawJsonBody(text) {
  const line = text.trim().split("\r\n").find((candidate) => candidate.startsWith("{"));
  return JSON.parse(line ?? text);
}
