// Performs the I/O the core asks for (wasm/protocol/exchange.h lists the vocabulary). Each effect answers
// {ok: true, ...} or {ok: false, error}; the core decides what a failure means for the response.
const signatureKeys = new Map(); // JWK thumbprint -> Promise<CryptoKey>, imported once per isolate

const ASYMMETRIC = {
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
};

function base64urlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// An oversized body is read to its end (up to DRAIN_LIMIT) before the 413 goes out: a client still sending
// would otherwise see its connection reset instead of the JSON error.
const DRAIN_LIMIT = 1024 * 1024;

async function drainOrCancel(reader, budget) {
  while (budget > 0) {
    const { done, value } = await reader.read();
    if (done) return;
    budget -= value.byteLength;
  }
  await reader.cancel();
}

export async function readBody(request, limit) {
  const header = request.headers.get("content-length");
  const declared = header === null ? NaN : Number(header);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return { ok: true, too_large: true };
  if (!request.body) return { ok: true, text: "" };
  // A declared length within the limit is the body's exact length (HTTP framing), so it is read in one go; the
  // chunk loop below is for bodies of no declared length, which may run past the limit.
  if (Number.isFinite(declared) && declared <= limit) {
    return { ok: true, text: await request.text() };
  }
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drainOrCancel(reader, DRAIN_LIMIT - size);
      return { ok: true, too_large: true };
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(all) };
}

function describeObject(object) {
  if (!object) return null;
  return {
    key: object.key,
    size: object.size,
    etag: object.etag,
    uploaded: object.uploaded.getTime(),
    contentType: object.httpMetadata?.contentType ?? "",
    sha256: object.checksums?.sha256 ? bytesToHex(new Uint8Array(object.checksums.sha256)) : "",
    uploadId: object.customMetadata?.["upload-id"] ?? "", // the upload that wrote it (contract 5.5)
  };
}

class ChecksumMismatch extends Error {}

// A pass-through that runs the core's CRC over every chunk. R2 commits as soon as it has read the declared
// length, so the last chunk is passed on only once the CRC is known to be the one the core asked for;
// otherwise the stream errors and R2 never sees the whole body, so it stores nothing.
function crcCheck(core, algorithm, expectedHex, length) {
  const checksum = core.openChecksum(algorithm);
  let received = 0;
  let finished = false;
  return new TransformStream({
    transform(chunk, controller) {
      received += chunk.byteLength;
      if (!finished) checksum.update(chunk);
      if (!finished && received >= length) {
        finished = true;
        if (checksum.finish() !== expectedHex) throw new ChecksumMismatch(`${algorithm} differs`);
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (!finished) checksum.finish(); // a short body: the length check refuses it; release the CRC
    },
  });
}

const DIGEST_NAMES = { sha1: "SHA-1", sha256: "SHA-256" };

// The same hold-back as crcCheck, with the runtime's native digest: for parts, which R2 does not verify.
function digestCheck(algorithm, expectedHex, length) {
  const digest = new crypto.DigestStream(DIGEST_NAMES[algorithm]);
  const writer = digest.getWriter();
  let received = 0;
  let finished = false;
  return new TransformStream({
    async transform(chunk, controller) {
      received += chunk.byteLength;
      if (!finished) await writer.write(chunk);
      if (!finished && received >= length) {
        finished = true;
        await writer.close();
        if (bytesToHex(new Uint8Array(await digest.digest)) !== expectedHex) {
          throw new ChecksumMismatch(`${algorithm} differs`);
        }
      }
      controller.enqueue(chunk);
    },
    flush() {
      if (!finished) writer.abort().catch(() => {}); // a short body: the length check refuses it
    },
  });
}

// The CRCs run through the core on the way; R2 verifies SHA-1 and SHA-256 of a whole object itself, and
// digests: "stream" checks them here too (for parts, which R2 does not verify).
function checkedBody(body, checksums, length, core, digests = "r2") {
  let stream = body;
  for (const algorithm of ["crc32", "crc32c"]) {
    if (checksums[algorithm]) stream = stream.pipeThrough(crcCheck(core, algorithm, checksums[algorithm], length));
  }
  if (digests === "stream") {
    for (const algorithm of ["sha1", "sha256"]) {
      if (checksums[algorithm]) stream = stream.pipeThrough(digestCheck(algorithm, checksums[algorithm], length));
    }
  }
  return stream;
}

const PUMP_SETTLE_MS = 20;

// Streams a body (already checked by checkedBody) into R2 through a FixedLengthStream, so R2 gets a known
// length without the body ever being held whole, and a body shorter or longer than declared fails the write
// (R2 then stores nothing). store(readable) does the write. A failure is classified for the core: "length"
// (the body did not fit), "checksum" (a digest differs) or "storage". When R2 fails on its own the pump is
// stopped, so the request answers at once instead of waiting on a body nobody reads.
async function streamInto(body, length, store) {
  const fixed = new FixedLengthStream(length);
  const stop = new AbortController();
  const pumping = body.pipeTo(fixed.writable, { signal: stop.signal }).then(
    () => null,
    (error) => error ?? new Error("body stream failed"),
  );
  try {
    const stored = await store(fixed.readable);
    const pumpError = await pumping;
    if (pumpError) return { ok: false, failure: "length", error: String(pumpError.message ?? pumpError) };
    return stored;
  } catch (error) {
    // A body that failed (too short, too long, a digest that differs) has already ended the pump; otherwise
    // R2 failed by itself and the pump is stopped here.
    const pumpError = await Promise.race([pumping, new Promise((resolve) => setTimeout(resolve, PUMP_SETTLE_MS, undefined))]);
    if (pumpError === undefined) stop.abort();
    const message = String(error?.message ?? error);
    if (pumpError instanceof ChecksumMismatch) return { ok: false, failure: "checksum", error: pumpError.message };
    if (pumpError) return { ok: false, failure: "length", error: message };
    if (/sha-?(1|256)|digest|checksum/i.test(message)) return { ok: false, failure: "checksum", error: message };
    return { ok: false, failure: "storage", error: message };
  }
}

// A whole object, marked with the upload that wrote it (contract 5.5).
async function putBody(effect, { request, env, core }) {
  if (!request.body) return { ok: false, failure: "length", error: "no body" };
  const checksums = effect.checksums ?? {};
  const options = {
    httpMetadata: { contentType: effect.contentType },
    customMetadata: { "upload-id": effect.uploadId },
  };
  if (checksums.sha256) options.sha256 = checksums.sha256;
  if (checksums.sha1) options.sha1 = checksums.sha1;
  const body = checkedBody(request.body, checksums, effect.length, core);
  return streamInto(body, effect.length, async (readable) => ({
    ok: true,
    object: describeObject(await env.BUCKET.put(effect.key, readable, options)),
  }));
}

// One part of a multipart upload (contract 5.4); R2 keeps no digest of a part, so they are all checked here.
async function putPart(effect, { request, env, core }) {
  if (!request.body) return { ok: false, failure: "length", error: "no body" };
  const upload = env.BUCKET.resumeMultipartUpload(effect.key, effect.storageUploadId);
  const body = checkedBody(request.body, effect.checksums ?? {}, effect.length, core, "stream");
  return streamInto(body, effect.length, async (readable) => {
    const part = await upload.uploadPart(effect.partNumber, readable);
    return { ok: true, etag: part.etag };
  });
}

async function readHead(effect, env) {
  const object = await env.BUCKET.get(effect.key, { range: { offset: 0, length: effect.length } });
  if (!object) return { ok: true, object: null };
  return { ok: true, object: describeObject(object), hex: bytesToHex(new Uint8Array(await object.arrayBuffer())) };
}

// The whole object through the runtime's native SHA-256, keeping only its first bytes: memory stays flat
// whatever the file's size.
async function readHeadAndDigest(effect, env) {
  const object = await env.BUCKET.get(effect.key);
  if (!object) return { ok: true, object: null };
  const described = describeObject(object);
  // R2 keeps the SHA-256 of an object stored with one, which it verified as the bytes arrived: the object is then
  // read no further than its head. Otherwise (an object assembled from parts) it is read through a digest.
  const digest = described.sha256 ? null : new crypto.DigestStream("SHA-256");
  const writer = digest?.getWriter();
  const reader = object.body.getReader();
  const head = new Uint8Array(Math.min(effect.length, object.size));
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (kept < head.length) {
      const take = value.subarray(0, head.length - kept);
      head.set(take, kept);
      kept += take.byteLength;
    }
    if (writer) {
      await writer.write(value);
    } else if (kept >= head.length) {
      await reader.cancel();
      break;
    }
  }
  await writer?.close();
  const sha256 = digest ? bytesToHex(new Uint8Array(await digest.digest)) : described.sha256;
  return { ok: true, object: described, hex: bytesToHex(head), sha256 };
}

// Frees a multipart upload and its parts. One storage no longer knows (aborted or completed before) is
// answered as aborted: false, so its parts are not counted twice.
async function abortMultipart(effect, { env }) {
  try {
    await env.BUCKET.resumeMultipartUpload(effect.key, effect.storageUploadId).abort();
    return { ok: true, aborted: true };
  } catch (error) {
    if (/no ?such ?upload|does not exist|not found/i.test(String(error?.message ?? error))) {
      return { ok: true, aborted: false };
    }
    throw error;
  }
}

// Streams a stored object into another key: how a verified replacement takes its file's place (R2's binding
// has no copy). The length is known, so nothing is held whole.
async function copyObject(effect, { env }) {
  const source = await env.BUCKET.get(effect.from);
  if (!source) return { ok: false, error: "the object to copy is gone" };
  const fixed = new FixedLengthStream(source.size);
  const pumping = source.body.pipeTo(fixed.writable).then(
    () => null,
    (error) => error,
  );
  const object = await env.BUCKET.put(effect.to, fixed.readable, {
    httpMetadata: { contentType: effect.contentType },
    customMetadata: { "upload-id": effect.uploadId },
  });
  const pumpError = await pumping;
  if (pumpError) return { ok: false, error: String(pumpError.message ?? pumpError) };
  return { ok: true, object: describeObject(object) };
}

async function verifySignature(check) {
  const algorithm = ASYMMETRIC[check.alg];
  if (!algorithm) return { ok: true, id: check.id, valid: false };
  const cacheKey = check.thumbprint;
  if (!signatureKeys.has(cacheKey)) {
    signatureKeys.set(cacheKey, crypto.subtle.importKey("jwk", check.jwk, algorithm.import, false, ["verify"]));
  }
  try {
    const key = await signatureKeys.get(cacheKey);
    const valid = await crypto.subtle.verify(
      algorithm.verify,
      key,
      base64urlToBytes(check.signature),
      new TextEncoder().encode(check.signingInput),
    );
    return { ok: true, id: check.id, valid };
  } catch {
    signatureKeys.delete(cacheKey);
    return { ok: true, id: check.id, valid: false };
  }
}

const handlers = {
  read_body: (effect, { request }) => readBody(request, effect.limit),
  // Every value Upgate stores is JSON (kv_put): the core gets it parsed.
  kv_get: async (effect, { env }) => ({ ok: true, value: await env.UPLOADS_KV.get(effect.key, "json") }),
  kv_put: async (effect, { env }) => {
    const options = effect.ttl ? { expirationTtl: Math.max(60, effect.ttl) } : {};
    if (effect.metadata) options.metadata = effect.metadata;
    await env.UPLOADS_KV.put(effect.key, JSON.stringify(effect.value), options);
    return { ok: true };
  },
  kv_delete: async (effect, { env }) => {
    await env.UPLOADS_KV.delete(effect.key);
    return { ok: true };
  },
  kv_list: async (effect, { env }) => {
    const page = await env.UPLOADS_KV.list({
      prefix: effect.prefix,
      cursor: effect.cursor || undefined,
      limit: effect.limit,
    });
    return {
      ok: true,
      keys: page.keys.map((k) => ({ name: k.name, metadata: k.metadata ?? null })),
      cursor: page.list_complete ? "" : page.cursor,
    };
  },
  r2_head: async (effect, { env }) => ({ ok: true, object: describeObject(await env.BUCKET.head(effect.key)) }),
  // One read for what complete judges: the object's metadata and its first bytes (and its SHA-256).
  r2_read_head: (effect, { env }) => (effect.sha256 ? readHeadAndDigest(effect, env) : readHead(effect, env)),
  r2_delete: async (effect, { env }) => {
    if (effect.keys.length > 0) await env.BUCKET.delete(effect.keys);
    return { ok: true };
  },
  r2_list: async (effect, { env }) => {
    const page = await env.BUCKET.list({
      prefix: effect.prefix,
      cursor: effect.cursor || undefined,
      limit: effect.limit,
    });
    return {
      ok: true,
      objects: page.objects.map((o) => ({ key: o.key, uploaded: o.uploaded.getTime(), size: o.size })),
      cursor: page.truncated ? page.cursor : "",
    };
  },
  // A byte range of an object, handed to the core as a blob (metadata and preview sources, contract 10).
  r2_read_range: async (effect, { env, core }) => {
    const object = await env.BUCKET.get(effect.key, { range: { offset: effect.offset, length: effect.length } });
    if (!object) return { ok: true, object: null };
    const bytes = new Uint8Array(await object.arrayBuffer());
    const blob = core.putBlob(bytes);
    if (blob === 0) return { ok: false, error: "the range is larger than the core may hold" };
    return { ok: true, object: describeObject(object), blob, length: bytes.byteLength };
  },
  // Bytes the core made (a preview), stored.
  r2_put_blob: async (effect, { env, core }) => {
    const bytes = core.takeBlob(effect.blob);
    const object = await env.BUCKET.put(effect.key, bytes, { httpMetadata: { contentType: effect.contentType } });
    return { ok: true, object: describeObject(object) };
  },
  r2_put_body: putBody,
  r2_put_part: putPart,
  r2_multipart_create: async (effect, { env }) => {
    const upload = await env.BUCKET.createMultipartUpload(effect.key, {
      httpMetadata: { contentType: effect.contentType },
      customMetadata: { "upload-id": effect.uploadId }, // the assembled object names its upload (contract 5.5)
    });
    return { ok: true, storageUploadId: upload.uploadId };
  },
  r2_multipart_complete: async (effect, { env }) => {
    const upload = env.BUCKET.resumeMultipartUpload(effect.key, effect.storageUploadId);
    return { ok: true, object: describeObject(await upload.complete(effect.parts)) };
  },
  r2_multipart_abort: abortMultipart,
  r2_copy: copyObject,
  queue_send: async (effect, { env }) => {
    await env.UPLOAD_EVENTS.sendBatch(effect.messages.map((body) => ({ body })));
    return { ok: true };
  },
  // Only ever to the configured receiver: the core names no URL.
  webhook_post: async (effect, { env }) => {
    const response = await fetch(env.WEBHOOK_URL, {
      method: "POST",
      headers: effect.headers,
      body: effect.body,
      redirect: "manual",
    });
    await response.body?.cancel();
    return { ok: true, status: response.status };
  },
  // s3 mode: a request the core signed for R2's S3 API; sent nowhere but R2_S3_ENDPOINT's origin.
  s3_request: async (effect, { env }) => {
    if (new URL(effect.url).origin !== new URL(env.R2_S3_ENDPOINT).origin) {
      return { ok: false, error: "s3_request only goes to R2_S3_ENDPOINT" };
    }
    const response = await fetch(effect.url, {
      method: effect.method,
      headers: effect.headers,
      body: effect.method === "GET" || effect.method === "DELETE" ? undefined : effect.body,
      redirect: "manual",
    });
    const body = await response.text();
    return { ok: effect.okStatuses.includes(response.status), status: response.status, body };
  },
  rate_limiter: async (effect, { env }) => {
    if (!env.RATE_LIMITER) return { ok: true, bound: false, success: true };
    const { success } = await env.RATE_LIMITER.limit({ key: effect.key });
    return { ok: true, bound: true, success };
  },
  verify_signature: (effect) => verifySignature(effect.check),
  // One operation on a shoot's ledger (shim/ledger.js), in the object named by the shoot id.
  ledger: async (effect, { env }) => {
    const stub = env.SHOOTS.get(env.SHOOTS.idFromName(effect.shootId));
    return { ok: true, result: await stub.run(effect.request) };
  },
};

export async function performEffect(effect, io) {
  const handler = handlers[effect.type];
  if (!handler) return { ok: false, error: `unknown effect ${effect.type}` };
  try {
    return await handler(effect, io);
  } catch (error) {
    return { ok: false, error: String(error?.message ?? error) };
  }
}

