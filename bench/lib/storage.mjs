// The shoot ledger's storage per upload: K single presigns into a fresh shoot, with the size of that shoot's
// SQLite database (ctx.storage.sql.databaseSize: page count × page size, read through a bench-only method,
// bench/upgate-sized-worker.js) before and after; then, for Upgate, each upload's bytes PUT (a small JPEG) and
// all of them completed (batches of 100), and the size once more. The reference's bench ledger
// (bench/shoot-ledger.js: the same schema and statements) is measured the same way for presigns, as a check
// that it stores what Upgate stores.
import { randomBytes } from "node:crypto";
import { newFileName, seedShoot } from "./workers.mjs";

export const STORAGE_SHOOT_ID = "bench-storage";
const JPEG_HEADER = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00]);
const OBJECT_BYTES = 256;
const COMPLETE_BATCH = 100;
const PARALLEL = 8; // requests in flight at once: only to finish sooner; the rows written are the same

async function databaseSize(workerd, name) {
  const ledgers = await workerd.mf.getDurableObjectNamespace("SHOOTS", name);
  return ledgers.get(ledgers.idFromName(STORAGE_SHOOT_ID)).databaseSize();
}

async function postJson(url, token, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// Runs job(i) for i in 0..count-1, PARALLEL at a time; answers the results in order.
async function inParallel(count, job) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return results;
}

async function putObject(upload) {
  const body = Buffer.concat([JPEG_HEADER, randomBytes(OBJECT_BYTES - JPEG_HEADER.length)]);
  const response = await fetch(upload.url, { method: "PUT", headers: upload.headers, body });
  if (response.status !== 200) throw new Error(`PUT ${upload.key} answered ${response.status}: ${await response.text()}`);
}

// One target: {uploads, empty, presigned, completed?} (bytes).
async function measureTarget(workerd, name, { token, uploads, complete }) {
  const url = workerd.urls[name];
  await seedShoot(workerd, name, token, STORAGE_SHOOT_ID);
  const empty = await databaseSize(workerd, name);
  const presigned = await inParallel(uploads, () =>
    postJson(`${url}/api/uploads/presign`, token, {
      shootId: STORAGE_SHOOT_ID,
      filename: newFileName(STORAGE_SHOOT_ID),
      contentType: "image/jpeg",
      size: OBJECT_BYTES,
    }),
  );
  const result = { uploads, empty, presigned: await databaseSize(workerd, name) };
  if (!complete) return result;
  await inParallel(uploads, (i) => putObject(presigned[i]));
  const ids = presigned.map((upload) => upload.uploadId);
  for (let at = 0; at < ids.length; at += COMPLETE_BATCH) {
    const answer = await postJson(`${url}/api/uploads/complete`, token, { uploadIds: ids.slice(at, at + COMPLETE_BATCH) });
    const failed = answer.uploads.filter((item) => item.error);
    if (failed.length > 0) throw new Error(`${name}: ${failed.length} completions failed: ${JSON.stringify(failed[0])}`);
  }
  result.completed = await databaseSize(workerd, name);
  return result;
}

// Answers {upgate: {...}, reference: {...}}: Upgate (the upgate-sized Worker) presigned and completed, the
// reference presigned only (it has no completion).
export async function measureStorage(workerd, { token, uploads, log }) {
  log(`storage: ${uploads} presigns, PUTs and completions on Upgate`);
  const upgate = await measureTarget(workerd, "upgate-sized", { token, uploads, complete: true });
  log(`storage: ${uploads} presigns on the reference`);
  const reference = await measureTarget(workerd, "reference", { token, uploads, complete: false });
  return { upgate, reference };
}
