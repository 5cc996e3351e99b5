// Contract section 2, "Unexpected failure: 500 internal_error": what a client sees when the core itself fails
// (a trap), through the real shim in workerd.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sleep, startWorker } from "./harness.js";

let worker;
before(async () => {
  worker = await startWorker({ scriptPath: "tests/worker/fixtures/trapping-worker.js" });
});
after(() => worker?.dispose());

describe("a core that traps", () => {
  it("answers a JSON 500 internal_error with a request id and the security headers", async () => {
    const response = await worker.fetch("/api/services");
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = await response.json();
    assert.equal(body.error.code, "internal_error");
    assert.match(body.error.message, /\w/);
    assert.equal(body.error.request_id, response.headers.get("x-request-id"));
    assert.ok(!JSON.stringify(body).includes("unreachable"), "no internals in the response");
  });

  it("keeps a well-formed client request id", async () => {
    const response = await worker.fetch("/healthz", { headers: { "X-Request-Id": "client-500" } });
    assert.equal(response.status, 500);
    assert.equal(response.headers.get("x-request-id"), "client-500");
    assert.equal((await response.json()).error.request_id, "client-500");
  });

  it("logs the failure with its request id, and a stack only in development", async () => {
    await worker.fetch("/nope", { headers: { "X-Request-Id": "log-500" } });
    await sleep(100);
    const line = worker.jsonLogs().find((entry) => entry.request_id === "log-500");
    assert.ok(line);
    assert.equal(line.level, "error");
    assert.equal(line.status, 500);
    assert.match(line.message, /unreachable/);
    assert.equal(typeof line.stack, "string", "development logs carry the stack");
  });
});

describe("in production", () => {
  let production;
  before(async () => {
    production = await startWorker({
      scriptPath: "tests/worker/fixtures/trapping-worker.js",
      bindings: { APP_ENV: "production" },
    });
  });
  after(() => production?.dispose());

  it("logs no stack trace", async () => {
    const response = await production.fetch("/healthz", { headers: { "X-Request-Id": "prod-500" } });
    assert.equal(response.status, 500);
    await sleep(100);
    const line = production.jsonLogs().find((entry) => entry.request_id === "prod-500");
    assert.ok(line);
    assert.equal(line.stack, undefined);
    assert.ok(!production.logs.some((raw) => raw.includes("    at ")), "no stack frames anywhere in the log");
  });
});
