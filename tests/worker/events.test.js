// After the upload (contract 10), over the real Worker in workerd with its real local queue: each completion's
// upload.completed event is delivered to the queue consumer and to the webhook, signed; a receiver that fails
// is retried with the same event id; the asset's processing outcome is recorded and announced.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { assertJsonOk, complete, fileName, ownerWithShoot, post, presignOk, put, uploadJpeg } from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import { until } from "./ledger-flow.js";

const SECRET = "webhook-secret-for-the-tests-0123456789";

// A webhook receiver on loopback that records every delivery and answers 500 to the first `failures` POSTs of
// each event id.
async function startReceiver(failures = 0) {
  const deliveries = [];
  const failed = new Map();
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const eventId = String(request.headers["upgate-event-id"]);
      deliveries.push({ eventId, signature: String(request.headers["upgate-signature"]), body, event: JSON.parse(body) });
      const seen = failed.get(eventId) ?? 0;
      if (seen < failures) {
        failed.set(eventId, seen + 1);
        response.statusCode = 500;
      }
      response.end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${address.port}/hooks/upgate`, deliveries, close: () => server.close() };
}

// The README's receiver check: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
function verifySignature(header, body, secret) {
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=")));
  const expected = createHmac("sha256", secret).update(`${fields.t}.${body}`).digest("hex");
  return fields.v1 === expected && Math.abs(Date.now() / 1000 - Number(fields.t)) < 300;
}

describe("events and webhooks", () => {
  let worker;
  let receiver;
  before(async () => {
    receiver = await startReceiver(2);
    worker = await startWorker({
      bindings: developmentBindings({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: SECRET, EVENT_RETRY_DELAYS_SECONDS: "0,0,0" }),
    });
  });
  after(async () => {
    await worker?.dispose();
    receiver?.close();
  });

  it("a completion's event reaches the webhook signed, the same event id each try, until the receiver takes it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "events");
    const { item } = await uploadJpeg(worker, user, shootId);
    const completedFor = () => receiver.deliveries.filter((d) => d.event.type === "upload.completed" && d.event.uploadId === item.uploadId);
    const tries = await until(() => (completedFor().length >= 3 ? completedFor() : null), "three deliveries of upload.completed");
    assert.equal(new Set(tries.map((d) => d.eventId)).size, 1, "one event id for every try");
    assert.match(tries[0].eventId, /^ev_[0-9a-f]{32}$/);
    for (const delivery of tries) assert.ok(verifySignature(delivery.signature, delivery.body, SECRET), delivery.signature);
    const event = tries[0].event;
    assert.deepEqual(
      Object.keys(event).sort(),
      ["completedAt", "contentType", "etag", "eventId", "key", "shootId", "size", "type", "uploadId"].sort(),
    );
    assert.equal(event.eventId, tries[0].eventId);
    assert.equal(event.key, item.key);
    assert.equal(event.shootId, shootId);
    // Taken on the third try: no fourth.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(completedFor().length, 3);
  });

  it("processing records its outcome on the asset and announces it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "events-processed");
    const { item } = await uploadJpeg(worker, user, shootId);
    const announced = await until(
      () => receiver.deliveries.find((d) => d.event.uploadId === item.uploadId && d.event.type !== "upload.completed"),
      "the processing outcome's webhook",
    );
    assert.ok(["upload.processed", "upload.failed"].includes(announced.event.type));
    assert.ok(verifySignature(announced.signature, announced.body, SECRET));
    assert.notEqual(announced.eventId, receiver.deliveries.find((d) => d.event.uploadId === item.uploadId).eventId);
    const assets = await (await worker.fetch(`/api/shoots/${shootId}/assets`, { headers: user.headers })).json();
    const asset = assets.assets.find((a) => a.key === item.key);
    assert.ok(["done", "skipped", "failed"].includes(asset.processing), asset.processing);
    if (asset.processing !== "done") assert.ok(asset.processingReason, "skipped and failed carry a reason");
    const audit = await (await worker.fetch(`/api/shoots/${shootId}/audit`, { headers: user.headers })).json();
    assert.ok(audit.events.some((e) => e.action === "upload.processed" && e.uploadId === item.uploadId));
  });

  it("completing again sends no second event", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "events-once");
    const { item } = await uploadJpeg(worker, user, shootId);
    // The receiver refuses each event's first two tries, so both of this upload's events (upload.completed and the
    // processing outcome) are settled once each was delivered three times; only then is the queue quiet.
    const tries = (completedEvent) =>
      receiver.deliveries.filter((d) => d.event.uploadId === item.uploadId && (d.event.type === "upload.completed") === completedEvent)
        .length;
    await until(() => tries(true) >= 3 && tries(false) >= 3, "both events taken by the receiver");
    const again = await worker.fetch("/api/uploads/complete", {
      method: "POST",
      headers: { ...user.headers, "content-type": "application/json" },
      body: JSON.stringify({ uploadId: item.uploadId }),
    });
    assert.equal(again.status, 200);
    const queueLines = () => worker.jsonLogs().filter((line) => line.event === "queue").length;
    const before = queueLines();
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(queueLines(), before, "no delivery follows a repeated complete");
  });
});

// A real camera-like JPEG, made with ImageMagick and tagged with exiftool (both installed by the bootstrap):
// 3000 x 2000, shot on a "Canon EOS R5", EXIF orientation 6 (to be turned a quarter clockwise). Made without
// blocking the event loop, which would leave idle keep-alive connections the Worker closed in the client's pool.
async function cameraJpeg() {
  const run = promisify(execFile);
  const dir = mkdtempSync(path.join(os.tmpdir(), "upgate-events-"));
  const file = path.join(dir, "photo.jpg");
  await run("convert", ["-size", "3000x2000", "gradient:red-blue", "-quality", "85", file]);
  await run("exiftool", ["-q", "-overwrite_original", "-Make=Canon", "-Model=EOS R5",
    "-DateTimeOriginal=2026:11:22 14:03:22", "-Orientation#=6", file]);
  return readFileSync(file);
}

// The pixel size of a JPEG from its frame header (SOF0/SOF2).
function jpegSize(bytes) {
  for (let at = 2; at + 9 < bytes.length; ) {
    const marker = bytes[at + 1];
    const length = bytes.readUInt16BE(at + 2);
    if (marker === 0xc0 || marker === 0xc2) return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  throw new Error("no frame header");
}

describe("processing a real photo", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("reads its metadata and makes thumb and web previews, oriented, that download through the downloads endpoint", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "events-photo");
    const bytes = await cameraJpeg();
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    assert.equal((await put(item, bytes)).status, 200);
    await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    const asset = await until(async () => {
      const listing = await (await worker.fetch(`/api/shoots/${shootId}/assets`, { headers: user.headers })).json();
      const found = listing.assets.find((a) => a.key === item.key);
      return found?.processing !== "pending" ? found : null;
    }, "the asset processed", { timeoutMs: 15000, intervalMs: 100 });
    assert.equal(asset.processing, "done", JSON.stringify(asset));
    assert.deepEqual(asset.metadata, {
      capturedAt: "2026-11-22T14:03:22", make: "Canon", model: "EOS R5", orientation: 6, width: 3000, height: 2000,
    });
    const base = `previews/${shootId}/${fileName(shootId)}`;
    assert.deepEqual(asset.previews, { thumb: `${base}/thumb.jpg`, web: `${base}/web.jpg` });
    const answer = await assertJsonOk(await post(worker, "/api/downloads/presign", user, { shootId, keys: [asset.previews.thumb, asset.previews.web] }));
    const sizes = [];
    for (const download of answer.downloads) {
      const response = await fetch(download.url);
      assert.equal(response.status, 200);
      sizes.push(jpegSize(Buffer.from(await response.arrayBuffer())));
    }
    // Turned a quarter: portrait; long edges 400 and 2048.
    assert.deepEqual(sizes, [{ width: 267, height: 400 }, { width: 1365, height: 2048 }]);
  });
});

