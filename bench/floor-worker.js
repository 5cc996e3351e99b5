// Bench-only floor: the KV traffic and the log line of one presign and nothing else. It reads the JSON body
// for the ids, then does Upgate's KV reads and writes for a single presign of a new name
// (wasm/app/routes_presign.cpp) in the same rounds:
//   get shoot:<shootId>, asset:<key> and pending:<key> together, then put upload:<uploadId>, pending:<key> and
//   cleanup:<ms>:<uploadId> together (the cleanup entry with its metadata, as Upgate writes it);
// and writes the one JSON log line per request that Upgate and the reference write (contract section 9).
// No token check, no name rules, no signing. Whatever Upgate spends above this is its own work.
const PENDING_SESSION_TTL_SECONDS = 7 * 24 * 3600;

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function presign(request, env, now) {
  const { shootId, filename } = await request.json();
  const key = `shoots/${shootId}/${filename}`;
  const [shoot, asset] = await Promise.all([
    env.UPLOADS_KV.get(`shoot:${shootId}`),
    env.UPLOADS_KV.get(`asset:${key}`),
    env.UPLOADS_KV.get(`pending:${key}`),
  ]);
  if (shoot === null || asset !== null) return { status: 409, body: {} };
  const uploadId = `up_${randomHex(16)}`;
  const entry = { uploadId, key, objectKey: key };
  const ttl = { expirationTtl: PENDING_SESSION_TTL_SECONDS };
  await Promise.all([
    env.UPLOADS_KV.put(`upload:${uploadId}`, JSON.stringify(entry), ttl),
    env.UPLOADS_KV.put(`pending:${key}`, JSON.stringify(entry), ttl),
    env.UPLOADS_KV.put(`cleanup:${String(now).padStart(15, "0")}:${uploadId}`, JSON.stringify(entry), { ...ttl, metadata: entry }),
  ]);
  return { status: 200, body: { uploadId, key } };
}

export default {
  async fetch(request, env) {
    const now = Date.now();
    const result = await presign(request, env, now);
    console.log(
      JSON.stringify({
        ts: new Date(now).toISOString(),
        level: "info",
        request_id: `req_${randomHex(16)}`,
        event: "request",
        method: request.method,
        path: new URL(request.url).pathname,
        status: result.status,
        duration_ms: Date.now() - now,
      }),
    );
    return new Response(JSON.stringify(result.body), {
      status: result.status,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  },
};
