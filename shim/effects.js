// Performs the I/O the core asks for (wasm/exchange.h lists the vocabulary). Each effect answers
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
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) return { ok: true, too_large: true };
  if (!request.body) return { ok: true, text: "" };
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
  };
}

// Streams the request body into R2 through a FixedLengthStream, so R2 gets a known length without the body
// ever being held whole, and a body shorter or longer than declared fails the put (R2 then stores nothing).
// A failure is classified for the core: "length" (the body did not fit), "checksum" (R2 refused the digest)
// or "storage".
async function putBody(effect, request, env) {
  if (!request.body) return { ok: false, failure: "length", error: "no body" };
  const fixed = new FixedLengthStream(effect.length);
  const pumping = request.body.pipeTo(fixed.writable).then(
    () => null,
    (error) => error ?? new Error("body stream failed"),
  );
  const options = { httpMetadata: { contentType: effect.contentType } };
  if (effect.sha256) options.sha256 = effect.sha256;
  try {
    const object = await env.BUCKET.put(effect.key, fixed.readable, options);
    const pumpError = await pumping;
    if (pumpError) return { ok: false, failure: "length", error: String(pumpError.message ?? pumpError) };
    return { ok: true, object: describeObject(object) };
  } catch (error) {
    const pumpError = await pumping;
    const message = String(error?.message ?? error);
    if (pumpError) return { ok: false, failure: "length", error: message };
    if (/sha-?256|digest|checksum/i.test(message)) return { ok: false, failure: "checksum", error: message };
    return { ok: false, failure: "storage", error: message };
  }
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
  kv_get: async (effect, { env }) => ({ ok: true, value: await env.UPLOADS_KV.get(effect.key) }),
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
  r2_read_head: async (effect, { env }) => {
    const object = await env.BUCKET.get(effect.key, { range: { offset: 0, length: effect.length } });
    if (!object) return { ok: true, found: false };
    return { ok: true, found: true, hex: bytesToHex(new Uint8Array(await object.arrayBuffer())) };
  },
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
  r2_put_body: (effect, { request, env }) => putBody(effect, request, env),
  rate_limiter: async (effect, { env }) => {
    if (!env.RATE_LIMITER) return { ok: true, bound: false, success: true };
    const { success } = await env.RATE_LIMITER.limit({ key: effect.key });
    return { ok: true, bound: true, success };
  },
  verify_signature: (effect) => verifySignature(effect.check),
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

