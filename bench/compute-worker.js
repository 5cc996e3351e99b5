// Bench-only compute probe: runs one operation `n` times inside workerd and answers when done. Inside a Worker
// Date.now() only advances across I/O, so bench/run.mjs times the request from outside and subtracts an n = 0
// request. POST {"op", "n", ...arguments} -> {"n", "sample"} (sample: the last result, for a sanity check).
//
// Operations:
//   core_presign      the core's sigv4_presign probe op (Core.call: JSON in, JSON out, as the shim pays it)
//   core_jwt          the core's jwt_verify op: HS256 -> valid; RS256/ES256 -> needs_signature_check (phase 1)
//   core_jwt_checked  jwt_verify with the signature result supplied -> valid (phase 2)
//   subtle_verify     crypto.subtle.verify of the token's signature with a CryptoKey imported once (as shim/effects.js)
//   core_request      a whole presign request through the core (op "http"), effects answered from memory:
//                     the shim's conversation (wasm/protocol/exchange.h) without the I/O
//   core_step         only step `step` (1-based) of that conversation
//   core_parse_step   a near-empty op (digest of "") carrying step `step`'s call as an ignored field: the cost of
//                     moving and parsing that much JSON through Core.call without the handler's work
//   core_noop         a near-empty op (digest of ""): the fixed cost of one Core.call
//   jose_hs256        jose jwtVerify HS256 with a CryptoKey imported once (the reference Worker's way)
//   js_presign        aws4fetch AwsV4Signer query presign (the reference Worker's way)
// bench/run.mjs bundles this file with esbuild; the wasm import stays a module of its own.
import { AwsV4Signer } from "aws4fetch";
import { jwtVerify } from "jose";
import wasmModule from "../build/wasm/upgate-probe.wasm";
import { configuredCore, describeRequest, randomHex } from "../shim/core.js";

const encoder = new TextEncoder();
let core = null;
const cryptoKeys = new Map();

function coreFor(env) {
  if (core) return core;
  const { core: fresh, report } = configuredCore(wasmModule, env);
  if (!report.ok) throw new Error(`configure: ${JSON.stringify(report)}`);
  core = fresh;
  return core;
}

function base64urlToBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function presignCall(args) {
  return {
    op: "sigv4_presign",
    access_key_id: args.accessKeyId,
    secret_access_key: args.secretAccessKey,
    method: "PUT",
    host: args.host,
    path: args.path,
    headers: args.headers,
    now_seconds: nowSeconds(),
    expires: 900,
  };
}

// The signature check the core asks the shim for (phase 1 of an RS256/ES256 verify).
function signatureCheck(env, token) {
  const answer = coreFor(env).call({ op: "jwt_verify", token, now_seconds: nowSeconds() });
  if (answer.kind !== "needs_signature_check") throw new Error(`expected a signature check: ${JSON.stringify(answer)}`);
  return answer.check;
}

const SUBTLE = {
  RS256: { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
};

async function importedKey(check) {
  if (!cryptoKeys.has(check.thumbprint)) {
    const algorithm = SUBTLE[check.alg];
    cryptoKeys.set(check.thumbprint, await crypto.subtle.importKey("jwk", check.jwk, algorithm.import, false, ["verify"]));
  }
  return cryptoKeys.get(check.thumbprint);
}

async function hmacKey(secret) {
  if (!cryptoKeys.has("hs256")) {
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    cryptoKeys.set("hs256", key);
  }
  return cryptoKeys.get("hs256");
}

// The ledger's answer to a presign: a new upload for each file of the request body, the shoot already in the
// cron's work index. Made once per body, so the timed loop answers from memory and does no JSON work the real
// Worker does not (there, the ledger's request and answer only pass through as strings).
const ledgerAnswers = new Map();
function ledgerAnswer(effect, args) {
  const known = ledgerAnswers.get(args.body);
  if (known) return known;
  const now = Date.now();
  const body = JSON.parse(args.body);
  const files = body.files ?? [body];
  const uploads = files.map((file, i) => ({
    upload: {
      uploadId: `up_${effect.shootId}_${String(i).padStart(32, "0")}`,
      key: `shoots/${effect.shootId}/${file.filename}`,
      objectKey: `shoots/${effect.shootId}/${file.filename}`,
      shootId: effect.shootId,
      filename: file.filename,
      contentType: file.contentType,
      size: file.size,
      sha256: file.sha256 ?? "",
      state: "pending",
      multipart: false,
      createdAtMs: now,
      presignedAtMs: now,
      completingAtMs: 0,
    },
  }));
  const answer = JSON.stringify({ uploads, indexWork: false });
  ledgerAnswers.set(args.body, answer);
  return answer;
}

// Answers the effects of a presign from memory, the way shim/effects.js would after real I/O.
function cannedEffect(effect, args) {
  switch (effect.type) {
    case "read_body":
      return { ok: true, text: args.body };
    case "kv_get":
      return { ok: true, value: effect.key.startsWith("shoot:") ? args.shoot : null };
    case "kv_put":
      return { ok: true };
    // The shoot ledger's answer to a presign (wasm/ledger/uploads.cpp), as the object returns it: JSON text.
    case "ledger":
      return { ok: true, result: ledgerAnswer(effect, args) };
    default:
      return { ok: false, error: `unexpected effect ${effect.type}` };
  }
}


// One presign request through the core as shim/index.js drives it (the conversation of wasm/protocol/conversation.h):
// describe the request, then resume with each round of effect results until the core answers; a commit
// answer ("then") ends it once its effects are answered. Answers the number of core calls and the status.
// With `stopAfter`, stops after that many calls (abandoning the conversation); with `snapshots`, records
// every call's message and answer and their sizes. It is a loop of its own rather than shim/worker.js's
// converse because it must stay synchronous: with effects answered from memory, the time measured is the
// core's alone, with no awaits in it.
function presignThroughCore(env, request, args, { snapshots = null, stopAfter = Infinity } = {}) {
  const instance = coreFor(env);
  // The body goes with the first call, as shim/worker.js sends POST /api/* bodies under the core's prefetch rule.
  /** @type {object} */
  let message = {
    op: "http",
    request: describeRequest(request),
    now: Date.now(),
    entropy: randomHex(32),
    body: { ok: true, text: args.body },
  };
  for (let step = 1; step <= 32; step++) {
    const text = snapshots ? JSON.stringify(message) : "";
    const answer = instance.call(message);
    snapshots?.push({ message, answer, bytesIn: text.length, bytesOut: JSON.stringify(answer).length });
    if (answer.response) return { steps: step, status: answer.response.status };
    if (!answer.effects) throw new Error(`core error: ${JSON.stringify(answer)}`);
    const results = answer.effects.map((effect) => cannedEffect(effect, args));
    if (answer.then) {
      instance.call({ op: "close", handle: answer.handle });
      return { steps: step, status: answer.then.response.status };
    }
    if (step >= stopAfter) {
      instance.call({ op: "close", handle: answer.handle });
      return { steps: step, status: 0 };
    }
    message = { op: "resume", handle: answer.handle, results };
  }
  throw new Error("no answer within 32 steps");
}

async function run(op, n, args, env) {
  let sample = null;
  switch (op) {
    case "core_presign": {
      const instance = coreFor(env);
      for (let i = 0; i < n; i++) sample = instance.call(presignCall(args));
      break;
    }
    case "core_jwt": {
      const instance = coreFor(env);
      for (let i = 0; i < n; i++) sample = instance.call({ op: "jwt_verify", token: args.token, now_seconds: nowSeconds() });
      sample = { kind: sample?.kind, reason: sample?.reason };
      break;
    }
    case "core_jwt_checked": {
      const check = signatureCheck(env, args.token);
      const instance = coreFor(env);
      const results = { [check.id]: true };
      for (let i = 0; i < n; i++) sample = instance.call({ op: "jwt_verify", token: args.token, now_seconds: nowSeconds(), results });
      sample = { kind: sample?.kind, reason: sample?.reason };
      break;
    }
    case "subtle_verify": {
      const check = signatureCheck(env, args.token);
      const key = await importedKey(check);
      const signature = base64urlToBytes(check.signature);
      const algorithm = SUBTLE[check.alg].verify;
      for (let i = 0; i < n; i++) {
        sample = await crypto.subtle.verify(algorithm, key, signature, encoder.encode(check.signingInput));
      }
      break;
    }
    case "core_noop": {
      const instance = coreFor(env);
      for (let i = 0; i < n; i++) sample = instance.call({ op: "digest", algorithm: "sha256", data_hex: "", key_hex: "" });
      break;
    }
    // A step cannot be replayed on its own (the conversation lives in the core), so core_step times the
    // first `step` calls of a fresh conversation; run.mjs takes differences between consecutive steps.
    case "core_step": {
      const request = () => new Request(args.url, { method: "POST", headers: args.headers, body: args.body });
      const snapshots = [];
      presignThroughCore(env, request(), args, { snapshots });
      for (let i = 0; i < n; i++) presignThroughCore(env, request(), args, { stopAfter: args.step });
      const { answer, bytesIn, bytesOut } = snapshots[args.step - 1];
      const effects = answer.effects ? answer.effects.map((e) => e.type).join(" + ") : "";
      const asks = answer.then ? `${effects}, then ${answer.then.response.status}` : answer.response ? `response ${answer.response.status}` : effects;
      sample = { asks, bytesIn, bytesOut, steps: snapshots.length };
      break;
    }
    // The JSON-only cost of one step's message: the same text through a near-empty op.
    case "core_parse_step": {
      const snapshots = [];
      presignThroughCore(env, new Request(args.url, { method: "POST", headers: args.headers, body: args.body }), args, { snapshots });
      const message = { op: "digest", algorithm: "sha256", data_hex: "", key_hex: "", ignored: snapshots[args.step - 1].message };
      const instance = coreFor(env);
      for (let i = 0; i < n; i++) instance.call(message);
      break;
    }
    case "core_request": {
      const request = new Request(args.url, { method: "POST", headers: args.headers, body: args.body });
      for (let i = 0; i < n; i++) sample = presignThroughCore(env, request, args);
      break;
    }
    case "jose_hs256": {
      const key = await hmacKey(env.JWT_SECRET);
      const options = { algorithms: ["HS256"], clockTolerance: 60, requiredClaims: ["exp", "sub"] };
      for (let i = 0; i < n; i++) sample = (await jwtVerify(args.token, key, options)).payload.sub;
      break;
    }
    case "js_presign": {
      const cache = new Map();
      for (let i = 0; i < n; i++) {
        const url = new URL(`https://${args.host}${args.path}`);
        url.searchParams.set("X-Amz-Expires", "900");
        const signer = new AwsV4Signer({
          method: "PUT",
          url: url.toString(),
          headers: args.headers,
          accessKeyId: args.accessKeyId,
          secretAccessKey: args.secretAccessKey,
          service: "s3",
          region: "auto",
          signQuery: true,
          allHeaders: true,
          cache,
        });
        sample = (await signer.sign()).url.toString();
      }
      break;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
  return sample;
}

export default {
  async fetch(request, env) {
    const { op, n, ...args } = await request.json();
    try {
      const sample = await run(op, n, args, env);
      return Response.json({ n, sample });
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
