// Bench-only plain PUT: PUT /upload/<key> streams request.body into BUCKET through a FixedLengthStream, the way
// shim/effects.js (putBody) does, with no signature check and no core. The baseline for Upgate's worker-mode PUT.
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== "PUT" || !pathname.startsWith("/upload/")) return new Response("not found", { status: 404 });
    const length = Number(request.headers.get("content-length"));
    if (!request.body || !Number.isSafeInteger(length) || length < 1) return new Response("length", { status: 400 });
    const key = decodeURIComponent(pathname.slice("/upload/".length));
    const fixed = new FixedLengthStream(length);
    const pumping = request.body.pipeTo(fixed.writable).then(
      () => null,
      (error) => error ?? new Error("body stream failed"),
    );
    try {
      const object = await env.BUCKET.put(key, fixed.readable, {
        httpMetadata: { contentType: request.headers.get("content-type") ?? "application/octet-stream" },
      });
      const pumpError = await pumping;
      if (pumpError) return new Response("length", { status: 400 });
      return Response.json({ key, size: object.size, etag: object.etag });
    } catch (error) {
      await pumping;
      return new Response(String(error?.message ?? error), { status: 500 });
    }
  },
};
