// GET /openapi.json (contract section 8): an OpenAPI 3.1 document in which every route the Worker answers is
// documented and every documented route exists.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startWorker } from "./harness.js";

let worker;
let probe;
before(async () => {
  worker = await startWorker();
  probe = await startWorker({ scriptPath: "tests/worker/fixtures/core-probe.js" });
});
after(async () => {
  await worker?.dispose();
  await probe?.dispose();
});

async function documented() {
  const response = await worker.fetch("/openapi.json");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  return response.json();
}

function pairs(document) {
  const methods = ["get", "put", "post", "delete", "patch", "head", "options"];
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => methods.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the contract's title and error schema", async () => {
    const document = await documented();
    assert.match(document.openapi, /^3\.1\./);
    assert.equal(document.info.title, "Upgate");
    assert.deepEqual(document.components.schemas.Error.properties.error.required, ["code", "message", "request_id"]);
  });

  it("documents exactly the routes the Worker's route table answers", async () => {
    const document = await documented();
    const answer = await (await probe.fetch("/", { method: "POST", body: JSON.stringify({ op: "routes" }) })).json();
    const served = answer.routes.map((route) => `${route.method} ${route.path}`).sort();
    assert.ok(served.length >= 10);
    assert.deepEqual(pairs(document).sort(), served);
  });

  it("every documented route exists: no 404 not_found and no 405 for its documented method", async () => {
    const document = await documented();
    for (const pair of pairs(document)) {
      const [method, template] = pair.split(" ");
      const path = template.replace("{shootId}", "some-shoot").replace("{key}", "shoots/some-shoot/x.jpg");
      const response = await worker.fetch(path, { method, body: ["POST", "PUT"].includes(method) ? "{}" : undefined });
      // The S3-style API under /upload/ answers S3's error XML; everything else JSON.
      const text = response.status === 204 ? "" : await response.text();
      const xml = (response.headers.get("content-type") ?? "").startsWith("application/xml");
      const code = xml ? /<Code>([^<]*)<\/Code>/.exec(text)?.[1] : text && JSON.parse(text).error?.code;
      if (xml) assert.ok(code, `${pair}: an XML error names its code`);
      assert.notEqual(code, "not_found", pair);
      assert.notEqual(response.status, 405, pair);
    }
  });
});

describe("the deployable bundle", () => {
  for (const environment of ["production", "development"]) {
    it(`wrangler deploy --dry-run --env ${environment} succeeds offline and carries the wasm`, () => {
      const outdir = mkdtempSync(join(tmpdir(), `upgate-${environment}-`));
      execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--env", environment, "--outdir", outdir], {
        env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
        stdio: "pipe",
        timeout: 120_000,
      });
      const wasm = readdirSync(outdir).filter((name) => name.endsWith(".wasm"));
      assert.equal(wasm.length, 1);
      assert.ok(statSync(join(outdir, wasm[0])).size > 100_000);
      assert.ok(readdirSync(outdir).includes("index.js"));
    });
  }
});
