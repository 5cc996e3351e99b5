// The races issue 11 names, run concurrently against the real shoot ledger (a SQLite Durable Object in
// workerd): creates of one shoot by many users, presigns of one key, completes of one upload, a complete
// against a cleanup run at the window's edge, and a batch presign of 100 files end to end.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  LEDGER_CLOCK_SCRIPT,
  agePresign,
  complete,
  fileName,
  jpegBytes,
  newUser,
  objectAt,
  ownerWithShoot,
  post,
  presign,
  presignOk,
  put,
  uniqueShootId,
} from "./flow.js";
import { developmentBindings, startWorker } from "./harness.js";
import { HOUR, auditEvents, requestId, requestLogLine, runCleanupAt, uploadRecord, withRequestId } from "./ledger-flow.js";

const declaration = (shootId, bytes, sequence = "0001") => ({
  shootId,
  filename: fileName(shootId, sequence),
  contentType: "image/jpeg",
  size: bytes.length,
});

describe("races on one shoot, decided by its ledger", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "100000" }),
      scriptPath: LEDGER_CLOCK_SCRIPT,
      unsafeTriggerHandlers: true,
    });
  });
  after(() => worker?.dispose());

  it("20 concurrent creates of one id by 20 users: one 201, nineteen 409, and the winner stays the owner", async () => {
    const shootId = uniqueShootId("twenty");
    const users = await Promise.all(Array.from({ length: 20 }, () => newUser(worker, { prefix: "racer" })));
    const answers = await Promise.all(users.map((user) => post(worker, "/api/shoots", user, { shootId })));
    const statuses = answers.map((response) => response.status);
    assert.equal(statuses.filter((status) => status === 201).length, 1, `statuses ${statuses}`);
    assert.equal(statuses.filter((status) => status === 409).length, 19, `statuses ${statuses}`);
    const winner = users[statuses.indexOf(201)];
    for (const round of [1, 2]) {
      for (const user of users) {
        const read = await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers });
        assert.equal(read.status, user === winner ? 200 : 403, `round ${round}, ${user.sub}`);
        if (user === winner) assert.equal((await read.json()).owner, winner.sub);
      }
    }
  });

  it("10 concurrent presigns of one key with one declaration share one uploadId", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "ten-same");
    const bytes = jpegBytes(300);
    const answers = await Promise.all(Array.from({ length: 10 }, () => presignOk(worker, user, declaration(shootId, bytes))));
    assert.equal(new Set(answers.map((answer) => answer.uploadId)).size, 1);
  });

  it("10 concurrent presigns of one key with different declarations leave exactly one pending upload", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "ten-diff");
    const sizes = Array.from({ length: 10 }, (_, i) => 300 + i);
    const answers = await Promise.all(sizes.map((size) => presignOk(worker, user, declaration(shootId, jpegBytes(size)))));
    const states = await Promise.all(answers.map(async (answer) => (await uploadRecord(worker, user, answer.uploadId)).state));
    assert.equal(states.filter((state) => state === "pending").length, 1, `states ${states}`);
    assert.equal(states.filter((state) => state === "cancelled").length, 9, `states ${states}`);
    for (let i = 0; i < answers.length; i++) {
      const finished = await complete(worker, user, { uploadId: answers[i].uploadId });
      if (states[i] === "cancelled") {
        assert.equal(finished.status, 409);
        assert.equal((await finished.json()).error.code, "upload_cancelled");
      } else {
        assert.equal(finished.status, 409, "the pending one has no bytes yet");
        assert.equal((await finished.json()).error.code, "upload_missing");
      }
    }
  });

  it("concurrent completes of one upload: identical answers, one asset, one audit entry", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "eight-done");
    const bytes = jpegBytes(400);
    const item = await presignOk(worker, user, declaration(shootId, bytes));
    assert.equal((await put(item, bytes)).status, 200);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => complete(worker, user, { uploadId: item.uploadId }).then((r) => r.text())),
    );
    assert.equal(new Set(answers).size, 1, "byte-identical answers");
    const events = await auditEvents(worker, user, shootId);
    assert.equal(events.filter((event) => event.action === "upload.completed").length, 1);
    const shoot = await (await worker.fetch(`/api/shoots/${shootId}`, { headers: user.headers })).json();
    assert.equal(shoot.stats.assets, 1);
  });

  it("a complete racing a cleanup run at the window's edge ends completed or abandoned, never both", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "edge");
    const items = [];
    for (let i = 1; i <= 6; i++) {
      const bytes = jpegBytes(300 + i);
      const item = await presignOk(worker, user, declaration(shootId, bytes, String(i).padStart(4, "0")));
      assert.equal((await put(item, bytes)).status, 200);
      // 6 hours less 2 seconds ago: the window closes while the race runs.
      await agePresign(worker, item, 6 * HOUR - 2000);
      items.push(item);
    }
    const [completions] = await Promise.all([
      Promise.all(items.map((item) => complete(worker, user, { uploadId: item.uploadId }))),
      runCleanupAt(worker, Date.now() + 2500),
    ]);
    for (let i = 0; i < items.length; i++) {
      const { state } = await uploadRecord(worker, user, items[i].uploadId);
      const stored = await objectAt(worker, items[i].key);
      if (completions[i].status === 200) {
        assert.equal(state, "completed");
        assert.ok(stored, "a completed upload's object is never deleted");
      } else {
        assert.equal(completions[i].status, 410);
        assert.equal(state, "expired");
      }
    }
    await runCleanupAt(worker, Date.now() + 7 * HOUR);
    for (let i = 0; i < items.length; i++) {
      if (completions[i].status === 200) assert.ok(await objectAt(worker, items[i].key), "still there after another run");
    }
  });

  it("a batch presign of 100 files: every URL works, in at most 6 binding calls", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "hundred");
    const bytes = jpegBytes(64);
    const files = Array.from({ length: 100 }, (_, i) => ({
      filename: fileName(shootId, String(i + 1).padStart(4, "0")),
      contentType: "image/jpeg",
      size: bytes.length,
    }));
    const id = requestId("batch100");
    const response = await presign(worker, withRequestId(user, id), { shootId, files });
    assert.equal(response.status, 200);
    const { uploads } = await response.json();
    assert.equal(uploads.length, 100);
    const puts = await Promise.all(uploads.map((upload) => put(upload, bytes)));
    assert.deepEqual(new Set(puts.map((r) => r.status)), new Set([200]));
    const line = await requestLogLine(worker, id);
    assert.ok(line.io <= 6, `io ${line.io}`);
  });
});
