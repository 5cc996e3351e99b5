// What real clients need from Upgate (issue 9, contract 2 and 5.1): URLs presigned by the AWS SDK's own
// presigner, with its default checksum behaviour, held to the checksum they sign; browsers allowed to send
// every header a presign answer lists and to read ETag; s3 mode keeping R2_S3_ENDPOINT's scheme in
// development and requiring https:// in production.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
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
  sha256Hex,
} from "./flow.js";
import { developmentBindings, s3Bindings, startWorker } from "./harness.js";

const crc32Base64 = (bytes) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes));
  return value.toString("base64");
};

describe("worker mode accepts @aws-sdk/s3-request-presigner URLs and holds them to their checksums", () => {
  let worker;
  let s3;
  before(async () => {
    worker = await startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });
    // Path-style, bucket "upload": the SDK's URL is then exactly the Worker's /upload/<key>.
    s3 = new S3Client({
      region: "auto",
      endpoint: worker.url.toString(),
      forcePathStyle: true,
      credentials: { accessKeyId: worker.bindings.UPLOAD_SIGNING_KEY_ID, secretAccessKey: worker.bindings.UPLOAD_SIGNING_SECRET },
    });
  });
  after(() => worker?.dispose());

  // A pending upload of the bytes (the Worker writes an SDK URL's body only for one), and the SDK's URL for
  // the same object with the given PutObject parameters.
  async function sdkUrlFor(bytes, parameters = {}) {
    const { user, shootId } = await ownerWithShoot(worker, "sdk");
    const filename = fileName(shootId);
    const item = await presignOk(worker, user, { shootId, filename, contentType: "image/jpeg", size: bytes.length });
    const command = new PutObjectCommand({ Bucket: "upload", Key: item.key, ContentType: "image/jpeg", ContentLength: bytes.length, ...parameters });
    return { user, item, url: await getSignedUrl(s3, command, { expiresIn: 900 }) };
  }
  const sdkPut = (url, bytes) => fetch(url, { method: "PUT", headers: { "content-type": "image/jpeg" }, body: bytes });

  it("by default the SDK signs the CRC-32 of an empty body: real bytes are 400 checksum_mismatch, nothing stored", async () => {
    const bytes = jpegBytes(2048);
    const { item, url } = await sdkUrlFor(bytes);
    const query = new URL(url).searchParams;
    assert.equal(query.get("x-amz-checksum-crc32"), "AAAAAA==", "the SDK's default");
    assert.equal(query.get("x-amz-sdk-checksum-algorithm"), "CRC32");
    await assertJsonError(await sdkPut(url, bytes), 400, "checksum_mismatch", { api: false });
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("with the body's own CRC-32 the SDK URL uploads (200), and the upload completes", async () => {
    const bytes = jpegBytes(4096);
    const { user, item, url } = await sdkUrlFor(bytes, { ChecksumCRC32: crc32Base64(bytes) });
    const response = await sdkPut(url, bytes);
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(response.headers.get("etag"), /^"[0-9a-f]+"$/);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    assert.equal(done.size, bytes.length);
  });

  it("the CRC-32 of other bytes is 400 checksum_mismatch", async () => {
    const bytes = jpegBytes(1024);
    const { item, url } = await sdkUrlFor(bytes, { ChecksumCRC32: crc32Base64(jpegBytes(1024)) });
    await assertJsonError(await sdkPut(url, bytes), 400, "checksum_mismatch", { api: false });
    assert.equal(await objectAt(worker, item.key), null);
  });

  it("a signed SHA-256 and SHA-1 are held too: matching bytes 200, other bytes 400", async () => {
    const bytes = jpegBytes(1500);
    const sha256 = createHash("sha256").update(bytes).digest("base64");
    const good = await sdkUrlFor(bytes, { ChecksumSHA256: sha256 });
    assert.equal((await sdkPut(good.url, bytes)).status, 200);
    const other = jpegBytes(1500);
    const bad = await sdkUrlFor(other, { ChecksumSHA1: createHash("sha1").update(bytes).digest("base64") });
    await assertJsonError(await sdkPut(bad.url, other), 400, "checksum_mismatch", { api: false });
    assert.equal(await objectAt(worker, bad.item.key), null);
  });

  it("CRC-32C is verified; CRC-64/NVME, which Upgate cannot verify, is refused up front with checksum_unsupported", async () => {
    const bytes = jpegBytes(900);
    const crc32c = await sdkUrlFor(bytes, { ChecksumAlgorithm: "CRC32C" });
    // Signed for the empty body, as the SDK does without a value: the real bytes do not match.
    await assertJsonError(await sdkPut(crc32c.url, bytes), 400, "checksum_mismatch", { api: false });
    const nvme = await sdkUrlFor(bytes, { ChecksumAlgorithm: "CRC64NVME" });
    await assertJsonError(await sdkPut(nvme.url, bytes), 400, "checksum_unsupported", { api: false });
    assert.equal(await objectAt(worker, nvme.item.key), null);
  });
});

describe("browsers: preflight allows what a presign answer lists, and ETag is readable", () => {
  const ORIGIN = "http://localhost:5173";
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("the PUT preflight allows every header of a presign answer with a declared SHA-256 (item 9)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "preflight");
    const bytes = jpegBytes(300);
    const item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length, sha256: sha256Hex(bytes),
    });
    // A browser sends neither Content-Length nor any forbidden header itself; it asks for the rest.
    const asked = Object.keys(item.headers).filter((name) => name.toLowerCase() !== "content-length");
    assert.ok(asked.includes("x-amz-checksum-sha256"));
    const preflight = await fetch(item.url, {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": asked.join(",").toLowerCase() },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-methods"), /\bPUT\b/);
    const allowed = preflight.headers.get("access-control-allow-headers").toLowerCase().split(/,\s*/);
    for (const name of asked) assert.ok(allowed.includes(name.toLowerCase()), `${name} is allowed`);
  });

  it("a cross-origin PUT exposes ETag (item 8)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "etag");
    const bytes = jpegBytes(300);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: bytes.length });
    const response = await put(item, bytes, { Origin: ORIGIN });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), ORIGIN);
    const exposed = response.headers.get("access-control-expose-headers").toLowerCase().split(/,\s*/);
    assert.ok(exposed.includes("etag"));
    assert.match(response.headers.get("etag"), /^"[0-9a-f]+"$/);
  });
});

describe("s3 mode: R2_S3_ENDPOINT's scheme (item 10)", () => {
  const schemeBindings = (overrides) => s3Bindings({ R2_ACCESS_KEY_ID: "R2KEYSCHEME", ...overrides });

  it("development keeps http:// as given, so a local S3 server can stand in", async () => {
    const worker = await startWorker({ bindings: schemeBindings({ R2_S3_ENDPOINT: "http://localhost:9000" }) });
    try {
      const { user, shootId } = await ownerWithShoot(worker, "scheme");
      const item = await presignOk(worker, user, { shootId, filename: fileName(shootId), contentType: "image/jpeg", size: 10 });
      assert.match(item.url, /^http:\/\/localhost:9000\/photos\/shoots\//);
    } finally {
      await worker.dispose();
    }
  });

  it("production refuses an http:// endpoint: every route but /healthz is 503 misconfigured", async () => {
    const worker = await startWorker({
      bindings: schemeBindings({ APP_ENV: "production", CORS_ORIGINS: "https://photos.example.com", R2_S3_ENDPOINT: "http://acct.r2.cloudflarestorage.com" }),
    });
    try {
      assert.equal((await worker.fetch("/healthz")).status, 200);
      await assertJsonError(await worker.fetch("/api/services"), 503, "misconfigured", { api: false });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const config = worker.jsonLogs().find((line) => line.event === "config");
      assert.ok(config.problems.some((problem) => /R2_S3_ENDPOINT must be an https/.test(problem)));
    } finally {
      await worker.dispose();
    }
  });
});
