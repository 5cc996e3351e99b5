// Uppy 5 and Uppy 6 in a real browser (Debian's Chromium, driven by puppeteer-core) upload large photos in parts
// through the real Worker (workerd via Miniflare, local R2, KV and Durable Objects) in worker mode, configured
// exactly as the README's "Browser uploads with Uppy" shows: that code lives in tests/browser/uppy-multipart-page.js
// between "README:begin" and "README:end" lines, and the first test checks that the README quotes it verbatim.
// Uppy 5 uses the plugin's hooks over Upgate's JSON endpoints; Uppy 6 uses signRequest over
// POST /api/uploads/sign-request and Upgate's S3-style API (S3 XML). The page is served from
// http://localhost:<port> and the Worker is http://127.0.0.1:<port>, so every call is cross-origin, preflights
// included. For each major:
//   - a 40 MiB JPEG goes up in 8 parts of 5 MiB, each part PUT exactly once; the upload is completed with 8
//     parts and the file downloads byte-identical;
//   - the same upload interrupted after 3 parts are stored (the remaining part PUTs are held back by request
//     interception, then the page is closed, as when a tab is closed mid-upload) and resumed in a fresh page
//     of the same browser profile: the resumed page does not create the upload again, sends exactly the parts
//     Upgate does not hold, each once, and the Worker's request log shows 8 part PUTs stored in all;
//   - a small photo goes in one PUT and is completed by the configuration's post-processor.
// The bundles are built as in uppy.test.js: "@uppy/..." imports of the page resolve from that major's fixture.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { bundleUppyPage } from "./uppy-bundle.js";
import { holdPartPutsAfter, launchChromium, openPage as openRecordedPage } from "./chromium.js";
import { assetAt, fileName, jpegBytes, ownerWithShoot, sha256Hex } from "../worker/flow.js";
import { developmentBindings, startWorker } from "../worker/harness.js";
import { until, uploadRecord } from "../worker/ledger-flow.js";
import { MiB, downloadBytes, range, unquote } from "../worker/multipart-flow.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STEP_TIMEOUT_MS = 45_000; // bounds each upload in the page, so a hang fails instead of blocking CI
const MAJORS = [5, 6];
const PAGE = path.join(ROOT, "tests/browser/uppy-multipart-page.js");
const README = path.join(ROOT, "README.md");

const PART_SIZE = 5 * MiB;
const PART_COUNT = 8;
const LARGE = PART_COUNT * PART_SIZE; // 40 MiB: 8 parts of exactly 5 MiB
const STORED_BEFORE_INTERRUPTION = 3;
const LAST_MODIFIED = Date.UTC(2026, 10, 22, 7, 39, 52); // the File's lastModified, the same in every page


// /uppy-<major>.html loads /uppy-<major>.js, that major's bundle; /files/<name> serves the bytes a test put
// into `files` (the page fetches them and hands them to Uppy as a File).
async function servePages(files) {
  const scripts = Object.fromEntries(await Promise.all(MAJORS.map(async (major) => [major, await bundleUppyPage(PAGE, major)])));
  const server = http.createServer((request, response) => {
    const file = /^\/files\/([^/?]+)$/.exec(request.url)?.[1];
    if (file !== undefined) {
      if (!files.has(file)) return response.writeHead(404).end();
      return response.writeHead(200, { "content-type": "application/octet-stream" }).end(files.get(file));
    }
    const [, major, type] = /^\/uppy-(\d+)\.(html|js)$/.exec(request.url) ?? [];
    if (!(major in scripts)) return response.writeHead(404).end();
    if (type === "js") return response.writeHead(200, { "content-type": "text/javascript" }).end(scripts[major]);
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(`<!doctype html><link rel="icon" href="data:,"><script src="/uppy-${major}.js"></script>`);
  });
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, "127.0.0.1", resolve)));
  const origin = () => `http://localhost:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
  return {
    url: (major) => `${origin()}/uppy-${major}.html`,
    fileUrl: (name) => `${origin()}/files/${name}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}


// The README's code blocks as the page holds them: name -> the text between its begin and end lines.
async function readmeBlocks() {
  const page = await readFile(PAGE, "utf8");
  const blocks = new Map();
  for (const [, name, text] of page.matchAll(/^\/\/ README:begin (\S+)\n([\s\S]*?)^\/\/ README:end$/gm)) {
    blocks.set(name, text);
  }
  return blocks;
}

// Opens a page in `context` as tests/browser/chromium.js does, recording every request it makes to the Worker and
// every console error, and (with holdPartsAfter = n) lets only the first n part PUTs through: later ones are held,
// never sent to the Worker; `close` closes the page, as a tab closed mid-upload (see holdPartPutsAfter). Returns the page
// and its records.
async function openPage(context, url, workerUrl, { holdPartsAfter = null } = {}) {
  const hold = holdPartsAfter === null ? null : await holdPartPutsAfter(holdPartsAfter);
  const opened = await openRecordedPage(context, url, workerUrl, { intercept: hold?.intercept ?? null, timeoutMs: STEP_TIMEOUT_MS });
  const close = () => (hold ? hold.closePage(opened.page) : opened.page.close());
  return { page: opened.page, requests: opened.requests, consoleErrors: opened.consoleErrors, held: hold?.held ?? [], close };
}

/* global window -- the function given to page.evaluate runs in the page (tests/browser/uppy-multipart-page.js) */
const runInPage = (page, options) =>
  page.evaluate((opts) => /** @type {any} */ (window).runUppyMultipart(opts), options);

const partPuts = (requests) => requests.filter((request) => request.partNumber !== null && !request.held);
const partNumbersOf = (requests) => partPuts(requests).map((request) => request.partNumber).sort((a, b) => a - b);

describe("Uppy multipart uploads in Chromium through Upgate (worker mode), configured as the README shows", () => {
  const files = new Map();
  let worker, pages, browser, profile;

  before(async () => {
    profile = await mkdtemp(path.join(tmpdir(), "upgate-chromium-mp-"));
    [worker, pages, browser] = await Promise.all([
      startWorker({ bindings: developmentBindings({ RATE_LIMIT_PER_MINUTE: "5000" }) }),
      servePages(files),
      launchChromium(profile, { protocolTimeout: STEP_TIMEOUT_MS + 30_000 }),
    ]);
  });

  after(async () => {
    await Promise.all([browser?.close(), pages?.close(), worker?.dispose()]);
    await rm(profile, { recursive: true, force: true });
  });

  // A file for the page to upload, served at /files/<name>.
  function serve(name, bytes) {
    files.set(name, bytes);
    return { name, url: pages.fileUrl(name), lastModified: LAST_MODIFIED };
  }

  const runOptions = (user, shootId, pageFiles) => ({
    workerUrl: worker.url.href,
    token: user.token,
    shootId,
    partSize: PART_SIZE,
    files: pageFiles,
    timeoutMs: STEP_TIMEOUT_MS,
  });

  // The part PUTs to a key that the Worker stored (its request log), once the lines are out.
  async function storedPartPuts(key, expected) {
    const lines = () =>
      worker.jsonLogs().filter((line) => line.event === "request" && line.method === "PUT" && line.path === `/upload/${key}`);
    await until(() => lines().length >= expected, `${expected} PUT log lines for ${key}`, { timeoutMs: 3000 }).catch(() => {});
    return lines().filter((line) => line.status === 200);
  }

  function assertVersions(run, major, context) {
    assert.match(run.versions.core, new RegExp(`^${major}\\.`), `the bundle's @uppy/core${context}`);
    assert.match(run.versions.awsS3, new RegExp(`^${major}\\.`), `the bundle's @uppy/aws-s3${context}`);
  }

  function assertSucceeded(run, names, consoleErrors, context) {
    assert.equal(run.error, undefined, `the page failed${context}`);
    assert.deepEqual(run.uploadErrors, [], `upload-error fired${context}`);
    assert.deepEqual(consoleErrors, [], `the page logged errors${context}`);
    assert.deepEqual(run.result, { successful: [...names].sort(), failed: [] }, context);
  }

  // The upload is completed with all 8 parts of 5 MiB, and the file downloads byte-identical.
  async function assertCompleted(user, shootId, uploadId, key, bytes) {
    const record = await uploadRecord(worker, user, uploadId);
    assert.equal(record.state, "completed", JSON.stringify(record));
    assert.equal(record.key, key);
    assert.equal(record.multipart, true);
    assert.equal(record.partSize, PART_SIZE);
    assert.equal(record.partCount, PART_COUNT);
    assert.deepEqual(
      record.parts.map(({ partNumber, size }) => ({ partNumber, size })),
      range(PART_COUNT).map((partNumber) => ({ partNumber, size: PART_SIZE })),
    );
    const asset = await assetAt(worker, user, shootId, key);
    assert.equal(asset?.size, LARGE, `the asset: ${JSON.stringify(asset)}`);
    assert.equal(asset.contentType, "image/jpeg");
    assert.match(unquote(asset.etag), new RegExp(`-${PART_COUNT}$`), "R2 assembled the parts");
    const downloaded = await downloadBytes(worker, user, shootId, key);
    assert.equal(downloaded.bytes.length, LARGE);
    assert.equal(sha256Hex(downloaded.bytes), sha256Hex(bytes), "the file downloads byte-identical");
    return record;
  }

  it("the README quotes the page's Uppy configuration verbatim (shared helpers, Uppy 5, Uppy 6)", async () => {
    const blocks = await readmeBlocks();
    assert.deepEqual([...blocks.keys()], ["shared", "uppy-5", "uppy-6"]);
    const readme = await readFile(README, "utf8");
    for (const [name, text] of blocks) {
      assert.ok(readme.includes("```js\n" + text + "```\n"), `README.md quotes the "${name}" block of ${PAGE} verbatim`);
    }
  });

  for (const major of MAJORS) {
    it(`Uppy ${major}: a 40 MiB JPEG goes up in 8 parts of 5 MiB, each PUT once, completes and downloads byte-identical`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, `uppy${major}-mp`);
      const name = fileName(shootId, "0001");
      const key = `shoots/${shootId}/${name}`;
      const bytes = jpegBytes(LARGE);
      const context = await browser.createBrowserContext();
      try {
        const opened = await openPage(context, pages.url(major), worker.url);
        const run = await runInPage(opened.page, runOptions(user, shootId, [serve(name, bytes)]));
        const detail = `\n${JSON.stringify({ run, requests: opened.requests.map(({ body: _body, ...rest }) => rest) }, null, 2)}`;
        assertVersions(run, major, detail);
        assertSucceeded(run, [name], opened.consoleErrors, detail);

        const puts = partPuts(opened.requests);
        assert.deepEqual(partNumbersOf(opened.requests), range(PART_COUNT), `each part PUT exactly once${detail}`);
        assert.ok(puts.every((put) => put.status === 200), `every part PUT answered 200${detail}`);
        const uploadIds = new Set(puts.map((put) => put.uploadId));
        assert.equal(uploadIds.size, 1, `every part of one upload${detail}`);
        const [uploadId] = uploadIds;
        assert.match(uploadId, new RegExp(`^up_${shootId}_`));
        assert.deepEqual(
          run.partsUploaded.map((part) => part.partNumber).sort((a, b) => a - b),
          range(PART_COUNT),
          `Uppy reported each part uploaded, with its ETag${detail}`,
        );
        assert.ok(run.partsUploaded.every((part) => typeof part.etag === "string" && part.etag.length > 0), detail);

        const record = await assertCompleted(user, shootId, uploadId, key, bytes);
        const success = run.successes[name];
        if (major === 5) {
          // Uppy 5 hands on what completeMultipartUpload returned: Upgate's complete answer.
          assert.equal(success.body.uploadId, uploadId, detail);
          assert.equal(success.body.key, key);
          assert.equal(success.body.size, LARGE);
        } else {
          // Uppy 6 reports CompleteMultipartUploadResult's Location and Key.
          assert.equal(success.body.key, key, detail);
          assert.equal(success.body.location, new URL(`/download/${key}`, worker.url).href);
        }
        // Uppy's ETags are the ones Upgate recorded for the parts.
        const recorded = new Map(record.parts.map((part) => [part.partNumber, unquote(part.etag)]));
        for (const part of run.partsUploaded) assert.equal(unquote(part.etag), recorded.get(part.partNumber));
        assert.equal((await storedPartPuts(key, PART_COUNT)).length, PART_COUNT, "8 part PUTs in the Worker's log");
      } finally {
        await context.close();
      }
    });

    it(`Uppy ${major}: interrupted after 3 parts are stored and resumed in a fresh page, it sends only the 5 missing parts, each once`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, `uppy${major}-resume`);
      const name = fileName(shootId, "0002");
      const key = `shoots/${shootId}/${name}`;
      const bytes = jpegBytes(LARGE);
      const pageFiles = [serve(name, bytes)];
      // One browser profile for both pages: the second finds what the first left in localStorage.
      const context = await browser.createBrowserContext();
      try {
        // The first page: 3 part PUTs go through, the rest are held; once the 3 are stored the page is closed.
        const first = await openPage(context, pages.url(major), worker.url, { holdPartsAfter: STORED_BEFORE_INTERRUPTION });
        const interrupted = runInPage(first.page, runOptions(user, shootId, pageFiles)).catch((error) => ({ closed: String(error) }));
        const storedFirst = await until(
          () => {
            const answered = partPuts(first.requests).filter((put) => put.status === 200);
            return answered.length === STORED_BEFORE_INTERRUPTION && first.held.length > 0 ? answered : null;
          },
          `${STORED_BEFORE_INTERRUPTION} stored part PUTs and one held back`,
          { timeoutMs: STEP_TIMEOUT_MS },
        );
        await first.close();
        const firstRun = await interrupted;
        const firstDetail = `\n${JSON.stringify({ firstRun, requests: first.requests.map(({ body: _body, ...rest }) => rest) }, null, 2)}`;
        assert.ok(firstRun.closed || !firstRun.result, `the first page did not finish${firstDetail}`);
        const uploadId = storedFirst[0].uploadId;
        assert.ok(storedFirst.every((put) => put.uploadId === uploadId), firstDetail);

        // What Upgate holds now: exactly the parts whose PUT was answered.
        const storedNumbers = storedFirst.map((put) => put.partNumber).sort((a, b) => a - b);
        const between = await uploadRecord(worker, user, uploadId);
        assert.equal(between.state, "pending");
        assert.deepEqual(between.parts.map((part) => part.partNumber), storedNumbers, `the stored parts${firstDetail}`);
        const missing = range(PART_COUNT).filter((n) => !storedNumbers.includes(n));

        // The second page, same profile, same file: it resumes.
        const second = await openPage(context, pages.url(major), worker.url);
        const run = await runInPage(second.page, runOptions(user, shootId, pageFiles));
        const detail = `\n${JSON.stringify({ run, requests: second.requests.map(({ body: _body, ...rest }) => rest) }, null, 2)}`;
        assertVersions(run, major, detail);
        assertSucceeded(run, [name], second.consoleErrors, detail);
        assert.deepEqual(partNumbersOf(second.requests), missing, `the resumed page PUT exactly the missing parts, each once${detail}`);
        assert.ok(partPuts(second.requests).every((put) => put.status === 200 && put.uploadId === uploadId), detail);
        // It did not create the upload again: it learnt the uploadId from localStorage and listed the parts.
        const creates = second.requests.filter((request) =>
          major === 5
            ? request.method === "POST" && request.path === "/api/uploads/multipart"
            : request.path === "/api/uploads/sign-request" && request.body?.request?.method === "POST" && !request.body.request.uploadId,
        );
        assert.deepEqual(creates, [], `the resumed page created no upload${detail}`);
        const listings = second.requests.filter((request) =>
          major === 5
            ? request.method === "GET" && request.path === `/api/uploads/${uploadId}`
            : request.method === "GET" && request.path === `/upload/${key}` && request.uploadId === uploadId,
        );
        assert.ok(listings.length >= 1, `the resumed page listed the parts${detail}`);

        // The Worker stored 8 part PUTs in all: none was sent twice.
        const stored = await storedPartPuts(key, PART_COUNT);
        assert.equal(stored.length, PART_COUNT, `part PUTs stored by the Worker: ${JSON.stringify(stored)}`);
        await assertCompleted(user, shootId, uploadId, key, bytes);
        const left = await second.page.evaluate((entry) => window.localStorage.getItem(entry), `upgate-multipart:${key}`);
        assert.equal(left, null, "the finished upload is forgotten");
      } finally {
        await context.close();
      }
    });

    it(`Uppy ${major}: a small photo goes in one PUT and is completed`, async () => {
      const { user, shootId } = await ownerWithShoot(worker, `uppy${major}-small`);
      const name = fileName(shootId, "0003");
      const key = `shoots/${shootId}/${name}`;
      const bytes = jpegBytes(1 * MiB + 17);
      const context = await browser.createBrowserContext();
      try {
        const opened = await openPage(context, pages.url(major), worker.url);
        const run = await runInPage(opened.page, runOptions(user, shootId, [serve(name, bytes)]));
        const detail = `\n${JSON.stringify({ run, requests: opened.requests.map(({ body: _body, ...rest }) => rest) }, null, 2)}`;
        assertVersions(run, major, detail);
        assertSucceeded(run, [name], opened.consoleErrors, detail);
        assert.deepEqual(partPuts(opened.requests), [], `no part PUT${detail}`);
        const puts = opened.requests.filter((request) => request.method === "PUT" && request.path === `/upload/${key}`);
        assert.equal(puts.length, 1, `one PUT${detail}`);
        assert.equal(puts[0].status, 200, detail);
        const asset = await assetAt(worker, user, shootId, key);
        assert.ok(asset, `the photo is an asset of the shoot once completed${detail}`);
        assert.equal(asset.size, bytes.length);
        assert.equal(asset.contentType, "image/jpeg");
        assert.equal(sha256Hex((await downloadBytes(worker, user, shootId, key)).bytes), sha256Hex(bytes));
      } finally {
        await context.close();
      }
    });
  }
});
