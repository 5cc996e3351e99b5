// SigV4 query presigning (contract section 5) cross-checked against the AWS SDK for JavaScript's signer
// (@smithy/signature-v4 with @aws-crypto/sha256-js): the core's engine through the probe's sigv4_presign op,
// worker mode accepting an SDK-presigned URL and refusing altered ones, and s3 mode's presigned URLs.
//
// SDK options, read from node_modules/@smithy/signature-v4/dist-cjs/index.js:
//  - uriEscapePath: false. With the default (true) the signer normalises the path (drops empty segments, "."
//    and "..") and escapes it a second time: right for other AWS services, wrong for S3, which signs the path
//    exactly as sent. @aws-sdk/client-s3 constructs its signer with uriEscapePath: false and hands it a path
//    it has already encoded once. So: the core takes the *decoded* path and S3-encodes it once; the SDK takes
//    that once-encoded path verbatim. Both must end up with the same canonical URI.
//  - The payload hash: presign() hashes the request body (an absent body hashes as the empty string) unless
//    the request carries an x-amz-content-sha256 header, whose value it then uses. S3 presigned URLs sign
//    UNSIGNED-PAYLOAD, so the request carries "x-amz-content-sha256: UNSIGNED-PAYLOAD" (as
//    @aws-sdk/s3-request-presigner does), declared unsignable and unhoistable so it appears neither among the
//    signed headers nor in the query.
//  - presign() hoists every x-amz-* header into the query string unless it is listed in unhoistableHeaders;
//    x-amz-checksum-sha256 must stay a signed header, so it goes in unhoistableHeaders.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { developmentBindings, randomSecret, startWorker } from "./harness.js";
import { UNSIGNED, amzDateToDate, s3EncodePath, sdkPresign } from "./sdk-signing.js";
import { bearer, hs256Token, today } from "./tokens.js";

// ---- helpers --------------------------------------------------------------------------------------------

// The contract's error shape, with the request id of the response.
async function assertJsonError(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  const body = JSON.parse(text);
  assert.match(body.error.code, /^[a-z0-9]+(_[a-z0-9]+)*$/);
  if (code) assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.request_id, response.headers.get("x-request-id"));
  assert.match(body.error.request_id, /^[A-Za-z0-9._-]{1,64}$/);
  return body;
}

// ---- the core's presign against the SDK (probe Worker) --------------------------------------------------

describe("the core's sigv4_presign and the SDK's presign() sign alike (probe Worker)", () => {
  // The AWS documentation's example secret, put together at run time so secret scanners do not flag a
  // published example as a leaked key.
  const credentials = { accessKeyId: "AKIDEXAMPLE0001", secretAccessKey: ["wJalrXUtnFEMI", "K7MDENG+bPxRfiCYEXAMPLEKEY"].join("/") };
  const HOST = "acct123.r2.cloudflarestorage.com";
  const NOW = 1767268800 + 3723; // 2026-01-01T13:02:03Z
  const EXPIRES = 900;
  const HEADERS = { "content-type": "image/jpeg", "content-length": "123456" };
  let probe;

  before(async () => {
    probe = await startWorker({ scriptPath: "tests/worker/fixtures/core-probe.js" });
  });
  after(() => probe?.dispose());

  /** @param {{method?: string, host?: string, path: string, headers?: Record<string, string>, now?: number, expires?: number}} options */
  async function corePresign({ method = "PUT", host = HOST, path, headers = HEADERS, now = NOW, expires = EXPIRES }) {
    const response = await probe.fetch("/", {
      method: "POST",
      body: JSON.stringify({
        op: "sigv4_presign",
        access_key_id: credentials.accessKeyId,
        secret_access_key: credentials.secretAccessKey,
        method,
        host,
        path,
        headers,
        now_seconds: now,
        expires,
      }),
    });
    assert.equal(response.status, 200);
    const answer = await response.json();
    assert.equal(answer.error, undefined, JSON.stringify(answer));
    return answer;
  }

  const keys = [
    ["a plain name", "smith-wedding_20261121_0042_edit.jpg"],
    ["spaces", "my photo 1.jpg"],
    ["'+'", "a+b.jpg"],
    ["'='", "a=b=c.jpg"],
    ["'~'", "~tilde~.jpg"],
    ["'%'", "100%.jpg"],
    ["'%' followed by hex digits", "50%20off.jpg"],
    ["é", "café.jpg"],
    ["日本", "日本/写真.jpg"],
    ["an empty segment", "a//b.jpg"],
    ["a trailing slash", "folder/"],
    ["'.' and '..' segments", "./x/../y.jpg"],
    ["reserved characters", "!*'();:@&$,?#[].jpg"],
  ];
  // The core gets the decoded path and S3-encodes it once; the SDK (uriEscapePath: false) signs the path it is
  // given verbatim, so it gets that once-encoded form: "a b" -> "a%20b", "100%" -> "100%25", "é" -> "%C3%A9".
  for (const [label, key] of keys) {
    it(`same signature for a key with ${label}: ${JSON.stringify(key)}`, async () => {
      const decodedPath = `/photos/shoots/smith-wedding/${key}`;
      const core = await corePresign({ path: decodedPath });
      const sdk = await sdkPresign({
        credentials,
        hostname: HOST,
        path: s3EncodePath(decodedPath),
        headers: HEADERS,
        signingDate: new Date(NOW * 1000),
        expiresIn: EXPIRES,
      });
      assert.match(core.signature, /^[0-9a-f]{64}$/);
      assert.equal(core.signature, sdk.signature);
      // The core's URL path is the once-encoded path the SDK signed, and its query carries the same values.
      const [corePath, coreQuery] = core.url.split("?");
      assert.equal(corePath, s3EncodePath(decodedPath));
      const params = Object.fromEntries(new URLSearchParams(coreQuery));
      for (const name of ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"]) {
        assert.equal(params[name], sdk.query[name], name);
      }
      assert.equal(params["X-Amz-SignedHeaders"], "content-length;content-type;host");
      assert.equal(params["X-Amz-Signature"], core.signature);
    });
  }

  it("same signature for a GET signing only host, with a host that carries a port", async () => {
    const path = "/upload/shoots/x/y z.jpg";
    const core = await corePresign({ method: "GET", host: "127.0.0.1:8787", path, headers: {}, expires: 60 });
    const sdk = await sdkPresign({
      credentials,
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 8787,
      path: s3EncodePath(path),
      signingDate: new Date(NOW * 1000),
      expiresIn: 60,
    });
    assert.equal(sdk.query["X-Amz-SignedHeaders"], "host");
    assert.equal(core.signature, sdk.signature);
  });

  it("same signature with x-amz-checksum-sha256 signed as a header", async () => {
    const headers = { ...HEADERS, "x-amz-checksum-sha256": createHash("sha256").update("photo").digest("base64") };
    const core = await corePresign({ path: "/photos/shoots/x/a.jpg", headers });
    const sdk = await sdkPresign({
      credentials,
      hostname: HOST,
      path: "/photos/shoots/x/a.jpg",
      headers,
      signingDate: new Date(NOW * 1000),
      expiresIn: EXPIRES,
      unhoistable: ["x-amz-checksum-sha256"],
    });
    assert.equal(sdk.query["X-Amz-SignedHeaders"], "content-length;content-type;host;x-amz-checksum-sha256");
    assert.equal(core.signature, sdk.signature);
  });

  it("a signing time just before midnight UTC scopes to that day", async () => {
    const beforeMidnight = 1767225600 - 1; // 2025-12-31T23:59:59Z
    const core = await corePresign({ path: "/photos/a.jpg", now: beforeMidnight });
    const sdk = await sdkPresign({
      credentials,
      hostname: HOST,
      path: "/photos/a.jpg",
      headers: HEADERS,
      signingDate: new Date(beforeMidnight * 1000),
      expiresIn: EXPIRES,
    });
    assert.equal(sdk.query["X-Amz-Credential"], `${credentials.accessKeyId}/20251231/auto/s3/aws4_request`);
    assert.equal(core.signature, sdk.signature);
  });

  describe("the SDK options matter (why uriEscapePath: false and unhoistableHeaders)", () => {
    it("with the SDK's default uriEscapePath (double encoding, normalised path) the signatures differ", async () => {
      for (const key of ["my photo 1.jpg", "a//b.jpg"]) {
        const decodedPath = `/photos/shoots/x/${key}`;
        const core = await corePresign({ path: decodedPath });
        const sdk = await sdkPresign({
          credentials,
          hostname: HOST,
          path: s3EncodePath(decodedPath),
          headers: HEADERS,
          signingDate: new Date(NOW * 1000),
          expiresIn: EXPIRES,
          uriEscapePath: true,
        });
        assert.notEqual(core.signature, sdk.signature, key);
      }
    });

    it("without unhoistableHeaders the SDK moves x-amz-checksum-sha256 into the query", async () => {
      const headers = { ...HEADERS, "x-amz-checksum-sha256": createHash("sha256").update("photo").digest("base64") };
      const core = await corePresign({ path: "/photos/a.jpg", headers });
      const sdk = await sdkPresign({
        credentials,
        hostname: HOST,
        path: "/photos/a.jpg",
        headers,
        signingDate: new Date(NOW * 1000),
        expiresIn: EXPIRES,
      });
      assert.equal(sdk.query["x-amz-checksum-sha256"], headers["x-amz-checksum-sha256"]);
      assert.equal(sdk.query["X-Amz-SignedHeaders"], "content-length;content-type;host");
      assert.notEqual(core.signature, sdk.signature);
    });
  });
});

// ---- worker mode: the Worker verifies URLs the SDK presigned --------------------------------------------

describe("worker mode accepts a URL the SDK presigned with the worker-mode key pair", () => {
  const SHOOT = "smith-wedding";
  let worker;
  let credentials;
  let bucket;

  let owner;

  before(async () => {
    worker = await startWorker();
    credentials = {
      accessKeyId: worker.bindings.UPLOAD_SIGNING_KEY_ID,
      secretAccessKey: worker.bindings.UPLOAD_SIGNING_SECRET,
    };
    bucket = await worker.mf.getR2Bucket("BUCKET");
    owner = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "smith" }));
    const created = await worker.fetch("/api/shoots", { method: "POST", headers: owner, body: JSON.stringify({ shootId: SHOOT }) });
    assert.equal(created.status, 201, await created.text());
  });
  after(() => worker?.dispose());

  // An SDK URL carries no upload id: the Worker writes for it only when the key has a pending upload of the
  // same declaration (contract 5.5), so each accepted PUT is declared through the API first.
  async function declare(file, body, contentType = "image/jpeg") {
    const response = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers: owner,
      body: JSON.stringify({ shootId: SHOOT, filename: file, contentType, size: body.length }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return response.json();
  }

  let seq = 0;
  // A fresh valid file name per test, so one test's object never answers for another's.
  const nextFile = () => `${SHOOT}_${today()}_${String(++seq).padStart(4, "0")}.jpg`;

  // Presigns PUT /upload/shoots/<shoot>/<file> for this body with the SDK, signing content-type and
  // content-length (and host).
  /**
   * @param {string} file
   * @param {Buffer} body
   * @param {{contentType?: string} & Partial<Parameters<typeof sdkPresign>[0]>} [options] and other sdkPresign options
   */
  function presignUpload(file, body, { contentType = "image/jpeg", signingDate = new Date(), expiresIn = 900, ...rest } = {}) {
    const url = new URL(worker.url);
    return sdkPresign({
      credentials,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: s3EncodePath(`/upload/shoots/${SHOOT}/${file}`),
      headers: { "content-type": contentType, "content-length": String(body.length) },
      signingDate,
      expiresIn,
      ...rest,
    });
  }

  const put = (url, body, contentType = "image/jpeg") =>
    fetch(url, { method: "PUT", headers: { "content-type": contentType }, body });

  it("the PUT answers 200 with key, size and etag, and the object is in the bucket", async () => {
    const file = nextFile();
    const body = randomBytes(1234);
    const pending = await declare(file, body);
    const { url } = await presignUpload(file, body);
    const response = await put(url, body);
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const answer = JSON.parse(text);
    assert.equal(answer.key, `shoots/${SHOOT}/${file}`);
    assert.equal(answer.size, 1234);
    assert.equal(typeof answer.etag, "string");
    assert.ok(answer.etag.length > 0);
    const stored = await bucket.head(answer.key);
    assert.ok(stored, "the object exists");
    assert.equal(stored.size, 1234);
    assert.equal(stored.httpMetadata.contentType, "image/jpeg");
    assert.equal(stored.customMetadata["upload-id"], pending.uploadId, "the object names the upload it belongs to");
  });

  it("with no upload pending on the key, the SDK URL is 409 upload_superseded and stores nothing", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const { url } = await presignUpload(file, body);
    await assertJsonError(await put(url, body), 409, "upload_superseded");
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  it("with an upload of another size pending on the key, it is 409 upload_superseded and stores nothing", async () => {
    const file = nextFile();
    await declare(file, randomBytes(200));
    const body = randomBytes(100);
    const { url } = await presignUpload(file, body);
    await assertJsonError(await put(url, body), 409, "upload_superseded");
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  it("a URL like @aws-sdk/s3-request-presigner's, with X-Amz-Content-Sha256 in the query, is accepted", async () => {
    const file = nextFile();
    const body = randomBytes(10);
    await declare(file, body);
    const { url, query } = await presignUpload(file, body, { hoistPayloadHash: true });
    assert.equal(query[UNSIGNED], "UNSIGNED-PAYLOAD");
    const response = await put(url, body);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal((await response.json()).key, `shoots/${SHOOT}/${file}`);
  });

  it("another Content-Type than the signed one: 403, nothing stored", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const { url } = await presignUpload(file, body);
    await assertJsonError(await put(url, body, "image/png"), 403);
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  it("another length than the signed one: 403, nothing stored", async () => {
    const file = nextFile();
    const { url } = await presignUpload(file, randomBytes(100));
    await assertJsonError(await put(url, randomBytes(101)), 403);
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  it("a changed query parameter (X-Amz-Expires 900 -> 901): 403", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const { url } = await presignUpload(file, body);
    assert.ok(url.includes("X-Amz-Expires=900&"));
    await assertJsonError(await put(url.replace("X-Amz-Expires=900&", "X-Amz-Expires=901&"), body), 403);
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  it("an added query parameter: 403", async () => {
    const body = randomBytes(100);
    const { url } = await presignUpload(nextFile(), body);
    await assertJsonError(await put(`${url}&x-id=PutObject`, body), 403);
  });

  it("another object key in the path: 403", async () => {
    const body = randomBytes(100);
    const file = nextFile();
    const { url } = await presignUpload(file, body);
    const other = nextFile();
    await assertJsonError(await put(url.replace(file, other), body), 403);
    assert.equal(await bucket.head(`shoots/${SHOOT}/${other}`), null);
  });

  it("signed with another secret under the same key id: 403", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const forged = { accessKeyId: credentials.accessKeyId, secretAccessKey: randomSecret() };
    const { url } = await presignUpload(file, body, { credentials: forged });
    await assertJsonError(await put(url, body), 403);
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });

  // S3 SDK presigners sign no Content-Type: the upload pending on the key holds the PUT to its declared type.
  it("a URL that does not sign Content-Type is held to the pending upload's type: another is 409, the declared one 200", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const base = new URL(worker.url);
    const { url, query } = await sdkPresign({
      credentials,
      protocol: base.protocol,
      hostname: base.hostname,
      port: Number(base.port),
      path: `/upload/shoots/${SHOOT}/${file}`,
      headers: { "content-length": String(body.length) },
      signingDate: new Date(),
      expiresIn: 900,
    });
    assert.equal(query["X-Amz-SignedHeaders"], "content-length;host");
    await declare(file, body);
    await assertJsonError(await put(url, body, "image/png"), 409, "upload_superseded");
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
    const accepted = await put(url, body, "image/jpeg");
    assert.equal(accepted.status, 200, await accepted.text());
    assert.equal((await bucket.head(`shoots/${SHOOT}/${file}`)).httpMetadata.contentType, "image/jpeg");
  });

  it("presigned 20 minutes ago for 60 seconds: 403 url_expired", async () => {
    const file = nextFile();
    const body = randomBytes(100);
    const { url } = await presignUpload(file, body, { signingDate: new Date(Date.now() - 20 * 60_000), expiresIn: 60 });
    await assertJsonError(await put(url, body), 403, "url_expired");
    assert.equal(await bucket.head(`shoots/${SHOOT}/${file}`), null);
  });
});

// ---- s3 mode: the Worker's presigned URLs match the SDK's -------------------------------------------------

describe("s3 mode: POST /api/uploads/presign returns the URL the SDK would presign", () => {
  const ENDPOINT_HOST = "acct123.r2.cloudflarestorage.com";
  const SHOOT = "jones-portraits";
  let worker;
  let credentials;
  let token;

  before(async () => {
    worker = await startWorker({
      bindings: developmentBindings({
        UPLOAD_MODE: "s3",
        R2_S3_ENDPOINT: `https://${ENDPOINT_HOST}`,
        R2_BUCKET_NAME: "photos",
        R2_ACCESS_KEY_ID: "R2KEY" + randomBytes(8).toString("hex").toUpperCase(),
        R2_SECRET_ACCESS_KEY: randomSecret(32),
      }),
    });
    credentials = {
      accessKeyId: worker.bindings.R2_ACCESS_KEY_ID,
      secretAccessKey: worker.bindings.R2_SECRET_ACCESS_KEY,
    };
    token = await hs256Token(worker.bindings.JWT_SECRET, { sub: "jones" });
    const created = await worker.fetch("/api/shoots", {
      method: "POST",
      headers: bearer(token),
      body: JSON.stringify({ shootId: SHOOT }),
    });
    assert.equal(created.status, 201, await created.text());
  });
  after(() => worker?.dispose());

  async function presign(file) {
    const response = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers: bearer(token),
      body: JSON.stringify({ shootId: SHOOT, ...file }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const answer = JSON.parse(text);
    assert.equal(answer.method, "PUT");
    return answer;
  }

  // The SDK's presign for the request the returned URL and headers describe, at the URL's own X-Amz-Date.
  async function sdkFor(answer, headers, unhoistable = []) {
    const url = new URL(answer.url);
    return sdkPresign({
      credentials,
      hostname: url.hostname,
      path: url.pathname,
      headers,
      signingDate: amzDateToDate(url.searchParams.get("X-Amz-Date")),
      expiresIn: Number(url.searchParams.get("X-Amz-Expires")),
      unhoistable,
    });
  }

  it("a plain file: path-style URL on the R2 endpoint, signed like the SDK signs it", async () => {
    const filename = `${SHOOT}_${today()}_0001.jpg`;
    const answer = await presign({ filename, contentType: "image/jpeg", size: 4321 });
    const url = new URL(answer.url);
    assert.equal(url.protocol, "https:");
    assert.equal(url.host, ENDPOINT_HOST);
    assert.equal(url.pathname, `/photos/shoots/${SHOOT}/${filename}`);
    assert.equal(answer.key, `shoots/${SHOOT}/${filename}`);
    assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    assert.equal(url.searchParams.get("X-Amz-Expires"), "900");
    // If-None-Match: * lets R2 refuse a stale URL (412); x-amz-meta-upload-id names the upload in the object.
    assert.equal(
      url.searchParams.get("X-Amz-SignedHeaders"),
      "content-length;content-type;host;if-none-match;x-amz-meta-upload-id",
    );
    assert.match(url.searchParams.get("X-Amz-Credential"), new RegExp(`^${credentials.accessKeyId}/\\d{8}/auto/s3/aws4_request$`));
    const signedAt = amzDateToDate(url.searchParams.get("X-Amz-Date"));
    assert.equal(Date.parse(answer.expiresAt), signedAt.getTime() + 900_000);
    assert.equal(answer.headers["Content-Type"], "image/jpeg");
    assert.equal(answer.headers["Content-Length"], "4321");
    assert.equal(answer.headers["If-None-Match"], "*");
    assert.equal(answer.headers["x-amz-meta-upload-id"], answer.uploadId);

    const sdk = await sdkFor(answer, {
      "content-type": "image/jpeg",
      "content-length": "4321",
      "if-none-match": "*",
      "x-amz-meta-upload-id": answer.uploadId,
    }, ["x-amz-meta-upload-id"]);
    assert.equal(url.searchParams.get("X-Amz-Signature"), sdk.signature);
    assert.equal(url.searchParams.get("X-Amz-Credential"), sdk.query["X-Amz-Credential"]);
  });

  it("the signature covers the length: the SDK's signature for another size differs", async () => {
    const filename = `${SHOOT}_${today()}_0002.jpg`;
    const answer = await presign({ filename, contentType: "image/jpeg", size: 4321 });
    const sdk = await sdkFor(answer, {
      "content-type": "image/jpeg",
      "content-length": "4322",
      "if-none-match": "*",
      "x-amz-meta-upload-id": answer.uploadId,
    }, ["x-amz-meta-upload-id"]);
    assert.notEqual(new URL(answer.url).searchParams.get("X-Amz-Signature"), sdk.signature);
  });

  it("with a declared sha256: x-amz-checksum-sha256 (base64 digest) is returned and signed like the SDK signs it", async () => {
    const filename = `${SHOOT}_${today()}_0003.jpg`;
    const content = randomBytes(2048);
    const digest = createHash("sha256").update(content);
    const [hex, base64] = [digest.copy().digest("hex"), digest.digest("base64")];
    const answer = await presign({ filename, contentType: "image/jpeg", size: content.length, sha256: hex });
    assert.equal(answer.headers["x-amz-checksum-sha256"], base64);
    const url = new URL(answer.url);
    assert.equal(
      url.searchParams.get("X-Amz-SignedHeaders"),
      "content-length;content-type;host;if-none-match;x-amz-checksum-sha256;x-amz-meta-upload-id",
    );

    const sdk = await sdkFor(
      answer,
      {
        "content-type": "image/jpeg",
        "content-length": String(content.length),
        "x-amz-checksum-sha256": base64,
        "if-none-match": "*",
        "x-amz-meta-upload-id": answer.uploadId,
      },
      ["x-amz-checksum-sha256", "x-amz-meta-upload-id"],
    );
    assert.equal(url.searchParams.get("X-Amz-Signature"), sdk.signature);
  });
});
