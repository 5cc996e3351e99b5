// The Worker's behaviour, built around one wasm module: turns each request (and each cron tick) into a
// conversation with the C++ core, performs the I/O the core asks for, and returns what the core decided.
// No decisions are made here. (index.js builds the real Worker; tests can build one around another module.)
import { configuredCore, describeRequest, randomHex } from "./core.js";
import { serveDevDocument } from "./dev-pages.js";
import { performEffect, readBody } from "./effects.js";
import { logCoreLine, logLine } from "./log.js";

// A request needs a handful of steps (auth, body, KV, R2); the bound stops a core bug from looping forever.
const MAX_STEPS = 32;

// The core could not answer (a trap, or a bug): a JSON 500 that still carries a request id.
function internalError(requestId) {
  const body = {
    error: { code: "internal_error", message: "Something went wrong on our side.", request_id: requestId },
  };
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "X-Request-Id": requestId,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    },
  });
}

// A body the core asked to be streamed from R2 (GET /download): that range of the object it looked at.
async function streamedBody(stream, env) {
  const object = await env.BUCKET.get(stream.key, { range: { offset: stream.offset, length: stream.length } });
  if (!object) throw new Error("the object went away between its head and its read");
  return object.body;
}

export function createWorker({ wasmModule, openapiDocument, devDocuments = null }) {
  let core = null; // one instance per isolate, configured before it serves its first request
  let prefetchRule = null; // which request bodies the core wants read up front (its configure answer)

  function coreFor(env) {
    if (core) return core;
    const { core: fresh, report } = configuredCore(wasmModule, env, {
      rate_limiter_bound: Boolean(env.RATE_LIMITER),
      bindings: Object.fromEntries(["BUCKET", "UPLOADS_KV", "SHOOTS", "UPLOAD_EVENTS"].map((name) => [name, Boolean(env[name])])),
      openapi: openapiDocument,
    });
    // Names the problems (never the values) so the operator can fix them.
    logLine({
      ts: new Date().toISOString(),
      level: report.ok ? "info" : "error",
      event: "config",
      env: report.env,
      problems: report.problems,
      notes: report.notes,
    });
    prefetchRule = report.prefetch_body ?? null;
    core = fresh;
    return core;
  }

  // Carries one conversation with the core (wasm/protocol/conversation.h): performs each round of effects it asks for
  // in parallel and hands back their results, until it answers. An answer with "then" is sent as soon as its
  // effects (the writes it depends on) all succeed; if one failed, the core is told and answers anew.
  async function converse(first, io) {
    const instance = coreFor(io.env);
    let answer = instance.call(first);
    for (let step = 0; step < MAX_STEPS && answer.effects; step++) {
      const results = await Promise.all(answer.effects.map((effect) => performEffect(effect, { ...io, core: instance })));
      if (answer.then && results.every((result) => result.ok)) {
        instance.call({ op: "close", handle: answer.handle });
        return answer.then;
      }
      answer = instance.call({ op: "resume", handle: answer.handle, results });
    }
    if (answer.effects) {
      instance.call({ op: "close", handle: answer.handle });
      throw new Error("core did not finish within the step bound");
    }
    if (answer.error) throw new Error(`core error: ${answer.error}`);
    return answer;
  }

  async function exchange(request, env) {
    const call = { op: "http", request: describeRequest(request), now: Date.now(), entropy: randomHex(32) };
    coreFor(env); // configures the core on first use, which also sets prefetchRule
    if (prefetchRule && request.method === prefetchRule.method && call.request.path.startsWith(prefetchRule.path_prefix)) {
      call.body = await readBody(request, prefetchRule.limit);
    }
    return converse(call, { request, env });
  }

  return {
    async fetch(request, env) {
      const started = Date.now();
      const devDocument = devDocuments && serveDevDocument(request, env, devDocuments); // development only
      if (devDocument) return devDocument;
      try {
        const { response, log } = await exchange(request, env);
        const body = response.stream ? await streamedBody(response.stream, env) : response.body;
        logCoreLine(log, Date.now() - started);
        return new Response(body === "" ? null : body, { status: response.status, headers: response.headers });
      } catch (error) {
        core = null; // a trapped instance is not trusted again
        // The core normally chooses the request id; here it could not, so the contract's rule is applied here.
        const clientId = request.headers.get("x-request-id") ?? "";
        const requestId = /^[A-Za-z0-9._-]{1,64}$/.test(clientId) ? clientId : `req_${randomHex(16)}`;
        const development = env.APP_ENV === "development";
        logLine({
          ts: new Date().toISOString(),
          level: "error",
          request_id: requestId,
          event: "request",
          method: request.method,
          path: new URL(request.url).pathname,
          status: 500,
          duration_ms: Date.now() - started,
          message: String(error?.message ?? error),
          ...(development && error?.stack ? { stack: error.stack } : {}),
        });
        return internalError(requestId);
      }
    },

    // UPLOAD_EVENTS deliveries (wasm/app/processing.h): the core decides, per message, ack or retry.
    async queue(batch, env) {
      const call = {
        op: "queue",
        messages: batch.messages.map((message) => ({ id: message.id, body: message.body, attempts: message.attempts })),
        now: Date.now(),
        entropy: randomHex(32),
      };
      let answer;
      try {
        answer = await converse(call, { request: null, env });
      } catch (error) {
        core = null;
        logLine({ ts: new Date().toISOString(), level: "error", request_id: `req_${randomHex(16)}`, event: "queue", message: String(error?.message ?? error) });
        batch.retryAll();
        return;
      }
      logCoreLine(answer.log);
      const byId = new Map(batch.messages.map((message) => [message.id, message]));
      for (const outcome of answer.outcomes) {
        const message = byId.get(outcome.id);
        if (outcome.action === "retry") message?.retry({ delaySeconds: outcome.delaySeconds });
        else message?.ack();
      }
    },

    // The cron trigger: the core reasons with the scheduled time, so a run can be replayed "7 hours later".
    async scheduled(controller, env) {
      try {
        const call = { op: "scheduled", now: controller.scheduledTime, entropy: randomHex(32) };
        const { log } = await converse(call, { request: null, env });
        logCoreLine(log);
      } catch (error) {
        core = null;
        logLine({
          ts: new Date().toISOString(),
          level: "error",
          request_id: `req_${randomHex(16)}`,
          event: "cleanup",
          message: String(error?.message ?? error),
        });
        throw error;
      }
    },
  };
}
