// Bench-only plain multipart: the I/O of Upgate's worker-mode multipart upload and nothing else, the baseline for
// bench/lib/multipart.mjs. No token, no SigV4 URL check, no name rules, no part or whole-file digests, no rate
// limit: this is the floor of the I/O; what authentication costs is measured in the presign section. Per request,
// the same binding calls in the same order as Upgate (wasm/app/routes_upload_put.cpp put_part, shim/effects.js):
//
//   PUT /multipart/part/<key>?uploadId=<id>&partNumber=<n> (Content-Length: the part's size):
//     one Durable Object call before (partWriter: load_shoot's statements, the upload row read, the checks), the
//     body streamed through a FixedLengthStream into BUCKET.resumeMultipartUpload(key, id).uploadPart(n, stream),
//     one Durable Object call after (recordPart: the parts INSERT and the upload's UPDATE), one JSON log line.
//   POST /multipart/create {shootId, filename, contentType, size, partSize}: the ledger's presign (the upload row),
//     BUCKET.createMultipartUpload, the ledger's attachStorage.
//   POST /multipart/complete {shootId, uploadId}: the ledger's parts, the multipart upload's complete(parts), a read
//     of the object's first 16 bytes (where Upgate checks the file's signature), the ledger's markCompleted.
//
// The ledger is the bench's SQLite Durable Object (class BenchShootLedger, ./shoot-ledger.js: Upgate's schema and
// statements), one per shoot (env.SHOOTS, idFromName(shootId)). Each request writes the one JSON log line per
// request that Upgate writes (contract section 9), with the same fields, `io` (binding calls) included.
//
// Two probes split the cost of Upgate's SHA-256 check at complete (shim/effects.js readHeadAndDigest), measured by
// the bench from outside in workerd CPU time; they are not part of the flow compared:
//   POST /probe/read {key}: reads the whole object with readHeadAndDigest's loop, without the digest;
//   POST /probe/digest {mib}: crypto.DigestStream (SHA-256) over mib MiB from memory (one 1 MiB block again and
//     again, in readHeadAndDigest's write-per-chunk loop), with no storage.
export { BenchShootLedger } from "./shoot-ledger.js";

const HEAD_BYTES = 16; // magic::kHeadBytes

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });

const ledgerOf = (env, shootId) => env.SHOOTS.get(env.SHOOTS.idFromName(shootId));

async function create(request, env, context) {
  const { shootId, filename, contentType, size, partSize } = await request.json();
  const partCount = Math.ceil(size / partSize);
  const ledger = ledgerOf(env, shootId);
  const files = [{ filename, contentType, size, sha256: "", replace: false, partSize, partCount }];
  context.io += 1;
  const decided = await ledger.presign({ shootId, actor: { sub: "plain", admin: true }, requestId: context.requestId, now: context.now, files });
  const upload = decided.uploads?.[0]?.upload;
  if (!upload) return json(409, { error: decided.refused ?? decided.uploads?.[0]?.error ?? "refused" });
  context.io += 1;
  const storage = await env.BUCKET.createMultipartUpload(upload.objectKey, {
    httpMetadata: { contentType },
    customMetadata: { "upload-id": upload.uploadId },
  });
  context.io += 1;
  const attached = await ledger.attachStorage({ uploadId: upload.uploadId, storageUploadId: storage.uploadId });
  if (attached.refused) return json(409, { error: attached.refused });
  return json(200, { uploadId: upload.uploadId, key: upload.key, partSize, partCount });
}

// The body into one part, the way shim/effects.js streamInto does it: a FixedLengthStream so R2 knows the length
// without the body being held whole, the pump stopped if R2 fails by itself.
async function storePart(body, length, multipart, partNumber) {
  const fixed = new FixedLengthStream(length);
  const stop = new AbortController();
  const pumping = body.pipeTo(fixed.writable, { signal: stop.signal }).then(
    () => null,
    (error) => error ?? new Error("body stream failed"),
  );
  try {
    const part = await multipart.uploadPart(partNumber, fixed.readable);
    const pumpError = await pumping;
    return pumpError ? { failure: "length" } : { etag: part.etag };
  } catch (error) {
    stop.abort();
    await pumping;
    return { failure: String(error?.message ?? error) };
  }
}

async function putPart(request, env, context, key) {
  const url = new URL(request.url);
  const uploadId = url.searchParams.get("uploadId") ?? "";
  const partNumber = Number(url.searchParams.get("partNumber"));
  const size = Number(request.headers.get("content-length"));
  if (!request.body || !Number.isSafeInteger(size) || size < 1) return json(411, { error: "length_required" });
  const shootId = key.split("/")[1] ?? "";
  const ledger = ledgerOf(env, shootId);
  context.io += 1;
  const writer = await ledger.partWriter({ uploadId, key, partNumber, size, now: context.now });
  if (!writer.upload) return json(409, { error: writer.refused });
  context.io += 1;
  const multipart = env.BUCKET.resumeMultipartUpload(writer.upload.objectKey, writer.upload.storageUploadId);
  const stored = await storePart(request.body, size, multipart, partNumber);
  if (!stored.etag) return json(stored.failure === "length" ? 400 : 500, { error: stored.failure });
  context.io += 1;
  const recorded = await ledger.recordPart({ uploadId, partNumber, size, etag: stored.etag, now: Date.now() });
  if (!recorded.recorded) return json(409, { error: recorded.refused });
  return json(200, { partNumber, size, etag: stored.etag }, { ETag: `"${stored.etag}"` });
}

async function complete(request, env, context) {
  const { shootId, uploadId } = await request.json();
  const ledger = ledgerOf(env, shootId);
  context.io += 1;
  const found = await ledger.partsOf({ uploadId });
  if (!found.upload) return json(404, { error: found.refused });
  const { upload, parts } = found;
  if (parts.length !== upload.partCount) return json(409, { error: "parts_missing" });
  context.io += 1;
  const object = await env.BUCKET.resumeMultipartUpload(upload.objectKey, upload.storageUploadId).complete(
    parts.map((part) => ({ partNumber: part.partNumber, etag: part.etag })),
  );
  context.io += 1;
  const head = await env.BUCKET.get(upload.objectKey, { range: { offset: 0, length: HEAD_BYTES } });
  await head?.arrayBuffer();
  context.io += 1;
  await ledger.markCompleted({ uploadId, etag: object.etag, actor: "plain", requestId: context.requestId, now: Date.now() });
  return json(200, { uploadId, key: upload.key, size: object.size, etag: object.etag });
}

// The whole object read as readHeadAndDigest reads it, with no digest: what the read alone costs.
async function probeRead(request, env) {
  const { key } = await request.json();
  const object = await env.BUCKET.get(key);
  if (!object) return json(404, { error: "no such object" });
  const reader = object.body.getReader();
  let chunks = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks += 1;
    bytes += value.byteLength;
  }
  return json(200, { bytes, chunks });
}

// SHA-256 alone, over memory.
async function probeDigest(request) {
  const { mib } = await request.json();
  const block = new Uint8Array(1024 * 1024);
  crypto.getRandomValues(block.subarray(0, 65536));
  const digest = new crypto.DigestStream("SHA-256");
  const writer = digest.getWriter();
  for (let i = 0; i < mib; i++) await writer.write(block);
  await writer.close();
  const sha256 = Array.from(new Uint8Array(await digest.digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return json(200, { bytes: mib * block.length, sha256 });
}

function route(request, env, context) {
  const { pathname } = new URL(request.url);
  if (request.method === "PUT" && pathname.startsWith("/multipart/part/")) {
    return putPart(request, env, context, decodeURIComponent(pathname.slice("/multipart/part/".length)));
  }
  if (request.method === "POST" && pathname === "/multipart/create") return create(request, env, context);
  if (request.method === "POST" && pathname === "/multipart/complete") return complete(request, env, context);
  if (request.method === "POST" && pathname === "/probe/read") return probeRead(request, env);
  if (request.method === "POST" && pathname === "/probe/digest") return probeDigest(request);
  return json(404, { error: "not_found" });
}

export default {
  async fetch(request, env) {
    const now = Date.now();
    const context = { now, io: 0, requestId: request.headers.get("x-request-id") ?? `req_${randomHex(16)}` };
    const response = await route(request, env, context);
    console.log(
      JSON.stringify({
        ts: new Date(now).toISOString(),
        level: response.status < 500 ? "info" : "error",
        request_id: context.requestId,
        event: "request",
        method: request.method,
        path: new URL(request.url).pathname,
        status: response.status,
        io: context.io,
        duration_ms: Date.now() - now,
      }),
    );
    return response;
  },
};
