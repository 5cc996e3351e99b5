// Worker-mode multipart uploads (contract 5.4, with 1, 2, 5.1–5.3, 5.5 and 6), black-box against the real Worker in
// workerd: create the upload, sign parts, PUT each part to the Worker with exactly the headers the sign answer
// lists, read the upload back, complete, abort, let the cron clean up, and download what was stored. Files start
// with a real JPEG signature (so complete's magic-bytes check passes) followed by random bytes. Parts are the
// smallest allowed (5 MiB) and few, except in the 64 MiB test; most files are 5 MiB + 1000 bytes: part 1 of 5 MiB
// and a 1000-byte last part, which the refusal tests use so that they send little.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  LEDGER_CLOCK_SCRIPT,
  agePresign,
  assertJsonError,
  assertJsonOk,
  assetAt,
  complete,
  fileName,
  jpegBytes,
  newUser,
  objectAt,
  ownerWithShoot,
  presign,
  presignOk,
  put,
  putShortOverSocket,
  sha256Hex,
  uniqueShootId,
  uploadJpeg,
} from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import {
  HOUR,
  ISO,
  abort,
  assetList,
  get,
  okJson,
  presignDownloads,
  runCleanupAt,
  shootRecord,
  unknownUploadId,
  uploadRecord,
} from "./ledger-flow.js";
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_PART_BYTES,
  GiB,
  MAX_PARTS,
  MAX_PARTS_PER_SIGN,
  MIN_PART_BYTES,
  MiB,
  PRESIGN_TTL_SECONDS,
  WORKER_MAX_SINGLE_PUT_BYTES,
  createMultipart,
  createMultipartOk,
  downloadBytes,
  headerValue,
  inParallel,
  partCountOf,
  partOf,
  partsOf,
  putPart,
  putPartOk,
  range,
  rawJsonBody,
  sha256Base64,
  signParts,
  signPartsOk,
  unquote,
  uploadParts,
} from "./multipart-flow.js";
import { today } from "./tokens.js";

// 5 MiB + 1000 bytes in parts of 5 MiB: two parts, the second 1000 bytes.
const TWO_PARTS = MIN_PART_BYTES + 1000;
// 15 MiB + 1000 bytes in parts of 5 MiB: four parts, the last 1000 bytes.
const FOUR_PARTS = 3 * MIN_PART_BYTES + 1000;

const jpegDeclaration = (shootId, sequence, size, extra = {}) => ({
  shootId,
  filename: fileName(shootId, sequence),
  contentType: "image/jpeg",
  size,
  ...extra,
});

// The parts as GET /api/uploads/<id> lists them, with ETags unquoted, for comparing.
const listed = (parts) => parts.map(({ partNumber, size, etag }) => ({ partNumber, size, etag: unquote(etag) }));

// One worker for every describe below except the two that need their own configuration (smaller limits) or their
// own cron (cleanup): its shoot ledger can be told that time has passed for an upload (POST /__test/rewind), and
// its rate limit is high enough for the many calls of these tests.
let main;
before(async () => {
  main = await startWorker({
    scriptPath: LEDGER_CLOCK_SCRIPT,
    bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }),
  });
});
after(() => main?.dispose());

// A fresh owner and shoot, a JPEG file of `size` random bytes, and a multipart upload created for it in parts of
// `partSize` (5 MiB unless told).
async function newMultipart(prefix, { size = TWO_PARTS, partSize = MIN_PART_BYTES, sequence = "0001", extra = {} } = {}) {
  const { user, shootId } = await ownerWithShoot(main, prefix);
  const file = jpegBytes(size);
  const declaration = jpegDeclaration(shootId, sequence, size, { partSize, ...extra });
  const upload = await createMultipartOk(main, user, declaration);
  return { user, shootId, file, declaration, upload };
}

// ---------------------------------------------------------------------------------------------------------

describe("limits: GET /api/services and presign's 413 multipart_required (defaults)", () => {
  it("GET /api/services carries maxSinglePutBytes (95 MiB), maxUploadBytes (5 GiB) and the multipart part sizes", async () => {
    const anonymous = await assertJsonOk(await get(main, "/api/services"));
    assert.equal(anonymous.maxSinglePutBytes, WORKER_MAX_SINGLE_PUT_BYTES, JSON.stringify(anonymous));
    assert.equal(anonymous.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES);
    assert.deepEqual(anonymous.multipart, {
      minPartBytes: MIN_PART_BYTES,
      maxPartBytes: WORKER_MAX_SINGLE_PUT_BYTES, // min(maxSinglePutBytes, 5 GiB)
      defaultPartBytes: DEFAULT_PART_BYTES,
      maxParts: MAX_PARTS,
    });
    // A token adds the caller's limits; the public view's numbers stay.
    const user = await newUser(main);
    const signedIn = await assertJsonOk(await get(main, "/api/services", user));
    assert.equal(signedIn.maxSinglePutBytes, anonymous.maxSinglePutBytes);
    assert.equal(signedIn.maxUploadBytes, anonymous.maxUploadBytes);
    assert.deepEqual(signedIn.multipart, anonymous.multipart);
  });

  it("presign: one byte over maxSinglePutBytes is 413 multipart_required with maxSinglePutBytes; the limit itself is a single PUT", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-required");
    const over = await presign(main, user, jpegDeclaration(shootId, "0001", WORKER_MAX_SINGLE_PUT_BYTES + 1));
    const body = await assertJsonError(over, 413, "multipart_required");
    assert.equal(body.error.maxSinglePutBytes, WORKER_MAX_SINGLE_PUT_BYTES);
    // Up to maxUploadBytes it is still multipart_required, not file_too_large.
    const atMax = await presign(main, user, jpegDeclaration(shootId, "0002", DEFAULT_MAX_UPLOAD_BYTES));
    assert.equal((await assertJsonError(atMax, 413, "multipart_required")).error.maxSinglePutBytes, WORKER_MAX_SINGLE_PUT_BYTES);
    // Above maxUploadBytes: file_too_large.
    await assertJsonError(await presign(main, user, jpegDeclaration(shootId, "0003", DEFAULT_MAX_UPLOAD_BYTES + 1)), 413, "file_too_large");
    // The limit itself is one PUT (control).
    const item = await presignOk(main, user, jpegDeclaration(shootId, "0004", WORKER_MAX_SINGLE_PUT_BYTES));
    assert.equal(item.method, "PUT");
  });

  it("a batch presign answers multipart_required and file_too_large per file, beside a file that fits", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-batch");
    const files = [
      { filename: fileName(shootId, "0001"), contentType: "image/jpeg", size: 1000 },
      { filename: fileName(shootId, "0002"), contentType: "image/jpeg", size: WORKER_MAX_SINGLE_PUT_BYTES + 1 },
      { filename: fileName(shootId, "0003"), contentType: "image/jpeg", size: DEFAULT_MAX_UPLOAD_BYTES + 1 },
    ];
    const body = await assertJsonOk(await presign(main, user, { shootId, files }));
    assert.deepEqual(body.uploads.map((entry) => entry.error?.code ?? "ok"), ["ok", "multipart_required", "file_too_large"]);
    assert.equal(body.uploads[1].error.maxSinglePutBytes, WORKER_MAX_SINGLE_PUT_BYTES);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("POST /api/uploads/multipart: creating an upload", () => {
  it("answers uploadId, key, partSize, partCount and expiresAt; GET shows it pending, multipart, with no parts yet", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-create");
    const declaration = jpegDeclaration(shootId, "0001", FOUR_PARTS, { partSize: MIN_PART_BYTES });
    const asked = Date.now();
    const upload = await createMultipartOk(main, user, declaration);
    assert.deepEqual(Object.keys(upload).sort(), ["expiresAt", "key", "partCount", "partSize", "uploadId"]);
    assert.match(upload.uploadId, /^up_/);
    assert.equal(upload.key, `shoots/${shootId}/${declaration.filename}`);
    assert.equal(upload.partSize, MIN_PART_BYTES);
    assert.equal(upload.partCount, 4);
    assert.match(upload.expiresAt, ISO);
    assert.ok(Date.parse(upload.expiresAt) > asked, `expiresAt ${upload.expiresAt} is in the future`);

    const record = await uploadRecord(main, user, upload.uploadId);
    assert.equal(record.uploadId, upload.uploadId);
    assert.equal(record.shootId, shootId);
    assert.equal(record.key, upload.key);
    assert.equal(record.state, "pending");
    assert.equal(record.size, FOUR_PARTS);
    assert.equal(record.contentType, "image/jpeg");
    assert.equal(record.multipart, true);
    assert.equal(record.partSize, MIN_PART_BYTES);
    assert.equal(record.partCount, 4);
    assert.deepEqual(record.parts, [], "no part received yet");
    assert.match(record.createdAt, ISO);
    assert.match(record.expiresAt, ISO);
    // The window of a multipart upload: 24 hours after its last part activity (here: its creation).
    const windowEnd = asked + 24 * HOUR;
    assert.ok(Math.abs(Date.parse(record.expiresAt) - windowEnd) < 60_000, `expiresAt ${record.expiresAt} is 24 h ahead`);
    assert.equal(await objectAt(main, upload.key), null, "creating stores no object");
    assert.equal((await shootRecord(main, user, shootId)).stats.uploadsPending, 1);
  });

  it("partSize defaults to 16 MiB and partCount is size / partSize rounded up", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-default");
    /** @type {[size: number, partCount: number][]} */
    const cases = [
      [1, 1],
      [DEFAULT_PART_BYTES, 1],
      [DEFAULT_PART_BYTES + 1, 2],
      [WORKER_MAX_SINGLE_PUT_BYTES + 1, 6],
      [DEFAULT_MAX_UPLOAD_BYTES, 320],
    ];
    for (const [index, [size, partCount]] of cases.entries()) {
      const upload = await createMultipartOk(main, user, jpegDeclaration(shootId, String(index + 1).padStart(4, "0"), size));
      assert.equal(upload.partSize, DEFAULT_PART_BYTES, `size ${size}`);
      assert.equal(upload.partCount, partCount, `size ${size}`);
      assert.equal(partCountOf(size, upload.partSize), upload.partCount);
      const record = await uploadRecord(main, user, upload.uploadId);
      assert.equal(record.partSize, DEFAULT_PART_BYTES);
      assert.equal(record.partCount, partCount);
    }
  });

  it("a requested partSize of exactly 5 MiB or exactly maxPartBytes (95 MiB) is taken as asked", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-bounds-ok");
    const size = 200 * MiB;
    const smallest = await createMultipartOk(main, user, jpegDeclaration(shootId, "0001", size, { partSize: MIN_PART_BYTES }));
    assert.equal(smallest.partSize, MIN_PART_BYTES);
    assert.equal(smallest.partCount, 40);
    const largest = await createMultipartOk(main, user, jpegDeclaration(shootId, "0002", size, { partSize: WORKER_MAX_SINGLE_PUT_BYTES }));
    assert.equal(largest.partSize, WORKER_MAX_SINGLE_PUT_BYTES);
    assert.equal(largest.partCount, 3);
  });

  /** @type {[label: string, partSize: unknown][]} */
  const badPartSizes = [
    ["one byte under 5 MiB", MIN_PART_BYTES - 1],
    ["one byte over maxPartBytes", WORKER_MAX_SINGLE_PUT_BYTES + 1],
    ["5 GiB, over maxPartBytes", 5 * GiB],
    ["zero", 0],
    ["negative", -MIN_PART_BYTES],
    ["not an integer", MIN_PART_BYTES + 0.5],
    ["a string", String(MIN_PART_BYTES)],
  ];
  for (const [label, partSize] of badPartSizes) {
    it(`a requested partSize ${label} is 400 invalid_request naming partSize, and creates nothing`, async () => {
      const { user, shootId } = await ownerWithShoot(main, "mp-bad-part");
      const response = await createMultipart(main, user, jpegDeclaration(shootId, "0001", 200 * MiB, { partSize }));
      const body = await assertJsonError(response, 400, "invalid_request");
      assert.equal(body.error.field, "partSize");
      assert.equal((await shootRecord(main, user, shootId)).stats.uploadsPending, 0);
    });
  }

  it("size: maxUploadBytes is accepted, one byte more is 413 file_too_large; ill-typed is 400 naming size", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-size");
    const atMax = await createMultipartOk(main, user, jpegDeclaration(shootId, "0001", DEFAULT_MAX_UPLOAD_BYTES));
    assert.equal(atMax.partCount, DEFAULT_MAX_UPLOAD_BYTES / DEFAULT_PART_BYTES);
    await assertJsonError(
      await createMultipart(main, user, jpegDeclaration(shootId, "0002", DEFAULT_MAX_UPLOAD_BYTES + 1)),
      413,
      "file_too_large",
    );
    for (const size of ["1000", 1000.5, undefined]) {
      const body = await assertJsonError(await createMultipart(main, user, jpegDeclaration(shootId, "0003", size)), 400, "invalid_request");
      assert.equal(body.error.field, "size", `size ${JSON.stringify(size)}`);
    }
  });

  it("a size of 0 or -1 is refused with the same status and code as presign refuses it", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-size-zero");
    for (const size of [0, -1]) {
      const viaPresign = await presign(main, user, jpegDeclaration(shootId, "0001", size));
      const presignError = (await viaPresign.json()).error;
      assert.notEqual(viaPresign.status, 200, "presign refuses it (control)");
      const response = await createMultipart(main, user, jpegDeclaration(shootId, "0001", size));
      await assertJsonError(response, viaPresign.status, presignError.code);
    }
  });

  it("the same checks and codes as presign: 401, 403 not_shoot_owner, 404 shoot_not_found, 422 invalid_filename, 403 content_type_not_allowed", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-checks");
    const good = jpegDeclaration(shootId, "0001", TWO_PARTS);
    await assertJsonError(await createMultipart(main, null, good), 401, "invalid_token");
    const intruder = await newUser(main);
    await assertJsonError(await createMultipart(main, intruder, good), 403, "not_shoot_owner");
    const ghost = uniqueShootId("mp-ghost");
    await assertJsonError(await createMultipart(main, user, jpegDeclaration(ghost, "0001", TWO_PARTS)), 404, "shoot_not_found");
    const badName = await createMultipart(main, user, { ...good, filename: `${shootId}_${today()}_0000.jpg` });
    assert.equal((await assertJsonError(badName, 422, "invalid_filename")).error.rule, "sequence");
    const mismatch = await createMultipart(main, user, { ...good, filename: fileName(shootId, "0001", { ext: "png" }) });
    assert.equal((await assertJsonError(mismatch, 422, "invalid_filename")).error.rule, "extension_mismatch");
    await assertJsonError(await createMultipart(main, user, { ...good, contentType: "application/pdf" }), 403, "content_type_not_allowed");
    assert.equal((await shootRecord(main, user, shootId)).stats.uploadsPending, 0, "none of them created an upload");
    // An admin may create one on any shoot (control: the same declaration is fine).
    const admin = await newUser(main, { prefix: "admin", claims: { role: "admin" } });
    assert.equal((await createMultipartOk(main, admin, good)).key, `shoots/${shootId}/${good.filename}`);
  });

  it("a key holding a completed file is 409 already_exists, unless replace: true", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-exists");
    const { item } = await uploadJpeg(main, user, shootId, "0001");
    const declaration = jpegDeclaration(shootId, "0001", TWO_PARTS);
    await assertJsonError(await createMultipart(main, user, declaration), 409, "already_exists");
    const replacing = await createMultipartOk(main, user, { ...declaration, replace: true });
    assert.equal(replacing.key, item.key);
    assert.notEqual(replacing.uploadId, item.uploadId);
  });

  it("a declared sha256 that a completed asset of the shoot has under another key answers duplicateOf", async () => {
    const { user, shootId } = await ownerWithShoot(main, "mp-dup");
    const bytes = jpegBytes(300);
    const item = await presignOk(main, user, jpegDeclaration(shootId, "0001", bytes.length, { sha256: sha256Hex(bytes) }));
    assert.equal((await put(item, bytes)).status, 200);
    await assertJsonOk(await complete(main, user, { uploadId: item.uploadId }));
    const duplicate = await createMultipartOk(main, user, jpegDeclaration(shootId, "0002", bytes.length, { sha256: sha256Hex(bytes) }));
    assert.equal(duplicate.duplicateOf, item.key);
    const other = await createMultipartOk(main, user, jpegDeclaration(shootId, "0003", bytes.length, { sha256: sha256Hex(jpegBytes(300)) }));
    assert.equal(other.duplicateOf, undefined, "another digest is no duplicate (control)");
  });

  it("asking again with the same declaration returns the same upload, with the parts it already has", async () => {
    const { user, file, declaration, upload } = await newMultipart("mp-again");
    const parts = await uploadParts(main, user, upload, file, [2]);
    const again = await createMultipartOk(main, user, declaration);
    assert.equal(again.uploadId, upload.uploadId);
    assert.equal(again.key, upload.key);
    assert.equal(again.partSize, upload.partSize);
    assert.equal(again.partCount, upload.partCount);
    assert.deepEqual(listed(again.parts), [{ partNumber: 2, size: 1000, etag: unquote(parts.get(2).etag) }], "the answer lists the parts stored");
    assert.deepEqual(listed(await partsOf(main, user, upload.uploadId)), [
      { partNumber: 2, size: 1000, etag: unquote(parts.get(2).etag) },
    ]);
  });

  it("asking again with another declaration cancels the pending upload: 409 upload_cancelled at complete, its part URLs refused", async () => {
    const { user, file, declaration, upload } = await newMultipart("mp-cancel");
    await uploadParts(main, user, upload, file, [1]);
    const [oldPart] = await signPartsOk(main, user, upload.uploadId, [2]);
    const next = await createMultipartOk(main, user, { ...declaration, size: declaration.size + 1 });
    assert.notEqual(next.uploadId, upload.uploadId);
    assert.equal((await uploadRecord(main, user, upload.uploadId)).state, "cancelled");
    await assertJsonError(await complete(main, user, { uploadId: upload.uploadId }), 409, "upload_cancelled");
    const refused = await putPart(oldPart, partOf(file, MIN_PART_BYTES, 2));
    assert.ok([403, 409, 410].includes(refused.status), `the cancelled upload's URL is refused: ${refused.status} ${await refused.text()}`);
    assert.deepEqual(await partsOf(main, user, next.uploadId), [], "the new upload starts with no parts");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("POST /api/uploads/multipart/sign", () => {
  let user;
  let shootId;
  let four; // a pending upload of 4 parts (5 MiB, 5 MiB, 5 MiB, 1000 bytes); no bytes are sent in this describe
  let many; // a pending upload of 1024 parts (5 GiB in 5 MiB parts)
  before(async () => {
    ({ user, shootId } = await ownerWithShoot(main, "mp-sign"));
    four = await createMultipartOk(main, user, jpegDeclaration(shootId, "0001", FOUR_PARTS, { partSize: MIN_PART_BYTES }));
    many = await createMultipartOk(main, user, jpegDeclaration(shootId, "0002", 5 * GiB, { partSize: MIN_PART_BYTES }));
    assert.equal(many.partCount, 1024);
  });

  it("answers one SigV4-presigned PUT per requested part, in order, at /upload/<key>?partNumber=<n>&uploadId=<id> with the part's exact Content-Length", async () => {
    const asked = Date.now();
    const parts = await signPartsOk(main, user, four.uploadId, [3, 1, 4]);
    const sizes = { 1: MIN_PART_BYTES, 3: MIN_PART_BYTES, 4: 1000 };
    for (const part of parts) {
      assert.equal(part.method, "PUT");
      const url = new URL(part.url);
      assert.equal(url.origin, new URL(main.url).origin, "worker mode: the URL points at this Worker");
      assert.equal(url.pathname, `/upload/${four.key}`);
      assert.equal(url.searchParams.get("partNumber"), String(part.partNumber));
      assert.equal(url.searchParams.get("uploadId"), four.uploadId);
      assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
      assert.match(url.searchParams.get("X-Amz-Credential") ?? "", new RegExp(`^${main.bindings.UPLOAD_SIGNING_KEY_ID}/\\d{8}/auto/s3/aws4_request$`));
      assert.equal(url.searchParams.get("X-Amz-Expires"), String(PRESIGN_TTL_SECONDS));
      const signed = (url.searchParams.get("X-Amz-SignedHeaders") ?? "").split(";");
      assert.ok(signed.includes("host") && signed.includes("content-length"), `signed headers ${signed}`);
      assert.ok(!signed.includes("x-amz-checksum-sha256"), "no part digest was given");
      assert.match(url.searchParams.get("X-Amz-Signature") ?? "", /^[0-9a-f]{64}$/);
      assert.equal(headerValue(part.headers, "content-length"), String(sizes[part.partNumber]), `part ${part.partNumber}`);
      assert.equal(headerValue(part.headers, "x-amz-checksum-sha256"), undefined);
      assert.match(part.expiresAt, ISO);
      const expires = Date.parse(part.expiresAt);
      assert.ok(Math.abs(expires - (asked + PRESIGN_TTL_SECONDS * 1000)) < 60_000, `expiresAt ${part.expiresAt} is ~900 s ahead`);
    }
    assert.equal(new Set(parts.map((part) => part.url)).size, 3, "each part has its own URL");
  });

  it("a part digest is signed: its headers carry x-amz-checksum-sha256, the base64 of the digest", async () => {
    const digest = sha256Hex(Buffer.from("part two"));
    const [one, two] = await signPartsOk(main, user, four.uploadId, [1, 2], { 2: digest });
    assert.equal(headerValue(two.headers, "x-amz-checksum-sha256"), Buffer.from(digest, "hex").toString("base64"));
    assert.ok(new URL(two.url).searchParams.get("X-Amz-SignedHeaders").split(";").includes("x-amz-checksum-sha256"));
    assert.equal(headerValue(one.headers, "x-amz-checksum-sha256"), undefined, "only the part given a digest");
  });

  it("signs up to 100 parts in one call", async () => {
    const numbers = range(MAX_PARTS_PER_SIGN).map((n) => n * 10); // 10, 20, … 1000, all within 1024
    const parts = await signPartsOk(main, user, many.uploadId, numbers);
    assert.equal(parts.length, 100);
    for (const part of parts) assert.equal(new URL(part.url).searchParams.get("partNumber"), String(part.partNumber));
  });

  it("a part number past partCount is refused at sign: 400 invalid_request naming partNumbers", async () => {
    /** @type {[upload: any, partNumbers: number[]][]} */
    const cases = [[four, [5]], [four, [1, 5]], [many, [1025]]];
    for (const [upload, partNumbers] of cases) {
      const body = await assertJsonError(await signParts(main, user, { uploadId: upload.uploadId, partNumbers }), 400, "invalid_request");
      assert.equal(body.error.field, "partNumbers", `${upload.partCount} parts, signing ${JSON.stringify(partNumbers)}`);
    }
    // The last part itself is fine (control).
    await signPartsOk(main, user, four.uploadId, [4]);
    await signPartsOk(main, user, many.uploadId, [1024]);
  });

  /** @type {[label: string, partNumbers: unknown][]} */
  const badLists = [
    ["an empty list", []],
    ["101 numbers", range(101)],
    ["part number 0", [0]],
    ["a negative part number", [-1]],
    ["a fractional part number", [1.5]],
    ["a part number as a string", ["1"]],
    ["a number instead of a list", 1],
    ["no partNumbers at all", undefined],
  ];
  for (const [label, partNumbers] of badLists) {
    it(`${label} is 400 invalid_request naming partNumbers`, async () => {
      const body = await assertJsonError(await signParts(main, user, { uploadId: many.uploadId, partNumbers }), 400, "invalid_request");
      assert.equal(body.error.field, "partNumbers");
    });
  }

  it("a part digest that is not 64 hex characters is 400 invalid_request naming sha256", async () => {
    for (const sha256 of [{ 1: "abc" }, { 1: "g".repeat(64) }, { 1: 12 }, "a".repeat(64)]) {
      const response = await signParts(main, user, { uploadId: four.uploadId, partNumbers: [1], sha256 });
      const body = await assertJsonError(response, 400, "invalid_request");
      assert.match(String(body.error.field), /^sha256/, JSON.stringify(sha256));
    }
  });

  it("no uploadId is 400 naming uploadId; an unknown one is 404 upload_not_found; a single-PUT upload is 400 invalid_request", async () => {
    const missing = await assertJsonError(await signParts(main, user, { partNumbers: [1] }), 400, "invalid_request");
    assert.equal(missing.error.field, "uploadId");
    for (const uploadId of [unknownUploadId(shootId), unknownUploadId(), "up_nope"]) {
      await assertJsonError(await signParts(main, user, { uploadId, partNumbers: [1] }), 404, "upload_not_found");
    }
    const single = await presignOk(main, user, jpegDeclaration(shootId, "0003", 1000));
    await assertJsonError(await signParts(main, user, { uploadId: single.uploadId, partNumbers: [1] }), 400, "invalid_request");
  });

  it("another user's upload is 403 not_shoot_owner; no token is 401 invalid_token", async () => {
    const other = await newUser(main);
    await assertJsonError(await signParts(main, other, { uploadId: four.uploadId, partNumbers: [1] }), 403, "not_shoot_owner");
    await assertJsonError(await signParts(main, null, { uploadId: four.uploadId, partNumbers: [1] }), 401, "invalid_token");
  });

  it("an aborted upload is 409 upload_aborted", async () => {
    const upload = await createMultipartOk(main, user, jpegDeclaration(shootId, "0004", TWO_PARTS, { partSize: MIN_PART_BYTES }));
    await signPartsOk(main, user, upload.uploadId, [1]); // control: signable while pending
    await assertJsonOk(await abort(main, user, { uploadId: upload.uploadId }));
    await assertJsonError(await signParts(main, user, { uploadId: upload.uploadId, partNumbers: [1] }), 409, "upload_aborted");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("part PUTs", () => {
  it("a part re-uploaded replaces the old one: the newest ETag is listed and the file is built from the newest bytes", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-reupload");
    const stale = jpegBytes(MIN_PART_BYTES); // same length and signature as part 1, other bytes
    const [first] = await signPartsOk(main, user, upload.uploadId, [1]);
    const staleAnswer = await putPartOk(first, stale);
    assert.deepEqual(listed(await partsOf(main, user, upload.uploadId)), [
      { partNumber: 1, size: MIN_PART_BYTES, etag: unquote(staleAnswer.etag) },
    ]);
    // Re-signed (allowed) and re-uploaded with the file's real part 1.
    const [again] = await signPartsOk(main, user, upload.uploadId, [1]);
    const freshAnswer = await putPartOk(again, partOf(file, MIN_PART_BYTES, 1));
    assert.notEqual(unquote(freshAnswer.etag), unquote(staleAnswer.etag), "other bytes, another ETag");
    assert.deepEqual(listed(await partsOf(main, user, upload.uploadId)), [
      { partNumber: 1, size: MIN_PART_BYTES, etag: unquote(freshAnswer.etag) },
    ], "one entry for part 1, with the newest ETag");
    await uploadParts(main, user, upload, file, [2]);
    const done = await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId }));
    assert.equal(done.size, file.length);
    const { bytes } = await downloadBytes(main, user, shootId, upload.key);
    assert.ok(bytes.equals(file), "the stored file has the re-uploaded part, not the replaced one");
  });

  it("wrong length: a body shorter than its signed Content-Length is 400 body_length_mismatch and nothing is recorded", async () => {
    const { user, file, upload } = await newMultipart("mp-short");
    const [part] = await signPartsOk(main, user, upload.uploadId, [2]);
    const body = partOf(file, MIN_PART_BYTES, 2);
    assert.equal(headerValue(part.headers, "content-length"), String(body.length));
    const answer = await putShortOverSocket(part, body.subarray(0, body.length - 1));
    assert.equal(answer.status, 400, answer.text);
    assert.match(answer.head, /^content-type: application\/json; charset=utf-8$/im);
    assert.equal(rawJsonBody(answer.text).error.code, "body_length_mismatch");
    assert.deepEqual(await partsOf(main, user, upload.uploadId), [], "no part recorded");
    // The URL is fine: the whole body is accepted (control).
    await putPartOk(part, body);
  });

  it("wrong length: a changed Content-Length (one byte more or less, the body to match) is 403 signature_invalid and nothing is recorded", async () => {
    const { user, file, upload } = await newMultipart("mp-length");
    const [part] = await signPartsOk(main, user, upload.uploadId, [2]);
    const body = partOf(file, MIN_PART_BYTES, 2);
    for (const other of [Buffer.concat([body, Buffer.from([0])]), body.subarray(0, body.length - 1)]) {
      const response = await putPart(part, other, { "Content-Length": String(other.length) });
      await assertJsonError(response, 403, "signature_invalid", { api: false });
    }
    assert.deepEqual(await partsOf(main, user, upload.uploadId), [], "no part recorded");
    await putPartOk(part, body); // control: the signed length goes through
  });

  it("wrong digest: a body whose SHA-256 is not the signed one is 400 checksum_mismatch and does not replace the part", async () => {
    const { user, file, upload } = await newMultipart("mp-digest");
    const body = partOf(file, MIN_PART_BYTES, 2);
    const [part] = await signPartsOk(main, user, upload.uploadId, [2], { 2: sha256Hex(body) });
    assert.equal(headerValue(part.headers, "x-amz-checksum-sha256"), sha256Base64(body));
    const tampered = Buffer.from(body);
    tampered[500] ^= 0xff; // same length, one byte changed
    await assertJsonError(await putPart(part, tampered), 400, "checksum_mismatch", { api: false });
    assert.deepEqual(await partsOf(main, user, upload.uploadId), [], "no part recorded");
    const good = await putPartOk(part, body);
    // A later bad body through the same URL leaves the good part as it was.
    await assertJsonError(await putPart(part, tampered), 400, "checksum_mismatch", { api: false });
    assert.deepEqual(listed(await partsOf(main, user, upload.uploadId)), [{ partNumber: 2, size: 1000, etag: unquote(good.etag) }]);
  });

  it("an altered URL (partNumber changed) is 403 signature_invalid and records neither part", async () => {
    const { user, file, upload } = await newMultipart("mp-tamper");
    const [part] = await signPartsOk(main, user, upload.uploadId, [2]);
    const body = partOf(file, MIN_PART_BYTES, 2);
    const tampered = part.url.replace(/([?&])partNumber=2(?=&|$)/, "$1partNumber=1");
    assert.notEqual(tampered, part.url);
    await assertJsonError(await putPart(part, body, {}, tampered), 403, "signature_invalid", { api: false });
    assert.deepEqual(await partsOf(main, user, upload.uploadId), []);
    await putPartOk(part, body); // control: the URL as signed
  });

  it("a URL for another upload (its uploadId, or its key and uploadId, swapped in) is 403 signature_invalid; neither upload records a part", async () => {
    const { user, shootId, file, upload: a } = await newMultipart("mp-swap");
    const b = await createMultipartOk(main, user, jpegDeclaration(shootId, "0002", TWO_PARTS, { partSize: MIN_PART_BYTES }));
    const [part] = await signPartsOk(main, user, a.uploadId, [2]);
    const body = partOf(file, MIN_PART_BYTES, 2);
    const idSwapped = part.url.replace(`uploadId=${a.uploadId}`, `uploadId=${b.uploadId}`);
    assert.notEqual(idSwapped, part.url);
    await assertJsonError(await putPart(part, body, {}, idSwapped), 403, "signature_invalid", { api: false });
    const bothSwapped = idSwapped.replace(`/upload/${a.key}`, `/upload/${b.key}`);
    assert.notEqual(bothSwapped, idSwapped);
    await assertJsonError(await putPart(part, body, {}, bothSwapped), 403, "signature_invalid", { api: false });
    assert.deepEqual(await partsOf(main, user, a.uploadId), []);
    assert.deepEqual(await partsOf(main, user, b.uploadId), []);
    // Control: the URL as signed writes A's part 2, and only A's.
    await putPartOk(part, body);
    assert.deepEqual((await partsOf(main, user, a.uploadId)).map((entry) => entry.partNumber), [2]);
    assert.deepEqual(await partsOf(main, user, b.uploadId), []);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("complete", () => {
  it("a 64 MiB file in 13 parts of 5 MiB, signed and uploaded shuffled, 4 at a time, completes and downloads byte-identical", async () => {
    const size = 64 * MiB;
    const { user, shootId } = await ownerWithShoot(main, "mp-big");
    const file = jpegBytes(size);
    const digest = sha256Hex(file);
    const upload = await createMultipartOk(main, user, jpegDeclaration(shootId, "0001", size, { partSize: MIN_PART_BYTES, sha256: digest }));
    assert.equal(upload.partSize, MIN_PART_BYTES);
    assert.equal(upload.partCount, 13);
    const expectedSize = (n) => (n < 13 ? MIN_PART_BYTES : size - 12 * MIN_PART_BYTES); // the last: 4 MiB

    // Out of order: signed in two calls, each in a shuffled order, and uploaded in that order, 4 at a time.
    const order = [7, 13, 2, 10, 5, 1, 12, 4, 9, 3, 11, 6, 8];
    const signed = [
      ...(await signPartsOk(main, user, upload.uploadId, order.slice(0, 7))),
      ...(await signPartsOk(main, user, upload.uploadId, order.slice(7))),
    ];
    for (const part of signed) assert.equal(headerValue(part.headers, "content-length"), String(expectedSize(part.partNumber)));
    const { results, maxInFlight } = await inParallel(signed, 4, (part) =>
      putPartOk(part, partOf(file, MIN_PART_BYTES, part.partNumber)),
    );
    assert.equal(maxInFlight, 4, "four part PUTs were in flight at once");

    const record = await uploadRecord(main, user, upload.uploadId);
    assert.equal(record.state, "pending");
    const etagOf = new Map(results.map((answer) => [answer.partNumber, unquote(answer.etag)]));
    assert.deepEqual(
      listed(record.parts),
      range(13).map((n) => ({ partNumber: n, size: expectedSize(n), etag: etagOf.get(n) })),
      "every part listed once, ascending, with its size and ETag",
    );

    const done = await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId }));
    assert.deepEqual(Object.keys(done).sort(), ["completedAt", "contentType", "etag", "key", "size", "uploadId"]);
    assert.equal(done.uploadId, upload.uploadId);
    assert.equal(done.key, upload.key);
    assert.equal(done.size, size);
    assert.equal(done.contentType, "image/jpeg");
    assert.ok(unquote(done.etag).length > 0);
    assert.match(done.completedAt, ISO);
    assert.equal((await objectAt(main, upload.key))?.size, size, "the whole object is stored under the key");

    const { bytes, response } = await downloadBytes(main, user, shootId, upload.key);
    assert.equal(bytes.length, size);
    assert.ok(bytes.equals(file), "downloaded byte-identical");
    assert.equal(unquote(response.headers.get("etag")), unquote(done.etag));
    const asset = await assetAt(main, user, shootId, upload.key);
    assert.equal(asset?.size, size);
    assert.equal(unquote(asset.etag), unquote(done.etag));
    assert.equal(asset.sha256, digest);
    assert.equal((await uploadRecord(main, user, upload.uploadId)).state, "completed");
  });

  it("parts_missing names the gaps, ascending, until every part is there", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-missing", { size: FOUR_PARTS });
    assert.equal(upload.partCount, 4);
    const missing = async () => {
      const body = await assertJsonError(await complete(main, user, { uploadId: upload.uploadId }), 409, "parts_missing");
      return body.error.missing;
    };
    assert.deepEqual(await missing(), [1, 2, 3, 4], "nothing uploaded yet");
    await uploadParts(main, user, upload, file, [4, 2]);
    assert.deepEqual(await missing(), [1, 3]);
    await uploadParts(main, user, upload, file, [3]);
    assert.deepEqual(await missing(), [1]);
    assert.equal(await assetAt(main, user, shootId, upload.key), null, "no asset while parts are missing");
    assert.equal((await uploadRecord(main, user, upload.uploadId)).state, "pending");
    await uploadParts(main, user, upload, file, [1]);
    const done = await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId }));
    assert.equal(done.size, FOUR_PARTS);
    assert.ok((await downloadBytes(main, user, shootId, upload.key)).bytes.equals(file));
  });

  it("resume: half the parts uploaded, all client state but the uploadId dropped; GET lists what arrived, the rest is signed, uploaded and completed", async () => {
    const { user, shootId, file, declaration, upload } = await newMultipart("mp-resume", { size: FOUR_PARTS });
    const before = await uploadParts(main, user, upload, file, [1, 3]);
    const uploadId = upload.uploadId; // all the client kept

    // A new client, with the file and the uploadId only.
    const record = await uploadRecord(main, user, uploadId);
    assert.equal(record.state, "pending");
    assert.equal(record.multipart, true);
    assert.deepEqual(listed(record.parts), [
      { partNumber: 1, size: MIN_PART_BYTES, etag: unquote(before.get(1).etag) },
      { partNumber: 3, size: MIN_PART_BYTES, etag: unquote(before.get(3).etag) },
    ]);
    const have = new Set(record.parts.map((part) => part.partNumber));
    const toDo = range(record.partCount).filter((n) => !have.has(n));
    assert.deepEqual(toDo, [2, 4]);
    // Asking again with the same declaration finds the same upload too.
    assert.equal((await createMultipartOk(main, user, declaration)).uploadId, uploadId);
    await uploadParts(main, user, { uploadId, partSize: record.partSize }, file, toDo, { concurrency: 2 });
    const done = await assertJsonOk(await complete(main, user, { uploadId }));
    assert.equal(done.size, FOUR_PARTS);
    assert.ok((await downloadBytes(main, user, shootId, record.key)).bytes.equals(file), "downloaded byte-identical");
  });

  it("5 concurrent completes get the identical answer and make one asset; completing again answers the same", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-race");
    await uploadParts(main, user, upload, file, [1, 2]);
    const responses = await Promise.all(range(5).map(() => complete(main, user, { uploadId: upload.uploadId })));
    const bodies = [];
    for (const response of responses) bodies.push(await assertJsonOk(response));
    for (const body of bodies.slice(1)) assert.deepEqual(body, bodies[0]);
    assert.equal(bodies[0].size, TWO_PARTS);
    assert.deepEqual(await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId })), bodies[0]);
    const assets = (await assetList(main, user, shootId)).filter((asset) => asset.key === upload.key);
    assert.equal(assets.length, 1);
    const { stats } = await shootRecord(main, user, shootId);
    assert.equal(stats.assets, 1);
    assert.equal(stats.bytes, TWO_PARTS);
    assert.equal(stats.uploadsPending, 0);
  });

  it("a completed upload takes no more parts: sign and part PUT are 409 upload_completed, the file stays as it was", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-done");
    await uploadParts(main, user, upload, file, [1, 2]);
    const [late] = await signPartsOk(main, user, upload.uploadId, [2]); // signed before completion, still unexpired
    const done = await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId }));
    await assertJsonError(await signParts(main, user, { uploadId: upload.uploadId, partNumbers: [2] }), 409, "upload_completed");
    const other = jpegBytes(1000);
    await assertJsonError(await putPart(late, other), 409, "upload_completed", { api: false });
    const { bytes } = await downloadBytes(main, user, shootId, upload.key);
    assert.ok(bytes.equals(file), "the completed file is unchanged");
    assert.equal(unquote((await assetAt(main, user, shootId, upload.key)).etag), unquote(done.etag));
  });

  it("a declared whole-file SHA-256 that does not match is 422 content_mismatch and the object is gone", async () => {
    const declaredOf = jpegBytes(TWO_PARTS); // the digest declared is of other bytes than those uploaded
    const { user, shootId, file, upload } = await newMultipart("mp-mismatch", { extra: { sha256: sha256Hex(declaredOf) } });
    await uploadParts(main, user, upload, file, [1, 2]);
    const body = await assertJsonError(await complete(main, user, { uploadId: upload.uploadId }), 422, "content_mismatch");
    assert.equal(typeof body.error.reason, "string");
    assert.ok(body.error.reason.length > 0, "the mismatch says why");
    assert.equal(await objectAt(main, upload.key), null, "no object under the key");
    assert.equal(await assetAt(main, user, shootId, upload.key), null, "no asset recorded");
    const downloads = await okJson(await presignDownloads(main, user, { shootId, keys: [upload.key] }), "download presign");
    assert.equal(downloads.downloads[0].url, undefined, `no download of it: ${JSON.stringify(downloads.downloads[0])}`);
    assert.equal(downloads.downloads[0].error?.code, "not_found");
    assert.notEqual((await uploadRecord(main, user, upload.uploadId)).state, "completed");
    const { stats } = await shootRecord(main, user, shootId);
    assert.equal(stats.assets, 0);
    assert.equal(stats.rejected, 1);
    const again = await complete(main, user, { uploadId: upload.uploadId });
    assert.notEqual(again.status, 200, `completing the rejected upload again is no success: ${await again.text()}`);
  });

  it("an upload with no part activity for 24 hours is 410 upload_expired at complete, before any cleanup runs", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-late");
    await uploadParts(main, user, upload, file, [1, 2]);
    await agePresign(main, upload, 25 * HOUR);
    await assertJsonError(await complete(main, user, { uploadId: upload.uploadId }), 410, "upload_expired");
    assert.equal(await assetAt(main, user, shootId, upload.key), null);
  });

  it("the 24 hours run from the last part, not from the creation: created 25 h ago, last part 2 h ago, it completes", async () => {
    const { user, file, upload } = await newMultipart("mp-active");
    await uploadParts(main, user, upload, file, [1]);
    await agePresign(main, upload, 23 * HOUR);
    await uploadParts(main, user, upload, file, [2]); // part activity: the window starts again
    await agePresign(main, upload, 2 * HOUR);
    const done = await assertJsonOk(await complete(main, user, { uploadId: upload.uploadId }));
    assert.equal(done.size, TWO_PARTS);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("POST /api/uploads/abort of a multipart upload", () => {
  it("abort frees the upload: 200 {uploadId, state: aborted}, sign and part PUTs are 409 upload_aborted, the key is free again", async () => {
    const { user, shootId, file, declaration, upload } = await newMultipart("mp-abort");
    await uploadParts(main, user, upload, file, [2]);
    const [signedBefore] = await signPartsOk(main, user, upload.uploadId, [2]);
    const aborted = await assertJsonOk(await abort(main, user, { uploadId: upload.uploadId }));
    assert.deepEqual(aborted, { uploadId: upload.uploadId, state: "aborted" });
    assert.equal((await uploadRecord(main, user, upload.uploadId)).state, "aborted");
    await assertJsonError(await signParts(main, user, { uploadId: upload.uploadId, partNumbers: [1] }), 409, "upload_aborted");
    await assertJsonError(await putPart(signedBefore, partOf(file, MIN_PART_BYTES, 2)), 409, "upload_aborted", { api: false });
    assert.equal(await objectAt(main, upload.key), null, "nothing stored under the key");
    assert.deepEqual(await assertJsonOk(await abort(main, user, { uploadId: upload.uploadId })), aborted, "aborting again answers the same");
    assert.equal((await shootRecord(main, user, shootId)).stats.uploadsPending, 0);
    // The key is free: the same declaration starts a new upload, with no parts.
    const fresh = await createMultipartOk(main, user, declaration);
    assert.notEqual(fresh.uploadId, upload.uploadId);
    assert.deepEqual(await partsOf(main, user, fresh.uploadId), []);
  });

  it("complete after abort is 409 upload_aborted, even with every part uploaded", async () => {
    const { user, shootId, file, upload } = await newMultipart("mp-abort-done");
    await uploadParts(main, user, upload, file, [1, 2]);
    await assertJsonOk(await abort(main, user, { uploadId: upload.uploadId }));
    await assertJsonError(await complete(main, user, { uploadId: upload.uploadId }), 409, "upload_aborted");
    assert.equal((await uploadRecord(main, user, upload.uploadId)).state, "aborted");
    assert.equal(await assetAt(main, user, shootId, upload.key), null);
    assert.equal(await objectAt(main, upload.key), null);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("smaller limits: MAX_SINGLE_PUT_BYTES=10485760, MAX_UPLOAD_BYTES=104857600", () => {
  const SINGLE = 10 * MiB;
  const UPLOAD = 100 * MiB;
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: developmentBindings({
        MAX_SINGLE_PUT_BYTES: String(SINGLE),
        MAX_UPLOAD_BYTES: String(UPLOAD),
        RATE_LIMIT_PER_MINUTE: "5000",
      }),
    });
  });
  after(() => worker?.dispose());

  it("GET /api/services reports the configured limits; maxPartBytes is maxSinglePutBytes", async () => {
    const body = await assertJsonOk(await get(worker, "/api/services"));
    assert.equal(body.maxSinglePutBytes, SINGLE);
    assert.equal(body.maxUploadBytes, UPLOAD);
    assert.equal(body.multipart.minPartBytes, MIN_PART_BYTES);
    assert.equal(body.multipart.maxPartBytes, SINGLE);
    assert.equal(body.multipart.maxParts, MAX_PARTS);
    // The default part size is never above the largest allowed (5.4), and services says what create does.
    assert.equal(body.multipart.defaultPartBytes, SINGLE, JSON.stringify(body.multipart));
  });

  it("presign and create follow them: multipart_required above 10 MiB, file_too_large above 100 MiB, partSize at most 10 MiB", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "mp-small");
    const over = await assertJsonError(await presign(worker, user, jpegDeclaration(shootId, "0001", SINGLE + 1)), 413, "multipart_required");
    assert.equal(over.error.maxSinglePutBytes, SINGLE);
    await presignOk(worker, user, jpegDeclaration(shootId, "0002", SINGLE));
    await assertJsonError(await presign(worker, user, jpegDeclaration(shootId, "0003", UPLOAD + 1)), 413, "file_too_large");
    await assertJsonError(await createMultipart(worker, user, jpegDeclaration(shootId, "0004", UPLOAD + 1)), 413, "file_too_large");
    const tooBig = await createMultipart(worker, user, jpegDeclaration(shootId, "0005", UPLOAD, { partSize: SINGLE + 1 }));
    assert.equal((await assertJsonError(tooBig, 400, "invalid_request")).error.field, "partSize");
    const largest = await createMultipartOk(worker, user, jpegDeclaration(shootId, "0006", UPLOAD, { partSize: SINGLE }));
    assert.equal(largest.partCount, 10);
    // No partSize asked: the 16 MiB default is held to the 10 MiB maximum.
    const byDefault = await createMultipartOk(worker, user, jpegDeclaration(shootId, "0007", UPLOAD));
    assert.equal(byDefault.partSize, SINGLE);
    assert.equal(byDefault.partCount, 10);
  });

  it("a file too large for one PUT (12 MiB) goes up in parts of the default size and downloads byte-identical", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "mp-small-up");
    const size = 12 * MiB;
    const file = jpegBytes(size);
    await assertJsonError(await presign(worker, user, jpegDeclaration(shootId, "0001", size)), 413, "multipart_required");
    const upload = await createMultipartOk(worker, user, jpegDeclaration(shootId, "0001", size));
    assert.equal(upload.partSize, SINGLE);
    assert.equal(upload.partCount, 2);
    await uploadParts(worker, user, upload, file, [2, 1], { concurrency: 2 });
    const done = await assertJsonOk(await complete(worker, user, { uploadId: upload.uploadId }));
    assert.equal(done.size, size);
    assert.ok((await downloadBytes(worker, user, shootId, upload.key)).bytes.equals(file));
  });
});

// ---------------------------------------------------------------------------------------------------------

// The cron (contract 5.4, 6): a multipart upload with no part activity for 24 hours is abandoned — cleanup aborts
// it and frees its parts — while one active more recently is left pending. Time passes through the ledger clock
// (POST /__test/rewind moves an upload's last activity back) and the cron's scheduled time.
describe("cleanup of idle multipart uploads", () => {
  let worker;
  let user;
  let shootId;
  let files;
  let idle; // 3 parts, parts 1 and 3 uploaded, then no activity for 25 h
  let recent; // 2 parts, part 2 uploaded 1 h ago
  let revived; // 2 parts, part 1 uploaded 23 h ago, part 2 just now (created 23 h ago)
  let idleLate; // a URL for idle's (1000-byte) part 3, signed before the sweep
  let sweep; // the log line of the run
  before(async () => {
    worker = await startWorker({
      scriptPath: LEDGER_CLOCK_SCRIPT,
      bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }),
      unsafeTriggerHandlers: true,
    });
    ({ user, shootId } = await ownerWithShoot(worker, "mp-sweep"));
    files = { idle: jpegBytes(2 * MIN_PART_BYTES + 1000), recent: jpegBytes(TWO_PARTS), revived: jpegBytes(TWO_PARTS) };
    const create = (sequence, file) =>
      createMultipartOk(worker, user, jpegDeclaration(shootId, sequence, file.length, { partSize: MIN_PART_BYTES }));
    idle = await create("0001", files.idle);
    recent = await create("0002", files.recent);
    revived = await create("0003", files.revived);
    await uploadParts(worker, user, idle, files.idle, [1, 3]);
    [idleLate] = await signPartsOk(worker, user, idle.uploadId, [3]);
    await agePresign(worker, idle, 25 * HOUR);
    await uploadParts(worker, user, recent, files.recent, [2]);
    await agePresign(worker, recent, 1 * HOUR);
    await uploadParts(worker, user, revived, files.revived, [1]);
    await agePresign(worker, revived, 23 * HOUR);
    await uploadParts(worker, user, revived, files.revived, [2]);
    // Two hours from now: idle has been idle 27 h, recent 3 h, revived 2 h (since its last part; 25 h since created).
    [sweep] = await runCleanupAt(worker, Date.now() + 2 * HOUR);
  });
  after(() => worker?.dispose());

  it("the upload idle for 24 hours is aborted by the cron: GET shows expired, complete is 410 upload_expired", async () => {
    assert.equal((await uploadRecord(worker, user, idle.uploadId)).state, "expired");
    await assertJsonError(await complete(worker, user, { uploadId: idle.uploadId }), 410, "upload_expired");
    // A refused PUT is sent a small body: a server may answer before reading it and close the connection.
    const refused = await putPart(idleLate, partOf(files.idle, MIN_PART_BYTES, 3));
    assert.ok(refused.status >= 400 && refused.status < 500, `its part URL is refused: ${refused.status} ${await refused.text()}`);
    assert.equal(await objectAt(worker, idle.key), null);
    assert.equal(await assetAt(worker, user, shootId, idle.key), null);
  });

  it("the run's cleanup log line counts the idle upload's two parts as freed", async () => {
    assert.equal(sweep.event, "cleanup");
    assert.equal(sweep.parts_deleted, 2, `parts freed: ${JSON.stringify(sweep)}`);
  });

  it("uploads with recent part activity are left pending by the same run and still complete", async () => {
    assert.equal((await uploadRecord(worker, user, recent.uploadId)).state, "pending");
    assert.equal((await uploadRecord(worker, user, revived.uploadId)).state, "pending", "its last part, not its creation, counts");
    assert.equal((await shootRecord(worker, user, shootId)).stats.uploadsPending, 2);
    assert.deepEqual((await partsOf(worker, user, recent.uploadId)).map((part) => part.partNumber), [2], "its part is kept");
    await uploadParts(worker, user, recent, files.recent, [1]);
    for (const [upload, file] of [[recent, files.recent], [revived, files.revived]]) {
      const done = await assertJsonOk(await complete(worker, user, { uploadId: upload.uploadId }));
      assert.equal(done.size, file.length);
      assert.ok((await downloadBytes(worker, user, shootId, upload.key)).bytes.equals(file), `${upload.key} byte-identical`);
    }
  });

  it("a second run frees nothing more", async () => {
    const [again] = await runCleanupAt(worker, Date.now() + 2 * HOUR);
    assert.notEqual(again.request_id, sweep.request_id);
    assert.equal(again.parts_deleted, 0, JSON.stringify(again));
    assert.equal((await uploadRecord(worker, user, idle.uploadId)).state, "expired");
  });
});
