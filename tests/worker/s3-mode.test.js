// s3 mode (UPLOAD_MODE=s3, contract 1, 5.1–5.5) against a real S3 endpoint on loopback: the real Worker in workerd
// presigns URLs at R2_S3_ENDPOINT, the client PUTs straight to the store, and the Worker reads what arrived through
// its R2 binding. The store is s3rver behind the proxy of tests/worker/fixtures/s3-endpoint.js, which verifies every
// signature (and s3rver verifies it again), answers ListParts and AbortMultipartUpload, holds writes to S3's
// conditions and checksums, and keeps the Worker's binding (Miniflare's local R2) and the store one bucket, as R2's
// S3 endpoint and binding are in production.
//
// The first describe tests the fixture itself with the AWS SDK, so that what the Worker tests rely on is known to
// hold. The multipart tests at the end run on their own with
//   node --test --test-name-pattern='^multipart$' tests/worker/s3-mode.test.js
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import zlib from "node:zlib";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Miniflare } from "miniflare";
import { startS3Endpoint } from "./fixtures/s3-endpoint.js";
import {
  assertJsonError,
  assertJsonOk,
  assetAt,
  complete,
  fileName,
  jpegBytes,
  LEDGER_CLOCK_SCRIPT,
  agePresign,
  objectAt,
  ownerWithShoot,
  post,
  presign,
  presignOk,
  put,
  sha256Hex,
} from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import { abort, runCleanupAt, uploadRecord } from "./ledger-flow.js";
import { MIN_PART_BYTES, MiB, createMultipartOk, downloadBytes, partOf, putPart, signPartsOk, unquote } from "./multipart-flow.js";

const HOUR = 60 * 60 * 1000;

const crc32Base64 = (bytes) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(zlib.crc32(bytes) >>> 0);
  return out.toString("base64");
};
const md5Hex = (bytes) => createHash("md5").update(bytes).digest("hex");
// S3's ETag of a multipart object: the MD5 of the parts' binary MD5s, then "-<parts>".
const multipartEtag = (parts) =>
  `${createHash("md5").update(Buffer.concat(parts.map((part) => createHash("md5").update(part).digest()))).digest("hex")}-${parts.length}`;

// The same URL with one hex digit of its signature changed (the rest of the URL byte for byte as it was).
function tamperSignature(url) {
  const tampered = url.replace(/([?&]X-Amz-Signature=[0-9a-f]*)([0-9a-f])/, (_, head, last) => head + (last === "0" ? "1" : "0"));
  assert.notEqual(tampered, url, "the URL has an X-Amz-Signature to tamper with");
  return tampered;
}

// An S3 error document: its status and Code.
async function assertS3Error(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${text}`);
  assert.match(response.headers.get("content-type") ?? "", /xml/);
  assert.equal(/<Code>([^<]+)<\/Code>/.exec(text)?.[1], code, text);
}

// An S3ServiceException from the SDK, with S3's Code and HTTP status.
async function assertSdkError(promise, code, status) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof S3ServiceException, `an S3ServiceException, got ${error}`);
    assert.equal(error.name, code, `${error.name}: ${error.message}`);
    assert.equal(error.$metadata.httpStatusCode, status);
    return true;
  });
}

const bodyBytes = async (output) => Buffer.from(await output.Body.transformToByteArray());

// ---------------------------------------------------------------------------------------------------------
// The fixture, through the AWS SDK, with Miniflare's local R2 as the binding it keeps in step.

describe("the local S3 endpoint (fixture self-test, AWS SDK for JavaScript)", () => {
  let endpoint;
  let mf;
  let binding;
  let s3;

  before(async () => {
    endpoint = await startS3Endpoint({ bucket: "photos" });
    // A Worker with an R2 binding that passes every request on to the endpoint, unchanged but for the origin.
    mf = new Miniflare({
      modules: true,
      script: `export default {
        fetch(request, env) {
          const url = new URL(request.url);
          return fetch(new URL(url.pathname + url.search, env.ENDPOINT), request);
        },
      };`,
      bindings: { ENDPOINT: endpoint.url },
      r2Buckets: ["BUCKET"],
      compatibilityDate: "2025-04-01",
      cf: false,
      host: "127.0.0.1",
      port: 0,
    });
    await mf.ready;
    await endpoint.attach(mf);
    binding = await mf.getR2Bucket("BUCKET");
    s3 = new S3Client({ region: "auto", endpoint: endpoint.url, forcePathStyle: true, credentials: endpoint.credentials });
  });
  after(async () => {
    s3?.destroy();
    await mf?.dispose();
    await endpoint?.close();
  });

  const Bucket = "photos";
  const uploadPart = (Key, UploadId, PartNumber, Body) => s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }));
  const listParts = (Key, UploadId, extra = {}) => s3.send(new ListPartsCommand({ Bucket, Key, UploadId, ...extra }));
  const completeUpload = (Key, UploadId, Parts) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));

  it("multipart: create, parts out of order, ListParts (paged), complete; the object is in the store and in the binding", async () => {
    const Key = "self/multipart.jpg";
    const file = randomBytes(2 * MIN_PART_BYTES + 1234);
    const parts = [partOf(file, MIN_PART_BYTES, 1), partOf(file, MIN_PART_BYTES, 2), partOf(file, MIN_PART_BYTES, 3)];
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ContentType: "image/jpeg", Metadata: { "upload-id": "up_self_1" } }),
    );
    assert.match(created.UploadId, /^[0-9a-f]{32}$/);
    let [inProgress] = (await endpoint.uploadsInProgress()).filter((upload) => upload.key === Key);
    assert.equal(inProgress.uploadId, created.UploadId);
    assert.equal(inProgress.contentType, "image/jpeg");
    assert.deepEqual(inProgress.metadata, { "upload-id": "up_self_1" });
    assert.deepEqual(inProgress.parts, []);
    assert.deepEqual((await listParts(Key, created.UploadId)).Parts ?? [], [], "no parts yet");

    const etags = {};
    for (const number of [3, 1, 2]) {
      const answer = await uploadPart(Key, created.UploadId, number, parts[number - 1]);
      assert.equal(answer.ETag, `"${md5Hex(parts[number - 1])}"`, "a part's ETag is the MD5 of its bytes, quoted");
      etags[number] = answer.ETag;
    }
    const listed = await listParts(Key, created.UploadId);
    assert.equal(listed.Bucket, Bucket);
    assert.equal(listed.Key, Key);
    assert.equal(listed.UploadId, created.UploadId);
    assert.equal(listed.IsTruncated, false);
    assert.deepEqual(
      listed.Parts.map(({ PartNumber, Size, ETag }) => ({ PartNumber, Size, ETag })),
      [1, 2, 3].map((n) => ({ PartNumber: n, Size: parts[n - 1].length, ETag: etags[n] })),
    );
    const page1 = await listParts(Key, created.UploadId, { MaxParts: 2 });
    assert.deepEqual([page1.IsTruncated, page1.NextPartNumberMarker, page1.Parts.map((p) => p.PartNumber)], [true, "2", [1, 2]]);
    const page2 = await listParts(Key, created.UploadId, { PartNumberMarker: page1.NextPartNumberMarker });
    assert.deepEqual([page2.IsTruncated, page2.Parts.map((p) => p.PartNumber)], [false, [3]]);
    [inProgress] = (await endpoint.uploadsInProgress()).filter((upload) => upload.key === Key);
    assert.deepEqual(inProgress.parts.map((part) => [part.partNumber, part.size, part.etag]), [1, 2, 3].map((n) => [n, parts[n - 1].length, etags[n]]));

    const done = await completeUpload(Key, created.UploadId, [1, 2, 3].map((n) => ({ PartNumber: n, ETag: etags[n] })));
    const etag = multipartEtag(parts);
    assert.equal(done.ETag, `"${etag}"`, "S3's multipart ETag");
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    assert.ok((await bodyBytes(got)).equals(file), "the store serves the assembled bytes");
    assert.equal(got.ContentType, "image/jpeg");
    assert.deepEqual(got.Metadata, { "upload-id": "up_self_1" });
    assert.equal(got.ETag, `"${etag}"`);

    const mirrored = await binding.get(Key);
    assert.ok(mirrored, "the object is in the binding");
    assert.ok(Buffer.from(await mirrored.arrayBuffer()).equals(file));
    assert.equal(mirrored.etag, etag, "the binding's etag is the store's");
    assert.equal(mirrored.httpMetadata.contentType, "image/jpeg");
    assert.deepEqual(mirrored.customMetadata, { "upload-id": "up_self_1" });

    await assertSdkError(listParts(Key, created.UploadId), "NoSuchUpload", 404);
    assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.key === Key), []);
    const listings = endpoint.requests.filter((r) => r.operation === "ListParts" && r.path === `/photos/${Key}`);
    assert.ok(listings.every((r) => r.answeredBy === "proxy" && r.auth === "header"), JSON.stringify(listings));
    const completes = endpoint.requests.filter((r) => r.operation === "CompleteMultipartUpload" && r.path === `/photos/${Key}`);
    assert.deepEqual(completes.map((r) => [r.status, r.answeredBy]), [[200, "s3rver"]]);
  });

  it("CompleteMultipartUpload is held to the stored parts: wrong ETag, missing part, order and sizes; the upload stays", async () => {
    const Key = "self/held.jpg";
    const file = randomBytes(MIN_PART_BYTES + 1000);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: "image/jpeg" }));
    const one = await uploadPart(Key, UploadId, 1, partOf(file, MIN_PART_BYTES, 1)); // 5 MiB
    const two = await uploadPart(Key, UploadId, 2, partOf(file, MIN_PART_BYTES, 2)); // 1000 bytes
    const three = await uploadPart(Key, UploadId, 3, randomBytes(1000));
    const four = await uploadPart(Key, UploadId, 4, randomBytes(MIN_PART_BYTES + 1));
    const p = (PartNumber, { ETag }) => ({ PartNumber, ETag });
    await assertSdkError(completeUpload(Key, UploadId, [p(1, one), p(2, { ETag: `"${"0".repeat(32)}"` })]), "InvalidPart", 400);
    await assertSdkError(completeUpload(Key, UploadId, [p(1, one), p(5, two)]), "InvalidPart", 400);
    await assertSdkError(completeUpload(Key, UploadId, [p(2, two), p(1, one)]), "InvalidPartOrder", 400);
    await assertSdkError(completeUpload(Key, UploadId, [p(2, two), p(3, three)]), "EntityTooSmall", 400);
    // R2: every part but the last the same size, and the last no larger.
    await assertSdkError(completeUpload(Key, UploadId, [p(1, one), p(4, four)]), "InvalidPart", 400);
    assert.equal(await binding.head(Key), null, "nothing was assembled");
    await assertSdkError(s3.send(new HeadObjectCommand({ Bucket, Key })), "NotFound", 404);
    const listed = await listParts(Key, UploadId);
    assert.deepEqual(listed.Parts.map((part) => part.PartNumber), [1, 2, 3, 4], "every part is still there");
    const done = await completeUpload(Key, UploadId, [p(1, one), p(2, two)]);
    assert.equal(done.ETag, `"${multipartEtag([partOf(file, MIN_PART_BYTES, 1), partOf(file, MIN_PART_BYTES, 2)])}"`);
    const assembled = await binding.get(Key);
    assert.ok(Buffer.from(await assembled.arrayBuffer()).equals(file), "parts 3 and 4, left out, are not in the object");
  });

  it("AbortMultipartUpload frees the upload: ListParts, UploadPart and complete then answer NoSuchUpload", async () => {
    const Key = "self/aborted.jpg";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: "image/jpeg" }));
    const part = await uploadPart(Key, UploadId, 1, randomBytes(1000));
    assert.equal((await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === UploadId).length, 1);
    const aborted = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === UploadId), []);
    await assertSdkError(listParts(Key, UploadId), "NoSuchUpload", 404);
    await assertSdkError(uploadPart(Key, UploadId, 2, randomBytes(1000)), "NoSuchUpload", 404);
    await assertSdkError(completeUpload(Key, UploadId, [{ PartNumber: 1, ETag: part.ETag }]), "NoSuchUpload", 404);
    await assertSdkError(s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })), "NoSuchUpload", 404);
    assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === UploadId), [], "UploadPart made no new upload");
    // An upload id is good for its own key only.
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "self/other.jpg" }));
    await assertSdkError(listParts(Key, other.UploadId), "NoSuchUpload", 404);
    assert.equal(endpoint.count("AbortMultipartUpload", 204), 1);
  });

  it("a tampered or foreign signature is refused (403) and stores nothing; so is an unsigned request", async () => {
    const Key = "self/tampered.jpg";
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const body = randomBytes(2000);

    // Header-signed requests with one digit of the signature changed: ListParts (the proxy answers it) and
    // UploadPart (s3rver stores it).
    const tampering = new S3Client({ region: "auto", endpoint: endpoint.url, forcePathStyle: true, credentials: endpoint.credentials });
    tampering.middlewareStack.addRelativeTo(
      (next) => async (args) => {
        const request = /** @type {any} */ (args.request);
        request.headers.authorization = request.headers.authorization.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
        return next(args);
      },
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamperSignature" },
    );
    try {
      await assertSdkError(tampering.send(new ListPartsCommand({ Bucket, Key, UploadId })), "SignatureDoesNotMatch", 403);
      await assertSdkError(tampering.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: body })), "SignatureDoesNotMatch", 403);
      await assertSdkError(tampering.send(new PutObjectCommand({ Bucket, Key, Body: body })), "SignatureDoesNotMatch", 403);
    } finally {
      tampering.destroy();
    }
    // Signed with another secret for the same key id.
    const foreign = new S3Client({
      region: "auto",
      endpoint: endpoint.url,
      forcePathStyle: true,
      credentials: { accessKeyId: endpoint.credentials.accessKeyId, secretAccessKey: randomBytes(32).toString("hex") },
    });
    try {
      await assertSdkError(foreign.send(new ListPartsCommand({ Bucket, Key, UploadId })), "SignatureDoesNotMatch", 403);
      await assertSdkError(foreign.send(new PutObjectCommand({ Bucket, Key, Body: body })), "SignatureDoesNotMatch", 403);
    } finally {
      foreign.destroy();
    }

    // A presigned UploadPart URL: tampered, 403; as signed, 200.
    // (with the body's CRC-32: unless told, the SDK presigner signs the CRC-32 of an empty body, which S3 holds it to)
    const command = new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, ContentLength: body.length, ChecksumCRC32: crc32Base64(body) });
    const url = await getSignedUrl(s3, command, { expiresIn: 300 });
    await assertS3Error(await fetch(tamperSignature(url), { method: "PUT", body }), 403, "SignatureDoesNotMatch");
    await assertS3Error(await fetch(url.replace("partNumber=1", "partNumber=2"), { method: "PUT", body }), 403, "SignatureDoesNotMatch");
    assert.deepEqual((await endpoint.uploadsInProgress()).find((upload) => upload.uploadId === UploadId).parts, [], "no part was stored");
    const expired = await getSignedUrl(s3, command, { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60_000) });
    await assertS3Error(await fetch(expired, { method: "PUT", body }), 403, "AccessDenied");
    assert.deepEqual((await endpoint.uploadsInProgress()).find((upload) => upload.uploadId === UploadId).parts, [], "no part was stored");
    assert.equal((await fetch(url, { method: "PUT", body })).status, 200, "the URL as signed is accepted");

    // R2 signs for region auto, service s3.
    const elsewhere = new S3Client({ region: "us-east-1", endpoint: endpoint.url, forcePathStyle: true, credentials: endpoint.credentials });
    try {
      await assertSdkError(elsewhere.send(new ListPartsCommand({ Bucket, Key, UploadId })), "AuthorizationHeaderMalformed", 400);
    } finally {
      elsewhere.destroy();
    }

    // Unsigned: R2 serves nothing anonymously (s3rver would).
    await assertS3Error(await fetch(`${endpoint.url}/photos/${Key}`, { method: "PUT", body }), 403, "AccessDenied");
    await assertS3Error(await fetch(`${endpoint.url}/photos/${Key}?uploadId=${UploadId}`), 403, "AccessDenied");
    assert.equal(await binding.head(Key), null);
    await assertSdkError(s3.send(new HeadObjectCommand({ Bucket, Key })), "NotFound", 404);
    assert.ok(endpoint.count("PutObject", 403) >= 3);
  });

  it("PutObject: If-None-Match: * and checksums are held, metadata reaches the binding, DeleteObject removes it there", async () => {
    const Key = "self/put.jpg";
    const bytes = randomBytes(3000);
    const sha256 = createHash("sha256").update(bytes);
    const first = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key,
        Body: bytes,
        ContentType: "image/jpeg",
        Metadata: { "upload-id": "up_self_put" },
        IfNoneMatch: "*",
        ChecksumSHA256: sha256.copy().digest("base64"),
      }),
    );
    assert.equal(first.ETag, `"${md5Hex(bytes)}"`);
    const mirrored = await binding.get(Key);
    assert.ok(Buffer.from(await mirrored.arrayBuffer()).equals(bytes));
    assert.equal(mirrored.httpMetadata.contentType, "image/jpeg");
    assert.deepEqual(mirrored.customMetadata, { "upload-id": "up_self_put" });
    assert.equal(mirrored.etag, md5Hex(bytes));
    assert.equal(Buffer.from(mirrored.checksums.sha256).toString("hex"), sha256.digest("hex"), "R2 keeps a signed SHA-256");

    await assertSdkError(s3.send(new PutObjectCommand({ Bucket, Key, Body: randomBytes(3000), IfNoneMatch: "*" })), "PreconditionFailed", 412);
    const digest = createHash("sha256").update(randomBytes(16)).digest("base64");
    await assertSdkError(s3.send(new PutObjectCommand({ Bucket, Key, Body: randomBytes(3000), ChecksumSHA256: digest })), "BadDigest", 400);
    await assertSdkError(s3.send(new PutObjectCommand({ Bucket, Key, Body: randomBytes(3000), ChecksumCRC32: crc32Base64(bytes) })), "BadDigest", 400);
    assert.ok(Buffer.from(await (await binding.get(Key)).arrayBuffer()).equals(bytes), "neither write changed the object");
    assert.ok((await bodyBytes(await s3.send(new GetObjectCommand({ Bucket, Key })))).equals(bytes));
    assert.deepEqual(await endpoint.storedObject(Key), { size: 3000, etag: md5Hex(bytes), contentType: "image/jpeg", metadata: { "upload-id": "up_self_put" } });

    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    assert.equal(await binding.head(Key), null, "deleted from the binding too");
    await assertSdkError(s3.send(new GetObjectCommand({ Bucket, Key })), "NoSuchKey", 404);
  });

  it("what is written or deleted through the binding is what the endpoint serves", async () => {
    const Key = "self/through-binding.jpg";
    const bytes = randomBytes(1500);
    await binding.put(Key, new Uint8Array(bytes), { httpMetadata: { contentType: "image/png" }, customMetadata: { "upload-id": "up_bound" } });
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    assert.ok((await bodyBytes(got)).equals(bytes));
    assert.equal(got.ContentType, "image/png");
    assert.deepEqual(got.Metadata, { "upload-id": "up_bound" });
    await assertSdkError(s3.send(new PutObjectCommand({ Bucket, Key, Body: randomBytes(10), IfNoneMatch: "*" })), "PreconditionFailed", 412);
    await binding.delete(Key);
    await assertSdkError(s3.send(new HeadObjectCommand({ Bucket, Key })), "NotFound", 404);
    assert.equal(await endpoint.storedObject(Key), null);
    assert.deepEqual(endpoint.syncedFromBinding.filter((sync) => sync.key === Key), [
      { key: Key, action: "copied" },
      { key: Key, action: "deleted" },
    ]);
  });

  it("a Worker in workerd reaches the endpoint, which refuses an unsigned request", async () => {
    const response = await mf.dispatchFetch("http://worker.local/photos/self/anything.jpg");
    assert.equal(response.status, 403);
    assert.match(await response.text(), /<Code>AccessDenied<\/Code>/);
    assert.ok(endpoint.requests.some((r) => r.path === "/photos/self/anything.jpg" && r.status === 403 && r.auth === "none"));
  });
});

// ---------------------------------------------------------------------------------------------------------
// The Worker in s3 mode, with this endpoint as R2_S3_ENDPOINT.

describe("s3 mode against a local S3 endpoint", () => {
  let endpoint;
  let worker;

  before(async () => {
    endpoint = await startS3Endpoint({ bucket: "photos" });
    worker = await startWorker({
      bindings: developmentBindings({ UPLOAD_MODE: "s3", ...endpoint.workerBindings(), RATE_LIMIT_PER_MINUTE: "5000" }),
    });
    await endpoint.attach(worker.mf);
  });
  after(async () => {
    await worker?.dispose();
    await endpoint?.close();
  });

  const jpegDeclaration = (shootId, sequence, bytes, extra = {}) => ({
    shootId,
    filename: fileName(shootId, sequence),
    contentType: "image/jpeg",
    size: bytes.length,
    ...extra,
  });

  // The store's answer to a PUT through a presign answer's URL, with exactly the headers it lists.
  async function putToStore(item, bytes, headerOverrides = {}, url = item.url) {
    const response = await put(item, bytes, headerOverrides, url);
    return { status: response.status, etag: response.headers.get("etag"), text: await response.text(), response };
  }

  describe("single PUT", () => {
    it("presign → PUT to the store with exactly the answer's headers → complete 200 → download byte-identical", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-put");
      const bytes = jpegBytes(3000);
      const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
      const url = new URL(item.url);
      assert.equal(url.origin, endpoint.url, "the URL points at R2_S3_ENDPOINT");
      assert.equal(decodeURIComponent(url.pathname), `/photos/${item.key}`, "path-style /<bucket>/<key>");
      assert.equal(item.headers["If-None-Match"], "*");
      assert.equal(item.headers["x-amz-meta-upload-id"], item.uploadId);

      const putsBefore = endpoint.count("PutObject", 200);
      const stored = await putToStore(item, bytes);
      assert.equal(stored.status, 200, `the store answered ${stored.status} ${stored.text}`);
      assert.equal(stored.etag, `"${md5Hex(bytes)}"`);
      assert.equal(endpoint.count("PutObject", 200), putsBefore + 1);
      assert.equal(endpoint.requests.findLast((r) => r.operation === "PutObject").auth, "query");
      assert.equal((await objectAt(worker, item.key)).customMetadata["upload-id"], item.uploadId, "the signed upload id is stored");

      const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
      assert.equal(done.uploadId, item.uploadId);
      assert.equal(done.key, item.key);
      assert.equal(done.size, bytes.length);
      assert.equal(done.contentType, "image/jpeg");
      assert.equal(unquote(done.etag), md5Hex(bytes), "the etag is the store's");
      assert.equal((await assetAt(worker, user, shootId, item.key)).size, bytes.length);

      const getsBefore = endpoint.count("GetObject", 200);
      const { bytes: downloaded, response } = await downloadBytes(worker, user, shootId, item.key);
      assert.ok(response.url.startsWith(`${endpoint.url}/photos/`), `the download URL is the store's: ${response.url}`);
      assert.ok(downloaded.equals(bytes), "byte-identical");
      assert.equal(endpoint.count("GetObject", 200), getsBefore + 1);
    });

    it("a declared sha256 is signed: the store refuses another body of that size, and complete finds nothing", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-sha");
      const bytes = jpegBytes(2000);
      const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes, { sha256: sha256Hex(bytes) }));
      assert.equal(item.headers["x-amz-checksum-sha256"], createHash("sha256").update(bytes).digest("base64"));
      const refused = await putToStore(item, jpegBytes(2000));
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.text, /<Code>BadDigest<\/Code>/);
      assert.equal(await objectAt(worker, item.key), null);
      await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_missing");
      assert.equal((await putToStore(item, bytes)).status, 200);
      assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }))).size, bytes.length);
    });

    it("without R2's stored checksum on the object, complete computes the declared SHA-256 from the bytes", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-sha-read");
      const bytes = jpegBytes(3000);
      const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes, { sha256: sha256Hex(bytes) }));
      endpoint.keepChecksums = false;
      try {
        assert.equal((await putToStore(item, bytes)).status, 200);
      } finally {
        endpoint.keepChecksums = true;
      }
      assert.equal((await objectAt(worker, item.key)).checksums.sha256, undefined, "the binding holds no SHA-256 of it");
      const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
      assert.equal(done.size, bytes.length);
    });

    it("a completed name: presign again without replace is 409 already_exists, and the old URL is refused by the store (412)", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-stale");
      const bytes = jpegBytes(1200);
      const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
      assert.equal((await putToStore(item, bytes)).status, 200);
      const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));

      await assertJsonError(await presign(worker, user, jpegDeclaration(shootId, "0001", bytes)), 409, "already_exists");
      const stale = await putToStore(item, jpegBytes(1200));
      assert.equal(stale.status, 412, `the stale URL: ${stale.status} ${stale.text}`);
      assert.match(stale.text, /<Code>PreconditionFailed<\/Code>/);
      assert.equal((await objectAt(worker, item.key)).etag, unquote(done.etag), "the completed file is untouched");
      assert.ok((await downloadBytes(worker, user, shootId, item.key)).bytes.equals(bytes));
    });

    it("a cancelled upload's URL is refused by the store (412) once the newer upload has written the name", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-cancel");
      const [older, newer] = [jpegBytes(1000), jpegBytes(1100)];
      const u1 = await presignOk(worker, user, jpegDeclaration(shootId, "0001", older));
      const u2 = await presignOk(worker, user, jpegDeclaration(shootId, "0001", newer)); // another size: u1 is cancelled
      assert.notEqual(u2.uploadId, u1.uploadId);
      assert.equal((await putToStore(u2, newer)).status, 200);
      const stale = await putToStore(u1, older);
      assert.equal(stale.status, 412, `${stale.status} ${stale.text}`);
      await assertJsonError(await complete(worker, user, { uploadId: u1.uploadId }), 409, "upload_cancelled");
      const done = await assertJsonOk(await complete(worker, user, { uploadId: u2.uploadId }));
      assert.equal(done.size, newer.length);
      assert.equal((await objectAt(worker, u2.key)).customMetadata["upload-id"], u2.uploadId);
    });

    it("a URL altered in any part, or another Content-Type or upload id, is refused by the store (403) and stores nothing", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-tamper");
      const bytes = jpegBytes(900);
      const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
      const otherKey = item.url.replace(/_0001\.jpg\?/, "_0002.jpg?");
      assert.notEqual(otherKey, item.url);
      for (const { what, attempt } of [
        { what: "a tampered signature", attempt: () => putToStore(item, bytes, {}, tamperSignature(item.url)) },
        { what: "another key", attempt: () => putToStore(item, bytes, {}, otherKey) },
        { what: "another Content-Type", attempt: () => putToStore(item, bytes, { "Content-Type": "image/png" }) },
        { what: "another upload id", attempt: () => putToStore(item, bytes, { "x-amz-meta-upload-id": `${item.uploadId}x` }) },
      ]) {
        const refused = await attempt();
        assert.equal(refused.status, 403, `${what}: ${refused.status} ${refused.text}`);
        assert.match(refused.text, /<Code>SignatureDoesNotMatch<\/Code>/, what);
      }
      assert.equal(await objectAt(worker, item.key), null);
      assert.equal(await endpoint.storedObject(item.key.replace("_0001.", "_0002.")), null);
      await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_missing");
      assert.equal((await putToStore(item, bytes)).status, 200, "the URL as presigned is accepted");
    });
  });

  // ---- multipart (contract 5.4, s3 mode): parts go straight to the store; complete takes their ETags -------

  // Contract 5.4.1 in s3 mode: R2 cannot presign POST, so create, list, complete and abort point at the Worker
  // (signed with the R2 key pair, for the Worker's host), which calls R2's S3 API itself; parts go to the store.
  describe("sign-request: S3's own multipart API", () => {
    const PART = 5 * MiB;
    const xmlValue = (text, element) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(text)?.[1];
    const signOk = async (user, body) => assertJsonOk(await post(worker, "/api/uploads/sign-request", user, body));

    it("create at the Worker, parts to the store, list and complete at the Worker, download byte-identical", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-sr");
      const file = jpegBytes(PART + 4321);
      const key = `shoots/${shootId}/${fileName(shootId)}`;
      const create = await signOk(user, { shootId, request: { method: "POST", key }, size: file.length, partSize: PART });
      assert.ok(create.url.startsWith(worker.url.toString().replace(/\/$/, "")), `create points at the Worker: ${create.url}`);
      const created = await fetch(create.url, { method: "POST", headers: { "content-type": "image/jpeg" } });
      const initiated = await created.text();
      assert.equal(created.status, 200, initiated);
      const uploadId = xmlValue(initiated, "UploadId");
      assert.equal(uploadId, create.uploadId);
      assert.equal((await endpoint.uploadsInProgress()).filter((upload) => upload.key === key).length, 1, "R2's upload exists");
      const etags = [];
      for (const partNumber of [2, 1]) {
        const signed = await signOk(user, { shootId, request: { method: "PUT", key, uploadId, partNumber } });
        assert.ok(signed.url.startsWith(endpoint.url), `part ${partNumber} goes to the store: ${signed.url}`);
        const stored = await fetch(signed.url, { method: "PUT", headers: signed.headers ?? {}, body: partOf(file, PART, partNumber) });
        assert.equal(stored.status, 200, await stored.text());
        etags[partNumber] = stored.headers.get("etag");
      }
      const list = await signOk(user, { shootId, request: { method: "GET", key, uploadId } });
      const listed = await (await fetch(list.url)).text();
      assert.deepEqual([...listed.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1])), [1, 2], listed);
      assert.deepEqual([...listed.matchAll(/<Size>(\d+)<\/Size>/g)].map((m) => Number(m[1])), [PART, 4321]);
      const body = `<CompleteMultipartUpload>${[1, 2].map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>${etags[n]}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const complete = await signOk(user, { shootId, request: { method: "POST", key, uploadId } });
      const done = await fetch(complete.url, { method: "POST", body });
      const result = await done.text();
      assert.equal(done.status, 200, result);
      assert.equal(xmlValue(result, "Key"), key);
      assert.ok((await downloadBytes(worker, user, shootId, key)).bytes.equals(file), "byte-identical");
    });

    it("abort at the Worker frees R2's upload; a Worker URL with another signature is refused as S3 XML", async () => {
      const { user, shootId } = await ownerWithShoot(worker, "s3-sr-abort");
      const key = `shoots/${shootId}/${fileName(shootId)}`;
      const create = await signOk(user, { shootId, request: { method: "POST", key }, size: 2 * PART, partSize: PART });
      assert.equal((await fetch(create.url, { method: "POST" })).status, 200);
      const list = await signOk(user, { shootId, request: { method: "GET", key, uploadId: create.uploadId } });
      const tampered = await fetch(list.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${"0".repeat(64)}`));
      assert.equal(tampered.status, 403);
      assert.match(await tampered.text(), /<Code>signature_invalid<\/Code>/);
      const abort = await signOk(user, { shootId, request: { method: "DELETE", key, uploadId: create.uploadId } });
      const aborted = await fetch(abort.url, { method: "DELETE" });
      assert.equal(aborted.status, 204, await aborted.text());
      assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.key === key), [], "R2's upload is freed");
    });
  });

  describe("multipart", () => {
    const PART = 5 * MiB;

    // Creates a multipart upload of `file` in 5 MiB parts and finds the store's upload behind it.
    async function createUpload(prefix, file, extra = {}) {
      const { user, shootId } = await ownerWithShoot(worker, prefix);
      const created = await createMultipartOk(worker, user, { ...jpegDeclaration(shootId, "0001", file), partSize: PART, ...extra });
      const inStore = (await endpoint.uploadsInProgress()).filter((upload) => upload.key === created.key);
      assert.equal(inStore.length, 1, `the store has one upload in progress for ${created.key}: ${JSON.stringify(inStore)}`);
      return { user, shootId, created, storeUpload: inStore[0] };
    }

    // PUTs a signed part straight to the store with exactly its headers; resolves to the ETag the store answered.
    async function putPartToStore(part, bytes) {
      const response = await putPart(part, bytes);
      const text = await response.text();
      assert.equal(response.status, 200, `PUT of part ${part.partNumber}: ${response.status} ${text}`);
      const etag = response.headers.get("etag");
      assert.equal(etag, `"${md5Hex(bytes)}"`, "the store's ETag for the part");
      return etag;
    }

    async function uploadAllParts(user, created, file, order) {
      const etags = {};
      for (const part of await signPartsOk(worker, user, created.uploadId, order)) {
        etags[part.partNumber] = await putPartToStore(part, partOf(file, created.partSize, part.partNumber));
      }
      return etags;
    }

    const partList = (etags, numbers = Object.keys(etags).map(Number).sort((a, b) => a - b)) =>
      numbers.map((partNumber) => ({ partNumber, etag: etags[partNumber] }));

    it("12 MiB in 5 MiB parts: create, sign, PUT out of order to the store, list, complete with the ETags, download", async () => {
      const file = jpegBytes(12 * MiB);
      const creates = endpoint.count("CreateMultipartUpload", 200);
      const completes = endpoint.count("CompleteMultipartUpload", 200);
      const { user, shootId, created, storeUpload } = await createUpload("s3-mp", file);
      assert.equal(created.partSize, PART);
      assert.equal(created.partCount, 3);
      assert.equal(endpoint.count("CreateMultipartUpload", 200), creates + 1);
      assert.equal(endpoint.requests.findLast((r) => r.operation === "CreateMultipartUpload").auth, "header", "the Worker signs it with the R2 key pair");
      assert.equal(storeUpload.contentType, "image/jpeg");
      assert.equal(storeUpload.metadata["upload-id"], created.uploadId, "the assembled file will name its upload");
      assert.deepEqual((await uploadRecord(worker, user, created.uploadId)).parts, []);

      const signed = await signPartsOk(worker, user, created.uploadId, [3, 1, 2]);
      for (const part of signed) {
        const url = new URL(part.url);
        assert.equal(url.origin, endpoint.url, "part URLs point at the store");
        assert.equal(decodeURIComponent(url.pathname), `/photos/${created.key}`);
        assert.equal(url.searchParams.get("partNumber"), String(part.partNumber));
        assert.equal(url.searchParams.get("uploadId"), storeUpload.uploadId, "the store's UploadId");
        assert.ok(url.searchParams.get("X-Amz-SignedHeaders").split(";").includes("content-length"), "Content-Length is signed");
        assert.equal(part.headers["Content-Length"], String(partOf(file, PART, part.partNumber).length));
      }
      const etags = {};
      for (const part of signed) etags[part.partNumber] = await putPartToStore(part, partOf(file, PART, part.partNumber));

      const lists = endpoint.count("ListParts", 200);
      const record = await uploadRecord(worker, user, created.uploadId);
      assert.equal(record.state, "pending");
      assert.deepEqual(
        record.parts.map(({ partNumber, size, etag }) => ({ partNumber, size, etag: unquote(etag) })),
        [1, 2, 3].map((n) => ({ partNumber: n, size: partOf(file, PART, n).length, etag: unquote(etags[n]) })),
      );
      assert.ok(endpoint.count("ListParts", 200) > lists, "the parts come from the store's ListParts");

      const done = await assertJsonOk(await complete(worker, user, { uploadId: created.uploadId, parts: partList(etags) }));
      const etag = multipartEtag([1, 2, 3].map((n) => partOf(file, PART, n)));
      assert.equal(done.size, file.length);
      assert.equal(done.contentType, "image/jpeg");
      assert.equal(unquote(done.etag), etag, "the assembled object's ETag, ending in -3");
      assert.equal(endpoint.count("CompleteMultipartUpload", 200), completes + 1, "the Worker completed the store's upload");
      assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.key === created.key), []);
      assert.equal((await objectAt(worker, created.key)).customMetadata["upload-id"], created.uploadId);
      assert.ok((await downloadBytes(worker, user, shootId, created.key)).bytes.equals(file), "byte-identical");
      assert.equal((await uploadRecord(worker, user, created.uploadId)).state, "completed");
    });

    it("complete with a part missing: 409 parts_missing naming it; the store keeps the upload and its parts", async () => {
      const file = jpegBytes(2 * PART + 1000);
      const { user, created, storeUpload } = await createUpload("s3-missing", file);
      const etags = await uploadAllParts(user, created, file, [1, 3]);
      const body = await assertJsonError(await complete(worker, user, { uploadId: created.uploadId, parts: partList(etags) }), 409, "parts_missing");
      assert.deepEqual(body.error.missing, [2]);
      const [still] = (await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === storeUpload.uploadId);
      assert.deepEqual(still.parts.map((part) => part.partNumber), [1, 3]);
      assert.equal(await objectAt(worker, created.key), null);
      Object.assign(etags, await uploadAllParts(user, created, file, [2]));
      assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: created.uploadId, parts: partList(etags) }))).size, file.length);
    });

    // A wrong ETag for a part the store holds at its exact size. The contract's 409 parts_missing lists "the part
    // numbers not yet uploaded" (5.2), and this part is uploaded: GET /api/uploads/<id> lists it, so naming it
    // missing would send a resuming client to upload it again for nothing. What is wrong is the request, which S3
    // itself refuses with 400 InvalidPart: so a 400 error (section 2's shape, code not named by the contract),
    // nothing assembled, the upload still pending with its parts, and the right ETags then complete it.
    it("complete with a wrong ETag: 400, not parts_missing; the upload stays pending and the right ETags complete it", async () => {
      const file = jpegBytes(PART + 1000);
      const { user, created, storeUpload } = await createUpload("s3-etag", file);
      const etags = await uploadAllParts(user, created, file, [1, 2]);
      const wrong = { ...etags, 2: `"${md5Hex(randomBytes(8))}"` };
      const body = await assertJsonError(await complete(worker, user, { uploadId: created.uploadId, parts: partList(wrong) }), 400, null);
      assert.notEqual(body.error.code, "parts_missing");
      assert.equal(await objectAt(worker, created.key), null, "nothing was assembled");
      assert.equal((await uploadRecord(worker, user, created.uploadId)).state, "pending");
      const [still] = (await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === storeUpload.uploadId);
      assert.deepEqual(still.parts.map((part) => part.partNumber), [1, 2]);
      assert.equal((await assertJsonOk(await complete(worker, user, { uploadId: created.uploadId, parts: partList(etags) }))).size, file.length);
    });

    it("a part URL with a tampered signature, or another part number, is refused by the store (403) and stores nothing", async () => {
      const file = jpegBytes(PART + 1000);
      const { user, created, storeUpload } = await createUpload("s3-part-tamper", file);
      const [part] = await signPartsOk(worker, user, created.uploadId, [1]);
      const bytes = partOf(file, PART, 1);
      const tampered = await putPart(part, bytes, {}, tamperSignature(part.url));
      await assertS3Error(tampered, 403, "SignatureDoesNotMatch");
      await assertS3Error(await putPart(part, bytes, {}, part.url.replace("partNumber=1", "partNumber=2")), 403, "SignatureDoesNotMatch");
      const [still] = (await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === storeUpload.uploadId);
      assert.deepEqual(still.parts, [], "no part was stored");
      await putPartToStore(part, bytes);
    });

    it("abort: 200 aborted, the store no longer has the upload, its part URLs are refused, complete is 409 upload_aborted", async () => {
      const file = jpegBytes(PART + 1000);
      const { user, created, storeUpload } = await createUpload("s3-abort", file);
      const [one, two] = await signPartsOk(worker, user, created.uploadId, [1, 2]);
      const etag = await putPartToStore(one, partOf(file, PART, 1));
      const aborts = endpoint.count("AbortMultipartUpload", 204);
      assert.deepEqual(await assertJsonOk(await abort(worker, user, { uploadId: created.uploadId })), { uploadId: created.uploadId, state: "aborted" });
      assert.equal(endpoint.count("AbortMultipartUpload", 204), aborts + 1, "the Worker aborted the store's upload");
      assert.deepEqual((await endpoint.uploadsInProgress()).filter((upload) => upload.uploadId === storeUpload.uploadId), []);
      await assertS3Error(await putPart(two, partOf(file, PART, 2)), 404, "NoSuchUpload");
      await assertJsonError(await complete(worker, user, { uploadId: created.uploadId, parts: [{ partNumber: 1, etag }] }), 409, "upload_aborted");
      assert.equal(await objectAt(worker, created.key), null);
    });

    it("a declared whole-file sha256 that does not match: 422 content_mismatch, and the object is gone", async () => {
      const file = jpegBytes(PART + 1000);
      const declared = sha256Hex(Buffer.concat([file.subarray(0, -1), Buffer.from([file[file.length - 1] ^ 1])]));
      const { user, shootId, created } = await createUpload("s3-sha-mp", file, { sha256: declared });
      const etags = await uploadAllParts(user, created, file, [2, 1]);
      await assertJsonError(await complete(worker, user, { uploadId: created.uploadId, parts: partList(etags) }), 422, "content_mismatch");
      assert.equal(await objectAt(worker, created.key), null, "gone from the binding");
      assert.equal(await endpoint.storedObject(created.key), null, "gone from the store");
      assert.equal(await assetAt(worker, user, shootId, created.key), null);
    });

    it("a completion cut short after the store assembled the file: complete again judges the assembled object", async () => {
      const file = jpegBytes(PART + 777);
      const { user, shootId, created, storeUpload } = await createUpload("s3-mp-cut", file);
      const etags = await uploadAllParts(user, created, file, [1, 2]);
      // What a Worker that died right after CompleteMultipartUpload leaves: the store's upload assembled, the
      // ledger's still pending. The store no longer knows the upload (NoSuchUpload), the object names it.
      const store = new S3Client({ region: "auto", endpoint: endpoint.url, forcePathStyle: true, credentials: endpoint.credentials });
      await store.send(new CompleteMultipartUploadCommand({
        Bucket: endpoint.bucket,
        Key: created.key,
        UploadId: storeUpload.uploadId,
        MultipartUpload: { Parts: partList(etags).map(({ partNumber, etag }) => ({ PartNumber: partNumber, ETag: etag })) },
      }));
      assert.equal((await uploadRecord(worker, user, created.uploadId)).state, "pending");
      const done = await assertJsonOk(await complete(worker, user, { uploadId: created.uploadId }));
      assert.equal(done.size, file.length);
      assert.ok((await downloadBytes(worker, user, shootId, created.key)).bytes.equals(file), "byte-identical");
    });

    it("complete without parts takes the parts as the store lists them (S3's ListParts, signed by the Worker)", async () => {
      const file = jpegBytes(11 * MiB);
      const { user, shootId, created } = await createUpload("s3-mp-list", file);
      await uploadAllParts(user, created, file, [3, 1, 2]);
      const lists = endpoint.count("ListParts", 200);
      const done = await assertJsonOk(await complete(worker, user, { uploadId: created.uploadId }));
      assert.equal(done.size, file.length);
      assert.ok(endpoint.count("ListParts", 200) > lists, "the Worker listed the parts at the store");
      assert.ok((await downloadBytes(worker, user, shootId, created.key)).bytes.equals(file));
    });
  });
});

// The cron in s3 mode (contract 5.4): a multipart upload with no part activity for 24 hours is aborted at the
// store through S3's AbortMultipartUpload, which frees its parts; one with recent activity is left alone.
describe("s3 mode: cleanup of idle multipart uploads", () => {
  let endpoint;
  let worker;
  before(async () => {
    endpoint = await startS3Endpoint({ bucket: "photos" });
    worker = await startWorker({
      scriptPath: LEDGER_CLOCK_SCRIPT,
      bindings: developmentBindings({ UPLOAD_MODE: "s3", ...endpoint.workerBindings(), RATE_LIMIT_PER_MINUTE: "5000" }),
      unsafeTriggerHandlers: true,
    });
    await endpoint.attach(worker.mf);
  });
  after(async () => {
    await worker?.dispose();
    await endpoint?.close();
  });

  it("the idle upload is aborted at the store and expires; the recent one stays pending with its part", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "s3-sweep");
    const file = jpegBytes(2 * MIN_PART_BYTES);
    const declaration = (sequence) => ({
      shootId, filename: fileName(shootId, sequence), contentType: "image/jpeg", size: file.length, partSize: MIN_PART_BYTES,
    });
    const idle = await createMultipartOk(worker, user, declaration("0001"));
    const recent = await createMultipartOk(worker, user, declaration("0002"));
    for (const upload of [idle, recent]) {
      const [part] = await signPartsOk(worker, user, upload.uploadId, [1]);
      assert.equal((await putPart(part, partOf(file, MIN_PART_BYTES, 1))).status, 200);
    }
    await agePresign(worker, idle, 27 * HOUR);
    await agePresign(worker, recent, 3 * HOUR);
    const storeUploads = async (upload) => (await endpoint.uploadsInProgress()).filter((u) => u.key === upload.key);
    assert.equal((await storeUploads(idle)).length, 1);
    const aborts = endpoint.count("AbortMultipartUpload", 204);
    // Now, not hours ahead as the worker-mode tests run it: the Worker signs the abort with the run's time, and
    // the store refuses a request dated more than 15 minutes from its own clock.
    const [sweep] = await runCleanupAt(worker, Date.now());
    assert.equal(sweep.event, "cleanup");
    assert.equal(endpoint.count("AbortMultipartUpload", 204) - aborts, 1, "one abort, signed by the Worker, taken by the store");
    assert.deepEqual(await storeUploads(idle), [], "the idle upload and its part are freed at the store");
    assert.equal((await uploadRecord(worker, user, idle.uploadId)).state, "expired");
    const [kept] = await storeUploads(recent);
    assert.equal(kept?.parts.length, 1, "the recent upload keeps its part at the store");
    assert.equal((await uploadRecord(worker, user, recent.uploadId)).state, "pending");
  });
});
