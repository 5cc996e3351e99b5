// The conventions every response follows (contract section 2), /healthz (section 8), request logs (section 9)
// and the removed legacy route, against the real Worker in workerd.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sleep, startWorker } from "./harness.js";

let worker;
before(async () => {
  worker = await startWorker();
});
after(() => worker?.dispose());

function assertCommonHeaders(response) {
  assert.match(response.headers.get("x-request-id") ?? "", /^[A-Za-z0-9._-]{1,64}$/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
  assert.equal(response.headers.get("strict-transport-security"), null, "HSTS is for production only");
}

async function assertJsonError(response, status, code) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(response.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
  const body = await response.json();
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  assert.equal(body.error.request_id, response.headers.get("x-request-id"));
  return body;
}

describe("GET /healthz", () => {
  it("answers ok with the environment and an ISO-8601 timestamp", async () => {
    const before = Date.now();
    const response = await worker.fetch("/healthz");
    assert.equal(response.status, 200);
    assertCommonHeaders(response);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    const body = await response.json();
    assert.equal(body.status, "ok");
    assert.equal(body.env, "development");
    assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(body.timestamp) - before) < 60_000);
  });

  it("refuses other methods with 405 and Allow", async () => {
    const response = await worker.fetch("/healthz", { method: "POST" });
    await assertJsonError(response, 405, "method_not_allowed");
    assert.equal(response.headers.get("allow"), "GET");
    assertCommonHeaders(response);
  });
});

describe("unknown paths", () => {
  for (const path of ["/nope", "/", "/api", "/healthz/extra", "/api/shoots/a/b/c"]) {
    it(`${path} is a JSON 404 with a request id`, async () => {
      const response = await worker.fetch(path);
      await assertJsonError(response, 404, "not_found");
      assertCommonHeaders(response);
    });
  }
});

describe("request ids", () => {
  it("keeps a well-formed client id", async () => {
    const response = await worker.fetch("/healthz", { headers: { "X-Request-Id": "client.id_1-A" } });
    assert.equal(response.headers.get("x-request-id"), "client.id_1-A");
  });

  it("keeps a 64-character id", async () => {
    const id = "a".repeat(64);
    const response = await worker.fetch("/nope", { headers: { "X-Request-Id": id } });
    const body = await response.json();
    assert.equal(response.headers.get("x-request-id"), id);
    assert.equal(body.error.request_id, id);
  });

  for (const bad of ["a".repeat(65), "has space", "semi;colon", "../etc/passwd", "quote\"d"]) {
    it(`replaces ${JSON.stringify(bad.slice(0, 12))}`, async () => {
      const response = await worker.fetch("/healthz", { headers: { "X-Request-Id": bad } });
      const id = response.headers.get("x-request-id");
      assert.notEqual(id, bad);
      assert.match(id, /^[A-Za-z0-9._-]{1,64}$/);
    });
  }

  it("generates distinct ids", async () => {
    const ids = new Set();
    for (let i = 0; i < 5; i++) ids.add((await worker.fetch("/healthz")).headers.get("x-request-id"));
    assert.equal(ids.size, 5);
  });
});

describe("legacy multipart route", () => {
  it("answers 410 endpoint_removed pointing at the presign flow", async () => {
    const response = await worker.fetch("/api/uploads/smith-wedding", { method: "POST", body: "x" });
    const body = await assertJsonError(response, 410, "endpoint_removed");
    assert.match(body.error.message, /presign/);
    assert.equal(response.headers.get("cache-control"), "no-store");
  });
});

describe("logs", () => {
  it("writes one JSON line per request with the contract's fields and no query string", async () => {
    const response = await worker.fetch("/nope?token=secret-value", { headers: { "X-Request-Id": "log-check-1" } });
    await response.arrayBuffer();
    await sleep(200);
    const line = worker.jsonLogs().find((entry) => entry.request_id === "log-check-1");
    assert.ok(line, "a log line carries the request id");
    assert.equal(line.event, "request");
    assert.equal(line.method, "GET");
    assert.equal(line.path, "/nope");
    assert.equal(line.status, 404);
    assert.equal(typeof line.duration_ms, "number");
    assert.ok(["info", "warn", "error"].includes(line.level));
    assert.match(line.ts, /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(!worker.logs.some((raw) => raw.includes("secret-value")), "the query string never reaches the log");
  });
});
