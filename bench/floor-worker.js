// Bench-only floor: the I/O and the log line of one presign and nothing else. It reads the JSON body for the
// shoot id and the file, then does Upgate's I/O for a single presign (wasm/app/routes_presign.cpp) in the same
// order:
//   one Durable Object RPC to the shoot's ledger (env.SHOOTS, idFromName(shootId); class BenchShootLedger in
//   ./shoot-ledger.js, shared with the reference), which runs Upgate's SQL for it in one transactionSync (that
//   file lists the statements), then, only when the ledger says the shoot's work-index entry is due (at most
//   hourly), one KV put of work:<shootId>;
// and writes the one JSON log line per request that Upgate and the reference write (contract section 9), its
// `io` (binding calls) included. No token check (the ledger is told the caller is an admin, so it skips the
// owner check), no name rules, no signing, no rate limit. Whatever Upgate spends above this is its own work.
export { BenchShootLedger } from "./shoot-ledger.js";

const WORK_INDEX_TTL_SECONDS = 25 * 3600; // records::kWorkIndexTtlSeconds

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function presign(request, env, requestId, now, calls) {
  const { shootId, filename, contentType, size } = await request.json();
  const ledger = env.SHOOTS.get(env.SHOOTS.idFromName(shootId));
  const files = [{ filename, contentType, size, sha256: "", replace: false }];
  calls.io += 1;
  const decided = await ledger.presign({ shootId, actor: { sub: "floor", admin: true }, requestId, now, files });
  const upload = decided.uploads?.[0]?.upload;
  if (!upload) return { status: 409, body: {} };
  if (decided.indexWork) {
    calls.io += 1;
    await env.UPLOADS_KV.put(`work:${shootId}`, "1", { expirationTtl: WORK_INDEX_TTL_SECONDS });
  }
  return { status: 200, body: { uploadId: upload.uploadId, key: upload.key } };
}

export default {
  async fetch(request, env) {
    const now = Date.now();
    const requestId = request.headers.get("x-request-id") ?? `req_${randomHex(16)}`; // the bench's probes send one
    const calls = { io: 0 };
    const result = await presign(request, env, requestId, now, calls);
    console.log(
      JSON.stringify({
        ts: new Date(now).toISOString(),
        level: "info",
        request_id: requestId,
        event: "request",
        method: request.method,
        path: new URL(request.url).pathname,
        status: result.status,
        io: calls.io,
        duration_ms: Date.now() - now,
      }),
    );
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  },
};
