// Bench-only reference: the presign job of POST /api/uploads/presign (contract sections 3-5, single and batch)
// written the plain JavaScript way, with `jose` (HS256 jwtVerify) and `aws4fetch` (SigV4 query signing). It does
// the same I/O as Upgate for a presign (wasm/app/routes_presign.cpp), in the same order:
//   one Durable Object RPC to the shoot's ledger (env.SHOOTS, idFromName(shootId); class BenchShootLedger in
//   ./shoot-ledger.js), which runs Upgate's SQL for it in one transactionSync (that file lists the
//   statements), then, only when the ledger says the shoot's work-index entry is due (at most hourly), one KV
//   put of work:<shootId>;
// and the same checks (token, body, shoot id, type, size, naming v3.1), done naively. It also keeps a per-sub
// token bucket (a batch spends one token per file), adds the same response headers and logs one JSON line per
// request with the same fields as Upgate's, `io` (binding calls) included. CORS is not implemented.
// bench/lib/workers.mjs bundles this file with esbuild into build/bench/ (Miniflare does not resolve npm packages).
import { AwsV4Signer } from "aws4fetch";
import { jwtVerify } from "jose";

export { BenchShootLedger } from "./shoot-ledger.js";

const MAX_JSON_BYTES = 64 * 1024;
const MAX_TOKEN_BYTES = 8 * 1024;
const MAX_BATCH_FILES = 100;
const WORK_INDEX_TTL_SECONDS = 25 * 3600; // records::kWorkIndexTtlSeconds
const CONTENT_TYPES = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
  tif: "image/tiff",
  tiff: "image/tiff",
  dng: "image/x-adobe-dng",
  cr2: "image/x-canon-cr2",
  cr3: "image/x-canon-cr3",
  nef: "image/x-nikon-nef",
  arw: "image/x-sony-arw",
};
const RAW_EXTENSIONS = new Set(["dng", "cr2", "cr3", "nef", "arw"]);
const ALLOWED_TYPES = new Set(Object.values(CONTENT_TYPES));
const VARIANTS = new Set(["raw", "edit", "bw", "web", "thumb"]);
const SHOOT_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const NAME = /^([a-z0-9-]+)_([a-z0-9]+)_([a-z0-9]+)(?:_([a-z0-9]+))?\.([a-z0-9]+)$/;

// Per isolate, like the core's: the HMAC key imported once, the SigV4 signing keys cached per day, the buckets.
let hmacKey = null;
const signingKeyCache = new Map();
const buckets = new Map();

class HttpError extends Error {
  constructor(status, code, message, details = {}, headers = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function requestIdOf(request) {
  const sent = request.headers.get("x-request-id");
  return sent && /^[A-Za-z0-9._-]{1,64}$/.test(sent) ? sent : `req_${randomHex(16)}`;
}

function baseHeaders(requestId) {
  return {
    "Content-Type": "application/json; charset=utf-8",
    "X-Request-Id": requestId,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  };
}

async function authenticate(request, env) {
  const header = request.headers.get("authorization") ?? "";
  const match = /^bearer +(.+)$/i.exec(header);
  if (!match || match[1].length > MAX_TOKEN_BYTES) throw unauthorized();
  if (!hmacKey) {
    hmacKey = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(env.JWT_SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"],
    );
  }
  try {
    const { payload } = await jwtVerify(match[1], hmacKey, {
      algorithms: ["HS256"],
      clockTolerance: 60,
      requiredClaims: ["exp", "sub"],
    });
    if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("sub");
    const roles = Array.isArray(payload.roles) ? payload.roles : typeof payload.role === "string" ? [payload.role] : [];
    return { sub: payload.sub, admin: roles.includes("admin") };
  } catch {
    throw unauthorized();
  }
}

function unauthorized() {
  return new HttpError(401, "invalid_token", "A valid bearer token is required.", {}, {
    "WWW-Authenticate": 'Bearer realm="upgate", error="invalid_token"',
  });
}

// A continuously refilled bucket per sub (contract section 7); never refuses at the bench's limit.
function spendToken(sub, limit, now, cost = 1) {
  const bucket = buckets.get(sub) ?? { tokens: limit, updated: now };
  bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.updated) * limit) / 60000);
  bucket.updated = now;
  buckets.set(sub, bucket);
  const allowed = bucket.tokens >= cost;
  if (allowed) bucket.tokens -= cost;
  const resetIn = Math.ceil(((limit - bucket.tokens) * 60000) / limit / 1000);
  const remaining = Math.floor(bucket.tokens);
  const headers = {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(remaining),
    "X-RateLimit-Reset": String(Math.ceil(now / 1000) + resetIn),
    "RateLimit-Policy": `"default";q=${limit};w=60`,
    RateLimit: `"default";r=${remaining};t=${resetIn}`,
  };
  return { allowed, headers };
}

async function readJson(request) {
  if (Number(request.headers.get("content-length")) > MAX_JSON_BYTES) {
    throw new HttpError(413, "payload_too_large", "JSON bodies are limited to 64 KiB.");
  }
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw new HttpError(413, "payload_too_large", "JSON bodies are limited to 64 KiB.");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

function invalid(field, message) {
  return new HttpError(400, "invalid_request", message, { field });
}

function mediaType(declared) {
  return declared.split(";")[0].trim().toLowerCase();
}

function utcDay(ms) {
  return Math.floor(ms / 86400000);
}

// The first rule of naming standard v3.1 the name breaks, in the contract's table order, or null.
function brokenRule(filename, shootId, contentType, now) {
  if (!/^[\x21-\x7e]*$/.test(filename) || /[/\\]/.test(filename)) return "charset";
  if (filename.length > 64) return "length";
  const parts = NAME.exec(filename);
  if (!parts) return "pattern";
  const [, shoot, date, sequence, variant, extension] = parts;
  if (shoot !== shootId) return "shoot_mismatch";
  if (!/^\d{8}$/.test(date)) return "date";
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(4, 6));
  const day = Number(date.slice(6, 8));
  const when = Date.UTC(year, month - 1, day);
  const real = new Date(when);
  if (real.getUTCFullYear() !== year || real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) return "date";
  if (when < Date.UTC(2000, 0, 1) || utcDay(when) > utcDay(now) + 1) return "date";
  if (!/^\d{4}$/.test(sequence) || sequence === "0000") return "sequence";
  if (variant !== undefined && (!VARIANTS.has(variant) || (variant === "raw" && !RAW_EXTENSIONS.has(extension)))) {
    return "variant";
  }
  if (!(extension in CONTENT_TYPES)) return "extension";
  if (CONTENT_TYPES[extension] !== contentType) return "extension_mismatch";
  return null;
}

function checkShootId(body) {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("body", "The request body must be a JSON object.");
  }
  const { shootId } = body;
  if (typeof shootId !== "string") throw invalid("shootId", "shootId is required and must be a string.");
  if (shootId.length < 3 || shootId.length > 32 || !SHOOT_ID.test(shootId)) {
    throw invalid("shootId", "shootId must be 3-32 characters of a-z and 0-9 with single inner hyphens.");
  }
  return shootId;
}

// One file of a presign (the body itself for a single presign, an entry of `files` for a batch).
function checkFile(item, shootId, env, now) {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw invalid("files", "Each file must be a JSON object.");
  }
  const { filename, contentType, size, sha256, replace } = item;
  if (typeof filename !== "string") throw invalid("filename", "filename is required and must be a string.");
  if (typeof contentType !== "string") throw invalid("contentType", "contentType is required and must be a string.");
  if (!Number.isInteger(size)) throw invalid("size", "size is required and must be an integer.");
  let digest = "";
  if (sha256 !== undefined && sha256 !== null) {
    digest = typeof sha256 === "string" ? sha256.toLowerCase() : "";
    if (!/^[0-9a-f]{64}$/.test(digest)) throw invalid("sha256", "sha256 must be 64 hexadecimal characters.");
  }
  if (replace !== undefined && replace !== null && typeof replace !== "boolean") {
    throw invalid("replace", "replace must be true or false.");
  }
  const type = mediaType(contentType);
  if (!ALLOWED_TYPES.has(type)) {
    throw new HttpError(403, "content_type_not_allowed", "This content type is not accepted.", { contentType: type });
  }
  const maxBytes = Number(env.MAX_UPLOAD_BYTES ?? 104857600);
  if (size < 1 || size > maxBytes) {
    throw new HttpError(413, "file_too_large", `size must be from 1 to ${maxBytes} bytes.`, { maxBytes });
  }
  const rule = brokenRule(filename, shootId, type, now);
  if (rule) {
    throw new HttpError(422, "invalid_filename", `The file name breaks the naming standard v3.1 (rule ${rule}).`, { rule });
  }
  return { filename, contentType: type, size, sha256: digest, replace: replace === true };
}

// The body as a list of files, each checked or refused: {shootId, batch, files: [{file} | {error, filename}]}.
function checkPresign(body, env, now) {
  const shootId = checkShootId(body);
  const batch = body.files !== undefined;
  if (!batch) return { shootId, batch, files: [{ file: checkFile(body, shootId, env, now) }] };
  if (!Array.isArray(body.files) || body.files.length < 1 || body.files.length > MAX_BATCH_FILES) {
    throw invalid("files", "files must be an array of 1 to 100 files.");
  }
  const files = body.files.map((item) => {
    try {
      return { file: checkFile(item, shootId, env, now) };
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return { error, filename: typeof item?.filename === "string" ? item.filename : null };
    }
  });
  return { shootId, batch, files };
}

function hexToBase64(hex) {
  return btoa(String.fromCharCode(...hex.match(/../g).map((pair) => parseInt(pair, 16))));
}

// The worker-mode URL as Upgate signs it (wasm/uploads/upload_url.cpp): the upload id rides in the signed query.
async function presignUrl(env, origin, file, key, uploadId, now) {
  const ttl = Number(env.PRESIGN_TTL_SECONDS ?? 900);
  const url = new URL(`/upload/${key}`, origin);
  url.searchParams.set("X-Amz-Expires", String(ttl));
  url.searchParams.set("x-upgate-upload-id", uploadId);
  const headers = { "Content-Type": file.contentType, "Content-Length": String(file.size) };
  if (file.sha256) headers["x-amz-checksum-sha256"] = hexToBase64(file.sha256);
  const signer = new AwsV4Signer({
    method: "PUT",
    url: url.toString(),
    headers,
    accessKeyId: env.UPLOAD_SIGNING_KEY_ID,
    secretAccessKey: env.UPLOAD_SIGNING_SECRET,
    service: "s3",
    region: "auto",
    signQuery: true,
    allHeaders: true,
    cache: signingKeyCache,
    datetime: new Date(now).toISOString().replace(/[:-]|\.\d{3}/g, ""),
  });
  const signed = await signer.sign();
  return { url: signed.url.toString(), headers, expiresAt: new Date(now + ttl * 1000).toISOString() };
}

// The ledger's refusals of a whole presign, as the contract answers them.
const REFUSALS = {
  shoot_not_found: [404, "No shoot with this id."],
  not_shoot_owner: [403, "Only the shoot's owner or an admin may do this."],
};
const ALREADY_EXISTS = new HttpError(409, "already_exists", 'A completed upload already holds this file name; send "replace": true to replace it.');

function errorObject(error, filename) {
  return { filename, error: { code: error.code, message: error.message, ...error.details } };
}

// One Durable Object call (the shoot's ledger decides every file's upload and records them), then the URLs are
// signed, then the shoot's entry in the cron's work index is put when the ledger says it is due. `calls.io`
// counts the binding calls made, for the log line (as Upgate's io).
async function presign(request, env, checked, caller, requestId, now, calls) {
  const files = checked.files.filter((entry) => entry.file).map((entry) => entry.file);
  if (!checked.batch && files.length === 0) throw checked.files[0].error;
  const ledger = env.SHOOTS.get(env.SHOOTS.idFromName(checked.shootId));
  let decided;
  calls.io += 1;
  try {
    decided = await ledger.presign({ shootId: checked.shootId, actor: caller, requestId, now, files });
  } catch {
    throw new HttpError(503, "storage_unavailable", "Storage is unavailable; retry shortly.");
  }
  if (decided.refused) {
    const [status, message] = REFUSALS[decided.refused] ?? [503, "Storage is unavailable; retry shortly."];
    throw new HttpError(status, decided.refused, message, { shootId: checked.shootId });
  }
  const origin = new URL(request.url).origin;
  let next = 0;
  const answers = [];
  for (const entry of checked.files) {
    if (!entry.file) {
      answers.push(errorObject(entry.error, entry.filename));
      continue;
    }
    const item = decided.uploads[next++];
    if (item.error) {
      if (!checked.batch) throw ALREADY_EXISTS;
      answers.push(errorObject(ALREADY_EXISTS, entry.file.filename));
      continue;
    }
    const { upload } = item;
    const signed = await presignUrl(env, origin, entry.file, upload.key, upload.uploadId, now);
    answers.push({
      uploadId: upload.uploadId,
      key: upload.key,
      method: "PUT",
      url: signed.url,
      headers: signed.headers,
      expiresAt: signed.expiresAt,
      ...(item.duplicateOf ? { duplicateOf: item.duplicateOf } : {}),
    });
  }
  if (decided.indexWork) {
    calls.io += 1;
    try {
      await env.UPLOADS_KV.put(`work:${checked.shootId}`, "1", { expirationTtl: WORK_INDEX_TTL_SECONDS });
    } catch {
      throw new HttpError(503, "storage_unavailable", "Storage is unavailable; retry shortly.");
    }
  }
  return checked.batch ? { uploads: answers } : answers[0];
}

async function handle(request, env, requestId, now, calls) {
  const { pathname } = new URL(request.url);
  if (pathname !== "/api/uploads/presign") throw new HttpError(404, "not_found", "No such endpoint.");
  if (request.method !== "POST") throw new HttpError(405, "method_not_allowed", "This endpoint does not accept that method.", {}, { Allow: "POST" });
  const caller = await authenticate(request, env);
  const key = `sub:${caller.sub}`;
  const limit = Number(env.RATE_LIMIT_PER_MINUTE ?? 100);
  const tooMany = (headers) => new HttpError(429, "rate_limited", "Too many requests; retry after the time in Retry-After.", {}, headers);
  let rate = spendToken(key, limit, now);
  if (!rate.allowed) throw tooMany(rate.headers);
  const checked = checkPresign(await readJson(request), env, now);
  // A batch costs one token per file, the first one spent above (as Upgate's spend_rate_limit).
  if (checked.files.length > 1) {
    rate = spendToken(key, limit, now, checked.files.length - 1);
    if (!rate.allowed) throw tooMany(rate.headers);
  }
  const body = await presign(request, env, checked, caller, requestId, now, calls);
  return { status: 200, body, headers: rate.headers, sub: caller.sub };
}

export default {
  async fetch(request, env) {
    const now = Date.now();
    const requestId = requestIdOf(request);
    const calls = { io: 0 };
    let result;
    try {
      result = await handle(request, env, requestId, now, calls);
    } catch (error) {
      const failure =
        error instanceof HttpError ? error : new HttpError(500, "internal_error", "Something went wrong on our side.");
      const body = { error: { code: failure.code, message: failure.message, request_id: requestId, ...failure.details } };
      result = { status: failure.status, body, headers: failure.headers };
    }
    console.log(
      JSON.stringify({
        ts: new Date(now).toISOString(),
        level: result.status >= 500 ? "error" : "info",
        request_id: requestId,
        event: "request",
        method: request.method,
        path: new URL(request.url).pathname,
        status: result.status,
        io: calls.io,
        ...(result.sub ? { sub: result.sub } : {}),
        duration_ms: Date.now() - now,
      }),
    );
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { ...baseHeaders(requestId), ...result.headers },
    });
  },
};
