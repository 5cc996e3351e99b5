// Production hardening (contract sections 1, 2, 7, 8, 9): rate limits, CORS, security headers, configuration
// validation, readiness, the service catalogue, and logs that never carry a secret.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { developmentBindings, s3Bindings, sleep, startWorker } from "./harness.js";
import { bearer, hs256Token, today } from "./tokens.js";

function productionBindings(overrides = {}) {
  return developmentBindings({ APP_ENV: "production", CORS_ORIGINS: "https://photos.example.com", ...overrides });
}

describe("rate limiting", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("counts down, refuses the 101st request in a minute with 429, and leaves other subjects alone", async () => {
    const alice = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "rate-alice" }));
    const bob = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "rate-bob" }));
    let previous = Infinity;
    const started = Date.now();
    for (let i = 1; i <= 100; i++) {
      const response = await worker.fetch("/api/services", { headers: alice });
      await response.arrayBuffer();
      assert.equal(response.status, 200, `request ${i}`);
      assert.equal(response.headers.get("x-ratelimit-limit"), "100");
      const remaining = Number(response.headers.get("x-ratelimit-remaining"));
      // 100 - i tokens are left, plus what refilled meanwhile (100 per minute, continuously).
      const refilled = ((Date.now() - started) * 100) / 60_000;
      assert.ok(remaining <= 100 - i + refilled && remaining >= 100 - i - 1, `remaining ${remaining} after ${i}`);
      previous = remaining;
      const reset = Number(response.headers.get("x-ratelimit-reset"));
      const now = Date.now() / 1000;
      assert.ok(reset >= Math.floor(now) && reset <= now + 61, `reset ${reset} within the next minute`);
      assert.equal(response.headers.get("ratelimit-policy"), '"default";q=100;w=60');
      assert.match(response.headers.get("ratelimit"), /^"default";r=\d+;t=\d+$/);
    }
    assert.ok(previous <= 1 + ((Date.now() - started) * 100) / 60_000, "the bucket is empty after 100 requests");
    const refused = await worker.fetch("/api/services", { headers: alice });
    // Refill is continuous (100 per minute), so a slow run may have earned a token back; drain it.
    let last = refused;
    for (let i = 0; i < 5 && last.status === 200; i++) last = await worker.fetch("/api/services", { headers: alice });
    assert.equal(last.status, 429);
    const body = await last.json();
    assert.equal(body.error.code, "rate_limited");
    assert.ok(Number(last.headers.get("retry-after")) >= 1);
    assert.equal(last.headers.get("x-ratelimit-remaining"), "0");
    assert.ok(last.headers.get("x-request-id"));

    const other = await worker.fetch("/api/services", { headers: bob });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get("x-ratelimit-remaining"), "99");
  });

  it("keys anonymous callers by client IP", async () => {
    const first = await worker.fetch("/api/services", { headers: { "CF-Connecting-IP": "203.0.113.7" } });
    const second = await worker.fetch("/api/services", { headers: { "CF-Connecting-IP": "203.0.113.7" } });
    const elsewhere = await worker.fetch("/api/services", { headers: { "CF-Connecting-IP": "203.0.113.8" } });
    assert.equal(Number(first.headers.get("x-ratelimit-remaining")) - 1, Number(second.headers.get("x-ratelimit-remaining")));
    assert.equal(elsewhere.headers.get("x-ratelimit-remaining"), "99");
  });

  it("spends one token per file of a batch presign", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "rate-batch" }));
    const created = await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId: "rate-batch" }) });
    const before = Number(created.headers.get("x-ratelimit-remaining"));
    const files = Array.from({ length: 10 }, (_, i) => ({
      filename: `rate-batch_${today()}_${String(i + 1).padStart(4, "0")}.jpg`,
      contentType: "image/jpeg",
      size: 100,
    }));
    const response = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers,
      body: JSON.stringify({ shootId: "rate-batch", files }),
    });
    assert.equal(response.status, 200);
    assert.equal(Number(response.headers.get("x-ratelimit-remaining")), before - 10);
  });
});

describe("a batch larger than the whole rate-limit bucket", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "20" }) });
  });
  after(() => worker?.dispose());

  it("is refused with 400 naming files, not told to wait for ever; services says how large a batch may be", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "rate-small" }));
    await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId: "rate-small" }) });
    const files = (count) =>
      Array.from({ length: count }, (_, i) => ({
        filename: `rate-small_${today()}_${String(i + 1).padStart(4, "0")}.jpg`,
        contentType: "image/jpeg",
        size: 100,
      }));
    const presign = (count) =>
      worker.fetch("/api/uploads/presign", { method: "POST", headers, body: JSON.stringify({ shootId: "rate-small", files: files(count) }) });
    const tooMany = await presign(21);
    assert.equal(tooMany.status, 400);
    const body = await tooMany.json();
    assert.equal(body.error.code, "invalid_request");
    assert.equal(body.error.field, "files");
    const services = await (await worker.fetch("/api/services", { headers })).json();
    assert.equal(services.caller.limits.maxBatchFiles, 20);
    const fits = await presign(10);
    assert.equal(fits.status, 200, await fits.text());
  });
});

describe("CORS and security headers in development", () => {
  let worker;
  before(async () => {
    worker = await startWorker();
  });
  after(() => worker?.dispose());

  it("allows a listed origin and exposes the request id and rate-limit headers", async () => {
    const response = await worker.fetch("/api/services", { headers: { Origin: "http://localhost:5173" } });
    assert.equal(response.headers.get("access-control-allow-origin"), "http://localhost:5173");
    const exposed = response.headers.get("access-control-expose-headers");
    for (const name of ["X-Request-Id", "X-RateLimit-Remaining", "RateLimit"]) assert.ok(exposed.includes(name), name);
  });

  it("gives an unlisted origin no CORS headers", async () => {
    const response = await worker.fetch("/api/services", { headers: { Origin: "https://evil.example" } });
    assert.equal(response.headers.get("access-control-allow-origin"), null);
  });

  it("answers a preflight with 204, the route's methods and the allowed headers", async () => {
    const response = await worker.fetch("/api/uploads/presign", {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert.match(response.headers.get("access-control-allow-methods"), /POST/);
    assert.match(response.headers.get("access-control-allow-headers"), /Authorization/);
    assert.match(response.headers.get("access-control-allow-headers"), /Content-Type/);
    assert.ok(response.headers.get("x-request-id"));
  });

  it("refuses a preflight from an unlisted origin by leaving out the allow headers", async () => {
    const response = await worker.fetch("/api/uploads/presign", {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    assert.equal(response.headers.get("access-control-allow-methods"), null);
  });

  for (const [label, path, init, status] of [
    ["2xx", "/api/services", {}, 200],
    ["4xx", "/api/shoots/x", {}, 401],
    ["404", "/nowhere", {}, 404],
  ]) {
    it(`puts the security headers on a ${label}`, async () => {
      const response = await worker.fetch(path, init);
      assert.equal(response.status, status);
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("referrer-policy"), "no-referrer");
      assert.equal(response.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
      assert.equal(response.headers.get("strict-transport-security"), null);
      if (path.startsWith("/api/")) assert.equal(response.headers.get("cache-control"), "no-store");
    });
  }

  it("/readyz reports config, KV, R2 and the shoot ledger", async () => {
    const response = await worker.fetch("/readyz");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ready", checks: { config: "ok", kv: "ok", r2: "ok", shoots: "ok", queue: "ok" } });
  });
});

describe("production", () => {
  let worker;
  before(async () => {
    worker = await startWorker({ bindings: productionBindings() });
  });
  after(() => worker?.dispose());

  it("sends HSTS", async () => {
    const response = await worker.fetch("/healthz");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("strict-transport-security"), /max-age=\d+/);
    assert.equal((await response.json()).env, "production");
  });

  it("allows only the configured origin", async () => {
    const allowed = await worker.fetch("/api/services", { headers: { Origin: "https://photos.example.com" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://photos.example.com");
    const local = await worker.fetch("/api/services", { headers: { Origin: "http://localhost:3000" } });
    assert.equal(local.headers.get("access-control-allow-origin"), null);
  });
});

describe("misconfigured production", () => {
  let worker;
  const weakSecret = "short-secret-value";
  before(async () => {
    worker = await startWorker({
      bindings: productionBindings({ JWT_SECRET: weakSecret, UPLOAD_MODE: "carrier-pigeon", CORS_ORIGINS: "*" }),
    });
  });
  after(() => worker?.dispose());

  it("answers /healthz", async () => {
    const response = await worker.fetch("/healthz");
    assert.equal(response.status, 200);
  });

  for (const [method, path] of [
    ["GET", "/readyz"],
    ["GET", "/api/services"],
    ["POST", "/api/uploads/presign"],
    ["GET", "/nope"],
  ]) {
    it(`answers ${method} ${path} with 503 misconfigured and the security headers`, async () => {
      const response = await worker.fetch(path, { method, body: method === "POST" ? "{}" : undefined });
      assert.equal(response.status, 503);
      const body = await response.json();
      assert.equal(body.error.code, "misconfigured");
      assert.equal(body.error.request_id, response.headers.get("x-request-id"));
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.ok(response.headers.get("strict-transport-security"));
      assert.ok(!JSON.stringify(body).includes(weakSecret));
    });
  }

  it("names the problems in one log line, and never the values", async () => {
    await sleep(100);
    const line = worker.jsonLogs().find((entry) => entry.event === "config");
    assert.ok(line, "a config log line");
    assert.equal(line.level, "error");
    const problems = line.problems.join(" | ");
    assert.match(problems, /JWT_SECRET/);
    assert.match(problems, /UPLOAD_MODE/);
    assert.match(problems, /CORS_ORIGINS/);
    assert.ok(!worker.logs.some((raw) => raw.includes(weakSecret)));
    assert.ok(!worker.logs.some((raw) => raw.includes(worker.bindings.UPLOAD_SIGNING_SECRET)));
  });
});

// Contract 1: in production a missing binding makes every route but /healthz answer 503 misconfigured; the
// config line names it. In development it is a note, and /readyz's queue check says the queue is not bound.
describe("a binding left out", () => {
  it("production without UPLOAD_EVENTS: 503 misconfigured everywhere but /healthz, the config line names it", async () => {
    const worker = await startWorker({ bindings: productionBindings(), queueProducers: {}, queueConsumers: {} });
    try {
      assert.equal((await worker.fetch("/healthz")).status, 200);
      for (const path of ["/readyz", "/api/services"]) {
        const response = await worker.fetch(path);
        assert.equal(response.status, 503, path);
        assert.equal((await response.json()).error.code, "misconfigured", path);
      }
      await sleep(100);
      const line = worker.jsonLogs().find((entry) => entry.event === "config");
      assert.ok(line?.problems.some((problem) => /UPLOAD_EVENTS is not bound/.test(problem)), JSON.stringify(line));
    } finally {
      await worker.dispose();
    }
  });

  it("development without the queue: /readyz is 503 not_ready with queue not bound, and the rest still serves", async () => {
    const worker = await startWorker({ queueProducers: {}, queueConsumers: {} });
    try {
      const response = await worker.fetch("/readyz");
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), {
        status: "not_ready",
        checks: { config: "ok", kv: "ok", r2: "ok", shoots: "ok", queue: "not bound" },
      });
      assert.equal((await worker.fetch("/api/services")).status, 200);
      await sleep(100);
      const line = worker.jsonLogs().find((entry) => entry.event === "config");
      assert.ok(line?.notes.some((note) => /UPLOAD_EVENTS is not bound/.test(note)), JSON.stringify(line));
    } finally {
      await worker.dispose();
    }
  });
});

describe("misconfigured production: missing secrets", () => {
  it("refuses to serve without JWT keys or signing secrets", async () => {
    const worker = await startWorker({
      bindings: { APP_ENV: "production", CORS_ORIGINS: "https://photos.example.com" },
    });
    try {
      const response = await worker.fetch("/api/services");
      assert.equal(response.status, 503);
      await sleep(100);
      const line = worker.jsonLogs().find((entry) => entry.event === "config");
      assert.match(line.problems.join(" "), /JWT_SECRET nor JWT_JWKS/);
      assert.match(line.problems.join(" "), /UPLOAD_SIGNING_SECRET/);
    } finally {
      await worker.dispose();
    }
  });
});

describe("/api/services", () => {
  let worker;
  before(async () => {
    worker = await startWorker({
      bindings: s3Bindings(),
    });
  });
  after(() => worker?.dispose());

  function assertNoSecret(text) {
    for (const name of ["JWT_SECRET", "R2_SECRET_ACCESS_KEY", "UPLOAD_SIGNING_SECRET"]) {
      assert.ok(!text.includes(worker.bindings[name]), `${name} must not appear`);
    }
  }

  it("shows anonymous callers the public view", async () => {
    const response = await worker.fetch("/api/services");
    assert.equal(response.status, 200);
    const text = await response.text();
    const view = JSON.parse(text);
    assert.equal(view.name, "upgate");
    assert.equal(view.namingStandard, "3.1");
    assert.ok(view.allowedContentTypes.includes("image/jpeg"));
    assert.ok(view.allowedContentTypes.includes("image/x-canon-cr3"));
    assert.equal(view.maxUploadBytes, 5 * 1024 ** 3);
    assert.equal(view.maxSinglePutBytes, 5 * 1024 ** 3, "s3 mode: R2 takes a whole 5 GiB file in one PUT");
    assert.equal(view.status, "ok");
    assert.equal(view.caller, undefined);
    assert.equal(view.storage, undefined);
    assertNoSecret(text);
  });

  it("adds the caller's limits for a valid token", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "dave" }));
    const view = await (await worker.fetch("/api/services", { headers })).json();
    assert.equal(view.caller.sub, "dave");
    assert.equal(view.caller.limits.requestsPerMinute, 100);
    assert.equal(view.storage, undefined);
  });

  it("adds storage details for an admin, with no secret", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "root", claims: { role: "admin" } }));
    const response = await worker.fetch("/api/services", { headers });
    const text = await response.text();
    const view = JSON.parse(text);
    assert.deepEqual(view.storage, {
      mode: "s3",
      binding: "BUCKET",
      bucket: "photos",
      endpointHost: "acct123.r2.cloudflarestorage.com",
    });
    assertNoSecret(text);
    assert.ok(!text.includes("R2KEYID"), "not even the access key id");
  });

  it("refuses an invalid token instead of downgrading it", async () => {
    const response = await worker.fetch("/api/services", { headers: { authorization: "Bearer not.a.token" } });
    assert.equal(response.status, 401);
  });
});

describe("logs over a full upload flow", () => {
  it("never contain the token, the URL signature or any secret", async () => {
    const worker = await startWorker();
    try {
      const token = await hs256Token(worker.bindings.JWT_SECRET, { sub: "logcheck" });
      const headers = bearer(token);
      await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId: "log-check" }) });
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(32, 3)]);
      const presigned = await (
        await worker.fetch("/api/uploads/presign", {
          method: "POST",
          headers,
          body: JSON.stringify({
            shootId: "log-check",
            filename: `log-check_${today()}_0001.jpg`,
            contentType: "image/jpeg",
            size: jpeg.length,
          }),
        })
      ).json();
      const put = await fetch(presigned.url, { method: "PUT", headers: presigned.headers, body: jpeg });
      assert.equal(put.status, 200);
      const done = await worker.fetch("/api/uploads/complete", {
        method: "POST",
        headers,
        body: JSON.stringify({ uploadId: presigned.uploadId }),
      });
      assert.equal(done.status, 200);
      await worker.fetch("/api/services", { headers: { authorization: "Bearer broken.token.value" } });
      await sleep(200);

      const signature = new URL(presigned.url).searchParams.get("X-Amz-Signature");
      const forbidden = {
        token,
        signature,
        JWT_SECRET: worker.bindings.JWT_SECRET,
        UPLOAD_SIGNING_SECRET: worker.bindings.UPLOAD_SIGNING_SECRET,
        "broken token": "broken.token.value",
      };
      const requestLines = worker.jsonLogs().filter((line) => line.event === "request");
      assert.ok(requestLines.length >= 5, "the flow was logged");
      assert.ok(requestLines.some((line) => line.path.startsWith("/upload/") && line.status === 200));
      for (const [name, value] of Object.entries(forbidden)) {
        assert.ok(value && value.length > 8);
        assert.ok(!worker.logs.some((raw) => raw.includes(value)), `${name} appears in the logs`);
      }
    } finally {
      await worker.dispose();
    }
  });
});

describe("storage unavailable", () => {
  // The real runtime with the KV namespace left unbound: every KV call fails, as it would in an outage.
  let worker;
  before(async () => {
    worker = await startWorker({ kvNamespaces: [] });
  });
  after(() => worker?.dispose());

  it("still creates a shoot (its list entry lags), but a presign answers 503 storage_unavailable and writes nothing to R2", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "outage" }));
    const response = await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId: "outage" }) });
    assert.equal(response.status, 201, "the shoot ledger decides; KV only indexes");

    const presign = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers,
      body: JSON.stringify({ shootId: "outage", filename: `outage_${today()}_0001.jpg`, contentType: "image/jpeg", size: 10 }),
    });
    assert.equal(presign.status, 503);
    const body = await presign.json();
    assert.equal(body.error.code, "storage_unavailable");
    assert.equal(body.error.request_id, presign.headers.get("x-request-id"));
    assert.ok(presign.headers.get("x-ratelimit-limit"), "still an /api/* response");
    assert.ok(!JSON.stringify(body).includes("X-Amz-Signature"), "no URL without the cron's index entry");
    const bucket = await worker.mf.getR2Bucket("BUCKET");
    assert.equal((await bucket.list()).objects.length, 0);
  });

  it("/readyz reports KV unreachable with 503 not_ready", async () => {
    const response = await worker.fetch("/readyz");
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      status: "not_ready",
      checks: { config: "ok", kv: "unreachable", r2: "ok", shoots: "ok", queue: "ok" },
    });
  });
});

describe("shoot ledger unavailable", () => {
  // The real runtime with the SHOOTS Durable Object namespace left unbound: every ledger call fails.
  let worker;
  before(async () => {
    worker = await startWorker({ durableObjects: {} });
  });
  after(() => worker?.dispose());

  it("answers 503 storage_unavailable for every decision on a shoot, and writes nothing", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "outage" }));
    const created = await worker.fetch("/api/shoots", { method: "POST", headers, body: JSON.stringify({ shootId: "outage" }) });
    assert.equal(created.status, 503);
    assert.equal((await created.json()).error.code, "storage_unavailable");
    const read = await worker.fetch("/api/shoots/outage", { headers });
    assert.equal(read.status, 503);
    const presign = await worker.fetch("/api/uploads/presign", {
      method: "POST",
      headers,
      body: JSON.stringify({ shootId: "outage", filename: `outage_${today()}_0001.jpg`, contentType: "image/jpeg", size: 10 }),
    });
    assert.equal(presign.status, 503);
    assert.equal(presign.headers.get("retry-after"), "5");
    const kv = await worker.mf.getKVNamespace("UPLOADS_KV");
    assert.equal((await kv.list()).keys.length, 0, "no index entry for a shoot that was not created");
  });

  it("/readyz reports the ledger unreachable with 503 not_ready", async () => {
    const response = await worker.fetch("/readyz");
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      status: "not_ready",
      checks: { config: "ok", kv: "ok", r2: "ok", shoots: "unreachable", queue: "ok" },
    });
  });
});

describe("the RATE_LIMITER binding as a global backstop", () => {
  // Workerd's own rate-limit binding, set far below the per-isolate bucket so the backstop decides.
  let worker;
  before(async () => {
    worker = await startWorker({ ratelimits: { RATE_LIMITER: { simple: { limit: 3, period: 60 } } } });
  });
  after(() => worker?.dispose());

  it("refuses with 429 once the binding says no, though the local bucket still has tokens", async () => {
    const headers = bearer(await hs256Token(worker.bindings.JWT_SECRET, { sub: "global-limit" }));
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const response = await worker.fetch("/api/services", { headers: { ...headers, "X-Request-Id": `global-${i}` } });
      statuses.push(response.status);
      if (response.status === 429) {
        const body = await response.json();
        assert.equal(body.error.code, "rate_limited");
        assert.ok(Number(response.headers.get("retry-after")) >= 1);
        assert.ok(Number(response.headers.get("x-ratelimit-remaining")) > 0, "the local bucket was not the reason");
      } else {
        await response.arrayBuffer();
      }
    }
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
    assert.ok(statuses.slice(3).includes(429), `statuses ${statuses}`);
    await sleep(100);
    const refusal = worker.jsonLogs().find((line) => line.status === 429 && line.request_id.startsWith("global-"));
    assert.equal(refusal.detail, "global rate limiter refused");
  });
});
