// The development upload page and the browser modules it loads, which the shim serves itself, only when APP_ENV
// is "development" (exactly that; an unknown APP_ENV is production, as the core treats it). In any other
// environment these paths are not intercepted and the core answers them as every unknown path: 404 not_found.
// They are static documents (wrangler.toml's Text rule, and Miniflare's in tests/worker/harness.js, import them as
// text), so nothing here decides anything about an upload: the page talks to the API like any other client.
import { randomHex } from "./core.js";
import { logLine } from "./log.js";

const JAVASCRIPT = "text/javascript; charset=utf-8";

// The page needs its own script and stylesheet, the API and the upload and download URLs: in worker mode all of
// them are this origin. Inline code, frames, forms, plugins and other origins are refused. In s3 mode the
// uploads and the thumbnails' downloads go to R2's endpoint, so that origin is allowed to be connected to and
// shown as an image too.
function pageSecurityPolicy(env) {
  let storage = "";
  if (env.UPLOAD_MODE === "s3") {
    try {
      storage = ` ${new URL(env.R2_S3_ENDPOINT).origin}`;
    } catch {
      storage = "";
    }
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self'${storage}`,
    `connect-src 'self'${storage}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The documents by path.
 * @param {{page: string, script: string, stylesheet: string, icon: string, browserModule: string, flowModule: string}} texts
 * @returns {Map<string, {body: string, type: string, page?: boolean}>}
 */
export function devDocuments({ page, script, stylesheet, icon, browserModule, flowModule }) {
  return new Map([
    ["/dev/upload", { body: page, type: "text/html; charset=utf-8", page: true }],
    ["/dev/upload-page.mjs", { body: script, type: JAVASCRIPT }],
    ["/dev/upload-page.css", { body: stylesheet, type: "text/css; charset=utf-8" }],
    ["/dev/upload-page.svg", { body: icon, type: "image/svg+xml; charset=utf-8" }],
    ["/dev/upload-browser.mjs", { body: browserModule, type: JAVASCRIPT }],
    ["/dev/upload-flow.mjs", { body: flowModule, type: JAVASCRIPT }],
  ]);
}

/**
 * Answers a request for one of the documents in development; null for anything else (the core answers it).
 * @param {Request} request
 * @param {any} env
 * @param {Map<string, {body: string, type: string, page?: boolean}>} documents
 * @returns {Response | null}
 */
export function serveDevDocument(request, env, documents) {
  if (env.APP_ENV !== "development") return null;
  const started = Date.now();
  const { pathname } = new URL(request.url);
  const document = documents.get(pathname);
  if (!document) return null;
  const clientId = request.headers.get("x-request-id") ?? "";
  const requestId = /^[A-Za-z0-9._-]{1,64}$/.test(clientId) ? clientId : `req_${randomHex(16)}`;
  const headers = {
    "X-Request-Id": requestId,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
  };
  let response;
  if (request.method === "GET") {
    const security = document.page ? pageSecurityPolicy(env) : "default-src 'none'; frame-ancestors 'none'";
    response = new Response(document.body, {
      status: 200,
      headers: { ...headers, "Content-Type": document.type, "Content-Security-Policy": security },
    });
  } else {
    // As the core answers a known path with another method (wasm/app/gateway.cpp).
    const body = {
      error: { allow: "GET", code: "method_not_allowed", message: "This endpoint does not accept that method.", request_id: requestId },
    };
    response = new Response(JSON.stringify(body), {
      status: 405,
      headers: {
        ...headers,
        Allow: "GET",
        "Content-Type": "application/json; charset=utf-8",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
      },
    });
  }
  logLine({
    ts: new Date().toISOString(),
    level: response.status === 200 ? "info" : "warn",
    request_id: requestId,
    event: "request",
    method: request.method,
    path: pathname,
    status: response.status,
    duration_ms: Date.now() - started,
    io: 0,
  });
  return response;
}
