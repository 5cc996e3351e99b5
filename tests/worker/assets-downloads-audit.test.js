// What a shoot holds once files are uploaded (contract 5.6): its assets in key order, presigned download URLs
// the Worker serves from R2 (worker mode), and the append-only audit trail of everything done to it; the
// binding calls each request makes (5.5, 9) and the readiness check of the ledger (8). Real workerd, real
// local R2, KV and Durable Objects, over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertJsonError,
  assertJsonOk,
  complete,
  fileName,
  jpegBytes,
  newUser,
  ownerWithShoot,
  pngBytes,
  post,
  presign,
  presignOk,
  put,
  sha256Hex,
  uniqueShootId,
} from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import {
  ISO,
  abort,
  auditEvents,
  get,
  okJson,
  presignDownloads,
  requestId,
  requestLogLine,
  withRequestId,
} from "./ledger-flow.js";

const startLedgerWorker = () => startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });

const PROCESSING = ["pending", "done", "skipped", "failed"];

const jpegDeclaration = (shootId, sequence, bytes, extra = {}) => ({
  shootId,
  filename: fileName(shootId, sequence),
  contentType: "image/jpeg",
  size: bytes.length,
  ...extra,
});

// presign → PUT → complete of the given JPEG bytes.
async function uploadBytes(worker, user, shootId, sequence, bytes, extra = {}) {
  const item = await presignOk(worker, user, jpegDeclaration(shootId, sequence, bytes, extra));
  const uploaded = await put(item, bytes);
  assert.equal(uploaded.status, 200, await uploaded.clone().text());
  const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
  return { item, done, bytes };
}

const unquote = (etag) => String(etag ?? "").replace(/^W\//, "").replace(/"/g, "");

// ---------------------------------------------------------------------------------------------------------

describe("GET /api/shoots/<shootId>/assets", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("lists the completed uploads in key order with their facts, and no cursor on the last page", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "assets");
    // Completed out of key order, so key order is the listing's own.
    const third = await uploadBytes(worker, user, shootId, "0003", jpegBytes(333));
    const firstBytes = jpegBytes(111);
    const first = await uploadBytes(worker, user, shootId, "0001", firstBytes, { sha256: sha256Hex(firstBytes) });
    const second = await uploadBytes(worker, user, shootId, "0002", jpegBytes(222));
    // Neither a pending nor a rejected upload is an asset.
    await presignOk(worker, user, jpegDeclaration(shootId, "0004", jpegBytes(32)));
    const rejected = await presignOk(worker, user, jpegDeclaration(shootId, "0005", pngBytes(64)));
    assert.equal((await put(rejected, pngBytes(64))).status, 200);
    await assertJsonError(await complete(worker, user, { uploadId: rejected.uploadId }), 422, "content_mismatch");

    const response = await get(worker, `/api/shoots/${shootId}/assets`, user);
    const body = await assertJsonOk(response);
    assert.ok(!("cursor" in body), `no cursor with 3 assets: ${JSON.stringify(body)}`);
    assert.deepEqual(body.assets.map((asset) => asset.key), [first, second, third].map((u) => u.item.key));
    for (const [asset, upload] of body.assets.map((asset, i) => [asset, [first, second, third][i]])) {
      assert.equal(asset.key, upload.done.key);
      assert.equal(asset.filename, upload.item.key.split("/").at(-1));
      assert.equal(asset.size, upload.bytes.length);
      assert.equal(asset.contentType, "image/jpeg");
      assert.equal(asset.etag, upload.done.etag);
      assert.equal(asset.completedAt, upload.done.completedAt);
      assert.match(asset.completedAt, ISO);
      assert.equal(typeof asset.processing, "string");
      assert.ok(PROCESSING.includes(asset.processing), `processing ${asset.processing}`);
      if (asset.processing === "skipped" || asset.processing === "failed") assert.equal(typeof asset.processingReason, "string");
    }
    assert.equal(body.assets[0].sha256, sha256Hex(firstBytes), "sha256 when declared");
    assert.ok(!("sha256" in body.assets[1]), "no sha256 when none was declared");
    assert.ok(!("sha256" in body.assets[2]));
  });

  it("an empty shoot lists no assets", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "assets-empty");
    const body = await assertJsonOk(await get(worker, `/api/shoots/${shootId}/assets`, user));
    assert.deepEqual(body, { assets: [] });
  });

  it("an invalid cursor is 400 invalid_request", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "assets-cursor");
    await uploadBytes(worker, user, shootId, "0001", jpegBytes(100));
    for (const cursor of ["!!not-a-cursor!!", "%00%01", "x".repeat(2000)]) {
      const response = await get(worker, `/api/shoots/${shootId}/assets?cursor=${cursor}`, user);
      const body = await assertJsonError(response, 400, "invalid_request");
      assert.equal(body.error.field, "cursor");
    }
  });

  it("is 403 not_shoot_owner for another user, 404 shoot_not_found for an unknown shoot, 401 without a token", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "assets-own");
    await uploadBytes(worker, user, shootId, "0001", jpegBytes(100));
    const other = await newUser(worker);
    await assertJsonError(await get(worker, `/api/shoots/${shootId}/assets`, other), 403, "not_shoot_owner");
    await assertJsonError(await get(worker, `/api/shoots/${uniqueShootId("assets-none")}/assets`, user), 404, "shoot_not_found");
    await assertJsonError(await get(worker, `/api/shoots/${shootId}/assets`), 401, "invalid_token");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    assert.equal((await okJson(await get(worker, `/api/shoots/${shootId}/assets`, admin), "admin's list")).assets.length, 1);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("POST /api/downloads/presign and GET /download/<key>", () => {
  let worker;
  let user;
  let shootId;
  let a;
  let b;
  before(async () => {
    worker = await startLedgerWorker();
    ({ user, shootId } = await ownerWithShoot(worker, "dl"));
    a = await uploadBytes(worker, user, shootId, "0001", jpegBytes(2048));
    b = await uploadBytes(worker, user, shootId, "0002", jpegBytes(1500));
  });
  after(() => worker?.dispose());

  it("answers one entry per key in request order; a key that is no asset of the shoot is an item error", async () => {
    const { shootId: otherShoot, user: otherUser } = await ownerWithShoot(worker, "dl-other");
    const foreign = await uploadBytes(worker, otherUser, otherShoot, "0001", jpegBytes(100));
    const pending = await presignOk(worker, user, jpegDeclaration(shootId, "0009", jpegBytes(32)));
    const keys = [b.item.key, `shoots/${shootId}/${fileName(shootId, "0042")}`, a.item.key, foreign.item.key, pending.key];
    const body = await assertJsonOk(await presignDownloads(worker, user, { shootId, keys }));
    assert.equal(body.downloads.length, keys.length);
    assert.deepEqual(body.downloads.map((entry) => entry.key), keys, "request order");
    for (const i of [0, 2]) {
      const entry = body.downloads[i];
      assert.equal(entry.error, undefined, JSON.stringify(entry));
      assert.equal(typeof entry.url, "string");
      assert.match(entry.expiresAt, ISO);
      assert.ok(Date.parse(entry.expiresAt) > Date.now());
      const url = new URL(entry.url);
      assert.equal(url.origin, new URL(worker.url).origin, "worker mode: the URL points at this Worker");
      assert.equal(url.pathname, `/download/${entry.key}`);
      assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
      assert.match(url.searchParams.get("X-Amz-Signature") ?? "", /^[0-9a-f]{64}$/);
    }
    for (const i of [1, 3, 4]) {
      const entry = body.downloads[i];
      assert.equal(entry.url, undefined, JSON.stringify(entry));
      assert.equal(entry.error?.code, "not_found", `${keys[i]}: ${JSON.stringify(entry)}`);
    }
  });

  it("0 or 101 keys, or no keys at all, is 400 invalid_request naming keys", async () => {
    for (const keys of [[], Array.from({ length: 101 }, () => a.item.key), undefined, "shoots/x"]) {
      const body = await assertJsonError(await presignDownloads(worker, user, { shootId, keys }), 400, "invalid_request");
      assert.equal(body.error.field, "keys");
    }
  });

  it("is 403 not_shoot_owner for another user and 404 shoot_not_found for an unknown shoot", async () => {
    const other = await newUser(worker);
    await assertJsonError(await presignDownloads(worker, other, { shootId, keys: [a.item.key] }), 403, "not_shoot_owner");
    const ghost = uniqueShootId("dl-ghost");
    await assertJsonError(await presignDownloads(worker, user, { shootId: ghost, keys: [a.item.key] }), 404, "shoot_not_found");
  });

  it("the URL serves the bytes with ETag, Content-Length and a private max-age within its lifetime", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [a.item.key] }))).downloads;
    const asked = Date.now();
    const response = await fetch(entry.url);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, body.toString());
    assert.ok(body.equals(a.bytes), "the bytes uploaded");
    assert.equal(unquote(response.headers.get("etag")), unquote(a.done.etag));
    assert.equal(response.headers.get("content-length"), String(a.bytes.length));
    assert.equal(response.headers.get("content-type"), "image/jpeg");
    const cacheControl = response.headers.get("cache-control") ?? "";
    assert.match(cacheControl, /^private, max-age=\d+$/);
    const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)[1]);
    const lifetime = Number(new URL(entry.url).searchParams.get("X-Amz-Expires"));
    assert.ok(maxAge > 0, `max-age ${maxAge}`);
    assert.ok(maxAge <= lifetime, `max-age ${maxAge} within the URL's ${lifetime} s`);
    assert.ok(maxAge <= Math.ceil((Date.parse(entry.expiresAt) - asked) / 1000) + 1, "no longer than the URL remains valid");
  });

  it("a Range request is 206 with exactly those bytes and Content-Range", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [b.item.key] }))).downloads;
    const response = await fetch(entry.url, { headers: { range: "bytes=0-9" } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 206, body.toString());
    assert.equal(body.length, 10);
    assert.ok(body.equals(b.bytes.subarray(0, 10)));
    assert.equal(response.headers.get("content-range"), `bytes 0-9/${b.bytes.length}`);
    assert.equal(response.headers.get("content-length"), "10");

    const tail = await fetch(entry.url, { headers: { range: "bytes=1000-" } });
    const tailBody = Buffer.from(await tail.arrayBuffer());
    assert.equal(tail.status, 206);
    assert.ok(tailBody.equals(b.bytes.subarray(1000)));
    assert.equal(tail.headers.get("content-range"), `bytes 1000-${b.bytes.length - 1}/${b.bytes.length}`);
  });

  it("a range that starts past the end is 416 range_not_satisfiable with Content-Range bytes */<size>", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [b.item.key] }))).downloads;
    const response = await fetch(entry.url, { headers: { range: `bytes=${b.bytes.length}-` } });
    assert.equal(response.headers.get("content-range"), `bytes */${b.bytes.length}`);
    await assertJsonError(response, 416, "range_not_satisfiable", { api: false });
  });

  it("a URL with one character of its signature changed is 403 signature_invalid", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [a.item.key] }))).downloads;
    const url = new URL(entry.url);
    const signature = url.searchParams.get("X-Amz-Signature");
    url.searchParams.set("X-Amz-Signature", signature.slice(0, -1) + (signature.at(-1) === "0" ? "1" : "0"));
    const response = await fetch(url);
    await assertJsonError(response, 403, "signature_invalid", { api: false });
  });

  it("a URL whose path is changed to another key is 403", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [a.item.key] }))).downloads;
    const url = new URL(entry.url);
    url.pathname = `/download/${b.item.key}`;
    const response = await fetch(url);
    await assertJsonError(response, 403, null, { api: false });
  });

  it("a URL with an extra query parameter or a longer X-Amz-Expires is 403", async () => {
    const [entry] = (await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [a.item.key] }))).downloads;
    const added = new URL(entry.url);
    added.searchParams.set("response-content-type", "text/html");
    await assertJsonError(await fetch(added), 403, null, { api: false });
    const longer = new URL(entry.url);
    longer.searchParams.set("X-Amz-Expires", "604800");
    await assertJsonError(await fetch(longer), 403, null, { api: false });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("GET /api/shoots/<shootId>/audit", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("records every step, oldest first, with its actor and the request id that caused it", async () => {
    const user = await newUser(worker, { prefix: "auditor" });
    const shootId = uniqueShootId("audit");
    /** @type {{id: string, expect: {action: string, key?: string, uploadId?: string}[]}[]} */
    const steps = [];
    // Sends one request with its own X-Request-Id and notes what the audit should then hold for it.
    async function step(label, send) {
      const id = requestId(label);
      const response = await send(withRequestId(user, id));
      assert.equal(response.headers.get("x-request-id"), id, "the client's request id is kept");
      const entry = { id, expect: [] };
      steps.push(entry);
      return { response, entry };
    }

    const created = await step("create", (u) => post(worker, "/api/shoots", u, { shootId }));
    await assertJsonOk(created.response, 201);
    created.entry.expect.push({ action: "shoot.created" });

    const aBytes = jpegBytes(300);
    const p1 = await step("presign-a", (u) => presign(worker, u, jpegDeclaration(shootId, "0001", aBytes)));
    const a1 = await assertJsonOk(p1.response);
    p1.entry.expect.push({ action: "upload.presigned", key: a1.key, uploadId: a1.uploadId });

    const a2Bytes = jpegBytes(320);
    const p2 = await step("presign-a-again", (u) => presign(worker, u, jpegDeclaration(shootId, "0001", a2Bytes)));
    const a2 = await assertJsonOk(p2.response);
    assert.notEqual(a2.uploadId, a1.uploadId);
    p2.entry.expect.push(
      { action: "upload.cancelled", key: a1.key, uploadId: a1.uploadId },
      { action: "upload.presigned", key: a2.key, uploadId: a2.uploadId },
    );

    assert.equal((await put(a2, a2Bytes)).status, 200);
    const c1 = await step("complete-a", (u) => complete(worker, u, { uploadId: a2.uploadId }));
    await assertJsonOk(c1.response);
    c1.entry.expect.push({ action: "upload.completed", key: a2.key, uploadId: a2.uploadId });

    const cBytes = pngBytes(200);
    const p3 = await step("presign-c", (u) => presign(worker, u, jpegDeclaration(shootId, "0002", cBytes)));
    const c = await assertJsonOk(p3.response);
    p3.entry.expect.push({ action: "upload.presigned", key: c.key, uploadId: c.uploadId });
    assert.equal((await put(c, cBytes)).status, 200);
    const c2 = await step("complete-c", (u) => complete(worker, u, { uploadId: c.uploadId }));
    await assertJsonError(c2.response, 422, "content_mismatch");
    c2.entry.expect.push({ action: "upload.rejected", key: c.key, uploadId: c.uploadId });

    const dBytes = jpegBytes(210);
    const p4 = await step("presign-d", (u) => presign(worker, u, jpegDeclaration(shootId, "0003", dBytes)));
    const d = await assertJsonOk(p4.response);
    p4.entry.expect.push({ action: "upload.presigned", key: d.key, uploadId: d.uploadId });
    assert.equal((await put(d, dBytes)).status, 200);
    const ab = await step("abort-d", (u) => abort(worker, u, { uploadId: d.uploadId }));
    await assertJsonOk(ab.response);
    ab.entry.expect.push({ action: "upload.aborted", key: d.key, uploadId: d.uploadId });

    const dl = await step("download", (u) => presignDownloads(worker, u, { shootId, keys: [a2.key] }));
    assert.ok((await assertJsonOk(dl.response)).downloads[0].url);
    dl.entry.expect.push({ action: "download.presigned", key: a2.key });

    // Requests that record nothing: reads.
    const quiet = requestId("read");
    await assertJsonOk(await get(worker, `/api/shoots/${shootId}`, withRequestId(user, quiet)));

    const events = await auditEvents(worker, user, shootId);
    const ours = new Set(steps.map((s) => s.id));
    const mine = events.filter((event) => ours.has(event.requestId));
    // Anything else in the trail is a processing result, recorded by the queue consumer under its own id.
    for (const event of events.filter((e) => !ours.has(e.requestId))) {
      assert.notEqual(event.requestId, quiet, `a read recorded ${JSON.stringify(event)}`);
      assert.ok(
        !["shoot.created", "upload.presigned", "upload.cancelled", "upload.completed", "upload.rejected", "upload.aborted", "download.presigned"].includes(event.action),
        `an event under a request id that did not cause it: ${JSON.stringify(event)}`,
      );
    }

    for (const event of events) {
      assert.match(event.at, ISO, JSON.stringify(event));
      assert.equal(typeof event.action, "string");
      assert.equal(typeof event.requestId, "string");
    }
    for (let i = 1; i < events.length; i++) {
      assert.ok(Date.parse(events[i].at) >= Date.parse(events[i - 1].at), `oldest first: ${events[i - 1].at} then ${events[i].at}`);
    }

    // Steps in the order they were taken; within one request, the events it caused in any order.
    assert.deepEqual(
      [...new Set(mine.map((event) => event.requestId))],
      steps.map((s) => s.id),
      `one group of events per request, in request order: ${JSON.stringify(mine)}`,
    );
    for (const { id, expect } of steps) {
      const got = mine.filter((event) => event.requestId === id);
      for (const event of got) assert.equal(event.actor, user.sub, JSON.stringify(event));
      const left = [...got];
      for (const wanted of expect) {
        const at = left.findIndex((event) => Object.entries(wanted).every(([name, value]) => event[name] === value));
        assert.ok(at >= 0, `${id}: no event ${JSON.stringify(wanted)} among ${JSON.stringify(got)}`);
        left.splice(at, 1);
      }
      assert.deepEqual(left, [], `${id}: events beyond the expected ones`);
    }
  });

  it("is 403 not_shoot_owner for another user and 404 shoot_not_found for an unknown shoot", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "audit-own");
    const other = await newUser(worker);
    await assertJsonError(await get(worker, `/api/shoots/${shootId}/audit`, other), 403, "not_shoot_owner");
    await assertJsonError(await get(worker, `/api/shoots/${uniqueShootId("audit-none")}/audit`, user), 404, "shoot_not_found");
    const bad = await assertJsonError(await get(worker, `/api/shoots/${shootId}/audit?cursor=!!bad!!`, user), 400, "invalid_request");
    assert.equal(bad.error.field, "cursor");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const events = await auditEvents(worker, admin, shootId);
    assert.deepEqual(events.map((event) => event.action), ["shoot.created"]);
    assert.equal(events[0].actor, user.sub, "the actor is who created it, not who reads");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("binding calls per request (io) and readiness", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("a batch presign of 100 files makes at most 6 binding calls", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "io-presign");
    const files = Array.from({ length: 100 }, (_, i) => ({
      filename: fileName(shootId, String(i + 1).padStart(4, "0")),
      contentType: "image/jpeg",
      size: 100,
    }));
    const id = requestId("io-presign-100");
    const body = await assertJsonOk(await presign(worker, withRequestId(user, id), { shootId, files }));
    assert.equal(body.uploads.length, 100);
    for (const item of body.uploads) assert.ok(item.uploadId, JSON.stringify(item));
    const line = await requestLogLine(worker, id);
    assert.equal(typeof line.io, "number");
    assert.ok(line.io <= 6, `io ${line.io}`);
    assert.ok(line.io >= 1, "the presign reached the ledger");
  });

  it("a batch complete of 10 uploads makes at most 2 per upload plus 6", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "io-complete");
    const bytes = Array.from({ length: 10 }, () => jpegBytes(200));
    const files = bytes.map((b, i) => ({ filename: fileName(shootId, String(i + 1).padStart(4, "0")), contentType: "image/jpeg", size: b.length }));
    const { uploads } = await assertJsonOk(await presign(worker, user, { shootId, files }));
    await Promise.all(uploads.map(async (item, i) => assert.equal((await put(item, bytes[i])).status, 200)));
    const id = requestId("io-complete-10");
    const body = await assertJsonOk(await complete(worker, withRequestId(user, id), { uploadIds: uploads.map((u) => u.uploadId) }));
    assert.equal(body.uploads.length, 10);
    for (const done of body.uploads) assert.equal(done.error, undefined, JSON.stringify(done));
    const line = await requestLogLine(worker, id);
    assert.equal(typeof line.io, "number");
    assert.ok(line.io <= 2 * 10 + 6, `io ${line.io}`);
    assert.ok(line.io >= 10, `each object was read: io ${line.io}`);
  });

  it("GET /readyz is 200 with the shoots check ok, besides config, kv and r2", async () => {
    const response = await worker.fetch("/readyz");
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const body = JSON.parse(text);
    assert.equal(body.status, "ready");
    for (const check of ["config", "kv", "r2", "shoots"]) assert.equal(body.checks?.[check], "ok", `${check}: ${text}`);
  });

  it("every request log line carries io, a number", async () => {
    // This worker has served presigns, PUTs, completes, reads and /readyz by now.
    const { user, shootId } = await ownerWithShoot(worker, "io-all");
    await assertJsonOk(await get(worker, `/api/shoots/${shootId}/assets`, user));
    await assertJsonOk(await get(worker, `/api/shoots/${shootId}/audit`, user));
    const last = requestId("io-last");
    await assertJsonError(await get(worker, "/api/uploads/up_nope", withRequestId(user, last)), 404, "upload_not_found");
    await requestLogLine(worker, last);
    const lines = worker.jsonLogs().filter((line) => line.event === "request");
    assert.ok(lines.length >= 10, `${lines.length} request lines`);
    for (const line of lines) assert.equal(typeof line.io, "number", JSON.stringify(line));
  });
});
