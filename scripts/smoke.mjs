#!/usr/bin/env node
// Upgate smoke suite: a black-box check of a running deployment over HTTP (local `wrangler dev`, staging,
// production), against the API v1 contract (../shared/spec/api-v1.md).
//
//   npm run smoke -- <base-url> [--token <JWT>] [--dev-secret-from .dev.vars] [--wait-expiry] [--timeout <s>]
//
// Tokens:
//   --token <JWT> or UPGATE_SMOKE_TOKEN: a valid token whose subject may create shoots. Otherwise, and only
//   when the target's /healthz reports env "development", one is minted (HS256, jose) from JWT_SECRET, read
//   from the environment or from the file named by --dev-secret-from. With a known secret the invalid and
//   expired tokens are minted too; with only a token, the invalid one is a tampered copy of it and the expired
//   check is skipped.
// Upload URL expiry (worker mode):
//   - with the worker-mode key pair (UPLOAD_SIGNING_KEY_ID / UPLOAD_SIGNING_SECRET from the environment, or
//     from the --dev-secret-from file against a development target) the suite signs a URL for a real upload
//     as of 20 minutes ago with a 60 s lifetime (AWS SDK signer) and expects 403 url_expired; the same URL
//     signed as of now is the control that proves the key pair is the Worker's;
//   - with --wait-expiry it instead presigns a URL through the API, waits until expiresAt + 2 s (the
//     deployment's PRESIGN_TTL_SECONDS, 900 s by default) and expects the PUT to get 403;
//   - otherwise the check is skipped, saying how to run it.
//
// Every check prints one line: "ok - <name>", "not ok - <name>: <why>" or "skip - <name>: <why>", and the run
// ends with "N passed, N failed" (plus ", N skipped" when something was skipped). Exit status: 0 when every
// check that ran passed, 1 when one failed, 2 for a usage error.
//
// Side effects on the target: one shoot "smoke-<random>" owned by the token's subject, and under it two or
// three small JPEG-looking objects (one completed; the others are abandoned and removed by the scheduled
// cleanup after 6 hours). Requests carry X-Request-Id "smoke-<random>-<n>" so they can be found in the logs.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

// ---------------------------------------------------------------------------------------------------------
// Command line.

const USAGE = `usage: npm run smoke -- <base-url> [options]

  --token <JWT>              a valid token for a subject that may create shoots (or env UPGATE_SMOKE_TOKEN)
  --dev-secret-from <file>   read JWT_SECRET, UPLOAD_SIGNING_KEY_ID, UPLOAD_SIGNING_SECRET from this file
                             (e.g. .dev.vars); used only against a target whose /healthz says "development"
  --wait-expiry              check URL expiry by waiting out the presign TTL (900 s by default)
  --timeout <seconds>        per-request timeout (default 20)
  -h, --help                 this text

Environment: UPGATE_SMOKE_TOKEN, JWT_SECRET (development targets only), UPLOAD_SIGNING_KEY_ID and
UPLOAD_SIGNING_SECRET (the worker-mode key pair, to sign an already-expired upload URL).`;

function usageError(message) {
  console.error(`smoke: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { baseUrl: null, token: null, devSecretFrom: null, waitExpiry: false, timeoutSeconds: 20 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, null];
    const value = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) usageError(`${flag} needs a value`);
      i += 1;
      return argv[i];
    };
    switch (flag) {
      case "-h":
      case "--help":
        console.log(USAGE);
        process.exit(0);
        break;
      case "--token":
        options.token = value();
        break;
      case "--dev-secret-from":
        options.devSecretFrom = value();
        break;
      case "--wait-expiry":
        options.waitExpiry = true;
        break;
      case "--timeout":
        options.timeoutSeconds = Number(value());
        if (!(options.timeoutSeconds > 0)) usageError("--timeout must be a positive number of seconds");
        break;
      default:
        if (arg.startsWith("-")) usageError(`unknown option ${arg}`);
        if (options.baseUrl !== null) usageError(`unexpected argument ${arg}`);
        options.baseUrl = arg;
    }
  }
  if (!options.baseUrl) usageError("the base URL of the deployment is required");
  let base;
  try {
    base = new URL(options.baseUrl);
  } catch {
    usageError(`not a URL: ${options.baseUrl}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") usageError(`not an http(s) URL: ${options.baseUrl}`);
  options.baseUrl = base.origin + base.pathname.replace(/\/+$/, "");
  options.token ??= process.env.UPGATE_SMOKE_TOKEN || null;
  return options;
}

// KEY=VALUE lines (the .dev.vars / .env format): comments and blank lines ignored, optional quotes stripped.
function readVarsFile(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    usageError(`cannot read ${path}: ${error.code ?? error.message}`);
  }
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith("#")) continue;
    let value = match[2];
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    vars[match[1]] = value;
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------------------
// Reporting.

const results = { passed: 0, failed: 0, skipped: 0 };

class CheckFailure extends Error {}
class Skip extends Error {}

const fail = (why) => {
  throw new CheckFailure(why);
};
const skip = (why) => {
  throw new Skip(why);
};

// Runs one check and prints its line. The body returns nothing (ok), or throws CheckFailure / Skip.
async function check(name, body) {
  try {
    await body();
    results.passed += 1;
    console.log(`ok - ${name}`);
    return true;
  } catch (error) {
    if (error instanceof Skip) {
      results.skipped += 1;
      console.log(`skip - ${name}: ${error.message}`);
      return null;
    }
    results.failed += 1;
    const why = error instanceof CheckFailure ? error.message : `${error?.name ?? "Error"}: ${error?.message ?? error}`;
    console.log(`not ok - ${name}: ${why.replace(/\s*\n\s*/g, " ")}`);
    return false;
  }
}

const note = (text) => console.log(`# ${text}`);

function summary() {
  const skipped = results.skipped > 0 ? `, ${results.skipped} skipped` : "";
  console.log(`${results.passed} passed, ${results.failed} failed${skipped}`);
}

// ---------------------------------------------------------------------------------------------------------
// HTTP.

// Piped into `head` and the like: stop quietly when the reader goes away.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(results.failed > 0 ? 1 : 0);
  throw error;
});

const options = parseArgs(process.argv.slice(2));
const runId = `smoke-${randomBytes(5).toString("hex")}`;
let requestCounter = 0;

// One request. Answers { status, headers, text, json (or undefined), requestId } and never throws for an HTTP
// status; a network failure or timeout becomes a CheckFailure naming the request.
/**
 * @param {string} method
 * @param {string} target a path on the base URL, or a whole URL
 * @param {{token?: string | null, json?: unknown, body?: BodyInit, headers?: Record<string, string>}} [options]
 */
async function request(method, target, { token = null, json, body, headers = {} } = {}) {
  requestCounter += 1;
  const requestId = `${runId}-${requestCounter}`;
  const url = /^https?:\/\//.test(target) ? target : `${options.baseUrl}${target}`;
  /** @type {Record<string, string>} */
  const sent = { "x-request-id": requestId, ...headers };
  if (token !== null) sent.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    sent["content-type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  let text;
  try {
    response = await fetch(url, { method, headers: sent, body, signal: AbortSignal.timeout(options.timeoutSeconds * 1000) });
    text = await response.text();
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
    fail(`${method} ${new URL(url).pathname} failed: ${error?.name === "TimeoutError" ? `no answer within ${options.timeoutSeconds} s` : cause}`);
  }
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: parsed, requestId: response.headers.get("x-request-id") ?? requestId, method, path: new URL(url).pathname };
}

// "got 500 {...}" for failure messages: the status, the start of the body and the request id.
function describe(answer) {
  const body = answer.text.length > 240 ? `${answer.text.slice(0, 240)}…` : answer.text;
  return `${answer.method} ${answer.path} got ${answer.status} ${body} (request id ${answer.requestId})`;
}

function expectStatus(answer, status) {
  if (answer.status !== status) fail(`expected ${status}, ${describe(answer)}`);
  if (answer.json === undefined || typeof answer.json !== "object" || answer.json === null) fail(`expected a JSON object, ${describe(answer)}`);
  return answer.json;
}

function expectError(answer, status, code) {
  const body = expectStatus(answer, status);
  if (body.error?.code !== code) fail(`expected ${status} ${code}, ${describe(answer)}`);
  return body.error;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens.

const encoder = new TextEncoder();

function jwtPayload(token) {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

async function mintToken(secret, { sub, expiresAt }) {
  const { SignJWT } = await import("jose");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuedAt(Math.min(now, expiresAt - 60))
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(secret));
}

// The same token with one character of its signature changed. Not the last one: in base64url the last
// character of a 32-byte HMAC carries padding bits, so changing it may not change the decoded signature.
function tamper(token) {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[2].length < 2) return `${token}x`;
  const signature = parts[2];
  const replaced = signature[0] === "A" ? "B" : "A";
  return `${parts[0]}.${parts[1]}.${replaced}${signature.slice(1)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Uploads.

const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");
const fileName = (shootId, sequence) => `${shootId}_${today()}_${sequence}.jpg`;

// A small buffer that looks like a JPEG (SOI + APP0 "JFIF" header), then random bytes.
function jpegBytes(size) {
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  return Buffer.concat([header, randomBytes(size - header.length)]);
}

// A presign answer must be usable: a URL, PUT, the headers to send, a future expiresAt.
function checkPresignAnswer(answer, filename) {
  const item = expectStatus(answer, 200);
  if (typeof item.url !== "string" || !/^https?:\/\//.test(item.url)) fail(`no usable url in ${describe(answer)}`);
  if (item.method !== "PUT") fail(`method is ${JSON.stringify(item.method)}, not "PUT"`);
  if (typeof item.uploadId !== "string" || item.uploadId === "") fail(`no uploadId in ${describe(answer)}`);
  if (typeof item.headers !== "object" || item.headers === null) fail(`no headers in ${describe(answer)}`);
  const contentType = Object.entries(item.headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
  if (contentType !== "image/jpeg") fail(`headers carry Content-Type ${JSON.stringify(contentType)}, not image/jpeg`);
  if (typeof item.key !== "string" || !item.key.endsWith(`/${filename}`)) fail(`key ${JSON.stringify(item.key)} does not name ${filename}`);
  const expires = Date.parse(item.expiresAt);
  if (!Number.isFinite(expires)) fail(`expiresAt ${JSON.stringify(item.expiresAt)} is not a date`);
  if (expires <= Date.now()) fail(`expiresAt ${item.expiresAt} is already past (is the local clock right?)`);
  if (!new URL(item.url).searchParams.get("X-Amz-Signature")) fail(`the url is not a SigV4 presigned URL: ${item.url}`);
  return item;
}

// Worker mode: the URL points at this deployment's /upload/<key>. Otherwise it points at R2's S3 endpoint.
function isWorkerUrl(item) {
  const url = new URL(item.url);
  return url.host === new URL(options.baseUrl).host && url.pathname.startsWith("/upload/");
}

async function putUpload(item, body, url = item.url) {
  return request("PUT", url, { headers: item.headers, body });
}

// RFC 3986 encoding (SigV4's UriEncode) for query names and values.
const uriEncode = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// The same PUT as `item`, presigned with the AWS SDK's SigV4 signer and the worker-mode key pair, as of
// `signingDate`, valid for `expiresIn` seconds. S3 presigning: path signed as sent (uriEscapePath: false),
// UNSIGNED-PAYLOAD as the payload hash, neither signed nor hoisted into the query.
async function sdkPresign(item, keyPair, signingDate, expiresIn) {
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import("@smithy/signature-v4"), import("@aws-crypto/sha256-js")]);
  const url = new URL(item.url);
  const signer = new SignatureV4({
    service: "s3",
    region: "auto",
    credentials: { accessKeyId: keyPair.keyId, secretAccessKey: keyPair.secret },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const headers = { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
  for (const [name, value] of Object.entries(item.headers)) headers[name.toLowerCase()] = String(value);
  const presigned = await signer.presign(
    {
      method: "PUT",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers,
    },
    {
      signingDate,
      expiresIn,
      unsignableHeaders: new Set(["x-amz-content-sha256"]),
      unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    },
  );
  const query = Object.entries(presigned.query)
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(String(value))}`)
    .join("&");
  return `${url.origin}${url.pathname}?${query}`;
}

// ---------------------------------------------------------------------------------------------------------
// The suite.

async function main() {
  note(`upgate smoke: ${options.baseUrl} (run ${runId})`);

  // -- /healthz, which also tells which environment this is.
  let targetEnv = null;
  await check("GET /healthz answers 200 with status ok", async () => {
    const answer = await request("GET", "/healthz");
    const body = expectStatus(answer, 200);
    if (body.status !== "ok") fail(`status is ${JSON.stringify(body.status)}, not "ok" (request id ${answer.requestId})`);
    targetEnv = typeof body.env === "string" ? body.env : null;
  });
  const development = targetEnv === "development";
  note(`target env: ${targetEnv ?? "unknown"}`);

  // -- Secrets: JWT_SECRET and anything from the --dev-secret-from file only against development.
  const fileVars = options.devSecretFrom ? readVarsFile(options.devSecretFrom) : {};
  let jwtSecret = null;
  if (process.env.JWT_SECRET || fileVars.JWT_SECRET) {
    if (development) jwtSecret = process.env.JWT_SECRET || fileVars.JWT_SECRET;
    else note(`not using JWT_SECRET: the target is not a development deployment (env ${targetEnv ?? "unknown"})`);
  }
  let keyPair = null;
  if (process.env.UPLOAD_SIGNING_KEY_ID && process.env.UPLOAD_SIGNING_SECRET) {
    keyPair = { keyId: process.env.UPLOAD_SIGNING_KEY_ID, secret: process.env.UPLOAD_SIGNING_SECRET };
  } else if (fileVars.UPLOAD_SIGNING_KEY_ID && fileVars.UPLOAD_SIGNING_SECRET && development) {
    keyPair = { keyId: fileVars.UPLOAD_SIGNING_KEY_ID, secret: fileVars.UPLOAD_SIGNING_SECRET };
  }

  // -- Tokens.
  const now = Math.floor(Date.now() / 1000);
  let token = options.token;
  if (token) {
    const payload = jwtPayload(token);
    if (!payload) note("the supplied token does not look like a JWT");
    else if (typeof payload.exp === "number" && payload.exp < now) note(`the supplied token expired at ${new Date(payload.exp * 1000).toISOString()}`);
  } else if (jwtSecret) {
    token = await mintToken(jwtSecret, { sub: runId, expiresAt: now + 600 });
    note(`minted a development token for sub ${runId}`);
  } else {
    const why = targetEnv !== null && !development
      ? `the target is a ${targetEnv} deployment: pass --token <JWT> or set UPGATE_SMOKE_TOKEN`
      : "no token: pass --token <JWT>, set UPGATE_SMOKE_TOKEN, or (development) --dev-secret-from .dev.vars / JWT_SECRET";
    console.log(`Bail out! ${why}`);
    results.failed += 1;
    summary();
    process.exit(1);
  }
  const sub = jwtPayload(token)?.sub ?? null;
  const invalidToken = jwtSecret
    ? await mintToken(randomBytes(32).toString("base64url"), { sub: sub ?? runId, expiresAt: now + 600 })
    : tamper(token);
  // Expired 5 minutes ago: well past the contract's 60 s clock skew.
  const expiredToken = jwtSecret ? await mintToken(jwtSecret, { sub: sub ?? runId, expiresAt: now - 300 }) : null;

  // -- A fresh shoot and a presign with the valid token.
  const shootId = runId;
  let shootReady = false;
  const needShoot = () => {
    if (!shootReady) fail(`needs the shoot ${shootId}, which could not be created (see "presign works with a valid token")`);
  };
  let sequence = 0;
  const nextFile = () => fileName(shootId, String(++sequence).padStart(4, "0"));

  // With --wait-expiry the URL to wait out is taken first, so the waiting overlaps the other checks.
  let expiring = null;

  await check("presign works with a valid token", async () => {
    const created = await request("POST", "/api/shoots", { token, json: { shootId } });
    if (created.status !== 201) fail(`creating shoot ${shootId}: expected 201, ${describe(created)}`);
    shootReady = true;
    const filename = nextFile();
    const answer = await request("POST", "/api/uploads/presign", { token, json: { shootId, filename, contentType: "image/jpeg", size: 1024 } });
    checkPresignAnswer(answer, filename);
    if (options.waitExpiry) {
      const bytes = jpegBytes(512);
      const expiryFile = nextFile();
      const item = checkPresignAnswer(
        await request("POST", "/api/uploads/presign", { token, json: { shootId, filename: expiryFile, contentType: "image/jpeg", size: bytes.length } }),
        expiryFile,
      );
      expiring = { item, bytes };
    }
  });

  // The body of a presign request for the auth checks: a good one, so only the token can be the problem.
  const goodPresignBody = () => ({ shootId, filename: fileName(shootId, "0999"), contentType: "image/jpeg", size: 1024 });

  const expectInvalidToken = (answer) => {
    expectError(answer, 401, "invalid_token");
    const challenge = answer.headers.get("www-authenticate") ?? "";
    if (!/^Bearer\b/i.test(challenge) || !challenge.includes('error="invalid_token"')) {
      fail(`401 without WWW-Authenticate: Bearer ... error="invalid_token" (got ${JSON.stringify(challenge)}, request id ${answer.requestId})`);
    }
  };

  await check(`presign refused for an invalid token (401 invalid_token; ${jwtSecret ? "signed with another key" : "tampered signature"})`, async () => {
    expectInvalidToken(await request("POST", "/api/uploads/presign", { token: invalidToken, json: goodPresignBody() }));
  });

  await check("presign refused for an expired token (401 invalid_token)", async () => {
    if (!expiredToken) skip("needs JWT_SECRET (development only) to mint an expired token; only a token was supplied");
    expectInvalidToken(await request("POST", "/api/uploads/presign", { token: expiredToken, json: goodPresignBody() }));
  });

  await check("presign refuses a wrong file name (422 invalid_filename)", async () => {
    needShoot();
    const answer = await request("POST", "/api/uploads/presign", { token, json: { shootId, filename: "holiday-photo.jpg", contentType: "image/jpeg", size: 1024 } });
    const error = expectError(answer, 422, "invalid_filename");
    if (error.rule !== "pattern") fail(`rule is ${JSON.stringify(error.rule)}, expected "pattern" (request id ${answer.requestId})`);
  });

  await check("presign refuses a content type that is not allowed (403 content_type_not_allowed)", async () => {
    needShoot();
    const answer = await request("POST", "/api/uploads/presign", { token, json: { shootId, filename: fileName(shootId, "0998"), contentType: "text/html", size: 1024 } });
    expectError(answer, 403, "content_type_not_allowed");
  });

  await check("GET /api/services without a token shows the public view (no caller)", async () => {
    const answer = await request("GET", "/api/services");
    const view = expectStatus(answer, 200);
    if (typeof view.name !== "string") fail(`no service name in ${describe(answer)}`);
    if (!Array.isArray(view.allowedContentTypes) || !view.allowedContentTypes.includes("image/jpeg")) fail(`allowedContentTypes lacks image/jpeg in ${describe(answer)}`);
    if ("caller" in view) fail(`an anonymous view has a caller field: ${describe(answer)}`);
    if ("storage" in view) fail(`an anonymous view has storage details: ${describe(answer)}`);
  });

  await check("GET /api/services with a token shows the caller view (caller.sub)", async () => {
    const answer = await request("GET", "/api/services", { token });
    const view = expectStatus(answer, 200);
    if (typeof view.caller !== "object" || view.caller === null) fail(`no caller field: ${describe(answer)}`);
    if (typeof view.caller.sub !== "string" || view.caller.sub === "") fail(`caller.sub missing: ${describe(answer)}`);
    if (sub !== null && view.caller.sub !== sub) fail(`caller.sub is ${JSON.stringify(view.caller.sub)}, the token's sub is ${JSON.stringify(sub)}`);
  });

  await check("upload round trip: presign, PUT, complete (200 with the uploaded size)", async () => {
    needShoot();
    const bytes = jpegBytes(2048);
    const filename = nextFile();
    const item = checkPresignAnswer(
      await request("POST", "/api/uploads/presign", { token, json: { shootId, filename, contentType: "image/jpeg", size: bytes.length } }),
      filename,
    );
    const uploaded = await putUpload(item, bytes);
    if (uploaded.status < 200 || uploaded.status > 299) fail(`the PUT to the presigned URL: ${describe(uploaded)}`);
    const answer = await request("POST", "/api/uploads/complete", { token, json: { uploadId: item.uploadId } });
    const done = expectStatus(answer, 200);
    if (done.size !== bytes.length) fail(`complete reports size ${JSON.stringify(done.size)}, ${bytes.length} bytes were uploaded (request id ${answer.requestId})`);
    if (done.uploadId !== item.uploadId) fail(`complete answered for upload ${JSON.stringify(done.uploadId)}, not ${item.uploadId}`);
    if (done.key !== item.key) fail(`complete answered key ${JSON.stringify(done.key)}, presign said ${item.key}`);
  });

  if (options.waitExpiry) {
    await check("presigned URL refused after it expires (waited until expiresAt + 2 s; 403)", async () => {
      needShoot();
      if (!expiring) fail("no URL was presigned to wait out");
      const { item, bytes } = expiring;
      const waitMs = Date.parse(item.expiresAt) + 2000 - Date.now();
      if (waitMs > 0) {
        note(`waiting ${Math.ceil(waitMs / 1000)} s for the URL to expire (expiresAt ${item.expiresAt})`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
      const answer = await putUpload(item, bytes);
      if (answer.status !== 403) fail(`expected 403, ${describe(answer)}`);
      if (isWorkerUrl(item) && answer.json?.error?.code !== "url_expired") fail(`expected 403 url_expired, ${describe(answer)}`);
    });
  } else {
    await check("presigned URL refused after it expires (signed 20 min ago for 60 s; 403 url_expired)", async () => {
      needShoot();
      const bytes = jpegBytes(512);
      const filename = nextFile();
      const item = checkPresignAnswer(
        await request("POST", "/api/uploads/presign", { token, json: { shootId, filename, contentType: "image/jpeg", size: bytes.length } }),
        filename,
      );
      if (!isWorkerUrl(item)) skip("s3 mode (URLs point at R2, whose key pair this suite does not hold): rerun with --wait-expiry to wait out the presign TTL");
      if (!keyPair) {
        skip(
          "needs the worker-mode key pair (UPLOAD_SIGNING_KEY_ID and UPLOAD_SIGNING_SECRET in the environment, or --dev-secret-from against development) " +
            "to sign an already-expired URL; or rerun with --wait-expiry to wait out the presign TTL (PRESIGN_TTL_SECONDS, 900 s by default)",
        );
      }
      const expiredUrl = await sdkPresign(item, keyPair, new Date(Date.now() - 20 * 60_000), 60);
      const refused = await putUpload(item, bytes, expiredUrl);
      if (refused.status === 403 && refused.json?.error?.code === "signature_invalid") {
        fail(`the expired URL got 403 signature_invalid, not url_expired: is ${keyPair.keyId} the deployment's UPLOAD_SIGNING_KEY_ID? ${describe(refused)}`);
      }
      expectError(refused, 403, "url_expired");
      // Control: the same request signed as of now with the same key pair is accepted, so the refusal above
      // was for the expiry alone and the key pair is the deployment's.
      const control = await putUpload(item, bytes, await sdkPresign(item, keyPair, new Date(), 60));
      if (control.status < 200 || control.status > 299) {
        fail(`the control (the same URL signed now with this key pair) was refused too, so the key pair may not be the deployment's: ${describe(control)}`);
      }
    });
  }

  summary();
  process.exit(results.failed === 0 && results.passed > 0 ? 0 : 1);
}

main().catch((error) => {
  console.log(`Bail out! ${error?.stack ?? error}`);
  results.failed += 1;
  summary();
  process.exit(1);
});
