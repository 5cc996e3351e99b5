// The shoot ledger (contract sections 3, 5.1–5.3, 5.5): one SQLite-backed Durable Object per shoot is the
// authority for its owner, its uploads and its assets. Concurrent creates of one shoot, concurrent presigns of
// one key and concurrent completes of one upload each come out as one decision; the shoot's stats are exact;
// an upload can be read back, aborted, and is refused once cancelled or aborted. Real workerd, real local R2,
// KV and Durable Objects, over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  assertJsonError,
  assertJsonOk,
  complete,
  fileName,
  jpegBytes,
  newUser,
  objectAt,
  ownerWithShoot,
  pngBytes,
  post,
  presign,
  presignOk,
  put,
  sha256Hex,
  uniqueShootId,
  uploadJpeg,
} from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import {
  HOUR,
  ISO,
  abort,
  get,
  shootRecord,
  unknownUploadId,
  until,
  uploadRecord,
} from "./ledger-flow.js";

const startLedgerWorker = () => startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) });

const jpegDeclaration = (shootId, sequence, bytes, extra = {}) => ({
  shootId,
  filename: fileName(shootId, sequence),
  contentType: "image/jpeg",
  size: bytes.length,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------------

describe("shoots in the ledger", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("of 8 concurrent creates of one id exactly one is 201, the others 409 shoot_exists; the owner stays (10 rounds)", async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => newUser(worker, { prefix: "racer" })));
    for (let round = 0; round < 10; round++) {
      const shootId = uniqueShootId(`race${round}`);
      const responses = await Promise.all(users.map((user) => post(worker, "/api/shoots", user, { shootId })));
      const answers = await Promise.all(responses.map(async (response) => ({ status: response.status, body: await response.json() })));
      const winners = answers.flatMap((answer, i) => (answer.status === 201 ? [i] : []));
      assert.equal(winners.length, 1, `round ${round}: exactly one 201, got ${JSON.stringify(answers.map((a) => a.status))}`);
      const winner = users[winners[0]];
      assert.equal(answers[winners[0]].body.owner, winner.sub);
      assert.equal(answers[winners[0]].body.shootId, shootId);
      for (const [i, answer] of answers.entries()) {
        if (i === winners[0]) continue;
        assert.equal(answer.status, 409, `round ${round}, user ${i}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error.code, "shoot_exists");
      }
      const read = await shootRecord(worker, winner, shootId);
      assert.equal(read.owner, winner.sub, `round ${round}: the shoot belongs to the one who got 201`);
      for (const [i, loser] of users.entries()) {
        if (i === winners[0]) continue;
        const response = await get(worker, `/api/shoots/${shootId}`, loser);
        await assertJsonError(response, 403, "not_shoot_owner");
      }
    }
  });

  it("GET /api/shoots lists the caller's shoots, newest first, without a cursor on the last page", async () => {
    const alice = await newUser(worker, { prefix: "lister" });
    const bob = await newUser(worker, { prefix: "lister" });
    const created = [];
    for (let i = 0; i < 3; i++) {
      const shootId = uniqueShootId(`list${i}`);
      created.push(await assertJsonOk(await post(worker, "/api/shoots", alice, { shootId }), 201));
    }
    const bobs = await assertJsonOk(await post(worker, "/api/shoots", bob, { shootId: uniqueShootId("list-bob") }), 201);

    // The list is an eventually consistent index: it may lag a new shoot.
    const listOf = async (user) => assertJsonOk(await get(worker, "/api/shoots", user));
    const page = await until(async () => {
      const body = await listOf(alice);
      return body.shoots?.length >= 3 ? body : null;
    }, "alice's 3 shoots in GET /api/shoots");
    assert.deepEqual(
      page.shoots.map((shoot) => shoot.shootId),
      created.map((shoot) => shoot.shootId).reverse(),
      "exactly her 3 shoots, newest first",
    );
    for (const [i, shoot] of page.shoots.entries()) {
      assert.equal(shoot.owner, alice.sub);
      assert.match(shoot.createdAt, ISO);
      assert.equal(shoot.createdAt, created[2 - i].createdAt, "the createdAt the create answered");
    }
    assert.equal(page.cursor, undefined, "no cursor on the last page");
    assert.ok(!("cursor" in page), "the cursor is absent, not null");

    const bobPage = await until(async () => {
      const body = await listOf(bob);
      return body.shoots?.length >= 1 ? body : null;
    }, "bob's shoot in GET /api/shoots");
    assert.deepEqual(bobPage.shoots.map((shoot) => shoot.shootId), [bobs.shootId]);
  });

  it("GET /api/shoots without a token is 401 invalid_token", async () => {
    const response = await get(worker, "/api/shoots");
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="upgate", error="invalid_token"');
    await assertJsonError(response, 401, "invalid_token");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("a shoot's stats", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("are exact after presigns, completions, a content_mismatch rejection and a duplicate", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "stats");
    const stats = async () => {
      const body = await shootRecord(worker, user, shootId);
      assert.equal(body.shootId, shootId);
      assert.equal(body.owner, user.sub);
      assert.match(body.createdAt, ISO);
      return body.stats;
    };
    assert.deepEqual(await stats(), { uploadsPending: 0, assets: 0, bytes: 0, duplicates: 0, rejected: 0 });

    const a = jpegBytes(300);
    const b = jpegBytes(450);
    const c = pngBytes(500); // declared as a JPEG: rejected at complete
    const [ia, ib, ic] = [
      await presignOk(worker, user, jpegDeclaration(shootId, "0001", a, { sha256: sha256Hex(a) })),
      await presignOk(worker, user, jpegDeclaration(shootId, "0002", b)),
      await presignOk(worker, user, jpegDeclaration(shootId, "0003", c)),
    ];
    assert.deepEqual(await stats(), { uploadsPending: 3, assets: 0, bytes: 0, duplicates: 0, rejected: 0 });

    for (const [item, bytes] of [[ia, a], [ib, b], [ic, c]]) assert.equal((await put(item, bytes)).status, 200);
    assert.deepEqual(await stats(), { uploadsPending: 3, assets: 0, bytes: 0, duplicates: 0, rejected: 0 }, "a PUT is not a completion");

    await assertJsonOk(await complete(worker, user, { uploadId: ia.uploadId }));
    await assertJsonOk(await complete(worker, user, { uploadId: ib.uploadId }));
    assert.deepEqual(await stats(), { uploadsPending: 1, assets: 2, bytes: 750, duplicates: 0, rejected: 0 });

    await assertJsonError(await complete(worker, user, { uploadId: ic.uploadId }), 422, "content_mismatch");
    // A rejected upload's object is deleted; the upload itself is still one of the contract's states (5.3), and
    // uploadsPending counts it exactly when that state is pending.
    const rejected = await uploadRecord(worker, user, ic.uploadId);
    assert.ok(["pending", "cancelled", "aborted", "expired"].includes(rejected.state), `state ${rejected.state}`);
    const stillPending = rejected.state === "pending" ? 1 : 0;
    assert.deepEqual(await stats(), { uploadsPending: stillPending, assets: 2, bytes: 750, duplicates: 0, rejected: 1 });

    // The same bytes as the first file under another name: a duplicate, counted once it is completed.
    const id = await presignOk(worker, user, jpegDeclaration(shootId, "0004", a, { sha256: sha256Hex(a) }));
    assert.equal(id.duplicateOf, ia.key);
    assert.equal((await put(id, a)).status, 200);
    assert.deepEqual(await stats(), { uploadsPending: stillPending + 1, assets: 2, bytes: 750, duplicates: 0, rejected: 1 });
    await assertJsonOk(await complete(worker, user, { uploadId: id.uploadId }));
    assert.deepEqual(await stats(), { uploadsPending: stillPending, assets: 3, bytes: 1050, duplicates: 1, rejected: 1 });
  });

  it("are for the owner: 403 not_shoot_owner for another user, 404 shoot_not_found for an unknown shoot", async () => {
    const { shootId } = await ownerWithShoot(worker, "stats-own");
    const other = await newUser(worker);
    await assertJsonError(await get(worker, `/api/shoots/${shootId}`, other), 403, "not_shoot_owner");
    await assertJsonError(await get(worker, `/api/shoots/${uniqueShootId("stats-none")}`, other), 404, "shoot_not_found");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("asking again, concurrently", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("6 concurrent presigns of one new key with one declaration get one uploadId; another declaration cancels it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "again");
    const bytes = jpegBytes(400);
    const declaration = jpegDeclaration(shootId, "0001", bytes);
    const responses = await Promise.all(Array.from({ length: 6 }, () => presign(worker, user, declaration)));
    const items = await Promise.all(responses.map((response) => assertJsonOk(response)));
    const ids = new Set(items.map((item) => item.uploadId));
    assert.equal(ids.size, 1, `one upload for one declaration, got ${[...ids].join(", ")}`);
    for (const item of items) assert.equal(item.key, `shoots/${shootId}/${declaration.filename}`);
    const [first] = items;

    const changed = jpegBytes(401);
    const next = await presignOk(worker, user, { ...declaration, size: changed.length });
    assert.notEqual(next.uploadId, first.uploadId, "another size is another upload");
    assert.equal(next.key, first.key);

    await assertJsonError(await complete(worker, user, { uploadId: first.uploadId }), 409, "upload_cancelled");
    for (const item of [items[0], items[5]]) {
      await assertJsonError(await put(item, bytes), 409, "upload_superseded", { api: false });
    }
    assert.equal(await objectAt(worker, first.key), null, "the refused URLs stored nothing");

    // The upload that took its place is unharmed.
    assert.equal((await put(next, changed)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: next.uploadId }));
    assert.equal(done.size, changed.length);
  });

  it("6 concurrent completes of one upload answer 200 with byte-identical bodies, and so does a later one", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "complete-race");
    const bytes = jpegBytes(600);
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes, { sha256: sha256Hex(bytes) }));
    assert.equal((await put(item, bytes)).status, 200);
    const responses = await Promise.all(Array.from({ length: 6 }, () => complete(worker, user, { uploadId: item.uploadId })));
    const bodies = await Promise.all(responses.map(async (response) => ({ status: response.status, text: await response.text() })));
    for (const body of bodies) assert.equal(body.status, 200, body.text);
    for (const body of bodies) assert.equal(body.text, bodies[0].text, "every concurrent complete gives the same answer");
    const answer = JSON.parse(bodies[0].text);
    assert.equal(answer.uploadId, item.uploadId);
    assert.equal(answer.size, bytes.length);

    const later = await complete(worker, user, { uploadId: item.uploadId });
    assert.equal(later.status, 200);
    assert.equal(await later.text(), bodies[0].text);
    const { stats } = await shootRecord(worker, user, shootId);
    assert.equal(stats.assets, 1, "one asset, however many completes");
    assert.equal(stats.bytes, bytes.length);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("duplicateOf", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("a declared sha256 that a completed asset of the shoot has is answered with duplicateOf, at presign and complete", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "dup");
    const bytes = jpegBytes(512);
    const digest = sha256Hex(bytes);
    const first = await uploadJpegBytes(worker, user, shootId, "0001", bytes, { sha256: digest });
    assert.ok(!("duplicateOf" in first.item), "the first of its bytes is nobody's duplicate");
    assert.ok(!("duplicateOf" in first.done));

    const second = await presignOk(worker, user, jpegDeclaration(shootId, "0002", bytes, { sha256: digest }));
    assert.equal(second.duplicateOf, first.item.key);
    assert.ok(second.url, "a duplicate is still allowed");
    assert.equal((await put(second, bytes)).status, 200);
    const done = await assertJsonOk(await complete(worker, user, { uploadId: second.uploadId }));
    assert.equal(done.duplicateOf, first.item.key);

    // Without a declared sha256 the ledger cannot know: no duplicateOf, even for the very same bytes.
    const third = await uploadJpegBytes(worker, user, shootId, "0003", bytes);
    assert.ok(!("duplicateOf" in third.item), JSON.stringify(third.item));
    assert.ok(!("duplicateOf" in third.done), JSON.stringify(third.done));

    // Another digest is no duplicate.
    const other = jpegBytes(512);
    const fourth = await presignOk(worker, user, jpegDeclaration(shootId, "0004", other, { sha256: sha256Hex(other) }));
    assert.ok(!("duplicateOf" in fourth), JSON.stringify(fourth));
  });

  it("a digest in another shoot is no duplicate of this one", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "dup-a");
    const bytes = jpegBytes(256);
    await uploadJpegBytes(worker, user, shootId, "0001", bytes, { sha256: sha256Hex(bytes) });
    const elsewhere = `${shootId}x`;
    await assertJsonOk(await post(worker, "/api/shoots", user, { shootId: elsewhere }), 201);
    const item = await presignOk(worker, user, jpegDeclaration(elsewhere, "0001", bytes, { sha256: sha256Hex(bytes) }));
    assert.ok(!("duplicateOf" in item), JSON.stringify(item));
  });
});

// presign → PUT → complete of the given JPEG bytes.
async function uploadJpegBytes(worker, user, shootId, sequence, bytes, extra = {}) {
  const item = await presignOk(worker, user, jpegDeclaration(shootId, sequence, bytes, extra));
  const uploaded = await put(item, bytes);
  assert.equal(uploaded.status, 200, await uploaded.clone().text());
  const done = await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
  return { item, done };
}

// ---------------------------------------------------------------------------------------------------------

describe("GET /api/uploads/<uploadId>", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("shows a pending upload as declared, with its completion window, then completed", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "read");
    const bytes = jpegBytes(700);
    const digest = sha256Hex(bytes);
    const declaration = jpegDeclaration(shootId, "0001", bytes, { sha256: digest });
    const presignedAt = Date.now();
    const item = await presignOk(worker, user, declaration);

    const pending = await uploadRecord(worker, user, item.uploadId);
    assert.equal(pending.uploadId, item.uploadId);
    assert.equal(pending.shootId, shootId);
    assert.equal(pending.key, item.key);
    assert.equal(pending.state, "pending");
    assert.equal(pending.size, bytes.length);
    assert.equal(pending.contentType, "image/jpeg");
    assert.equal(pending.sha256, digest);
    assert.equal(pending.multipart, false);
    assert.match(pending.createdAt, ISO);
    assert.match(pending.expiresAt, ISO);
    assert.ok(Math.abs(Date.parse(pending.createdAt) - presignedAt) < 60_000, `createdAt ${pending.createdAt} is about now`);
    // The end of the completion window: 6 hours after the (latest) presign, not the URL's 15 minutes.
    const windowEnd = Date.parse(pending.createdAt) + 6 * HOUR;
    assert.ok(Math.abs(Date.parse(pending.expiresAt) - windowEnd) < 60_000, `expiresAt ${pending.expiresAt} is 6 h after createdAt`);
    assert.equal((await uploadRecord(worker, user, item.uploadId)).state, "pending", "reading is no change");

    assert.equal((await put(item, bytes)).status, 200);
    await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
    const done = await uploadRecord(worker, user, item.uploadId);
    assert.equal(done.state, "completed");
    assert.equal(done.key, item.key);
    assert.equal(done.size, bytes.length);
  });

  it("has no sha256 when none was declared", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "read-nosha");
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(100)));
    const record = await uploadRecord(worker, user, item.uploadId);
    assert.equal(record.state, "pending");
    assert.ok(!("sha256" in record), JSON.stringify(record));
  });

  it("shows an upload whose declaration changed as cancelled, and the new one as pending", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "read-cancel");
    const bytes = jpegBytes(100);
    const old = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
    const next = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes, { sha256: sha256Hex(bytes) }));
    assert.notEqual(next.uploadId, old.uploadId, "declaring a sha256 changes the declaration");
    assert.equal((await uploadRecord(worker, user, old.uploadId)).state, "cancelled");
    assert.equal((await uploadRecord(worker, user, next.uploadId)).state, "pending");
  });

  it("is 404 upload_not_found for an unknown id and for one that cannot exist", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "read-unknown");
    const known = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(100)));
    assert.match(known.uploadId, /^up_/);
    for (const id of [unknownUploadId(), unknownUploadId(shootId), unknownUploadId(uniqueShootId("read-noshoot"))]) {
      await assertJsonError(await get(worker, `/api/uploads/${id}`, user), 404, "upload_not_found");
    }
    for (const id of ["up_xyz", "up_" + "A".repeat(32), "nope", "up_" + "0".repeat(33), "up_" + "a".repeat(600)]) {
      await assertJsonError(await get(worker, `/api/uploads/${id}`, user), 404, "upload_not_found");
    }
  });

  it("is 403 not_shoot_owner for another user and 401 without a token; an admin may read it", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "read-foreign");
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(100)));
    const other = await newUser(worker);
    await assertJsonError(await get(worker, `/api/uploads/${item.uploadId}`, other), 403, "not_shoot_owner");
    const anonymous = await get(worker, `/api/uploads/${item.uploadId}`);
    assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="upgate", error="invalid_token"');
    await assertJsonError(anonymous, 401, "invalid_token");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    assert.equal((await uploadRecord(worker, admin, item.uploadId)).uploadId, item.uploadId);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("POST /api/uploads/abort", () => {
  let worker;
  before(async () => {
    worker = await startLedgerWorker();
  });
  after(() => worker?.dispose());

  it("aborts a pending upload once and for all: its bytes are gone, its URL and complete are refused", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "abort");
    const bytes = jpegBytes(900);
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
    assert.equal((await put(item, bytes)).status, 200);
    assert.ok(await objectAt(worker, item.key), "the bytes are stored before the abort (control)");

    const aborted = await assertJsonOk(await abort(worker, user, { uploadId: item.uploadId }));
    assert.deepEqual(aborted, { uploadId: item.uploadId, state: "aborted" });
    assert.equal(await objectAt(worker, item.key), null, "the aborted upload's object is deleted");
    const again = await assertJsonOk(await abort(worker, user, { uploadId: item.uploadId }));
    assert.deepEqual(again, aborted, "aborting again answers the same");

    await assertJsonError(await complete(worker, user, { uploadId: item.uploadId }), 409, "upload_aborted");
    await assertJsonError(await put(item, bytes), 409, "upload_superseded", { api: false });
    assert.equal(await objectAt(worker, item.key), null, "the refused URL stored nothing");
    assert.equal((await uploadRecord(worker, user, item.uploadId)).state, "aborted");

    // The key is free again: a new presign of it is a new upload.
    const next = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
    assert.notEqual(next.uploadId, item.uploadId);
  });

  it("aborting a completed upload is 409 upload_completed and leaves the file", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "abort-done");
    const { item, done } = await uploadJpeg(worker, user, shootId);
    await assertJsonError(await abort(worker, user, { uploadId: item.uploadId }), 409, "upload_completed");
    assert.equal((await objectAt(worker, item.key))?.etag, done.etag, "the completed object is still there");
    assert.equal((await uploadRecord(worker, user, item.uploadId)).state, "completed");
    assert.deepEqual(await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId })), done);
  });

  it("aborting a cancelled upload is 409 upload_cancelled", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "abort-cancel");
    const old = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(100)));
    const next = await presignOk(worker, user, jpegDeclaration(shootId, "0001", jpegBytes(101)));
    await assertJsonError(await abort(worker, user, { uploadId: old.uploadId }), 409, "upload_cancelled");
    assert.equal((await uploadRecord(worker, user, old.uploadId)).state, "cancelled");
    assert.equal((await uploadRecord(worker, user, next.uploadId)).state, "pending", "the newer upload is untouched");
  });

  it("the shoot's owner may abort an upload an admin presigned on her shoot", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "abort-admin");
    const admin = await newUser(worker, { prefix: "admin", claims: { role: "admin" } });
    const item = await presignOk(worker, admin, jpegDeclaration(shootId, "0001", jpegBytes(100)));
    assert.deepEqual(await assertJsonOk(await abort(worker, user, { uploadId: item.uploadId })), { uploadId: item.uploadId, state: "aborted" });
    assert.equal((await uploadRecord(worker, admin, item.uploadId)).state, "aborted");
  });

  it("is 404 upload_not_found for unknown or impossible ids, 403 for another user, 400 without uploadId", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "abort-refuse");
    await assertJsonError(await abort(worker, user, { uploadId: unknownUploadId() }), 404, "upload_not_found");
    await assertJsonError(await abort(worker, user, { uploadId: unknownUploadId(shootId) }), 404, "upload_not_found");
    await assertJsonError(await abort(worker, user, { uploadId: "up_nope" }), 404, "upload_not_found");

    const bytes = jpegBytes(100);
    const item = await presignOk(worker, user, jpegDeclaration(shootId, "0001", bytes));
    assert.equal((await put(item, bytes)).status, 200);
    const other = await newUser(worker);
    await assertJsonError(await abort(worker, other, { uploadId: item.uploadId }), 403, "not_shoot_owner");
    assert.equal((await uploadRecord(worker, user, item.uploadId)).state, "pending", "the refused abort changed nothing");
    assert.ok(await objectAt(worker, item.key), "and deleted nothing");

    const missing = await assertJsonError(await abort(worker, user, {}), 400, "invalid_request");
    assert.equal(missing.error.field, "uploadId");
    const typed = await assertJsonError(await abort(worker, user, { uploadId: 42 }), 400, "invalid_request");
    assert.equal(typed.error.field, "uploadId");
    await assertJsonError(await abort(worker, null, { uploadId: item.uploadId }), 401, "invalid_token");
  });
});
