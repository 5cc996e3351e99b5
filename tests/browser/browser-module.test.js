// The browser upload module (client/upload-browser.mjs on client/upload-flow.mjs) in a real browser (Debian's
// Chromium, driven by puppeteer-core) against the real Worker (workerd via Miniflare, local R2, KV, Durable Objects)
// in worker mode. The module files are served unchanged, no build step, from http://localhost:<port>, and the
// Worker is http://127.0.0.1:<port>: every call is cross-origin, with the browser's own CORS preflights.
// MAX_SINGLE_PUT_BYTES is 5 MiB, so a 12 MiB photo goes up in parts of 5 MiB (5 + 5 + 2 MiB) and a 1 MiB one in
// one PUT. The tests prove:
//   - one PUT and a multipart upload both complete, byte-identical, with their SHA-256 declared (and each part's);
//     the progress events report each file's bytes as they go and its final state, and the ETag each PUT answered
//     (readable cross-origin) is the one Upgate recorded; the Worker saw the preflights;
//   - a refused name is reported with Upgate's refusal (code, rule, message), a dotfile is left out and a second
//     file of the same name is refused before anything is sent;
//   - a 429 is waited out as its Retry-After says, a 503 and a network error are retried, and the upload completes;
//   - a multipart upload interrupted after one part is stored (the page closed mid-upload) resumes in a fresh page
//     of the same browser from GET /api/uploads/<uploadId>: no create, only the two missing parts PUT, each once.
//   node --test tests/browser/browser-module.test.js
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { assetAt, fileName, jpegBytes, ownerWithShoot, sha256Hex } from "../worker/flow.js";
import { developmentBindings, startWorker } from "../worker/harness.js";
import { until, uploadRecord } from "../worker/ledger-flow.js";
import { MiB, downloadBytes, range, unquote } from "../worker/multipart-flow.js";
import { holdPartPutsAfter, launchChromium, openPage } from "./chromium.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const STEP_TIMEOUT_MS = 60_000; // bounds each upload in the page, so a hang fails instead of blocking CI
const PART_SIZE = 5 * MiB;
const LARGE = 12 * MiB + 3; // 3 parts: 5 MiB, 5 MiB, 2 MiB + 3 bytes
const SMALL = 1 * MiB + 17;
const LAST_MODIFIED = Date.UTC(2026, 10, 22, 7, 39, 52); // the File's lastModified, the same in every page

// The module files the page imports, served as they are in the repository.
const SERVED = new Map([
  ["/client/upload-browser.mjs", path.join(ROOT, "client/upload-browser.mjs")],
  ["/client/upload-flow.mjs", path.join(ROOT, "client/upload-flow.mjs")],
  ["/tests/browser/browser-module-page.mjs", path.join(ROOT, "tests/browser/browser-module-page.mjs")],
]);

// /module.html loads the page module; /files/<name> serves the bytes a test put into `files`.
async function servePages(files) {
  const server = http.createServer(async (request, response) => {
    const served = /^\/files\/([^/?]+)$/.exec(request.url)?.[1];
    const file = served === undefined ? undefined : decodeURIComponent(served);
    if (file !== undefined) {
      if (!files.has(file)) return response.writeHead(404).end();
      return response.writeHead(200, { "content-type": "application/octet-stream" }).end(files.get(file));
    }
    if (SERVED.has(request.url)) {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      return response.end(await readFile(SERVED.get(request.url)));
    }
    if (request.url !== "/module.html") return response.writeHead(404).end();
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end('<!doctype html><link rel="icon" href="data:,"><script type="module" src="/tests/browser/browser-module-page.mjs"></script>');
  });
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(0, "127.0.0.1", resolve)));
  const origin = () => `http://localhost:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}`;
  return {
    origin,
    url: () => `${origin()}/module.html`,
    fileUrl: (name) => `${origin()}/files/${encodeURIComponent(name)}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/* global window -- the functions given to page.evaluate run in the page (tests/browser/browser-module-page.mjs) */
async function runInPage(page, options) {
  await page.waitForFunction(() => typeof (/** @type {any} */ (window).runBrowserUpload) === "function", { timeout: STEP_TIMEOUT_MS });
  return page.evaluate((opts) => /** @type {any} */ (window).runBrowserUpload(opts), options);
}

const partPuts = (requests) => requests.filter((request) => request.partNumber !== null && !request.held && !request.answered);
const partNumbersOf = (requests) => partPuts(requests).map((request) => request.partNumber).sort((a, b) => a - b);

describe("the browser upload module in Chromium, cross-origin, through Upgate (worker mode)", () => {
  const files = new Map();
  let worker, pages, browser, profile;

  before(async () => {
    profile = await mkdtemp(path.join(tmpdir(), "upgate-chromium-module-"));
    [worker, pages, browser] = await Promise.all([
      startWorker({ bindings: developmentBindings({ MAX_SINGLE_PUT_BYTES: String(PART_SIZE), RATE_LIMIT_PER_MINUTE: "1000" }) }),
      servePages(files),
      launchChromium(profile, { protocolTimeout: STEP_TIMEOUT_MS + 30_000 }),
    ]);
  });

  after(async () => {
    await Promise.all([browser?.close(), pages?.close(), worker?.dispose()]);
    await rm(profile, { recursive: true, force: true });
  });

  // A file for the page to upload, served at /files/<its path, or name>.
  function serve(name, bytes, extra = {}) {
    const served = extra.path ?? name;
    files.set(served, bytes);
    return { name, url: pages.fileUrl(served), lastModified: LAST_MODIFIED, ...extra };
  }

  const runOptions = (user, shootId, pageFiles, extra = {}) => ({
    workerUrl: worker.url.origin,
    token: user.token,
    shootId,
    files: pageFiles,
    timeoutMs: STEP_TIMEOUT_MS,
    ...extra,
  });

  // The Worker's request log lines (from line `from` on), once `expected` of them are out.
  async function logLines(filter, expected, from = 0) {
    const lines = () => worker.jsonLogs().slice(from).filter((line) => line.event === "request" && filter(line));
    await until(() => lines().length >= expected, `${expected} request log lines`, { timeoutMs: 3000 }).catch(() => {});
    return lines();
  }

  const detailOf = (run, requests) => `\n${JSON.stringify({ run: { ...run, fileEvents: run.fileEvents?.length, totals: run.totals?.length }, requests: requests.map(({ body: _body, ...rest }) => rest) }, null, 2)}`;
  const finalOf = (run, name) => run.outcome?.files.find((file) => file.name === name);
  const eventsOf = (run, name) => run.fileEvents.filter((event) => event.name === name);

  it("uploads a photo in one PUT and one in three 5 MiB parts, with progress events and readable ETags, across origins", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "module");
    const small = fileName(shootId, "0001");
    const large = fileName(shootId, "0002");
    const bytes = { [small]: jpegBytes(SMALL), [large]: jpegBytes(LARGE) };
    const context = await browser.createBrowserContext();
    try {
      const logMark = worker.jsonLogs().length;
      const opened = await openPage(context, pages.url(), worker.url);
      const run = await runInPage(opened.page, runOptions(user, shootId, [serve(small, bytes[small]), serve(large, bytes[large])]));
      const detail = detailOf(run, opened.requests);
      assert.equal(run.error, undefined, `the upload failed${detail}`);
      assert.deepEqual(opened.consoleErrors, [], `the page logged errors${detail}`);
      assert.deepEqual(run.shoot, { shootId, created: false }, `the shoot existed already${detail}`);

      // Final states, and the totals.
      for (const name of [small, large]) {
        const file = finalOf(run, name);
        assert.equal(file?.state, "uploaded", `${name}${detail}`);
        assert.equal(file.bytes, bytes[name].length);
        assert.equal(file.contentType, "image/jpeg");
      }
      assert.equal(finalOf(run, small).multipart, false);
      assert.equal(finalOf(run, large).multipart, true);
      const last = run.totals.at(-1);
      assert.equal(last.state, "done", detail);
      assert.equal(last.files, 2);
      assert.equal(last.bytes, SMALL + LARGE);
      assert.equal(last.bytesDone, SMALL + LARGE);
      assert.deepEqual(last.counts, { uploaded: 2 });

      // Progress: the large file's bytes went up step by step while its parts were being sent, never down (no
      // retries here), through hashing and uploading to completing and uploaded.
      const largeEvents = eventsOf(run, large);
      const byteSteps = largeEvents.map((event) => event.bytes);
      assert.ok(byteSteps.every((value, i) => i === 0 || value >= byteSteps[i - 1]), `bytes never go down: ${byteSteps}`);
      assert.ok(byteSteps.some((value) => value > 0 && value < LARGE), `bytes reported mid-upload: ${byteSteps}`);
      const states = [...new Set(largeEvents.map((event) => event.state))];
      assert.deepEqual(states, ["waiting", "hashing", "uploading", "completing", "uploaded"], `states of ${large}`);
      assert.ok(run.totals.some((total) => total.bytesDone > 0 && total.bytesDone < SMALL + LARGE), "the totals moved mid-upload");

      // What went over the wire: one PUT for the small photo; for the large one, a create with the SHA-256 and
      // partSize, a sign with each part's SHA-256, and each part PUT once.
      const smallKey = `shoots/${shootId}/${small}`;
      const largeKey = `shoots/${shootId}/${large}`;
      const singlePuts = opened.requests.filter((request) => request.method === "PUT" && request.path === `/upload/${smallKey}`);
      assert.equal(singlePuts.length, 1, `one PUT for ${small}${detail}`);
      assert.equal(singlePuts[0].status, 200);
      const presigns = opened.requests.filter((request) => request.path === "/api/uploads/presign");
      assert.equal(presigns.length, 1, detail);
      assert.deepEqual(presigns[0].body.files, [{ filename: small, contentType: "image/jpeg", size: SMALL, sha256: sha256Hex(bytes[small]) }]);
      const creates = opened.requests.filter((request) => request.path === "/api/uploads/multipart");
      assert.equal(creates.length, 1, detail);
      assert.equal(creates[0].body.sha256, sha256Hex(bytes[large]));
      assert.equal(creates[0].body.partSize, PART_SIZE);
      const signs = opened.requests.filter((request) => request.path === "/api/uploads/multipart/sign");
      assert.equal(signs.length, 1, detail);
      assert.deepEqual(signs[0].body.partNumbers, [1, 2, 3]);
      for (const n of [1, 2, 3]) {
        const part = bytes[large].subarray((n - 1) * PART_SIZE, Math.min(n * PART_SIZE, LARGE));
        assert.equal(signs[0].body.sha256[n], sha256Hex(part), `part ${n}'s digest is signed`);
      }
      assert.deepEqual(partNumbersOf(opened.requests), [1, 2, 3], `each part PUT once${detail}`);
      assert.ok(partPuts(opened.requests).every((put) => put.status === 200 && put.path === `/upload/${largeKey}`), detail);

      // The ETags the page read off the PUT answers (cross-origin: Access-Control-Expose-Headers) are Upgate's.
      const smallAsset = await assetAt(worker, user, shootId, smallKey);
      assert.equal(unquote(finalOf(run, small).etag), unquote(smallAsset.etag), `the single PUT's ETag${detail}`);
      const record = await uploadRecord(worker, user, finalOf(run, large).uploadId);
      assert.equal(record.state, "completed");
      assert.equal(record.sha256, sha256Hex(bytes[large]));
      assert.deepEqual(record.parts.map((part) => part.size), [PART_SIZE, PART_SIZE, LARGE - 2 * PART_SIZE]);
      const partEtags = finalOf(run, large).partEtags;
      for (const part of record.parts) assert.equal(unquote(partEtags[part.partNumber]), unquote(part.etag), `part ${part.partNumber}'s ETag`);

      // Both downloads are byte-identical.
      for (const [name, key] of [[small, smallKey], [large, largeKey]]) {
        const downloaded = await downloadBytes(worker, user, shootId, key);
        assert.equal(sha256Hex(downloaded.bytes), sha256Hex(bytes[name]), `${name} downloads byte-identical`);
      }

      // The browser made its CORS preflights, and the Worker allowed them.
      const since = await logLines((line) => line.method === "OPTIONS", 6, logMark);
      const preflighted = new Set(since.map((line) => line.path));
      for (const needed of ["/api/uploads/presign", "/api/uploads/multipart", "/api/uploads/multipart/sign", "/api/uploads/complete", `/upload/${smallKey}`, `/upload/${largeKey}`]) {
        assert.ok(preflighted.has(needed), `a preflight of ${needed}: ${JSON.stringify([...preflighted])}`);
      }
      assert.ok(since.every((line) => line.status === 204), JSON.stringify(since));
    } finally {
      await context.close();
    }
  });

  it("reports a refused name with Upgate's refusal, leaves dotfiles out and refuses a second file of one name", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "module-refused");
    const good = fileName(shootId, "0001");
    const pageFiles = [
      serve(good, jpegBytes(4000), { path: `card/${good}` }),
      serve("IMG_0042.JPG", jpegBytes(3000), { path: "card/IMG_0042.JPG" }),
      serve(`${shootId}_20260230_0003.jpg`, jpegBytes(2000), { path: `card/${shootId}_20260230_0003.jpg` }),
      serve(good, jpegBytes(5000), { path: `card/copies/${good}` }),
      { name: ".DS_Store", lastModified: LAST_MODIFIED, path: "card/.DS_Store" },
    ];
    const context = await browser.createBrowserContext();
    try {
      const opened = await openPage(context, pages.url(), worker.url);
      const run = await runInPage(opened.page, runOptions(user, shootId, pageFiles));
      const detail = detailOf(run, opened.requests);
      assert.equal(run.error, undefined, `the upload failed${detail}`);
      const byPath = new Map(run.outcome.files.map((file) => [file.path, file]));
      assert.equal(byPath.get(`card/${good}`).state, "uploaded", detail);
      const pattern = byPath.get("card/IMG_0042.JPG");
      assert.equal(pattern.state, "refused");
      assert.equal(pattern.error.code, "invalid_filename");
      assert.equal(pattern.error.rule, "pattern");
      assert.match(pattern.error.message, /naming standard/);
      assert.equal(pattern.reason, pattern.error.message);
      const date = byPath.get(`card/${shootId}_20260230_0003.jpg`);
      assert.equal(date.state, "refused");
      assert.equal(date.error.rule, "date", "30 February is no date");
      const duplicate = byPath.get(`card/copies/${good}`);
      assert.equal(duplicate.state, "refused");
      assert.equal(duplicate.error.code, "duplicate_name");
      assert.match(duplicate.reason, new RegExp(`card/${good}`));
      assert.equal(byPath.get("card/.DS_Store").state, "left out");
      // Refused files count for nothing in the totals; the duplicate and the dotfile never reached the server.
      const last = run.totals.at(-1);
      assert.equal(last.bytes, 4000);
      assert.deepEqual(last.counts, { uploaded: 1, refused: 3, "left out": 1 });
      const declared = opened.requests.filter((request) => request.path === "/api/uploads/presign").flatMap((request) => request.body.files.map((file) => file.filename));
      assert.deepEqual(declared.sort(), [good, "IMG_0042.JPG", `${shootId}_20260230_0003.jpg`].sort(), detail);

      // The module's choice over a folder's paths, on its own.
      const chosen = await opened.page.evaluate(
        (paths) => /** @type {any} */ (window).chooseBrowserFiles(paths),
        [".shoot/a.jpg", "shoot/b.jpg", "shoot/.git/c.jpg", "shoot/sub/b.jpg", "shoot/sub/.hidden.jpg"],
      );
      assert.deepEqual(chosen, {
        chosen: [".shoot/a.jpg", "shoot/b.jpg"],
        leftOut: ["shoot/.git/c.jpg", "shoot/sub/.hidden.jpg"],
        duplicates: [{ path: "shoot/sub/b.jpg", first: "shoot/b.jpg" }],
      });
    } finally {
      await context.close();
    }
  });

  it("waits out a 429 as Retry-After says and retries a 503 and a network error", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "module-retry");
    const name = fileName(shootId, "0001");
    const key = `shoots/${shootId}/${name}`;
    const bytes = jpegBytes(SMALL);
    const context = await browser.createBrowserContext();
    try {
      const cors = { "access-control-allow-origin": pages.origin(), "access-control-expose-headers": "Retry-After, X-Request-Id" };
      let presigns = 0;
      let puts = 0;
      const opened = await openPage(context, pages.url(), worker.url, {
        async intercept(request, seen) {
          if (!seen) return false;
          if (seen.method === "POST" && seen.path === "/api/uploads/presign" && (presigns += 1) <= 2) {
            seen.answered = true;
            const [status, code, headers] = presigns === 1 ? [429, "rate_limited", { "retry-after": "2" }] : [503, "storage_unavailable", {}];
            await request.respond({ status, headers: { ...cors, ...headers }, contentType: "application/json; charset=utf-8", body: JSON.stringify({ error: { code, message: "test" } }) });
            return true;
          }
          if (seen.method === "PUT" && seen.path === `/upload/${key}` && (puts += 1) === 1) {
            seen.answered = true;
            await request.abort("connectionreset");
            return true;
          }
          return false;
        },
      });
      const run = await runInPage(opened.page, runOptions(user, shootId, [serve(name, bytes)]));
      const detail = detailOf(run, opened.requests);
      assert.equal(run.error, undefined, `the upload failed${detail}`);
      assert.equal(finalOf(run, name)?.state, "uploaded", detail);
      assert.equal(run.retries.length, 3, `three retries${detail}\n${JSON.stringify(run.retries)}`);
      const [rateLimited, unavailable, network] = run.retries;
      assert.equal(rateLimited.reason, "429 rate_limited");
      assert.ok(rateLimited.delayMs >= 2000 && rateLimited.delayMs <= 2250, `the 429 waited its Retry-After: ${rateLimited.delayMs} ms`);
      assert.equal(unavailable.reason, "503");
      assert.match(network.what, new RegExp(`PUT ${name}`));
      assert.match(network.reason, /network error/);
      const sent = opened.requests.filter((request) => request.method === "PUT" && request.path === `/upload/${key}`);
      assert.deepEqual(sent.map((request) => Boolean(request.answered)), [true, false], "the PUT was sent again after the network error");
      const downloaded = await downloadBytes(worker, user, shootId, key);
      assert.equal(sha256Hex(downloaded.bytes), sha256Hex(bytes));
    } finally {
      await context.close();
    }
  });

  it("resumes a multipart upload interrupted after one stored part in a fresh page: no create, only the two missing parts", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "module-resume");
    const name = fileName(shootId, "0001");
    const key = `shoots/${shootId}/${name}`;
    const bytes = jpegBytes(LARGE);
    const pageFiles = [serve(name, bytes)];
    // One browser context for both pages: the second finds what the first left in localStorage.
    const context = await browser.createBrowserContext();
    try {
      // The first page: one part PUT goes through, later ones are held; once it is stored, the page is closed.
      const hold = await holdPartPutsAfter(1);
      const first = await openPage(context, pages.url(), worker.url, { intercept: hold.intercept });
      const interrupted = runInPage(first.page, runOptions(user, shootId, pageFiles)).catch((error) => ({ closed: String(error) }));
      const stored = await until(
        () => {
          const answered = partPuts(first.requests).filter((put) => put.status === 200);
          return answered.length === 1 && hold.held.length > 0 ? answered : null;
        },
        "one stored part PUT and one held back",
        { timeoutMs: STEP_TIMEOUT_MS },
      );
      await hold.closePage(first.page);
      const firstRun = await interrupted;
      const firstDetail = detailOf(firstRun, first.requests);
      assert.ok(firstRun.closed || !firstRun.outcome, `the first page did not finish${firstDetail}`);
      const uploadId = stored[0].uploadId;
      const between = await uploadRecord(worker, user, uploadId);
      assert.equal(between.state, "pending");
      assert.deepEqual(between.parts.map((part) => part.partNumber), [stored[0].partNumber], `the stored part${firstDetail}`);
      const missing = range(3).filter((n) => n !== stored[0].partNumber);

      // The second page, same browser profile, same file: it resumes.
      const second = await openPage(context, pages.url(), worker.url);
      const run = await runInPage(second.page, runOptions(user, shootId, pageFiles));
      const detail = detailOf(run, second.requests);
      assert.equal(run.error, undefined, `the resumed upload failed${detail}`);
      assert.deepEqual(second.consoleErrors, [], detail);
      const file = finalOf(run, name);
      assert.equal(file?.state, "uploaded", detail);
      assert.equal(file.uploadId, uploadId, "the same upload");
      assert.equal(file.resumedParts, 1, "it found the stored part");
      const firstBytes = eventsOf(run, name).find((event) => event.bytes > 0)?.bytes;
      assert.equal(firstBytes, between.parts[0].size, "its progress starts at the bytes stored");
      assert.deepEqual(partNumbersOf(second.requests), missing, `only the missing parts, each once${detail}`);
      assert.ok(partPuts(second.requests).every((put) => put.status === 200 && put.uploadId === uploadId), detail);
      assert.deepEqual(second.requests.filter((request) => request.path === "/api/uploads/multipart"), [], `no create${detail}`);
      assert.ok(second.requests.some((request) => request.method === "GET" && request.path === `/api/uploads/${uploadId}`), `it read the upload's parts${detail}`);
      const signs = second.requests.filter((request) => request.path === "/api/uploads/multipart/sign");
      assert.deepEqual(signs.map((request) => request.body.partNumbers), [missing], detail);

      // The Worker stored three part PUTs in all: none was sent twice.
      const partLines = await logLines((line) => line.method === "PUT" && line.path === `/upload/${key}` && line.status === 200, 3);
      assert.equal(partLines.length, 3, `part PUTs stored by the Worker: ${JSON.stringify(partLines)}`);
      const record = await uploadRecord(worker, user, uploadId);
      assert.equal(record.state, "completed");
      assert.equal(record.partCount, 3);
      const downloaded = await downloadBytes(worker, user, shootId, key);
      assert.equal(sha256Hex(downloaded.bytes), sha256Hex(bytes), "the file downloads byte-identical");

      // Chosen once more in this browser: skipped, completed earlier, and nothing is asked about it.
      const third = await openPage(context, pages.url(), worker.url);
      const again = await runInPage(third.page, runOptions(user, shootId, pageFiles));
      const againDetail = detailOf(again, third.requests);
      assert.equal(finalOf(again, name)?.state, "skipped", againDetail);
      assert.deepEqual(third.requests.map((request) => `${request.method} ${request.path}`), ["GET /api/services", `GET /api/shoots/${shootId}`], againDetail);
    } finally {
      await context.close();
    }
  });

  it("stops when the token is refused: done rejects with the reason, every file interrupted, nothing sent", async () => {
    const { shootId } = await ownerWithShoot(worker, "module-token");
    const name = fileName(shootId, "0001");
    const context = await browser.createBrowserContext();
    try {
      const opened = await openPage(context, pages.url(), worker.url);
      const run = await runInPage(opened.page, { ...runOptions({ token: "not-a-jwt" }, shootId, [serve(name, jpegBytes(2000))]) });
      const detail = detailOf(run, opened.requests);
      assert.match(run.error ?? "", /401 invalid_token: the token was refused/, detail);
      const states = run.fileEvents.filter((event) => event.name === name).map((event) => event.state);
      assert.equal(states.at(-1), "interrupted", detail);
      assert.equal(run.totals.at(-1).state, "stopped");
      assert.deepEqual(opened.requests.map((request) => `${request.method} ${request.path} ${request.status}`), ["GET /api/services 401"], detail);
    } finally {
      await context.close();
    }
  });
});
