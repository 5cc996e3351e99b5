// Bench-only floor: the KV traffic of one presign and nothing else. It reads the JSON body for the ids, then
// does Upgate's KV reads and writes for a single presign (wasm/app/routes_presign.cpp) in the same rounds:
//   get shoot:<shootId> and asset:<key> together, then put upload:<uploadId> and cleanup:<ms>:<uploadId> together
// (the cleanup entry with its metadata, as Upgate writes it).
// No token check, no name rules, no signing, no log line. Whatever Upgate spends above this is its own work.
const PENDING_SESSION_TTL_SECONDS = 7 * 24 * 3600;

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export default {
  async fetch(request, env) {
    const now = Date.now();
    const { shootId, filename } = await request.json();
    const key = `shoots/${shootId}/${filename}`;
    const [shoot, asset] = await Promise.all([
      env.UPLOADS_KV.get(`shoot:${shootId}`),
      env.UPLOADS_KV.get(`asset:${key}`),
    ]);
    if (shoot === null || asset !== null) return new Response("{}", { status: 409 });
    const uploadId = `up_${randomHex(16)}`;
    const entry = { uploadId, key };
    await Promise.all([
      env.UPLOADS_KV.put(`upload:${uploadId}`, JSON.stringify(entry), { expirationTtl: PENDING_SESSION_TTL_SECONDS }),
      env.UPLOADS_KV.put(`cleanup:${String(now).padStart(15, "0")}:${uploadId}`, JSON.stringify(entry), {
        expirationTtl: PENDING_SESSION_TTL_SECONDS,
        metadata: entry,
      }),
    ]);
    return new Response(JSON.stringify({ uploadId, key }), {
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  },
};
