// The scheduled cleanup (contract section 6), driven through workerd's real scheduled() entry with chosen
// scheduled times, against the real local R2, KV and shoot ledger (Durable Object); what an upload became is
// read back through GET /api/uploads/<uploadId>.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { developmentBindings, sleep, startWorker } from "./harness.js";
import { bearer, hs256Token, today } from "./tokens.js";

const HOUR = 3600_000;
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]);

async function setUp(shootId) {
  const worker = await startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });
  const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "carol" }));
  const created = await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId }) });
  assert.equal(created.status, 201);
  return { worker, headers, shootId };
}

async function presign(env, seqs) {
  const files = seqs.map((seq) => ({
    filename: `${env.shootId}_${today()}_${String(seq).padStart(4, "0")}.jpg`,
    contentType: "image/jpeg",
    size: JPEG.length,
  }));
  const response = await env.worker.fetch("/api/uploads/presign", {
    method: "POST",
    headers: env.headers,
    body: JSON.stringify({ shootId: env.shootId, files }),
  });
  assert.equal(response.status, 200);
  const { uploads } = await response.json();
  for (const upload of uploads) assert.ok(upload.url, JSON.stringify(upload));
  return uploads;
}

async function put(upload) {
  const response = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: JPEG });
  assert.equal(response.status, 200);
}

async function complete(env, upload) {
  const response = await env.worker.fetch("/api/uploads/complete", {
    method: "POST",
    headers: env.headers,
    body: JSON.stringify({ uploadId: upload.uploadId }),
  });
  assert.equal(response.status, 200);
}

async function runCleanup(worker, hoursFromNow) {
  const before = worker.jsonLogs().filter((line) => line.event === "cleanup").length;
  const entry = await worker.mf.getWorker();
  await entry.scheduled({ scheduledTime: new Date(Date.now() + hoursFromNow * HOUR), cron: "0 */3 * * *" });
  for (let i = 0; i < 50; i++) {
    const lines = worker.jsonLogs().filter((line) => line.event === "cleanup");
    if (lines.length > before) return lines.at(-1);
    await sleep(20);
  }
  assert.fail("no cleanup log line");
}

async function objectExists(worker, key) {
  const bucket = await worker.mf.getR2Bucket("BUCKET");
  return (await bucket.head(key)) !== null;
}

// The upload's state as its shoot's ledger holds it (contract 5.3).
async function stateOf(env, upload) {
  const response = await env.worker.fetch(`/api/uploads/${upload.uploadId}`, { headers: env.headers });
  assert.equal(response.status, 200);
  return (await response.json()).state;
}

describe("cleanup of abandoned uploads", () => {
  let env;
  let completed, abandonedWithObject, abandonedEmpty;
  before(async () => {
    env = await setUp("cleanup-basic");
    [completed, abandonedWithObject, abandonedEmpty] = await presign(env, [1, 2, 3]);
    await put(completed);
    await complete(env, completed);
    await put(abandonedWithObject);
  });
  after(() => env?.worker.dispose());

  it("leaves young uploads alone", async () => {
    const log = await runCleanup(env.worker, 5);
    assert.equal(log.objects_deleted, 0);
    assert.equal(log.records_deleted, 0);
    assert.ok(await objectExists(env.worker, abandonedWithObject.key));
    assert.equal(await stateOf(env, abandonedEmpty), "pending");
  });

  it("does not act while the completion window (6 h) is open", async () => {
    const log = await runCleanup(env.worker, 5.95);
    assert.equal(log.objects_deleted, 0);
    assert.ok(await objectExists(env.worker, abandonedWithObject.key));
    assert.equal(await stateOf(env, abandonedWithObject), "pending");
  });

  it("deletes the objects and records of uploads abandoned for over 6 hours, and logs the counts", async () => {
    const log = await runCleanup(env.worker, 7);
    assert.equal(log.event, "cleanup");
    assert.match(log.ts, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(log.request_id, /^req_[0-9a-f]{32}$/, "each run has a request id of its own (contract 6, 9)");
    assert.equal(log.parts_deleted, 0);
    assert.equal(log.objects_deleted, 1, "only the abandoned upload that had an object");
    // each abandoned upload's record is settled: expired, its bytes dealt with
    assert.equal(log.records_deleted, 2);
    assert.equal(await objectExists(env.worker, abandonedWithObject.key), false);
    assert.equal(await stateOf(env, abandonedWithObject), "expired");
    assert.equal(await stateOf(env, abandonedEmpty), "expired");
  });

  it("never deletes a completed upload", async () => {
    assert.ok(await objectExists(env.worker, completed.key));
    assert.equal(await stateOf(env, completed), "completed");
    const listed = await env.worker.fetch(`/api/shoots/${env.shootId}/assets`, { headers: env.headers });
    assert.deepEqual((await listed.json()).assets.map((asset) => asset.key), [completed.key]);
  });

  it("a second run finds nothing left, under another request id", async () => {
    const earlier = env.worker.jsonLogs().filter((line) => line.event === "cleanup").at(-1);
    const log = await runCleanup(env.worker, 7);
    assert.notEqual(log.request_id, earlier.request_id);
    assert.equal(log.io, 4, "the saved cursor, the two listings (the work index and tmp/) and one sweep of the shoot that had work");
    assert.equal(log.objects_deleted, 0);
    assert.equal(log.records_deleted, 0);
  });
});

describe("cleanup of tmp/", () => {
  let env;
  before(async () => {
    env = await setUp("cleanup-tmp");
    const bucket = await env.worker.mf.getR2Bucket("BUCKET");
    await bucket.put("tmp/a.part", "partial");
    await bucket.put("tmp/b.part", "partial");
    await bucket.put("keep/not-tmp.txt", "kept");
  });
  after(() => env?.worker.dispose());

  it("keeps tmp/ objects younger than 6 hours", async () => {
    const log = await runCleanup(env.worker, 5);
    assert.equal(log.objects_deleted, 0);
    assert.ok(await objectExists(env.worker, "tmp/a.part"));
  });

  it("deletes tmp/ objects older than 6 hours, and nothing outside tmp/", async () => {
    const log = await runCleanup(env.worker, 6.5);
    assert.equal(log.objects_deleted, 2);
    assert.equal(await objectExists(env.worker, "tmp/a.part"), false);
    assert.equal(await objectExists(env.worker, "tmp/b.part"), false);
    assert.ok(await objectExists(env.worker, "keep/not-tmp.txt"));
  });
});

describe("overlapping runs", () => {
  let env;
  let uploads;
  before(async () => {
    env = await setUp("cleanup-overlap");
    uploads = await presign(env, [1, 2, 3, 4, 5, 6]);
    for (const upload of uploads) await put(upload);
  });
  after(() => env?.worker.dispose());

  it("delete nothing twice and lose nothing", async () => {
    const entry = await env.worker.mf.getWorker();
    const at = new Date(Date.now() + 7 * HOUR);
    await Promise.all([
      entry.scheduled({ scheduledTime: at, cron: "0 */3 * * *" }),
      entry.scheduled({ scheduledTime: at, cron: "0 */3 * * *" }),
    ]);
    await sleep(200);
    const lines = env.worker.jsonLogs().filter((line) => line.event === "cleanup");
    assert.equal(lines.length, 2);
    const objects = lines.reduce((sum, line) => sum + line.objects_deleted, 0);
    assert.equal(objects, uploads.length, "each abandoned object counted exactly once across both runs");
    for (const upload of uploads) assert.equal(await objectExists(env.worker, upload.key), false);
  });
});

describe("bounded work per run", () => {
  let env;
  before(async () => {
    env = await setUp("cleanup-bound");
    await presign(env, Array.from({ length: 100 }, (_, i) => i + 1));
    await presign(env, Array.from({ length: 60 }, (_, i) => i + 101));
  });
  after(() => env?.worker.dispose());

  it("stops at its bound and the next run finishes", async () => {
    const first = await runCleanup(env.worker, 7);
    assert.equal(first.uploads_examined, 150);
    assert.equal(first.more, true);
    const second = await runCleanup(env.worker, 7);
    assert.equal(second.uploads_examined, 10);
    assert.equal(second.more, false);
    const third = await runCleanup(env.worker, 7);
    assert.equal(third.uploads_examined, 0, "every abandoned upload was dealt with once");
  });
});

// Work per run is bounded and resumes next run (contract 6): with more shoots in the work index than one run takes
// (10), the next run goes on from where the last one stopped, so no shoot waits behind the first ones in key order.
describe("more shoots with work than one run takes", () => {
  let worker;
  let headers;
  const shoots = Array.from({ length: 13 }, (_, i) => `cleanup-many-${String(i).padStart(2, "0")}`);
  const abandoned = new Map(); // shoot id -> its abandoned upload, PUT and never completed
  before(async () => {
    worker = await startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });
    headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "carol" }));
    for (const shootId of shoots) {
      const created = await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId }) });
      assert.equal(created.status, 201);
      const [upload] = await presign({ worker, headers, shootId }, [1]);
      await put(upload);
      abandoned.set(shootId, upload);
    }
  });
  after(() => worker?.dispose());

  it("the first run sweeps 10 shoots and says there is more; the second goes on with the other 3", async () => {
    const first = await runCleanup(worker, 7);
    assert.equal(first.more, true);
    assert.equal(first.objects_deleted, 10, JSON.stringify(first));
    const second = await runCleanup(worker, 7);
    assert.equal(second.objects_deleted, 3, JSON.stringify(second));
    assert.equal(second.more, false);
    for (const [shootId, upload] of abandoned) {
      assert.equal(await objectExists(worker, upload.key), false, `${shootId}'s abandoned object is gone`);
      assert.equal(await stateOf({ worker, headers }, upload), "expired");
    }
    const third = await runCleanup(worker, 7);
    assert.equal(third.objects_deleted, 0, "each abandoned object was deleted exactly once");
  });
});
