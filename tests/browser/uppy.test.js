// Uppy 5 and Uppy 6 in a real browser (Debian's Chromium, driven by puppeteer-core) upload photos through the real
// Worker (workerd via Miniflare, local R2 and KV) in worker mode, with Uppy's AwsS3 plugin and one presigned PUT
// per file. The page is served from http://localhost:<port> and the Worker is http://127.0.0.1:<port>, so every
// call is cross-origin and the browser makes its real CORS preflights. For each major this proves:
//   - presign, PUT and complete all pass CORS, including a PUT carrying the x-amz-checksum-sha256 header that a
//     declared SHA-256 adds to the presign answer's headers;
//   - the PUT's ETag response header is readable cross-origin (Access-Control-Expose-Headers) and is the ETag that
//     complete reports. Uppy 5 depends on it: without it, it logs "Could not read the ETag header" and its upload
//     never settles (this test then times out); Uppy 6 reads it, and an unreadable one is recorded as null;
//   - `upload-success` for every file, no `upload-error`, complete answers 200 with the right key and size, and
//     the objects are really in R2.
// The browser code is tests/browser/page.js, bundled here with esbuild once per major. Each major is a private
// fixture package, tests/browser/uppy-<major>/package.json, with exact pins on that major's @uppy/core and
// @uppy/aws-s3; the root package.json installs both as file: devDependencies, so npm satisfies each aws-s3's peer
// with its own major's core.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { bundleUppyPage } from "./uppy-bundle.js";
import { launchChromium } from "./chromium.js";
import { startWorker } from "../worker/harness.js";
import { hs256Token, today } from "../worker/tokens.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STEP_TIMEOUT_MS = 30_000; // bounds each step in the page, so a hang fails instead of blocking CI
const MAJORS = [5, 6];
const PAGE = path.join(ROOT, "tests/browser/page.js");


// /uppy-<major>.html loads /uppy-<major>.js, that major's bundle.
async function servePages() {
  const scripts = Object.fromEntries(await Promise.all(MAJORS.map(async (major) => [major, await bundleUppyPage(PAGE, major)])));
  const server = http.createServer((request, response) => {
    const [, major, type] = /^\/uppy-(\d+)\.(html|js)$/.exec(request.url) ?? [];
    if (!(major in scripts)) return response.writeHead(404).end();
    if (type === "js") return response.writeHead(200, { "content-type": "text/javascript" }).end(scripts[major]);
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><link rel="icon" href="data:,"><script src="/uppy-${major}.js"></script>`);
  });
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, "127.0.0.1", resolve)));
  const address = () => /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: (major) => `http://localhost:${address().port}/uppy-${major}.html`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}


// Opens the page in a fresh browser context (no preflight cache shared between majors) and runs the upload there.
// Resolves with the page's record plus every console error the page logged.
async function uploadInPage(browser, url, options) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const consoleErrors = [];
    page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
    await page.goto(url, { timeout: STEP_TIMEOUT_MS });
    /* global window -- the function given to page.evaluate runs in the page (tests/browser/page.js) */
    const record = await page.evaluate((opts) => window.uploadThroughUpgate(opts), options);
    return { ...record, consoleErrors };
  } finally {
    await context.close();
  }
}

async function ownerWithShoot(worker, major) {
  const token = await hs256Token(worker.bindings.JWT_SECRET, { sub: `uppy-${major}-owner` });
  const shootId = `uppy${major}-shoot`;
  const response = await worker.fetch("/api/shoots", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ shootId }),
  });
  assert.equal(response.status, 201, `creating shoot ${shootId}: ${await response.text()}`);
  return { token, shootId };
}

const unquoted = (etag) => etag.replace(/^"|"$/g, "");

describe("Uppy in Chromium uploads through Upgate (worker mode)", () => {
  let worker, pages, browser, profile;

  before(async () => {
    profile = await mkdtemp(path.join(tmpdir(), "upgate-chromium-"));
    [worker, pages, browser] = await Promise.all([startWorker(), servePages(), launchChromium(profile, { protocolTimeout: 2 * STEP_TIMEOUT_MS + 10_000 })]);
  });

  after(async () => {
    await Promise.all([browser?.close(), pages?.close(), worker?.dispose()]);
    await rm(profile, { recursive: true, force: true });
  });

  for (const major of MAJORS) {
    it(`Uppy ${major}: three photos, one with a declared SHA-256, through presign, PUT and complete`, async () => {
      const { token, shootId } = await ownerWithShoot(worker, major);
      const files = [1, 2, 3].map((seq) => ({
        name: `${shootId}_${today()}_${String(seq).padStart(4, "0")}.jpg`,
        size: 1000 * seq + 17,
        declareSha256: seq === 2,
      }));
      const run = await uploadInPage(browser, pages.url(major), {
        workerUrl: worker.url.href,
        token,
        shootId,
        files,
        timeoutMs: STEP_TIMEOUT_MS,
      });
      const context = `\n${JSON.stringify(run, null, 2)}`;

      assert.match(run.versions.core, new RegExp(`^${major}\\.`), `the bundle's @uppy/core${context}`);
      assert.match(run.versions.awsS3, new RegExp(`^${major}\\.`), `the bundle's @uppy/aws-s3${context}`);
      assert.equal(run.error, undefined, `the page failed${context}`);
      assert.deepEqual(run.uploadErrors, [], `upload-error fired${context}`);
      assert.deepEqual(run.consoleErrors, [], `the page logged errors${context}`);
      assert.deepEqual(run.result, { successful: 3, failed: 0 }, context);

      const bucket = await worker.mf.getR2Bucket("BUCKET");
      for (const { name, size, declareSha256 } of files) {
        const { presign, success, complete } = run.files[name];
        const key = `shoots/${shootId}/${name}`;
        const headerNames = Object.keys(presign.body.headers).map((header) => header.toLowerCase());
        assert.equal(headerNames.includes("x-amz-checksum-sha256"), declareSha256, `${name}: presign headers`);
        assert.ok(success, `${name}: no upload-success${context}`);
        assert.equal(success.uploadURL, new URL(`/upload/${key}`, worker.url).href, `${name}: uploadURL`);
        // Uppy 6 reports the key the signer returned; Uppy 5 reports none for a PUT.
        if (major === 6) assert.equal(success.bodyKey, key, `${name}: the key Uppy reports`);
        assert.equal(complete?.status, 200, `${name}: complete${context}`);
        assert.equal(complete.body.key, key);
        assert.equal(complete.body.size, size);
        assert.equal(complete.body.uploadId, presign.body.uploadId);
        assert.ok(success.etagSeen, `${name}: Uppy saw no ETag (not exposed to the page?)${context}`);
        assert.equal(unquoted(success.etagSeen), unquoted(complete.body.etag), `${name}: ETag`);

        const object = await bucket.head(key);
        assert.ok(object, `${name} is not in R2`);
        assert.equal(object.size, size);
        assert.equal(object.etag, unquoted(complete.body.etag));
        assert.equal(object.httpMetadata.contentType, "image/jpeg");
      }
    });
  }
});
