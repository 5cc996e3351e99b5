// Shoots (contract section 3), the file naming standard (section 4) and the upload flow (section 5) in worker
// mode, against the real Worker in workerd: presign over HTTP, PUT the bytes to the URL it returns, complete,
// and look at what really landed in the local R2 bucket and KV namespace. Nothing is mocked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { developmentBindings, startWorker } from "./harness.js";
import { today } from "./tokens.js";
import {
  jpegBytes,
  pngBytes,
  sha256Hex,
  uniqueShootId,
  newUser,
  fileName,
  post,
  ownerWithShoot,
  presign,
  complete,
  presignOk,
  put,
  putShortOverSocket,
  assertJsonError,
  assertJsonOk,
  objectAt,
  LEDGER_CLOCK_SCRIPT,
  agePresign,
  assetAt,
  uploadJpeg,
} from "./flow.js";

const MAX_UPLOAD_BYTES = 5 * 1024 ** 3; // the contract's defaults: 5 GiB in all, 95 MiB in one worker-mode PUT
const MAX_SINGLE_PUT_BYTES = 95 * 1024 ** 2;
const PRESIGN_TTL_SECONDS = 900; // the contract's default

// ---------------------------------------------------------------------------------------------------------

describe("shoots", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("POST /api/shoots creates a shoot owned by the caller (201), held by its ledger", async () => {
    const user = await newUser(worker);
    const shootId = uniqueShootId("create");
    const started = Date.now();
    const body = await assertJsonOk(await post(worker, "/api/shoots", user, { shootId }), 201);
    assert.deepEqual(Object.keys(body).sort(), ["createdAt", "owner", "shootId"]);
    assert.equal(body.shootId, shootId);
    assert.equal(body.owner, user.sub);
    assert.match(body.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(body.createdAt) - started) < 5 * 60_000, "createdAt is about now");
    const stored = await assertJsonOk(await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers }));
    assert.equal(stored.shootId, shootId);
    assert.equal(stored.owner, user.sub);
    assert.equal(stored.createdAt, body.createdAt);
  });

  it("creating the same shoot again is 409 shoot_exists, for the owner and for anyone else", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "twice");
    await assertJsonError(await post(worker, "/api/shoots", user, { shootId }), 409, "shoot_exists");
    const other = await newUser(worker);
    await assertJsonError(await post(worker, "/api/shoots", other, { shootId }), 409, "shoot_exists");
    const stored = await assertJsonOk(await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers }));
    assert.equal(stored.owner, user.sub, "the first owner keeps the shoot");
    await assertJsonError(await worker.fetch(`/api/shoots/${shootId}`, { headers: other.headers }), 403, "not_shoot_owner");
  });

  const badIds = [
    ["two characters", "ab"],
    ["33 characters", "a".repeat(33)],
    ["upper case", "Smith-wedding"],
    ["a double hyphen", "smith--wedding"],
    ["a leading hyphen", "-smith-wedding"],
    ["a trailing hyphen", "smith-wedding-"],
    ["an underscore", "smith_wedding"],
    ["a number, not a string", 12345],
    ["null", null],
  ];
  for (const [label, shootId] of badIds) {
    it(`refuses a shoot id with ${label}: 400 invalid_request naming shootId`, async () => {
      const user = await newUser(worker);
      const body = await assertJsonError(await post(worker, "/api/shoots", user, { shootId }), 400, "invalid_request");
      assert.equal(body.error.field, "shootId");
    });
  }

  it("refuses a body without shootId: 400 invalid_request naming shootId", async () => {
    const user = await newUser(worker);
    const body = await assertJsonError(await post(worker, "/api/shoots", user, { name: "x" }), 400, "invalid_request");
    assert.equal(body.error.field, "shootId");
  });

  it("accepts the boundary lengths 3 and 32", async () => {
    const user = await newUser(worker);
    // Each worker starts with an empty in-memory KV, and no other test here uses these ids.
    for (const shootId of ["a1b", "b2c-" + "d".repeat(28)]) {
      const body = await assertJsonOk(await post(worker, "/api/shoots", user, { shootId }), 201);
      assert.equal(body.shootId, shootId);
    }
  });

  it("GET /api/shoots/<id>: 200 for the owner with the stored record", async () => {
    const user = await newUser(worker);
    const shootId = uniqueShootId("get");
    const created = await assertJsonOk(await post(worker, "/api/shoots", user, { shootId }), 201);
    const body = await assertJsonOk(await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers }));
    const { stats, ...record } = body;
    assert.deepEqual(record, created);
    assert.deepEqual(stats, { uploadsPending: 0, assets: 0, bytes: 0, duplicates: 0, rejected: 0 });
    assert.equal(body.owner, user.sub);
  });

  it("GET by another user is 403 not_shoot_owner; an admin may read it", async () => {
    const { shootId } = await ownerWithShoot(worker, "foreign");
    const other = await newUser(worker);
    await assertJsonError(await worker.fetch(`/api/shoots/${shootId}`, { headers: other.headers }), 403, "not_shoot_owner");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const body = await assertJsonOk(await worker.fetch(`/api/shoots/${shootId}`, { headers: admin.headers }));
    assert.equal(body.shootId, shootId);
  });

  it("GET of an unknown shoot is 404 shoot_not_found", async () => {
    const user = await newUser(worker);
    const response = await worker.fetch(`/api/shoots/${uniqueShootId("never-made")}`, { headers: user.headers });
    await assertJsonError(response, 404, "shoot_not_found");
  });

  it("no token is 401 invalid_token with WWW-Authenticate, on create and on read", async () => {
    const shootId = uniqueShootId("anon");
    const created = await post(worker, "/api/shoots", null, { shootId });
    assert.equal(created.headers.get("www-authenticate"), 'Bearer realm="upgate", error="invalid_token"');
    await assertJsonError(created, 401, "invalid_token");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    await assertJsonError(await worker.fetch(`/api/shoots/${shootId}`, { headers: admin.headers }), 404, "shoot_not_found");
    const read = await worker.fetch(`/api/shoots/${shootId}`);
    await assertJsonError(read, 401, "invalid_token");
    const garbage = await worker.fetch(`/api/shoots/${shootId}`, { headers: { authorization: "Bearer not.a.jwt" } });
    await assertJsonError(garbage, 401, "invalid_token");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("presign → PUT → complete", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("presign answers a SigV4 PUT URL for shoots/<shootId>/<filename> that expires in PRESIGN_TTL_SECONDS", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "presign");
    const filename = fileName(shootId, "0007", { variant: "edit" });
    const before = Date.now();
    const response = await presign(worker, user, { shootId, filename, contentType: "image/jpeg", size: 1234 });
    const item = await assertJsonOk(response);
    const afterMs = Date.now();
    assert.deepEqual(Object.keys(item).sort(), ["expiresAt", "headers", "key", "method", "uploadId", "url"]);
    assert.equal(item.method, "PUT");
    assert.equal(item.key, `shoots/${shootId}/${filename}`);
    assert.equal(typeof item.uploadId, "string");
    assert.ok(item.uploadId.length > 0);
    assert.equal(item.headers["Content-Type"], "image/jpeg");
    const url = new URL(item.url);
    assert.equal(url.origin, new URL(worker.url).origin, "worker mode: the URL points at this Worker");
    assert.equal(url.pathname, `/upload/${item.key}`);
    assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.equal(url.searchParams.get("X-Amz-Expires"), String(PRESIGN_TTL_SECONDS));
    assert.match(url.searchParams.get("X-Amz-Credential"), new RegExp(`^${worker.bindings.UPLOAD_SIGNING_KEY_ID}/\\d{8}/auto/s3/aws4_request$`));
    assert.match(url.searchParams.get("X-Amz-SignedHeaders"), /(^|;)content-type(;|$)/);
    assert.match(url.searchParams.get("X-Amz-SignedHeaders"), /(^|;)host(;|$)/);
    assert.match(url.searchParams.get("X-Amz-Signature"), /^[0-9a-f]{64}$/);
    const expires = Date.parse(item.expiresAt);
    assert.ok(expires >= before + PRESIGN_TTL_SECONDS * 1000 - 2000, `expiresAt ${item.expiresAt} is ~900 s ahead`);
    assert.ok(expires <= afterMs + PRESIGN_TTL_SECONDS * 1000 + 2000, `expiresAt ${item.expiresAt} is ~900 s ahead`);
    assert.equal(await objectAt(worker, item.key), null, "presigning stores no object");
  });

  it("the PUT stores the bytes in R2 and complete answers 200 with the stored object's facts", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "flow");
    const bytes = jpegBytes(4096);
    const filename = fileName(shootId, "0042");
    const item = await presignOk(worker, user, { shootId, filename, contentType: "image/jpeg", size: bytes.length });

    const uploaded = await put(item, bytes);
    assert.equal(uploaded.status, 200, await uploaded.clone().text());
    await uploaded.arrayBuffer();

    const stored = await objectAt(worker, `shoots/${shootId}/${filename}`);
    assert.ok(stored, "the object is in R2");
    assert.equal(stored.size, bytes.length);
    assert.equal(stored.httpMetadata?.contentType, "image/jpeg");
    const bucket = await worker.mf.getR2Bucket("BUCKET");
    const content = Buffer.from(await (await bucket.get(item.key)).arrayBuffer());
    assert.ok(content.equals(bytes), "R2 holds exactly the bytes sent");

    const completedAfter = Date.now();
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.deepEqual(Object.keys(done).sort(), ["completedAt", "contentType", "etag", "key", "size", "uploadId"]);
    assert.equal(done.uploadId, item.uploadId);
    assert.equal(done.key, `shoots/${shootId}/${filename}`);
    assert.equal(done.size, bytes.length);
    assert.equal(done.contentType, "image/jpeg");
    assert.equal(typeof done.etag, "string");
    assert.ok(done.etag.length > 0);
    assert.equal(done.etag.replace(/"/g, ""), stored.etag.replace(/"/g, ""), "the etag is R2's");
    assert.match(done.completedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(done.completedAt) - completedAfter) < 5 * 60_000);
    assert.ok(await objectAt(worker, item.key), "a good upload stays in R2 after completion");
  });

  it("completing twice returns the identical answer", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "idem");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    const again = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.deepEqual(again, done);
  });

  it("a PNG goes through the same flow", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "png");
    const bytes = pngBytes(500);
    const filename = fileName(shootId, "0002", { ext: "png", variant: "web" });
    const item = await presignOk(worker, user, { shootId, filename, contentType: "image/png", size: bytes.length });
    assert.equal(item.headers["Content-Type"], "image/png");
    assert.equal((await put(item, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.equal(done.contentType, "image/png");
    assert.equal(done.size, 500);
    assert.equal((await objectAt(worker, item.key)).httpMetadata?.contentType, "image/png");
  });

  it("a declared sha256 is sent as x-amz-checksum-sha256; the right bytes upload (200) and complete (200)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sha-ok");
    const bytes = jpegBytes(777);
    const digest = sha256Hex(bytes);
    const filename = fileName(shootId);
    const item = await presignOk(worker, user, {
      shootId, filename, contentType: "image/jpeg", size: bytes.length, sha256: digest,
    });
    assert.equal(item.headers["x-amz-checksum-sha256"], Buffer.from(digest, "hex").toString("base64"));
    const uploaded = await put(item, bytes);
    assert.equal(uploaded.status, 200, await uploaded.clone().text());
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.equal(done.size, bytes.length);
    assert.ok(await objectAt(worker, item.key));
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("PUT rejections", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  async function presignJpeg(prefix, extra = {}) {
    const { user, shootId } = await ownerWithShoot(worker, prefix);
    const bytes = jpegBytes(512);
    const filename = fileName(shootId);
    const item = await presignOk(worker, user, { shootId, filename, contentType: "image/jpeg", size: bytes.length, ...extra });
    return { user, shootId, bytes, item };
  }

  it("another Content-Type than the signed one is 403 and stores nothing", async () => {
    const { bytes, item } = await presignJpeg("wrong-type");
    const response = await put(item, bytes, { "Content-Type": "image/png" });
    await assertJsonError(response, 403, null, { api: false });
    assert.equal(await objectAt(worker, item.key), null);
    // The same URL still works with the signed type: the 403 was about the header, not the URL.
    assert.equal((await put(item, bytes)).status, 200);
  });

  it("another length than the signed one (one byte short, Content-Length to match) is 403 and stores nothing", async () => {
    const { bytes, item } = await presignJpeg("short");
    const shorter = bytes.subarray(0, bytes.length - 1);
    const response = await put(item, shorter, { "Content-Length": String(shorter.length) });
    await assertJsonError(response, 403, null, { api: false });
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("one byte long (Content-Length to match) is 403 too", async () => {
    const { bytes, item } = await presignJpeg("long");
    const longer = Buffer.concat([bytes, Buffer.from([0])]);
    const response = await put(item, longer, { "Content-Length": String(longer.length) });
    assert.equal(response.status, 403, await response.clone().text());
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("a body shorter than its (signed) Content-Length fails with 400 and leaves no object", async () => {
    const { user, bytes, item } = await presignJpeg("short-body");
    assert.equal(item.headers["Content-Length"], String(bytes.length), "the signed length is the declared size");
    const answer = await putShortOverSocket(item, bytes.subarray(0, bytes.length - 1));
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.head, /^content-type: application\/json; charset=utf-8$/im);
    const body = JSON.parse(answer.text.trim().split("\r\n").find((line) => line.startsWith("{")) ?? answer.text);
    assert.match(body.error.code, /^[a-z0-9]+(_[a-z0-9]+)*$/);
    assert.equal(body.error.request_id, /^x-request-id: (.*)$/im.exec(answer.head)?.[1]);
    assert.equal(await objectAt(worker, item.key), null, "R2 stored nothing");
    await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_missing");
  });

  it("a URL whose key was changed by one character is 403 and stores nothing under either key", async () => {
    const { shootId, bytes, item } = await presignJpeg("tamper-key");
    const url = new URL(item.url);
    const tamperedPath = url.pathname.replace("_0001.jpg", "_0002.jpg");
    assert.notEqual(tamperedPath, url.pathname);
    url.pathname = tamperedPath;
    const response = await put(item, bytes, {}, url.toString());
    await assertJsonError(response, 403, null, { api: false });
    assert.equal(await objectAt(worker, item.key), null);
    assert.equal(await objectAt(worker, `shoots/${shootId}/${fileName(shootId, "0002")}`), null);
  });

  it("a URL whose X-Amz-Signature was changed by one character is 403", async () => {
    const { bytes, item } = await presignJpeg("tamper-sig");
    const url = new URL(item.url);
    const signature = url.searchParams.get("X-Amz-Signature");
    const last = signature.at(-1);
    url.searchParams.set("X-Amz-Signature", signature.slice(0, -1) + (last === "0" ? "1" : "0"));
    const response = await put(item, bytes, {}, url.toString());
    await assertJsonError(response, 403, null, { api: false });
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("a URL with an extra query parameter or a changed X-Amz-Expires is 403", async () => {
    const { bytes, item } = await presignJpeg("tamper-query");
    const added = new URL(item.url);
    added.searchParams.set("x-id", "PutObject");
    assert.equal((await put(item, bytes, {}, added.toString())).status, 403);
    const longer = new URL(item.url);
    longer.searchParams.set("X-Amz-Expires", "3600");
    assert.equal((await put(item, bytes, {}, longer.toString())).status, 403);
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("a body whose SHA-256 is not the declared one fails with 400 and nothing is stored", async () => {
    const declaredBytes = jpegBytes(640);
    const { user, item } = await presignJpeg("sha-bad", { size: 640, sha256: sha256Hex(declaredBytes) });
    assert.ok(item.headers["x-amz-checksum-sha256"], "the presign answer lists the checksum header");
    const other = jpegBytes(640);
    assert.notEqual(sha256Hex(other), sha256Hex(declaredBytes));
    const response = await put(item, other);
    const body = await assertJsonError(response, 400, null, { api: false });
    assert.notEqual(body.error.code, "invalid_request", "a digest mismatch, not a malformed request");
    assert.equal(await objectAt(worker, item.key), null, "R2 stored nothing");
    await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_missing");
  });

  it("a PUT without the signed checksum header, when a sha256 was declared, is 403", async () => {
    const bytes = jpegBytes(333);
    const { item } = await presignJpeg("sha-missing", { size: 333, sha256: sha256Hex(bytes) });
    const headers = { ...item.headers };
    delete headers["x-amz-checksum-sha256"];
    const response = await fetch(item.url, { method: "PUT", headers, body: bytes });
    assert.equal(response.status, 403, await response.clone().text());
    assert.equal(await objectAt(worker, item.key), null);
  });

  // PRESIGN_TTL_SECONDS is at least 60, so a URL the Worker presigns cannot expire without waiting a minute.
  // Instead the same PUT is presigned with the AWS SDK's SigV4 signer and the worker-mode key pair: first as of
  // now (accepted, the control), then as of two hours ago with a 60-second lifetime (expired).
  describe("expiry, with URLs presigned by the AWS SDK", () => {
    function sdkPresign(item, signingDate) {
      const url = new URL(item.url);
      const signer = new SignatureV4({
        credentials: {
          accessKeyId: worker.bindings.UPLOAD_SIGNING_KEY_ID,
          secretAccessKey: worker.bindings.UPLOAD_SIGNING_SECRET,
        },
        region: "auto",
        service: "s3",
        sha256: Sha256,
        uriEscapePath: false,
      });
      const headers = { host: url.host };
      for (const [name, value] of Object.entries(item.headers)) headers[name.toLowerCase()] = value;
      return signer
        .presign(
          {
            method: "PUT",
            protocol: url.protocol,
            hostname: url.hostname,
            port: Number(url.port),
            path: url.pathname,
            headers,
            query: {},
            body: { unsigned: true }, // neither string nor bytes: the signer uses UNSIGNED-PAYLOAD, as S3 presigning does
          },
          { signingDate, expiresIn: 60 },
        )
        .then((signed) => {
          const out = new URL(`${url.origin}${signed.path}`);
          for (const [name, value] of Object.entries(signed.query)) out.searchParams.set(name, /** @type {string} */ (value));
          return out.toString();
        });
    }

    it("an SDK-presigned URL of now is accepted (control)", async () => {
      const { bytes, item } = await presignJpeg("sdk-now");
      const url = await sdkPresign(item, new Date());
      const response = await put(item, bytes, {}, url);
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal((await objectAt(worker, item.key))?.size, bytes.length);
    });

    it("the same URL signed two hours ago with a 60 s lifetime is 403 and stores nothing", async () => {
      const { bytes, item } = await presignJpeg("sdk-expired");
      const url = await sdkPresign(item, new Date(Date.now() - 2 * 3600 * 1000));
      const response = await put(item, bytes, {}, url);
      await assertJsonError(response, 403, null, { api: false });
      assert.equal(await objectAt(worker, item.key), null);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("presign rejections", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("presigning for someone else's shoot is 403 not_shoot_owner and creates no session", async () => {
    const { shootId } = await ownerWithShoot(worker, "not-mine");
    const intruder = await newUser(worker);
    const response = await presign(worker, intruder, {
      shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 100,
    });
    await assertJsonError(response, 403, "not_shoot_owner");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const shoot = await assertJsonOk(await worker.fetch(`/api/shoots/${shootId}`, { headers: admin.headers }));
    assert.equal(shoot.stats.uploadsPending, 0, "no upload was made for the refused presign");
  });

  it("an admin may presign for any shoot", async () => {
    const { shootId } = await ownerWithShoot(worker, "admin-may");
    const admin = await newUser(worker, { prefix: "admin", claims: { roles: ["editor", "admin"] } });
    const item = await presignOk(worker, admin, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 10 });
    assert.equal(item.key, `shoots/${shootId}/${fileName(shootId)}`);
  });

  it("presigning for a shoot that does not exist is 404 shoot_not_found", async () => {
    const user = await newUser(worker);
    const shootId = uniqueShootId("ghost");
    const response = await presign(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 10 });
    await assertJsonError(response, 404, "shoot_not_found");
  });

  it("no token is 401 invalid_token", async () => {
    const response = await presign(worker, null, { shootId: "abc", filename: "abc_20260101_0001.jpg", contentType: "image/jpeg", size: 1 });
    await assertJsonError(response, 401, "invalid_token");
  });

  // [label, filename (from the shoot id), content type, the rule the contract says is broken first]
  const d = today();
  /** @type {[label: string, makeName: (shootId: string) => string, contentType: string, rule: string][]} */
  const badNames = [
    ["a space", (s) => `${s}_${d}_0001 .jpg`, "image/jpeg", "charset"],
    ["a slash", (s) => `${s}_${d}/0001.jpg`, "image/jpeg", "charset"],
    ["65 characters", (s) => `${s}_${d}_0001_edit.jpg`.padStart(65, "x"), "image/jpeg", "length"],
    ["hyphens between the parts", (s) => `${s}-${d}-0001.jpg`, "image/jpeg", "pattern"],
    ["upper case", (s) => `${s}_${d}_0001.JPG`, "image/jpeg", "pattern"],
    ["two dots", (s) => `${s}_${d}_0001.edit.jpg`, "image/jpeg", "pattern"],
    ["no date part", (s) => `${s}_0001.jpg`, "image/jpeg", "pattern"],
    ["another shoot's id", () => `other-shoot_${d}_0001.jpg`, "image/jpeg", "shoot_mismatch"],
    ["February 30th", (s) => `${s}_20230230_0001.jpg`, "image/jpeg", "date"],
    ["a date before 2000", (s) => `${s}_19991231_0001.jpg`, "image/jpeg", "date"],
    ["a date far in the future", (s) => `${s}_20990101_0001.jpg`, "image/jpeg", "date"],
    ["sequence 0000", (s) => `${s}_${d}_0000.jpg`, "image/jpeg", "sequence"],
    ["a five-digit sequence", (s) => `${s}_${d}_12345.jpg`, "image/jpeg", "sequence"],
    ["an unknown variant", (s) => `${s}_${d}_0001_final.jpg`, "image/jpeg", "variant"],
    ["raw with a non-raw extension", (s) => `${s}_${d}_0001_raw.jpg`, "image/jpeg", "variant"],
    ["an unknown extension", (s) => `${s}_${d}_0001.gif`, "image/jpeg", "extension"],
    ["a .png declared as image/jpeg", (s) => `${s}_${d}_0001.png`, "image/jpeg", "extension_mismatch"],
    ["a .dng declared as image/tiff", (s) => `${s}_${d}_0001_raw.dng`, "image/tiff", "extension_mismatch"],
  ];

  for (const [label, makeName, contentType, rule] of badNames) {
    it(`a file name with ${label} is 422 invalid_filename, rule ${rule}`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, "rules");
      const filename = makeName(shootId);
      const response = await presign(worker, user, { shootId, filename, contentType, size: 100 });
      const body = await assertJsonError(response, 422, "invalid_filename");
      assert.equal(body.error.rule, rule, `${filename}`);
    });
  }

  /** @type {[label: string, makeName: (shootId: string) => string, contentType: string][]} */
  const goodNames = [
    ["a raw variant with a raw extension", (s) => fileName(s, "0001", { ext: "dng", variant: "raw" }), "image/x-adobe-dng"],
    ["the .jpeg extension and the thumb variant", (s) => fileName(s, "9999", { ext: "jpeg", variant: "thumb" }), "image/jpeg"],
    ["tomorrow's date (UTC)", (s) => fileName(s, "0001", { date: new Date(Date.now() + 86400_000).toISOString().slice(0, 10).replace(/-/g, "") }), "image/jpeg"],
    ["a content type with parameters and capitals", (s) => fileName(s, "0003"), "Image/JPEG; charset=binary"],
  ];
  for (const [label, makeName, contentType] of goodNames) {
    it(`accepts ${label} (control for the naming rules)`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, "good");
      const filename = makeName(shootId);
      const item = await presignOk(worker, user, { shootId, filename, contentType, size: 100 });
      assert.equal(item.key, `shoots/${shootId}/${filename}`);
    });
  }

  it("a disallowed content type (application/pdf for a .jpg) is 403 content_type_not_allowed", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "pdf");
    const response = await presign(worker, user, {
      shootId, filename: fileName(shootId), contentType: "application/pdf", size: 100,
    });
    await assertJsonError(response, 403, "content_type_not_allowed");
  });

  it("a size of MAX_UPLOAD_BYTES + 1 is 413 file_too_large; above MAX_SINGLE_PUT_BYTES it is 413 multipart_required; MAX_SINGLE_PUT_BYTES itself is accepted", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "big");
    const tooLarge = await presign(worker, user, {
      shootId, filename: fileName(shootId, "0001"), contentType: "image/jpeg", size: MAX_UPLOAD_BYTES + 1,
    });
    await assertJsonError(tooLarge, 413, "file_too_large");
    const tooLargeForOnePut = await presign(worker, user, {
      shootId, filename: fileName(shootId, "0003"), contentType: "image/jpeg", size: MAX_SINGLE_PUT_BYTES + 1,
    });
    const refused = await assertJsonError(tooLargeForOnePut, 413, "multipart_required");
    assert.equal(refused.error.maxSinglePutBytes, MAX_SINGLE_PUT_BYTES);
    const item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId, "0002"), contentType: "image/jpeg", size: MAX_SINGLE_PUT_BYTES,
    });
    assert.equal(item.headers["Content-Length"], String(MAX_SINGLE_PUT_BYTES));
  });

  for (const size of [0, -1]) {
    it(`a size of ${size} is 413 file_too_large`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, "tiny");
      const response = await presign(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size });
      await assertJsonError(response, 413, "file_too_large");
    });
  }
});

// ---------------------------------------------------------------------------------------------------------

describe("complete", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("JPEG bytes uploaded as image/png: complete is 422 content_mismatch and the object is deleted", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "magic");
    const bytes = jpegBytes(400);
    const filename = fileName(shootId, "0001", { ext: "png" });
    const item = await presignOk(worker, user, { shootId, filename, contentType: "image/png", size: bytes.length });
    const uploaded = await put(item, bytes, { "Content-Type": "image/png" });
    assert.equal(uploaded.status, 200, "storage takes the bytes; the check is at completion");
    assert.ok(await objectAt(worker, item.key), "the object was stored by the PUT");
    const response = await complete(worker, user, { uploadId: item.uploadId });
    const body = await assertJsonError(response, 422, "content_mismatch");
    assert.equal(typeof body.error.reason, "string");
    assert.ok(body.error.reason.length > 0, "the mismatch says why");
    assert.equal(await objectAt(worker, item.key), null, "the mismatched object is gone from R2");
    assert.equal(await assetAt(worker, user, item.key.split("/")[1], item.key), null, "no asset was recorded");
  });

  it("complete before the PUT is 409 upload_missing; after the PUT it succeeds", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "early");
    const bytes = jpegBytes(128);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_missing");
    assert.equal((await put(item, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.equal(done.uploadId, item.uploadId);
  });

  it("complete of an unknown upload id is 404", async () => {
    const user = await newUser(worker);
    const response = await complete(worker, user, { uploadId: "up_" + "0".repeat(32) });
    const body = await assertJsonError(response, 404, null);
    assert.match(body.error.code, /not_found$/);
  });

  it("complete by another user is 403 not_shoot_owner and leaves the upload alone", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "steal");
    const bytes = jpegBytes(128);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    assert.equal((await put(item, bytes)).status, 200);
    const other = await newUser(worker);
    await assertJsonError(await complete(worker, other, { uploadId: item.uploadId }), 403, "not_shoot_owner");
    assert.ok(await objectAt(worker, item.key), "the object is still there");
    await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
  });

  it("complete without a token is 401 invalid_token", async () => {
    await assertJsonError(await complete(worker, null, { uploadId: "up_x" }), 401, "invalid_token");
  });

  it("a second presign of a completed key is 409 already_exists; with replace: true it is 200 and replaces it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "again");
    const { filename, item: first, done: firstDone } = await uploadJpeg(worker, user, shootId);
    const request = { shootId, filename, contentType: "image/jpeg", size: 999 };
    const refused = await assertJsonError(await presign(worker, user, request), 409, "already_exists");
    assert.ok(refused.error.message.length > 0);

    const second = await presignOk(worker, user, { ...request, replace: true });
    assert.equal(second.key, first.key);
    assert.notEqual(second.uploadId, first.uploadId);
    const bytes = jpegBytes(999);
    assert.equal((await put(second, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: second.uploadId }));
    assert.equal(done.size, 999);
    assert.equal((await objectAt(worker, first.key)).size, 999, "R2 now holds the replacement");
    assert.notEqual(done.etag, firstDone.etag);
  });

  it("replace: true on a key with no completed upload is fine too", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "replace-new");
    const item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 10, replace: true,
    });
    assert.equal(item.key, `shoots/${shootId}/${fileName(shootId)}`);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("batches", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("batch presign answers one entry per file in request order, with per-file errors", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "batch");
    const files = [
      { filename: fileName(shootId, "0001"), contentType: "image/jpeg", size: 100 },
      { filename: fileName(shootId, "0000"), contentType: "image/jpeg", size: 100 },
      { filename: fileName(shootId, "0003", { ext: "png" }), contentType: "image/png", size: 200 },
    ];
    const body = await assertJsonOk(await presign(worker, user, { shootId, files }));
    assert.deepEqual(Object.keys(body), ["uploads"]);
    assert.equal(body.uploads.length, 3);
    const [first, second, third] = body.uploads;
    assert.equal(first.key, `shoots/${shootId}/${files[0].filename}`);
    assert.equal(first.method, "PUT");
    assert.equal(first.headers["Content-Type"], "image/jpeg");
    assert.equal(second.filename, files[1].filename);
    assert.equal(second.error.code, "invalid_filename");
    assert.equal(second.error.rule, "sequence");
    assert.equal(second.uploadId, undefined);
    assert.equal(second.url, undefined);
    assert.equal(third.key, `shoots/${shootId}/${files[2].filename}`);
    assert.equal(third.headers["Content-Type"], "image/png");
    assert.notEqual(first.uploadId, third.uploadId);

    // Each URL of the batch works for its own file.
    const png = pngBytes(200);
    assert.equal((await put(third, png)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: third.uploadId }));
    assert.equal(done.key, third.key);
  });

  it("a batch mixes every kind of per-file refusal", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "batch-mix");
    const files = [
      { filename: fileName(shootId, "0001"), contentType: "application/pdf", size: 10 },
      { filename: fileName(shootId, "0002"), contentType: "image/jpeg", size: MAX_UPLOAD_BYTES + 1 },
      { filename: fileName(shootId, "0003"), contentType: "image/jpeg", size: 10 },
      { filename: fileName(shootId, "0004"), contentType: "image/jpeg", size: MAX_SINGLE_PUT_BYTES + 1 },
    ];
    const body = await assertJsonOk(await presign(worker, user, { shootId, files }));
    assert.deepEqual(body.uploads.map((u) => u.error?.code ?? "ok"), [
      "content_type_not_allowed", "file_too_large", "ok", "multipart_required",
    ]);
    assert.deepEqual(body.uploads.slice(0, 2).map((u) => u.filename), [files[0].filename, files[1].filename]);
  });

  for (const [label, count] of /** @type {[string, number][]} */ ([["0 files", 0], ["101 files", 101]])) {
    it(`batch presign of ${label} is 400 invalid_request`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, "batch-size");
      const files = Array.from({ length: count }, (_, i) => ({
        filename: fileName(shootId, String(i + 1).padStart(4, "0")), contentType: "image/jpeg", size: 10,
      }));
      const body = await assertJsonError(await presign(worker, user, { shootId, files }), 400, "invalid_request");
      assert.equal(body.error.field, "files");
    });
  }

  it("batch presign of 100 files is accepted", async () => {
    // A batch spends one rate-limit token per file and the default bucket holds 100, so a caller who has not
    // spent any (an admin, who may act on any shoot) presigns for the shoot another user created.
    const { shootId } = await ownerWithShoot(worker, "batch-100");
    const user = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const files = Array.from({ length: 100 }, (_, i) => ({
      filename: fileName(shootId, String(i + 1).padStart(4, "0")), contentType: "image/jpeg", size: 10,
    }));
    const body = await assertJsonOk(await presign(worker, user, { shootId, files }));
    assert.equal(body.uploads.length, 100);
    assert.equal(new Set(body.uploads.map((u) => u.uploadId)).size, 100);
    assert.deepEqual(body.uploads.map((u) => u.key), files.map((f) => `shoots/${shootId}/${f.filename}`));
  });

  it("batch complete answers per id, in order: a completed upload, a missing one, an unknown id", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "batch-done");
    const files = [
      { filename: fileName(shootId, "0001"), contentType: "image/jpeg", size: 150 },
      { filename: fileName(shootId, "0002"), contentType: "image/jpeg", size: 150 },
    ];
    const { uploads } = await assertJsonOk(await presign(worker, user, { shootId, files }));
    assert.equal((await put(uploads[0], jpegBytes(150))).status, 200);
    const unknown = "up_" + "f".repeat(32);
    const body = await assertJsonOk(
      await complete(worker, user, { uploadIds: [uploads[1].uploadId, uploads[0].uploadId, unknown] }),
    );
    assert.equal(body.uploads.length, 3);
    const [missing, done, notFound] = body.uploads;
    assert.equal(missing.uploadId, uploads[1].uploadId);
    assert.equal(missing.error.code, "upload_missing");
    assert.equal(done.uploadId, uploads[0].uploadId);
    assert.equal(done.key, uploads[0].key);
    assert.equal(done.size, 150);
    assert.equal(done.contentType, "image/jpeg");
    assert.equal(typeof done.etag, "string");
    assert.equal(done.error, undefined);
    assert.equal(notFound.uploadId, unknown);
    assert.match(notFound.error.code, /not_found$/);

    // The completed one answers the same when completed alone afterwards.
    const single = await assertJsonOk(await complete(worker, user, { uploadId: uploads[0].uploadId }));
    assert.deepEqual(single, done);
  });

  it("batch complete with an empty list is 400 invalid_request naming uploadIds", async () => {
    const user = await newUser(worker);
    const body = await assertJsonError(await complete(worker, user, { uploadIds: [] }), 400, "invalid_request");
    assert.equal(body.error.field, "uploadIds");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("request bodies", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ bindings: developmentBindings() });
  });
  after(() => worker?.dispose());

  for (const path of ["/api/shoots", "/api/uploads/presign", "/api/uploads/complete"]) {
    it(`malformed JSON at ${path} is 400 invalid_json`, async () => {
      const user = await newUser(worker);
      await assertJsonError(await post(worker, path, user, '{"shootId": "abc",'), 400, "invalid_json");
    });
  }

  it("a JSON body over 64 KiB is 413 payload_too_large", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "huge-body");
    const body = JSON.stringify({ shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 10, pad: "x".repeat(65 * 1024) });
    assert.ok(Buffer.byteLength(body) > 64 * 1024);
    await assertJsonError(await post(worker, "/api/uploads/presign", user, body), 413, "payload_too_large");
  });

  it("a streamed JSON body over 64 KiB without Content-Length is 413 payload_too_large", async () => {
    const user = await newUser(worker);
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"shootId":"abc","pad":"'));
      },
      pull(controller) {
        if (sent >= 5) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
          return;
        }
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await worker.fetch("/api/shoots", { method: "POST", headers: user.headers, body: stream, duplex: "half" });
    await assertJsonError(response, 413, "payload_too_large");
  });

  it("a JSON body that is not an object is 400", async () => {
    const user = await newUser(worker);
    const response = await post(worker, "/api/uploads/presign", user, "[1,2,3]");
    assert.equal(response.status, 400);
    await assertJsonError(response, 400, "invalid_request");
  });

  /** @type {[label: string, change: Record<string, unknown>, field: string][]} */
  const fieldCases = [
    ["a string where size must be an integer", { size: "100" }, "size"],
    ["a fractional size", { size: 10.5 }, "size"],
    ["a missing size", { size: undefined }, "size"],
    ["a missing filename", { filename: undefined }, "filename"],
    ["a filename that is a number", { filename: 7 }, "filename"],
    ["a missing contentType", { contentType: undefined }, "contentType"],
    ["a sha256 of 63 hex characters", { sha256: "a".repeat(63) }, "sha256"],
    ["a sha256 that is not hex", { sha256: "g".repeat(64) }, "sha256"],
    ["a sha256 that is a number", { sha256: 12 }, "sha256"],
    ["a replace that is not a boolean", { replace: "yes" }, "replace"],
  ];
  for (const [label, change, field] of fieldCases) {
    it(`${label} is 400 invalid_request naming ${field}`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, "fields");
      const request = { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 100, ...change };
      const response = await presign(worker, user, request);
      const body = await assertJsonError(response, 400, "invalid_request");
      assert.equal(body.error.field, field);
    });
  }

  it("a missing shootId at presign is 400 invalid_request naming shootId", async () => {
    const user = await newUser(worker);
    const response = await presign(worker, user, { filename: "abc_20260101_0001.jpg", contentType: "image/jpeg", size: 10 });
    const body = await assertJsonError(response, 400, "invalid_request");
    assert.equal(body.error.field, "shootId");
  });

  it("a missing uploadId at complete is 400 invalid_request naming uploadId", async () => {
    const user = await newUser(worker);
    const body = await assertJsonError(await complete(worker, user, {}), 400, "invalid_request");
    assert.equal(body.error.field, "uploadId");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("response conventions on the upload routes", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("an error keeps a client-sent X-Request-Id in the body and the header", async () => {
    const user = await newUser(worker);
    const response = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers: { ...user.headers, "X-Request-Id": "upload-test.42" },
      body: "{",
    });
    const body = await assertJsonError(response, 400, "invalid_json");
    assert.equal(body.error.request_id, "upload-test.42");
  });

  it("successful /api/* answers carry the rate-limit headers", async () => {
    const user = await newUser(worker);
    const shootId = uniqueShootId("ratelimit");
    const created = await post(worker, "/api/shoots", user, { shootId });
    await assertJsonOk(created, 201);
    const read = await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers });
    await assertJsonOk(read);
    assert.equal(read.headers.get("x-ratelimit-limit"), "100", "RATE_LIMIT_PER_MINUTE defaults to 100");
    assert.ok(Number(read.headers.get("x-ratelimit-remaining")) < 100, "this caller has spent tokens");
    const reset = Number(read.headers.get("x-ratelimit-reset"));
    assert.ok(reset > 1_600_000_000, "Reset is in Unix seconds");
  });

  // Contract 5.5: each request's log line counts its binding calls. This Worker binds no RATE_LIMITER,
  // which would add one call per /api/* request.
  it("each request's log line carries io, its binding calls: presign 2, PUT 2, complete 4", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "io-count");
    const bytes = jpegBytes(300);
    const headers = (id) => ({ ...user.headers, "X-Request-Id": id });
    const presigned = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers: headers("io-presign"),
      body: JSON.stringify({ shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length }),
    });
    const item = await assertJsonOk(presigned);
    const uploaded = await fetch(item.url, { method: "PUT", headers: { ...item.headers, "X-Request-Id": "io-put" }, body: bytes });
    assert.equal(uploaded.status, 200);
    const done = await worker.fetch("/api/uploads/complete", {
      method: "POST",
      headers: headers("io-complete"),
      body: JSON.stringify({ uploadId: item.uploadId }),
    });
    await assertJsonOk(done);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const io = (id) => worker.jsonLogs().find((line) => line.request_id === id)?.io;
    // presign: one ledger operation, and the shoot's first entry in the cron's work index
    assert.equal(io("io-presign"), 2);
    // PUT: the ledger says which upload may write, the body streamed into R2 (no rate limit outside /api/)
    assert.equal(io("io-put"), 2);
    // complete: the ledger begins it, one R2 read, the ledger records it, its upload.completed event is queued
    assert.equal(io("io-complete"), 4);
  });

  it("the upload PUT route answers JSON errors with a request id too", async () => {
    const response = await fetch(new URL("/upload/shoots/abc/abc_20260101_0001.jpg", worker.url), {
      method: "PUT",
      headers: { "content-type": "image/jpeg" },
      body: jpegBytes(20),
    });
    await assertJsonError(response, 403, null, { api: false });
  });
});

describe("a completed upload cannot be overwritten through its own URL", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("a second PUT to a completed upload's URL is 409 upload_superseded and the verified object stays", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "overwrite");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    const again = await put(item, pngBytes(300), { "Content-Type": "image/jpeg" });
    await assertJsonError(again, 409, "upload_superseded", { api: false });
    const stored = await objectAt(worker, item.key);
    assert.equal(stored.etag, done.etag, "the verified bytes are still there");
  });

  it("a replacement is written beside the file, takes its place once complete, and then no URL may overwrite", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "replace-put");
    const first = await uploadJpeg(worker, user, shootId);
    const second = await uploadJpeg(worker, user, shootId, "0001", { replace: true });
    assert.notEqual(second.item.uploadId, first.item.uploadId);
    assert.equal((await assetAt(worker, user, shootId, first.item.key)).etag, second.done.etag);
    // Both URLs are still unexpired, and both belong to completed uploads: neither may overwrite.
    for (const item of [first.item, second.item]) {
      await assertJsonError(await put(item, jpegBytes(300)), 409, "upload_superseded", { api: false });
    }
    assert.equal((await objectAt(worker, first.item.key)).etag, second.done.etag);
  });
});

describe("the 6-hour completion window", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ scriptPath: LEDGER_CLOCK_SCRIPT });
  });
  after(() => worker?.dispose());

  // The upload is made for real; only its presign time is moved back in its shoot's ledger, so the Worker
  // sees an upload presigned 6 hours and 1 minute ago. (The window runs from the latest presign, contract 5.2;
  // this upload was presigned once.)
  const ageSession = (item, ageMs) => agePresign(worker, item, ageMs);

  it("an upload not completed within 6 hours of its presign is 410 upload_expired", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "late");
    const bytes = jpegBytes(200);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    assert.equal((await put(item, bytes)).status, 200);
    await ageSession(item, 6 * 3600_000 + 60_000);
    await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 410, "upload_expired");
    assert.equal(await assetAt(worker, user, shootId, item.key), null, "nothing was recorded");
  });

  it("just inside the window it still completes", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "in-time");
    const bytes = jpegBytes(200);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    assert.equal((await put(item, bytes)).status, 200);
    await ageSession(item, 6 * 3600_000 - 60_000);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.equal(done.key, item.key);
  });
});
