// The AWS SDK for JavaScript (@aws-sdk/client-s3) as a client of POST /api/uploads/sign-request (contract 5.4.1)
// against the real Worker in workerd, worker mode. The S3Client below holds no S3 credentials: its request
// handler hands each request the SDK built to sign-request (method, key, uploadId, partNumber, and for the
// requests that start an upload the file's size) and sends it to the URL that answers, with the headers the
// answer lists plus the SDK's own content type and checksum headers. So the SDK's own commands drive the
// upload (CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload, AbortMultipartUpload,
// PutObject) and the SDK's own deserialisers read Upgate's answers: its S3 XML for create, list, complete and
// abort, the part PUT's ETag header, and S3 error XML, which the SDK turns into an S3ServiceException.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { HttpResponse } from "@smithy/protocol-http";
import { assertJsonOk, assetAt, complete, fileName, jpegBytes, objectAt, ownerWithShoot, post } from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import { uploadRecord } from "./ledger-flow.js";
import { MIN_PART_BYTES, downloadBytes, partOf, unquote, withHeaders } from "./multipart-flow.js";

const BUCKET = "upload"; // path-style: the SDK's path is then the Worker's /upload/<key>
const PART_SIZE = MIN_PART_BYTES;
const THREE_PARTS = 2 * PART_SIZE + 1000; // parts of 5 MiB, 5 MiB and 1000 bytes
const TWO_PARTS = PART_SIZE + 1000;

// The SDK's own headers that go along with the request: its content type and the checksums it computed.
const FORWARDED = /^(content-type|x-amz-checksum-[a-z0-9]+|x-amz-sdk-checksum-algorithm)$/i;

/**
 * An S3Client whose every request is presigned by Upgate's sign-request and sent to the URL it answers.
 * @param {any} worker
 * @param {any} user
 * @param {string} shootId
 * @param {object} [options]
 * @param {Map<string, object>} [options.declarations] key -> what a CreateMultipartUpload of it declares
 *   ({size, partSize}): an S3 CreateMultipartUpload carries no size, the application knows it
 * @param {(url: string, s3Request: any) => string} [options.rewriteUrl] changes the presigned URL before use
 * @param {any[]} [options.exchanges] receives {s3Request, signed, status} for every request sent
 */
function upgateS3Client(worker, user, shootId, { declarations = new Map(), rewriteUrl = (url) => url, exchanges = [] } = {}) {
  const requestHandler = {
    async handle(request) {
      const key = decodeURIComponent(request.path.replace(new RegExp(`^/${BUCKET}/`), ""));
      const { uploadId, partNumber } = /** @type {Record<string, string>} */ (request.query ?? {});
      const s3Request = { method: request.method, key };
      if (uploadId) s3Request.uploadId = uploadId;
      if (partNumber) s3Request.partNumber = Number(partNumber);
      // PutObject and CreateMultipartUpload declare the file: its type, and its size.
      const declared = {};
      if (!uploadId) {
        s3Request.contentType = request.headers["content-type"];
        Object.assign(declared, request.method === "PUT" ? { size: Number(request.headers["content-length"]) } : declarations.get(key));
      }
      const signing = await post(worker, "/api/uploads/sign-request", user, { shootId, request: s3Request, ...declared });
      const signed = await signing.json();
      if (signing.status !== 200) {
        throw Object.assign(new Error(`sign-request answered ${signing.status} ${JSON.stringify(signed)}`), { upgate: signed.error });
      }
      // The signed headers win, whatever the case of their names (fetch would join two spellings into one value).
      const sdkHeaders = Object.fromEntries(Object.entries(request.headers).filter(([name]) => FORWARDED.test(name)));
      const headers = withHeaders(sdkHeaders, signed.headers ?? {});
      const response = await fetch(rewriteUrl(signed.url, s3Request), {
        method: request.method,
        headers,
        body: /** @type {any} */ (request.body),
      });
      const body = Buffer.from(await response.arrayBuffer());
      exchanges.push({ s3Request, signed, headers, status: response.status });
      return {
        response: new HttpResponse({
          statusCode: response.status,
          reason: response.statusText,
          headers: Object.fromEntries(response.headers),
          body: Readable.from(body),
        }),
      };
    },
  };
  return new S3Client({
    region: "auto",
    endpoint: worker.url.href,
    forcePathStyle: true,
    // The SDK signs each request it builds; the handler sends Upgate's presigned URL instead.
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
    requestHandler,
    maxAttempts: 1,
  });
}

// An S3ServiceException as the SDK raises it for S3 error XML: the Code, the HTTP status, Upgate's request id.
function assertS3Error(error, code, status) {
  assert.ok(error instanceof S3ServiceException, `an S3ServiceException, got ${error?.name}: ${error?.message}`);
  assert.equal(error.name, code);
  assert.equal(/** @type {any} */ (error).Code, code);
  assert.equal(error.$metadata.httpStatusCode, status);
  assert.equal(error.$fault, "client");
  assert.match(/** @type {any} */ (error).RequestId ?? "", /^req_[0-9a-f]+$/);
  assert.ok(error.message.length > 0, "S3's Message");
  return true;
}

const quoted = (etag) => `"${unquote(etag)}"`;

describe("the AWS SDK's own S3 commands, presigned by POST /api/uploads/sign-request (worker mode)", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });
  });
  after(() => worker?.dispose());

  // A fresh owner and shoot, a JPEG of `size` bytes, its key, and an SDK client that declares it in parts of 5 MiB.
  async function newFile(prefix, size, options = {}) {
    const { user, shootId } = await ownerWithShoot(worker, prefix);
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    const exchanges = [];
    const declarations = new Map([[key, { size, partSize: PART_SIZE }]]);
    const s3 = upgateS3Client(worker, user, shootId, { declarations, exchanges, ...options });
    return { user, shootId, key, file: jpegBytes(size), s3, exchanges };
  }

  const create = (s3, key) => s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ContentType: "image/jpeg" }));
  const uploadPart = (s3, key, uploadId, file, partNumber) =>
    s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: partOf(file, PART_SIZE, partNumber) }));
  const listParts = (s3, key, uploadId) => s3.send(new ListPartsCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));
  const completeUpload = (s3, key, uploadId, parts) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  const abortUpload = (s3, key, uploadId) => s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: uploadId }));

  it("Create, UploadPart ×3, ListParts, Complete: the SDK reads UploadId, each part's ETag, the Parts, the file's ETag and Key", async () => {
    const { user, shootId, key, file, s3, exchanges } = await newFile("sdk-mp", THREE_PARTS);

    const created = await create(s3, key);
    assert.match(created.UploadId, new RegExp(`^up_${shootId}_[0-9a-f]{32}$`), JSON.stringify(created));
    assert.equal(created.Key, key);
    assert.equal(created.$metadata.httpStatusCode, 200);
    const signedCreate = exchanges[0].signed;
    assert.equal(signedCreate.uploadId, created.UploadId, "the UploadId in the XML is the one sign-request answered");
    assert.equal(signedCreate.partSize, PART_SIZE);
    const pending = await uploadRecord(worker, user, created.UploadId);
    assert.equal(pending.state, "pending");
    assert.equal(pending.multipart, true);
    assert.equal(pending.contentType, "image/jpeg");
    assert.equal(pending.partCount, 3);

    // In any order; each answer's ETag header is what the SDK returns.
    const etags = new Map();
    for (const partNumber of [3, 1, 2]) {
      const uploaded = await uploadPart(s3, key, created.UploadId, file, partNumber);
      assert.match(uploaded.ETag ?? "", /^".+"$/, `part ${partNumber}: ${JSON.stringify(uploaded)}`);
      etags.set(partNumber, uploaded.ETag);
    }
    // The SDK's own CRC-32 of each part went along, and Upgate held the part to it.
    const partExchanges = exchanges.filter((exchange) => exchange.s3Request.partNumber);
    assert.equal(partExchanges.length, 3);
    for (const exchange of partExchanges) assert.match(exchange.headers["x-amz-checksum-crc32"] ?? "", /^[A-Za-z0-9+/]{6}==$/);

    const recorded = (await uploadRecord(worker, user, created.UploadId)).parts;
    const listed = await listParts(s3, key, created.UploadId);
    assert.equal(listed.UploadId, created.UploadId);
    assert.equal(listed.Key, key);
    assert.equal(listed.IsTruncated, false);
    assert.deepEqual(
      listed.Parts,
      recorded.map(({ partNumber, size, etag }) => ({ PartNumber: partNumber, ETag: quoted(etag), Size: size })),
    );
    assert.deepEqual(listed.Parts.map((part) => part.Size), [PART_SIZE, PART_SIZE, 1000]);
    for (const part of listed.Parts) assert.equal(part.ETag, etags.get(part.PartNumber), `part ${part.PartNumber}'s ETag`);

    const done = await completeUpload(s3, key, created.UploadId, listed.Parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })));
    assert.equal(done.Key, key, JSON.stringify(done));
    assert.match(done.ETag ?? "", /^"[0-9a-f]+-3"$/, "the assembled file's ETag, quoted");
    assert.equal(done.Location, new URL(`/download/${key}`, worker.url).href);
    const completed = await uploadRecord(worker, user, created.UploadId);
    assert.equal(completed.state, "completed");
    assert.equal(unquote(completed.etag), unquote(done.ETag));
    assert.equal(unquote((await assetAt(worker, user, shootId, key)).etag), unquote(done.ETag));
    assert.ok((await downloadBytes(worker, user, shootId, key)).bytes.equals(file), "the file downloads byte-identical");
  });

  it("asking again: a second CreateMultipartUpload of the same file answers the same UploadId, and ListParts what is stored", async () => {
    const { key, file, s3 } = await newFile("sdk-again", TWO_PARTS);
    const first = await create(s3, key);
    const part2 = await uploadPart(s3, key, first.UploadId, file, 2);
    // A client that lost the UploadId (or restarted) creates the upload again and resumes from ListParts.
    const again = await create(s3, key);
    assert.equal(again.UploadId, first.UploadId);
    const listed = await listParts(s3, key, again.UploadId);
    assert.deepEqual(listed.Parts, [{ PartNumber: 2, ETag: part2.ETag, Size: 1000 }]);
    const part1 = await uploadPart(s3, key, again.UploadId, file, 1);
    const done = await completeUpload(s3, key, again.UploadId, [
      { PartNumber: 1, ETag: part1.ETag },
      { PartNumber: 2, ETag: part2.ETag },
    ]);
    assert.match(done.ETag ?? "", /-2"$/);
  });

  it("CompleteMultipartUpload with parts missing is an S3ServiceException: Code parts_missing, HTTP 409; it completes once they are up", async () => {
    const { user, key, file, s3 } = await newFile("sdk-missing", TWO_PARTS);
    const created = await create(s3, key);
    const part1 = await uploadPart(s3, key, created.UploadId, file, 1);
    await assert.rejects(completeUpload(s3, key, created.UploadId, [{ PartNumber: 1, ETag: part1.ETag }]), (error) =>
      assertS3Error(error, "parts_missing", 409),
    );
    assert.equal((await uploadRecord(worker, user, created.UploadId)).state, "pending");
    assert.equal(await objectAt(worker, key), null);
    const part2 = await uploadPart(s3, key, created.UploadId, file, 2);
    const done = await completeUpload(s3, key, created.UploadId, [
      { PartNumber: 1, ETag: part1.ETag },
      { PartNumber: 2, ETag: part2.ETag },
    ]);
    assert.equal(done.Key, key);
  });

  it("AbortMultipartUpload resolves (204), twice; the upload is aborted, and a later Complete is upload_aborted (409)", async () => {
    const { user, key, file, s3 } = await newFile("sdk-abort", TWO_PARTS);
    const created = await create(s3, key);
    const part1 = await uploadPart(s3, key, created.UploadId, file, 1);
    const aborted = await abortUpload(s3, key, created.UploadId);
    assert.equal(aborted.$metadata.httpStatusCode, 204);
    assert.equal((await uploadRecord(worker, user, created.UploadId)).state, "aborted");
    assert.equal((await abortUpload(s3, key, created.UploadId)).$metadata.httpStatusCode, 204, "aborting again");
    await assert.rejects(completeUpload(s3, key, created.UploadId, [{ PartNumber: 1, ETag: part1.ETag }]), (error) =>
      assertS3Error(error, "upload_aborted", 409),
    );
    // Signing a part of it is refused by sign-request itself.
    await assert.rejects(uploadPart(s3, key, created.UploadId, file, 2), (error) => {
      assert.equal(/** @type {any} */ (error).upgate?.code, "upload_aborted", String(error));
      return true;
    });
    assert.equal(await objectAt(worker, key), null);
  });

  it("a tampered URL of the S3-style API is an S3ServiceException: Code signature_invalid, HTTP 403; the upload is untouched", async () => {
    const tampered = new Set();
    const rewriteUrl = (url, s3Request) => {
      if (s3Request.method === "GET") {
        tampered.add("actor");
        return url.replace(/x-upgate-actor=[^&]+/, "x-upgate-actor=intruder");
      }
      if (s3Request.method === "DELETE") {
        tampered.add("expires");
        return url.replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=3600");
      }
      return url;
    };
    const { user, key, file, s3 } = await newFile("sdk-tamper", TWO_PARTS, { rewriteUrl });
    const created = await create(s3, key);
    await uploadPart(s3, key, created.UploadId, file, 1);
    await assert.rejects(listParts(s3, key, created.UploadId), (error) => assertS3Error(error, "signature_invalid", 403));
    await assert.rejects(abortUpload(s3, key, created.UploadId), (error) => assertS3Error(error, "signature_invalid", 403));
    assert.deepEqual([...tampered].sort(), ["actor", "expires"]);
    const record = await uploadRecord(worker, user, created.UploadId);
    assert.equal(record.state, "pending", "the tampered abort aborted nothing");
    assert.deepEqual(record.parts.map((part) => part.partNumber), [1]);
  });

  it("a tampered UploadPart URL is refused with 403 and stores nothing", async () => {
    // Part 2 (1000 bytes) sent through a URL whose partNumber was changed to 1.
    const rewriteUrl = (url, s3Request) => (s3Request.partNumber === 2 ? url.replace("partNumber=2", "partNumber=1") : url);
    const { user, key, file, s3, exchanges } = await newFile("sdk-tamper-part", TWO_PARTS, { rewriteUrl });
    const created = await create(s3, key);
    await assert.rejects(uploadPart(s3, key, created.UploadId, file, 2), (error) => {
      assert.equal(/** @type {any} */ (error).$metadata?.httpStatusCode, 403, String(error));
      // Parsed as S3 error XML, the code is signature_invalid.
      if (error instanceof S3ServiceException) assertS3Error(error, "signature_invalid", 403);
      return true;
    });
    assert.equal(exchanges.at(-1).status, 403);
    assert.deepEqual((await uploadRecord(worker, user, created.UploadId)).parts, []);
  });

  it("PutObject: the SDK's PUT (with its own CRC-32) is stored, the SDK returns its ETag, and the signed uploadId completes it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sdk-put");
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    const exchanges = [];
    const s3 = upgateS3Client(worker, user, shootId, { exchanges });
    const bytes = jpegBytes(3000);
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, ContentType: "image/jpeg", ContentLength: bytes.length }));
    assert.match(put.ETag ?? "", /^"[0-9a-f]+"$/, JSON.stringify(put));
    const [{ s3Request, signed, headers }] = exchanges;
    assert.deepEqual(s3Request, { method: "PUT", key, contentType: "image/jpeg" });
    assert.match(headers["x-amz-checksum-crc32"] ?? "", /^[A-Za-z0-9+/]{6}==$/, "the SDK's CRC-32 went along");
    const object = await objectAt(worker, key);
    assert.equal(object?.size, bytes.length);
    assert.equal(object.etag, unquote(put.ETag));
    assert.match(signed.uploadId ?? "", new RegExp(`^up_${shootId}_`), `sign-request's PutObject answer names its upload: ${JSON.stringify(signed)}`);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: signed.uploadId }));
    assert.equal(done.key, key);
    assert.equal(done.size, bytes.length);
    assert.equal(unquote(done.etag), unquote(put.ETag));
  });
});
