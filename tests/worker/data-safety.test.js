// No upload may destroy bytes another upload wrote (contract 5.5; issue 9's reproductions, each written to
// fail on version 1): every object names the upload that wrote it, only the upload pending on a key may
// write it, complete and cleanup judge and delete only their own upload's bytes, and a replacement waits
// beside the file until it has passed the checks. Real workerd, real local R2 and KV; the cron runs through
// /cdn-cgi/handler/scheduled?time= as `wrangler dev --test-scheduled` offers it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  assertJsonError,
  assertJsonOk,
  complete,
  fileName,
  jpegBytes,
  LEDGER_CLOCK_SCRIPT,
  agePresign,
  assetAt,
  newUser,
  objectAt,
  ownerWithShoot,
  pngBytes,
  presign,
  presignOk,
  put,
  uploadJpeg,
} from "./flow.js";
import { developmentBindings, s3Bindings, startWorker } from "./harness.js";
import { HOUR, runCleanupAt } from "./ledger-flow.js";
import { s3EncodePath, sdkPresign } from "./sdk-signing.js";


const declaration = (shootId, bytes, extra = {}) => ({
  shootId,
  filename: fileName(shootId),
  contentType: "image/jpeg",
  size: bytes.length,
  ...extra,
});

const etagOf = async (worker, key) => (await objectAt(worker, key))?.etag ?? null;

describe("worker mode: no upload destroys another's bytes", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }),
      scriptPath: LEDGER_CLOCK_SCRIPT,
      unsafeTriggerHandlers: true,
    });
  });
  after(() => worker?.dispose());

  it("completing an older upload of a name never deletes the newer one's finished file (item 1)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "older");
    const [small, large] = [jpegBytes(1000), jpegBytes(2000)];
    const u1 = await presignOk(worker, user, declaration(shootId, small));
    const u2 = await presignOk(worker, user, declaration(shootId, large));
    assert.notEqual(u2.uploadId, u1.uploadId, "another declaration is another upload");
    assert.equal((await put(u2, large)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: u2.uploadId }));

    await assertJsonError(await complete(worker, user, { uploadId: u1.uploadId }), 409, "upload_cancelled");
    await assertJsonError(await put(u1, small), 409, "upload_superseded", { api: false });
    assert.equal(await etagOf(worker, u2.key), done.etag, "the finished file is untouched");
    assert.equal((await assetAt(worker, user, shootId, u2.key)).etag, done.etag, "the asset is the newer upload's");
    await assertJsonError(await presign(worker, user, declaration(shootId, small)), 409, "already_exists");

    await runCleanupAt(worker, Date.now() + 7 * HOUR); // the cancelled upload's window is long past
    assert.equal(await etagOf(worker, u2.key), done.etag, "cleanup of the cancelled upload leaves the file");
  });

  it("asking again returns the same upload with a fresh URL; once completed, no URL of it overwrites (item 2)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "again");
    const bytes = jpegBytes(500);
    const v1 = await presignOk(worker, user, declaration(shootId, bytes));
    const v2 = await presignOk(worker, user, declaration(shootId, bytes));
    assert.equal(v2.uploadId, v1.uploadId);
    assert.ok(Date.parse(v2.expiresAt) >= Date.parse(v1.expiresAt), "a URL signed anew");
    assert.equal((await put(v1, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: v1.uploadId }));

    const other = jpegBytes(500);
    await assertJsonError(await put(v2, other), 409, "upload_superseded", { api: false });
    assert.deepEqual(await assertJsonOk(await complete(worker, user, { uploadId: v2.uploadId })), done);
    assert.equal(await etagOf(worker, v1.key), done.etag);

    await runCleanupAt(worker, Date.now() + 7 * HOUR); // both presigns' cleanup entries come due
    assert.equal(await etagOf(worker, v1.key), done.etag, "cleanup never deletes a completed upload");
  });

  it("a URL presigned elsewhere with the worker key pair cannot overwrite a completed file (item 2)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sdk-over");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    const body = jpegBytes(300);
    const base = new URL(worker.url);
    const { url } = await sdkPresign({
      credentials: { accessKeyId: worker.bindings.UPLOAD_SIGNING_KEY_ID, secretAccessKey: worker.bindings.UPLOAD_SIGNING_SECRET },
      protocol: base.protocol,
      hostname: base.hostname,
      port: Number(base.port),
      path: s3EncodePath(`/upload/${item.key}`),
      headers: { "content-type": "image/jpeg", "content-length": String(body.length) },
      signingDate: new Date(),
      expiresIn: 900,
    });
    const response = await fetch(url, { method: "PUT", headers: { "content-type": "image/jpeg" }, body });
    await assertJsonError(response, 409, "upload_superseded", { api: false });
    assert.equal(await etagOf(worker, item.key), done.etag);
  });

  it("a replacement that fails its checks leaves the completed file as it was (item 2)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "bad-replace");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    const png = pngBytes(300);
    const replacement = await presignOk(worker, user, declaration(shootId, png, { replace: true }));
    assert.equal(replacement.key, item.key, "the answer names the file's key");
    assert.equal((await put(replacement, png)).status, 200);
    assert.equal(await etagOf(worker, item.key), done.etag, "written beside the file, not over it");

    const refused = await assertJsonError(await complete(worker, user, { uploadId: replacement.uploadId }), 422, "content_mismatch");
    assert.match(refused.error.reason, /first bytes/);
    assert.equal(await etagOf(worker, item.key), done.etag, "the completed file is as it was");
    assert.equal((await assetAt(worker, user, shootId, item.key)).etag, done.etag);
    const bucket = await worker.mf.getR2Bucket("BUCKET");
    const staged = await bucket.list({ prefix: `staging/${replacement.uploadId}/` });
    assert.equal(staged.objects.length, 0, "the failed replacement's own bytes were deleted");
  });

  it("a replacement that passes takes the file's place; an abandoned one is cleaned up beside it (item 2)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "good-replace");
    const { item } = await uploadJpeg(worker, user, shootId);
    const bytes = jpegBytes(700);
    const replacement = await presignOk(worker, user, declaration(shootId, bytes, { replace: true }));
    assert.equal((await put(replacement, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: replacement.uploadId }));
    assert.equal(done.size, 700);
    const stored = await objectAt(worker, item.key);
    assert.equal(stored.size, 700);
    assert.equal(stored.customMetadata["upload-id"], replacement.uploadId);
    assert.equal(done.etag, stored.etag);

    // Now abandon a second replacement: cleanup removes its staged bytes and never the file.
    const abandoned = await presignOk(worker, user, declaration(shootId, jpegBytes(800), { replace: true }));
    assert.equal((await put(abandoned, jpegBytes(800))).status, 200);
    await agePresign(worker, abandoned, 7 * HOUR);
    await runCleanupAt(worker, Date.now());
    assert.equal(await etagOf(worker, item.key), done.etag, "the completed file stays");
    const bucket = await worker.mf.getR2Bucket("BUCKET");
    assert.equal((await bucket.list({ prefix: `staging/${abandoned.uploadId}/` })).objects.length, 0);
  });

  it("cleanup of an abandoned upload never deletes the live upload presigned after it (item 3)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "live");
    const first = jpegBytes(400);
    const abandoned = await presignOk(worker, user, declaration(shootId, first));
    assert.equal((await put(abandoned, first)).status, 200);
    await agePresign(worker, abandoned, 5 * HOUR); // abandoned 5 hours ago…
    const bytes = jpegBytes(450);
    const live = await presignOk(worker, user, declaration(shootId, bytes)); // …and presigned anew, declared otherwise
    assert.equal((await put(live, bytes)).status, 200);

    // Past the first upload's window (6 h 10 min after it), well inside the live one's.
    const [log] = await runCleanupAt(worker, Date.now() + 1.5 * HOUR);
    assert.equal(log.storage_failed, false);
    assert.equal((await objectAt(worker, live.key)).customMetadata["upload-id"], live.uploadId, "the live bytes stay");
    const done = await assertJsonOk(await complete(worker, user, { uploadId: live.uploadId }));
    assert.equal(done.size, 450);
  });

  it("asking again moves the window: cleanup leaves an upload presigned again with the same declaration (item 3)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "window");
    const bytes = jpegBytes(400);
    const item = await presignOk(worker, user, declaration(shootId, bytes));
    await agePresign(worker, item, 5 * HOUR);
    const again = await presignOk(worker, user, declaration(shootId, bytes));
    assert.equal(again.uploadId, item.uploadId);
    assert.equal((await put(again, bytes)).status, 200);
    await runCleanupAt(worker, Date.now() + 1.5 * HOUR);
    assert.ok(await objectAt(worker, item.key), "the upload's bytes stay");
    assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }))).size, 400);
  });

  it("the shoot's owner completes an upload an admin presigned on her shoot; others may not (item 6)", async () => {
    const { user: owner, shootId } = await ownerWithShoot(worker, "admin-presign");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const stranger = await newUser(worker);
    const bytes = jpegBytes(300);
    const item = await presignOk(worker, admin, declaration(shootId, bytes));
    assert.equal((await put(item, bytes)).status, 200);
    await assertJsonError(await complete(worker, stranger, { uploadId: item.uploadId }), 403, "not_shoot_owner");
    const done = await assertJsonOk(await complete(worker, owner, { uploadId: item.uploadId }));
    assert.equal(done.key, item.key);
  });

  it("an upload id that cannot exist is 404 upload_not_found, alone and as one item of a batch (item 5)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "long-id");
    const overlong = `up_${"a".repeat(597)}`;
    await assertJsonError(await complete(worker, user, { uploadId: overlong }), 404, "upload_not_found");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    const batch = await assertJsonOk(await complete(worker, user, { uploadIds: [item.uploadId, overlong, "up_ZZ"] }));
    assert.deepEqual(batch.uploads[0], done);
    for (const entry of batch.uploads.slice(1)) assert.equal(entry.error.code, "upload_not_found");
  });
});

describe("worker mode: storage that fails answers at once (item 4)", () => {
  let worker;
  let persisted;
  before(async () => {
    persisted = mkdtempSync(join(tmpdir(), "upgate-r2-"));
    worker = await startWorker({ r2Persist: persisted });
  });
  after(async () => {
    await worker?.dispose();
    rmSync(persisted, { recursive: true, force: true });
  });

  it("a PUT whose R2 write fails is 503 storage_unavailable within seconds, and complete finds nothing", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "r2-down");
    const bytes = jpegBytes(256 * 1024);
    const item = await presignOk(worker, user, declaration(shootId, bytes));
    rmSync(persisted, { recursive: true, force: true }); // the local R2 state vanishes under the running Worker
    const started = Date.now();
    const response = await put(item, bytes, {}, item.url);
    await assertJsonError(response, 503, "storage_unavailable", { api: false });
    assert.ok(Date.now() - started < 10_000, `answered after ${Date.now() - started} ms`);
    assert.equal(response.headers.get("retry-after"), "5");
  });
});

// s3 mode: clients PUT straight to R2's S3 endpoint, which stores the signed x-amz-meta-upload-id as the
// object's custom metadata "upload-id" and refuses the PUT with 412 when If-None-Match: * meets an object.
// Miniflare has no S3 endpoint, so each test stores through the real R2 binding exactly what R2 would
// store for that PUT, then exercises Upgate's complete and cleanup on it.
describe("s3 mode: complete and cleanup judge only the upload's own bytes", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: s3Bindings({
        R2_S3_ENDPOINT: "http://127.0.0.1:9", // development keeps the scheme as given (item 10)
        R2_ACCESS_KEY_ID: "R2KEYDATASAFETY",
        RATE_LIMIT_PER_MINUTE: "5000",
      }),
      scriptPath: LEDGER_CLOCK_SCRIPT,
      unsafeTriggerHandlers: true,
    });
  });
  after(() => worker?.dispose());

  // What R2 stores for a PUT through this presign answer's URL and headers.
  async function storeAsR2Would(answer, bytes) {
    const url = new URL(answer.url);
    const key = decodeURIComponent(url.pathname.replace(/^\/photos\//, ""));
    const bucket = await worker.mf.getR2Bucket("BUCKET");
    if (answer.headers["If-None-Match"] === "*" && (await bucket.head(key))) return 412;
    await bucket.put(key, Uint8Array.from(bytes), {
      httpMetadata: { contentType: answer.headers["Content-Type"] },
      customMetadata: { "upload-id": answer.headers["x-amz-meta-upload-id"] },
    });
    return 200;
  }

  it("URLs keep the endpoint's scheme in development and sign the key's condition and the upload id", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-url");
    const answer = await presignOk(worker, user, declaration(shootId, jpegBytes(300)));
    assert.match(answer.url, /^http:\/\/127\.0\.0\.1:9\/photos\/shoots\//);
    assert.equal(answer.headers["If-None-Match"], "*");
    assert.equal(answer.headers["x-amz-meta-upload-id"], answer.uploadId);
  });

  it("completing an older upload never deletes what the newer one wrote (item 1)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-older");
    const [small, large] = [jpegBytes(1000), jpegBytes(2000)];
    const u1 = await presignOk(worker, user, declaration(shootId, small));
    const u2 = await presignOk(worker, user, declaration(shootId, large));
    assert.equal(await storeAsR2Would(u2, large), 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: u2.uploadId }));
    await assertJsonError(await complete(worker, user, { uploadId: u1.uploadId }), 409, "upload_cancelled");
    assert.equal(await storeAsR2Would(u1, small), 412, "R2 refuses the stale URL");
    assert.equal(await etagOf(worker, u2.key), done.etag);
    await runCleanupAt(worker, Date.now() + 7 * HOUR);
    assert.equal(await etagOf(worker, u2.key), done.etag, "cleanup of the cancelled upload leaves the file");
  });

  it("bytes another upload wrote are not this upload's: 409 upload_missing, and they stay (item 1)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-foreign");
    const bytes = jpegBytes(600);
    const u1 = await presignOk(worker, user, declaration(shootId, bytes));
    assert.equal(await storeAsR2Would(u1, bytes), 200); // written through the old URL…
    const u2 = await presignOk(worker, user, declaration(shootId, bytes, { sha256: "0".repeat(64) })); // …then cancelled
    await assertJsonError(await complete(worker, user, { uploadId: u2.uploadId }), 409, "upload_missing");
    assert.equal((await objectAt(worker, u2.key)).customMetadata["upload-id"], u1.uploadId, "nothing was deleted");
  });

  it("a replacement goes to its own staging key and takes the file's place only once verified (item 2)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-replace");
    const original = jpegBytes(300);
    const first = await presignOk(worker, user, declaration(shootId, original));
    assert.equal(await storeAsR2Would(first, original), 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: first.uploadId }));

    const bad = await presignOk(worker, user, declaration(shootId, pngBytes(300), { replace: true }));
    assert.match(new URL(bad.url).pathname, new RegExp(`^/photos/staging/${bad.uploadId}/`));
    assert.equal(await storeAsR2Would(bad, pngBytes(300)), 200);
    await assertJsonError(await complete(worker, user, { uploadId: bad.uploadId }), 422, "content_mismatch");
    assert.equal(await etagOf(worker, first.key), done.etag);

    const bytes = jpegBytes(900);
    const good = await presignOk(worker, user, declaration(shootId, bytes, { replace: true }));
    assert.equal(await storeAsR2Would(good, bytes), 200);
    assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: good.uploadId }))).size, 900);
    assert.equal((await objectAt(worker, first.key)).customMetadata["upload-id"], good.uploadId);
  });

  it("cleanup leaves bytes that a newer upload wrote on the key of an abandoned one (item 3)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-cleanup");
    const abandoned = await presignOk(worker, user, declaration(shootId, jpegBytes(400)));
    await agePresign(worker, abandoned, 5 * HOUR);
    const bytes = jpegBytes(410);
    const live = await presignOk(worker, user, declaration(shootId, bytes));
    assert.equal(await storeAsR2Would(live, bytes), 200);
    await runCleanupAt(worker, Date.now() + 1.5 * HOUR);
    assert.equal((await objectAt(worker, live.key)).customMetadata["upload-id"], live.uploadId);
    assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: live.uploadId }))).size, 410);
  });
});
