// The scheduled cleanup against the shoot ledger (contract sections 5.2, 5.5, 6): an upload not completed within
// its 6-hour window is abandoned — its object deleted, its record expired — while a completed upload is never
// touched; each run logs one line with a request id of its own, overlapping runs never delete or count twice,
// and each deletion is in the shoot's audit under the actor "cleanup". The cron runs through
// /cdn-cgi/handler/scheduled?time= as `wrangler dev --test-scheduled` offers it, with chosen scheduled times.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertJsonError,
  assertJsonOk,
  complete,
  fileName,
  jpegBytes,
  objectAt,
  ownerWithShoot,
  presignOk,
  put,
} from "./flow.js";
import { developmentBindings, sleep, startWorker } from "./harness.js";
import {
  HOUR,
  abort,
  assetList,
  auditEvents,
  runCleanupAt,
  shootRecord,
  until,
  uploadRecord,
} from "./ledger-flow.js";

const startCronWorker = () =>
  startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }), unsafeTriggerHandlers: true });

const jpegDeclaration = (shootId, sequence, bytes) => ({
  shootId,
  filename: fileName(shootId, sequence),
  contentType: "image/jpeg",
  size: bytes.length,
});

const COUNTS = ["objects_deleted", "parts_deleted", "records_deleted"];

describe("cleanup of an abandoned upload in the ledger", () => {
  let worker;
  let user;
  let shootId;
  let abandoned; // presigned and PUT, never completed
  let empty; // presigned, never PUT
  let kept; // completed
  let sweep; // the log line of the run that swept them
  before(async () => {
    worker = await startCronWorker();
    ({ user, shootId } = await ownerWithShoot(worker, "sweep"));
    const bytes = jpegBytes(400);
    abandoned = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
    assert.equal((await put(abandoned, bytes)).status, 200);
    empty = await presignOk(worker, user, jpegDeclaration(shootId, "0002", jpegBytes(32)));
    const keptBytes = jpegBytes(500);
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0003", keptBytes));
    assert.equal((await put(item, keptBytes)).status, 200);
    kept = { item, done: await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId })) };
  });
  after(() => worker?.dispose());

  it("a run within the window (now + 5 h) leaves every upload as it was", async () => {
    const [log] = await runCleanupAt(worker, Date.now() + 5 * HOUR);
    assert.equal(log.objects_deleted, 0, JSON.stringify(log));
    assert.ok(await objectAt(worker, abandoned.key), "the pending upload's bytes stay");
    assert.equal((await uploadRecord(worker, user, abandoned.uploadId)).state, "pending");
    assert.equal((await uploadRecord(worker, user, empty.uploadId)).state, "pending");
  });

  it("a run past the window (now + 7 h) deletes the abandoned object and expires both uploads", async () => {
    [sweep] = await runCleanupAt(worker, Date.now() + 7 * HOUR);
    assert.equal(sweep.objects_deleted, 1, `only the abandoned upload had an object: ${JSON.stringify(sweep)}`);
    assert.equal(await objectAt(worker, abandoned.key), null, "the abandoned upload's object is deleted");
    assert.equal((await uploadRecord(worker, user, abandoned.uploadId)).state, "expired");
    assert.equal((await uploadRecord(worker, user, empty.uploadId)).state, "expired");
  });

  it("an expired upload answers 410 upload_expired at complete and at abort", async () => {
    await assertJsonError(await complete(worker, user, { uploadId: abandoned.uploadId }), 410, "upload_expired");
    await assertJsonError(await complete(worker, user, { uploadId: empty.uploadId }), 410, "upload_expired");
    await assertJsonError(await abort(worker, user, { uploadId: abandoned.uploadId }), 410, "upload_expired");
    assert.equal((await uploadRecord(worker, user, abandoned.uploadId)).state, "expired", "and stays expired");
    // Its key is free: a new presign of it is a new upload.
    const again = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(400)));
    assert.notEqual(again.uploadId, abandoned.uploadId);
  });

  it("the completed upload in the same shoot is untouched: its object, its record, its asset", async () => {
    assert.equal((await objectAt(worker, kept.item.key))?.etag, kept.done.etag);
    assert.equal((await uploadRecord(worker, user, kept.item.uploadId)).state, "completed");
    const assets = await assetList(worker, user, shootId);
    assert.deepEqual(assets.map((asset) => asset.key), [kept.item.key]);
    assert.equal(assets[0].etag, kept.done.etag);
    assert.deepEqual(await assertJsonOk(await complete(worker, user, { uploadId: kept.item.uploadId })), kept.done);
    const { stats } = await shootRecord(worker, user, shootId);
    assert.equal(stats.assets, 1);
    assert.equal(stats.bytes, 500);
    assert.equal(stats.uploadsPending, 1, "only the upload presigned again after the sweep");
  });

  it("the run's log line is event cleanup with a request id of its own, a timestamp and counts", async () => {
    assert.equal(sweep.event, "cleanup");
    assert.match(sweep.ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.match(sweep.request_id ?? "", /^[A-Za-z0-9._-]{1,64}$/);
    for (const name of COUNTS) assert.equal(typeof sweep[name], "number", `${name} in ${JSON.stringify(sweep)}`);
    const sharing = worker.jsonLogs().filter((line) => line.request_id === sweep.request_id);
    assert.equal(sharing.length, 1, `no other log line shares the run's request id: ${JSON.stringify(sharing)}`);
  });

  it("the deletion is in the shoot's audit as cleanup.deleted by the actor cleanup, under the run's request id", async () => {
    const events = await auditEvents(worker, user, shootId);
    const deletions = events.filter((event) => event.action === "cleanup.deleted");
    const ofAbandoned = deletions.filter((event) => event.uploadId === abandoned.uploadId);
    assert.equal(ofAbandoned.length, 1, JSON.stringify(deletions));
    assert.equal(ofAbandoned[0].actor, "cleanup");
    assert.equal(ofAbandoned[0].key, abandoned.key);
    assert.equal(ofAbandoned[0].requestId, sweep.request_id);
    assert.ok(deletions.filter((event) => event.uploadId === empty.uploadId).length <= 1);
    for (const event of deletions) assert.equal(event.actor, "cleanup");
    assert.equal(deletions.filter((event) => event.uploadId === kept.item.uploadId || event.key === kept.item.key).length, 0,
      "nothing of the completed upload was deleted");
  });

  it("a second run finds nothing more to delete, under another request id", async () => {
    const [log] = await runCleanupAt(worker, Date.now() + 7 * HOUR);
    assert.notEqual(log.request_id, sweep.request_id);
    assert.equal(log.objects_deleted, 0, JSON.stringify(log));
    assert.equal((await objectAt(worker, kept.item.key))?.etag, kept.done.etag);
    const events = await auditEvents(worker, user, shootId);
    assert.equal(events.filter((event) => event.action === "cleanup.deleted" && event.uploadId === abandoned.uploadId).length, 1);
  });
});

describe("overlapping cleanup runs", () => {
  let worker;
  let shoots; // [{user, shootId, items}]
  before(async () => {
    worker = await startCronWorker();
    shoots = [];
    for (const [prefix, count] of /** @type {[string, number][]} */ ([["overlap-a", 4], ["overlap-b", 3]])) {
      const { user, shootId } = await ownerWithShoot(worker, prefix);
      const items = [];
      for (let i = 1; i <= count; i++) {
        const bytes = jpegBytes(100 + i);
        const item = await presignOk(worker, user, jpegDeclaration(shootId, String(i).padStart(4, "0"), bytes));
        assert.equal((await put(item, bytes)).status, 200);
        items.push(item);
      }
      shoots.push({ user, shootId, items });
    }
  });
  after(() => worker?.dispose());

  it("two runs at once delete each abandoned object once and count it once", async () => {
    const all = shoots.flatMap((shoot) => shoot.items);
    for (const item of all) assert.ok(await objectAt(worker, item.key), "stored before the runs (control)");
    const lines = await runCleanupAt(worker, Date.now() + 7 * HOUR, 2);
    assert.notEqual(lines[0].request_id, lines[1].request_id, "each run has its own request id");
    const gone = (await Promise.all(all.map((item) => objectAt(worker, item.key)))).filter((object) => object === null).length;
    assert.equal(gone, all.length, "every abandoned object was deleted");
    const counted = lines.reduce((sum, line) => sum + line.objects_deleted, 0);
    assert.equal(counted, gone, `objects_deleted ${lines.map((line) => line.objects_deleted).join(" + ")} is what was deleted`);

    for (const { user, shootId, items } of shoots) {
      const events = await auditEvents(worker, user, shootId);
      for (const item of items) {
        assert.equal((await uploadRecord(worker, user, item.uploadId)).state, "expired");
        const deletions = events.filter((event) => event.action === "cleanup.deleted" && event.uploadId === item.uploadId);
        assert.equal(deletions.length, 1, `${item.uploadId}: deleted once, recorded once: ${JSON.stringify(deletions)}`);
        assert.ok(lines.some((line) => line.request_id === deletions[0].requestId), "under one of the two runs' ids");
      }
    }
  });
});

describe("the work index keeps a shoot while its work is open", () => {
  const DAY = 24 * HOUR;
  let worker;
  let open; // a shoot with a presigned upload, never PUT
  let finished; // a shoot whose one upload is completed and processed
  let pending;
  /** @returns {Promise<Map<string, number>>} each work:<shootId> entry's expiration, ms */
  const workIndex = async () => {
    const kv = await worker.mf.getKVNamespace("UPLOADS_KV");
    const listed = await kv.list({ prefix: "work:" });
    return new Map(listed.keys.map((key) => [key.name.slice("work:".length), (key.expiration ?? 0) * 1000]));
  };
  before(async () => {
    worker = await startCronWorker();
    open = await ownerWithShoot(worker, "index-open");
    pending = await presignOk(worker, open.user, jpegDeclaration(open.shootId, "0001", jpegBytes(64)));
    finished = await ownerWithShoot(worker, "index-done");
    const bytes = jpegBytes(300);
    const item = await presignOk(worker, finished.user, jpegDeclaration(finished.shootId, "0001", bytes));
    assert.equal((await put(item, bytes)).status, 200);
    await assertJsonOk(await complete(worker, finished.user, { uploadId: item.uploadId }));
    await until(
      async () => {
        const assets = await assetList(worker, finished.user, finished.shootId);
        return assets.length === 1 && assets[0].processing !== "pending";
      },
      "the finished shoot's asset processed",
      { timeoutMs: 15000 },
    );
  });
  after(() => worker?.dispose());

  it("a presign indexes a shoot for a week", async () => {
    const index = await workIndex();
    for (const { shootId } of [open, finished]) {
      const expires = index.get(shootId) ?? 0;
      assert.ok(expires > Date.now() + 6 * DAY && expires <= Date.now() + 7 * DAY + 60_000, `${shootId}: ${expires}`);
    }
  });

  it("a run renews the entry of the shoot whose upload may yet be abandoned, and only that one", async () => {
    const earlier = await workIndex();
    await sleep(1100); // KV keeps expirations in whole seconds: a renewal must land in a later one
    const [log] = await runCleanupAt(worker, Date.now() + HOUR);
    assert.equal(log.work_renewed, 1, JSON.stringify(log));
    const renewed = await workIndex();
    assert.ok((renewed.get(open.shootId) ?? 0) > (earlier.get(open.shootId) ?? 0), "the open shoot's week starts again");
    assert.equal(renewed.get(finished.shootId), earlier.get(finished.shootId), "the finished shoot's entry lapses as it was");
  });

  it("once its upload is abandoned and cleaned up, the shoot is no longer renewed", async () => {
    const [sweep] = await runCleanupAt(worker, Date.now() + 7 * HOUR);
    assert.equal(sweep.records_deleted, 1, JSON.stringify(sweep));
    assert.equal(sweep.work_renewed, 1, "its bytes were due when this run swept it");
    assert.equal((await uploadRecord(worker, open.user, pending.uploadId)).state, "expired");
    const [later] = await runCleanupAt(worker, Date.now() + 8 * HOUR);
    assert.equal(later.work_renewed, 0, JSON.stringify(later));
  });
});
