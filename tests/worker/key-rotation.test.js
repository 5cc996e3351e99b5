// Rotating worker mode's upload signing key without breaking uploads in flight: URLs signed with the previous
// key pair (by Upgate before the rotation, or by any SigV4 library) still verify while
// UPLOAD_SIGNING_KEY_ID_PREVIOUS / UPLOAD_SIGNING_SECRET_PREVIOUS hold it, for every kind of worker-mode URL
// (a single PUT, a part PUT, the S3-style API, a download); every new URL is signed with the current pair; once
// the previous pair is removed its URLs are refused with 403. The real Worker in workerd, restarted on one port
// over one persisted state (R2, KV, the shoot ledger), as a deployment keeps its host and its storage across a
// secret change.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertJsonError, assertJsonOk, complete, fileName, jpegBytes, newUser, post, presignOk, put, uniqueShootId } from "./flow.js";
import { developmentBindings, randomSecret, sleep, startWorker } from "./harness.js";
import { presignDownloads } from "./ledger-flow.js";
import { MiB, createMultipartOk, partOf, putPartOk, signPartsOk } from "./multipart-flow.js";
import { s3EncodePath, sdkPresign } from "./sdk-signing.js";

const keyPair = (label) => ({ keyId: `AK${label}${randomBytes(6).toString("hex").toUpperCase()}`, secret: randomSecret() });
const credentialsOf = (pair) => ({ accessKeyId: pair.keyId, secretAccessKey: pair.secret });
const keyIdOf = (url) => (new URL(url).searchParams.get("X-Amz-Credential") ?? "").split("/")[0];

const signRequest = (worker, user, body) => post(worker, "/api/uploads/sign-request", user, body);
const xmlValue = (text, element) => new RegExp(`<${element}>([^<]*)</${element}>`).exec(text)?.[1];

async function assertS3Error(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get("content-type") ?? "", /^application\/xml/);
  assert.equal(xmlValue(text, "Code"), code, text);
}

// A port nothing listens on now, so each restart of the Worker can take the same one: Upgate's URLs sign their
// host, port included.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

// Three restarts of workerd: a hang fails the suite instead of holding the run.
describe("upload signing key rotation (worker mode)", { timeout: 120_000 }, () => {
  const pairA = keyPair("ROTA"); // the pair before the rotation
  const pairB = keyPair("ROTB"); // the pair after it
  const jwtSecret = randomSecret(); // tokens stay valid across the restarts: only the upload key rotates
  let root;
  let port;
  let worker;

  // The Worker on the shared port and state, with `current` as its key pair and, when given, `previous`.
  async function restart(current, previous = null) {
    await worker?.dispose();
    const bindings = developmentBindings({
      JWT_SECRET: jwtSecret,
      UPLOAD_SIGNING_KEY_ID: current.keyId,
      UPLOAD_SIGNING_SECRET: current.secret,
      ...(previous ? { UPLOAD_SIGNING_KEY_ID_PREVIOUS: previous.keyId, UPLOAD_SIGNING_SECRET_PREVIOUS: previous.secret } : {}),
      RATE_LIMIT_PER_MINUTE: "5000",
    });
    worker = await startWorker({ bindings, port, defaultPersistRoot: root });
    assert.equal(new URL(worker.url).port, String(port), "the restarted Worker serves the same host");
    return worker;
  }

  // Made before the rotation, with pair A: what a client still holds when the key changes.
  let user;
  let shootId;
  const single = { bytes: jpegBytes(4096) };
  const multipart = { bytes: jpegBytes(5 * MiB + 1000), partSize: 5 * MiB };
  const downloaded = { bytes: jpegBytes(2048) };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "upgate-rotation-"));
    port = await freePort();
    await restart(pairA);
    user = await newUser(worker, { prefix: "rotation" });
    shootId = uniqueShootId("rotation");
    await assertJsonOk(await post(worker, "/api/shoots", user, { shootId }), 201);

    // A single PUT, presigned and not yet sent.
    single.item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId, "0001"), contentType: "image/jpeg", size: single.bytes.length,
    });
    // A multipart upload with both its parts signed, and its ListParts and CompleteMultipartUpload URLs.
    multipart.upload = await createMultipartOk(worker, user, {
      shootId, filename: fileName(shootId, "0002"), contentType: "image/jpeg", size: multipart.bytes.length, partSize: multipart.partSize,
    });
    multipart.parts = await signPartsOk(worker, user, multipart.upload.uploadId, [1, 2]);
    const s3Request = (method) => ({ shootId, request: { method, key: multipart.upload.key, uploadId: multipart.upload.uploadId } });
    multipart.listUrl = (await assertJsonOk(await signRequest(worker, user, s3Request("GET")))).url;
    multipart.completeUrl = (await assertJsonOk(await signRequest(worker, user, s3Request("POST")))).url;
    // A completed file and its download URL.
    const item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId, "0003"), contentType: "image/jpeg", size: downloaded.bytes.length,
    });
    assert.equal((await put(item, downloaded.bytes)).status, 200);
    await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    const { downloads } = await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [item.key] }));
    downloaded.url = downloads[0].url;

    for (const url of [single.item.url, ...multipart.parts.map((part) => part.url), multipart.listUrl, multipart.completeUrl, downloaded.url]) {
      assert.equal(keyIdOf(url), pairA.keyId, "before the rotation every URL is signed with pair A");
    }
  });

  after(async () => {
    await worker?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  // An upload presigned now (with the current pair), then presigned again by the AWS SDK's signer with `pair`,
  // as a client holding that pair does: the URL names no upload, so the pending declaration holds it.
  async function sdkPut(pair, sequence) {
    const bytes = jpegBytes(1500);
    const item = await presignOk(worker, user, {
      shootId, filename: fileName(shootId, sequence), contentType: "image/jpeg", size: bytes.length,
    });
    const { url } = await sdkPresign({
      credentials: credentialsOf(pair),
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: s3EncodePath(`/upload/${item.key}`),
      headers: { "content-type": "image/jpeg", "content-length": String(bytes.length) },
      signingDate: new Date(),
      expiresIn: 300,
    });
    return fetch(url, { method: "PUT", headers: { "content-type": "image/jpeg" }, body: bytes });
  }

  it("during the window (current B, previous A), every URL signed with A is still accepted", async () => {
    await restart(pairB, pairA);

    // The single PUT, then its completion.
    const response = await put(single.item, single.bytes);
    assert.equal(response.status, 200, await response.clone().text());
    const done = await assertJsonOk(await complete(worker, user, { uploadId: single.item.uploadId }));
    assert.equal(done.size, single.bytes.length);

    // Both part PUTs, the S3-style ListParts, then CompleteMultipartUpload.
    for (const part of multipart.parts) await putPartOk(part, partOf(multipart.bytes, multipart.partSize, part.partNumber));
    const listed = await fetch(multipart.listUrl);
    const listing = await listed.text();
    assert.equal(listed.status, 200, listing);
    assert.equal((listing.match(/<Part>/g) ?? []).length, 2, listing);
    const completed = await fetch(multipart.completeUrl, { method: "POST", body: "<CompleteMultipartUpload/>" });
    const result = await completed.text();
    assert.equal(completed.status, 200, result);
    assert.equal(xmlValue(result, "Key"), multipart.upload.key);

    // The download.
    const download = await fetch(downloaded.url);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), downloaded.bytes);
  });

  it("during the window, a URL any SigV4 library signs with A verifies; the key id chooses the secret", async () => {
    const withA = await sdkPut(pairA, "0004");
    assert.equal(withA.status, 200, await withA.clone().text());
    const withB = await sdkPut(pairB, "0005");
    assert.equal(withB.status, 200, await withB.clone().text());
    // Pair A's key id with pair B's secret, and a key id the Worker does not know, are refused.
    const mixed = await sdkPut({ keyId: pairA.keyId, secret: pairB.secret }, "0006");
    await assertJsonError(mixed, 403, "signature_invalid", { api: false });
    const unknown = await sdkPut(keyPair("ROTC"), "0007");
    await assertJsonError(unknown, 403, "signature_invalid", { api: false });
  });

  it("during the window, every new URL carries key id B", async () => {
    const bytes = jpegBytes(1000);
    const item = await presignOk(worker, user, { shootId, filename: fileName(shootId, "0008"), contentType: "image/jpeg", size: bytes.length });
    assert.equal(keyIdOf(item.url), pairB.keyId);
    const upload = await createMultipartOk(worker, user, {
      shootId, filename: fileName(shootId, "0009"), contentType: "image/jpeg", size: 6 * MiB, partSize: 5 * MiB,
    });
    const parts = await signPartsOk(worker, user, upload.uploadId, [1, 2]);
    const listing = await assertJsonOk(await signRequest(worker, user, { shootId, request: { method: "GET", key: upload.key, uploadId: upload.uploadId } }));
    const { downloads } = await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [single.item.key] }));
    for (const url of [item.url, ...parts.map((part) => part.url), listing.url, downloads[0].url]) {
      assert.equal(keyIdOf(url), pairB.keyId, url);
    }
    await sleep(100);
    const config = worker.jsonLogs().find((line) => line.event === "config");
    assert.ok(config, "a config log line");
    assert.deepEqual(config.problems, []);
    assert.ok(!config.notes.some((note) => note.includes("PREVIOUS")), JSON.stringify(config.notes));
    assert.ok(!worker.logs.some((line) => line.includes(pairA.secret) || line.includes(pairB.secret)), "no secret is logged");
  });

  it("after the window (previous removed), URLs signed with A are refused 403; those signed with B still work", async () => {
    // A URL signed with B during the window, to hold against the ones signed with A.
    const { downloads } = await assertJsonOk(await presignDownloads(worker, user, { shootId, keys: [single.item.key] }));
    await restart(pairB);

    await assertJsonError(await put(single.item, single.bytes), 403, "signature_invalid", { api: false });
    await assertJsonError(await fetch(downloaded.url), 403, "signature_invalid", { api: false });
    await assertS3Error(await fetch(multipart.listUrl), 403, "signature_invalid");
    const part = multipart.parts[1]; // the last part, 1000 bytes: a refused 5 MiB body would reset the connection
    await assertJsonError(await fetch(part.url, { method: "PUT", headers: part.headers, body: partOf(multipart.bytes, multipart.partSize, 2) }), 403, "signature_invalid", { api: false });
    await assertJsonError(await sdkPut(pairA, "0010"), 403, "signature_invalid", { api: false });

    const download = await fetch(downloads[0].url);
    assert.equal(download.status, 200, "a URL signed with the current pair is unaffected");
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), single.bytes);
    const withB = await sdkPut(pairB, "0011");
    assert.equal(withB.status, 200, await withB.clone().text());
  });
});

describe("upload signing key rotation: the configuration's rules, in the Worker", () => {
  const production = (extra) => ({
    APP_ENV: "production",
    JWT_SECRET: randomSecret(),
    UPLOAD_MODE: "worker",
    UPLOAD_SIGNING_KEY_ID: "AKPRODCURRENT",
    UPLOAD_SIGNING_SECRET: randomSecret(),
    CORS_ORIGINS: "https://photos.example.com",
    ...extra,
  });

  /** @type {[string, Record<string, string>, RegExp][]} */
  const cases = [
    ["half a pair", { UPLOAD_SIGNING_KEY_ID_PREVIOUS: "AKPRODPREVIOUS" }, /UPLOAD_SIGNING_KEY_ID_PREVIOUS is set without UPLOAD_SIGNING_SECRET_PREVIOUS/],
    ["the current key id again", { UPLOAD_SIGNING_KEY_ID_PREVIOUS: "AKPRODCURRENT", UPLOAD_SIGNING_SECRET_PREVIOUS: randomSecret() }, /UPLOAD_SIGNING_KEY_ID_PREVIOUS must differ from UPLOAD_SIGNING_KEY_ID/],
    ["a weak previous secret", { UPLOAD_SIGNING_KEY_ID_PREVIOUS: "AKPRODPREVIOUS", UPLOAD_SIGNING_SECRET_PREVIOUS: "weak-previous" }, /UPLOAD_SIGNING_SECRET_PREVIOUS is shorter than 32 bytes/],
  ];
  for (const [what, extra, problem] of cases) {
    it(`production with ${what} answers 503 misconfigured everywhere but /healthz`, async () => {
      const worker = await startWorker({ bindings: production(extra) });
      try {
        await assertJsonError(await worker.fetch("/api/services"), 503, "misconfigured", { api: false });
        await assertJsonError(await worker.fetch("/readyz"), 503, "misconfigured", { api: false });
        assert.equal((await worker.fetch("/healthz")).status, 200);
        await sleep(100);
        const line = worker.jsonLogs().find((entry) => entry.event === "config");
        assert.ok(line, "a config log line");
        assert.match(line.problems.join(" | "), problem);
        for (const value of Object.values(extra)) assert.ok(!worker.logs.some((raw) => raw.includes(value)), "never the values");
      } finally {
        await worker.dispose();
      }
    });
  }

  it("production with a complete previous pair is ready", async () => {
    const worker = await startWorker({
      bindings: production({ UPLOAD_SIGNING_KEY_ID_PREVIOUS: "AKPRODPREVIOUS", UPLOAD_SIGNING_SECRET_PREVIOUS: randomSecret() }),
    });
    try {
      const services = await worker.fetch("/api/services");
      assert.equal(services.status, 200, await services.clone().text());
    } finally {
      await worker.dispose();
    }
  });
});
