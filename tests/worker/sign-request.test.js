// POST /api/uploads/sign-request and the Worker's S3-style API (contract 5.4.1), over real HTTP against the
// real Worker: what is refused at signing, and what the signed Worker URLs refuse (as S3 error XML). The happy
// paths with real clients (the AWS SDK, Uppy 6) live in s3-sdk-multipart.test.js and tests/browser/.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertJsonError, assertJsonOk, fileName, jpegBytes, newUser, ownerWithShoot, post } from "./flow.js";
import { s3Bindings, startWorker } from "./harness.js";
import { MiB, partOf, range } from "./multipart-flow.js";

const signRequest = (worker, user, body) => post(worker, "/api/uploads/sign-request", user, body);

async function signOk(worker, user, body) {
  return assertJsonOk(await signRequest(worker, user, body));
}

// An S3 error document's code, with the status and content type S3 clients rely on.
async function assertS3Error(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get("content-type") ?? "", /^application\/xml/);
  assert.match(text, new RegExp(`<Error><Code>${code}</Code><Message>[^<]+</Message><RequestId>[^<]+</RequestId></Error>`));
}

const xmlValue = (text, element) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(text)?.[1];

describe("sign-request (worker mode)", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  // A multipart upload created through sign-request, as Uppy 6 creates one: sign, then POST the URL.
  async function createThroughS3(user, shootId, size, sequence = "0001") {
    const key = `shoots/${shootId}/${fileName(shootId, sequence)}`;
    const signed = await signOk(worker, user, { shootId, request: { method: "POST", key }, size, partSize: 5 * MiB });
    const response = await fetch(signed.url, { method: "POST", headers: { "content-type": "image/jpeg" } });
    const xml = await response.text();
    assert.equal(response.status, 200, xml);
    assert.equal(xmlValue(xml, "UploadId"), signed.uploadId);
    assert.equal(xmlValue(xml, "Key"), key);
    return { key, uploadId: signed.uploadId };
  }

  it("a PutObject is presigned as presign presigns it, and its URL uploads the file", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-put");
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    const bytes = jpegBytes(2048);
    const signed = await signOk(worker, user, { shootId, request: { method: "PUT", key, contentType: "image/jpeg" }, size: bytes.length });
    assert.equal(signed.key, key);
    assert.equal(signed.headers["Content-Type"], "image/jpeg");
    assert.equal(signed.headers["Content-Length"], undefined, "a browser sets Content-Length itself");
    const put = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: bytes });
    assert.equal(put.status, 200, await put.text());
  });

  it("refuses what it cannot sign, naming the field", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-bad");
    const { shootId: otherShoot } = await ownerWithShoot(worker, "sr-other");
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    /** @type {[object, object, number, string, string | undefined][]} */
    const cases = [
      [{ method: "PUT", key, contentType: "image/jpeg" }, {}, 400, "invalid_request", "size"],
      [{ method: "PUT", key: `shoots/${otherShoot}/${fileName(otherShoot)}` }, { size: 10 }, 400, "invalid_request", "request.key"],
      [{ method: "PUT", key: "photos/x.jpg" }, { size: 10 }, 400, "invalid_request", "request.key"],
      [{ method: "DELETE", key }, {}, 400, "invalid_request", "request.method"],
      [{ method: "PATCH", key, uploadId: `up_${shootId}_${"0".repeat(32)}` }, {}, 400, "invalid_request", "request.method"],
      [{ method: "GET", key, uploadId: `up_${otherShoot}_${"0".repeat(32)}` }, {}, 400, "invalid_request", "request.uploadId"],
      [{ method: "PUT", key, uploadId: `up_${shootId}_${"0".repeat(32)}`, partNumber: 0 }, {}, 400, "invalid_request", "request.partNumber"],
      [{ method: "PUT", key, contentType: "image/jpeg" }, { size: 200 * MiB }, 413, "multipart_required", undefined],
      [{ method: "PUT", key: `shoots/${shootId}/not-a-name.jpg`, contentType: "image/jpeg" }, { size: 10 }, 422, "invalid_filename", undefined],
    ];
    for (const [request, extra, status, code, field] of cases) {
      const body = await assertJsonError(await signRequest(worker, user, { shootId, request, ...extra }), status, code);
      assert.equal(body.error.field, field, JSON.stringify(request));
    }
    const stranger = await newUser(worker, { prefix: "sr-stranger" });
    await assertJsonError(await signRequest(worker, stranger, { shootId, request: { method: "POST", key }, size: 6 * MiB }), 403, "not_shoot_owner");
    await assertJsonError(await signRequest(worker, { headers: {} }, { shootId, request: { method: "POST", key }, size: 6 * MiB }), 401, "invalid_token");
  });

  it("a part for an upload that is not there is refused at signing", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-nopart");
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    const uploadId = `up_${shootId}_${"a".repeat(32)}`;
    await assertJsonError(await signRequest(worker, user, { shootId, request: { method: "PUT", key, uploadId, partNumber: 1 } }), 404, "upload_not_found");
  });

  it("the Worker's URLs answer S3 error XML: parts missing, someone else's upload, a tampered or changed request", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-xml");
    const size = 6 * MiB;
    const { key, uploadId } = await createThroughS3(user, shootId, size);
    const complete = await signOk(worker, user, { shootId, request: { method: "POST", key, uploadId } });
    await assertS3Error(await fetch(complete.url, { method: "POST", body: "<CompleteMultipartUpload/>" }), 409, "parts_missing");

    // Signed for a stranger, the URL acts for the stranger: the ledger refuses them.
    const stranger = await newUser(worker, { prefix: "sr-xml-stranger" });
    const list = await signOk(worker, stranger, { shootId, request: { method: "GET", key, uploadId } });
    await assertS3Error(await fetch(list.url), 403, "not_shoot_owner");

    const own = await signOk(worker, user, { shootId, request: { method: "GET", key, uploadId } });
    const asSomeoneElse = own.url.replace(/x-upgate-actor=[^&]+/, "x-upgate-actor=mallory");
    await assertS3Error(await fetch(asSomeoneElse), 403, "signature_invalid");
    await assertS3Error(await fetch(own.url, { method: "DELETE" }), 403, "signature_invalid");

    const abort = await signOk(worker, user, { shootId, request: { method: "DELETE", key, uploadId } });
    const aborted = await fetch(abort.url, { method: "DELETE" });
    assert.equal(aborted.status, 204, await aborted.text());
    await assertS3Error(await fetch(complete.url, { method: "POST", body: "" }), 409, "upload_aborted");
  });

  it("ListParts lists what storage holds, and CompleteMultipartUpload finishes it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-list");
    const partSize = 5 * MiB;
    const file = jpegBytes(partSize + 1234);
    const { key, uploadId } = await createThroughS3(user, shootId, file.length);
    for (const partNumber of range(2)) {
      const signed = await signOk(worker, user, { shootId, request: { method: "PUT", key, uploadId, partNumber } });
      const put = await fetch(signed.url, { method: "PUT", headers: signed.headers ?? {}, body: partOf(file, partSize, partNumber) });
      assert.equal(put.status, 200, await put.text());
      assert.ok(put.headers.get("etag"));
    }
    const list = await signOk(worker, user, { shootId, request: { method: "GET", key, uploadId } });
    const listed = await (await fetch(list.url)).text();
    assert.deepEqual([...listed.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1])), [1, 2]);
    assert.deepEqual([...listed.matchAll(/<Size>(\d+)<\/Size>/g)].map((m) => Number(m[1])), [partSize, 1234]);
    const complete = await signOk(worker, user, { shootId, request: { method: "POST", key, uploadId } });
    const done = await fetch(complete.url, { method: "POST", body: "<CompleteMultipartUpload/>" });
    const xml = await done.text();
    assert.equal(done.status, 200, xml);
    assert.equal(xmlValue(xml, "Key"), key);
    assert.match(xmlValue(xml, "ETag") ?? "", /^&quot;.+&quot;$/);
  });
});

describe("sign-request in s3 mode", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: s3Bindings(),
    });
  });
  after(() => worker?.dispose());

  it("presigns a PutObject for R2 (multipart in s3 mode, against a real S3 endpoint: s3-mode.test.js)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "sr-s3");
    const key = `shoots/${shootId}/${fileName(shootId)}`;
    const signed = await signOk(worker, user, { shootId, request: { method: "PUT", key, contentType: "image/jpeg" }, size: 200 * MiB });
    assert.match(signed.url, /^https:\/\/acct123\.r2\.cloudflarestorage\.com\/photos\/shoots\//);
    assert.match(signed.url, /X-Amz-Credential=R2KEYID%2F/, "signed with the R2 key pair");
  });
});
