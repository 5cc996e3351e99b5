// The development upload page (GET /dev/upload, client/upload-page.html and the modules it imports), served by
// the real Worker (workerd via Miniflare, local R2, KV, Durable Objects and its upload-events queue, whose
// consumer makes the thumbnails) and used in Debian's Chromium through puppeteer-core as a person would use it:
//   - in production it is absent: /dev/upload and every file of the page answer 404 not_found, exactly as any
//     unknown path does; in development each is served, unchanged from client/, the page with a
//     Content-Security-Policy that allows only this origin;
//   - in development it creates the shoot, uploads a good photo and shows its thumbnail once processed, shows the
//     naming rule each badly named file broke, and breaks none of its own CSP;
//   - a folder picked with "Choose a folder" goes up file by file under the files' own names, its dotfile left out.
//   node --test tests/browser/dev-page.test.js
import assert from "node:assert/strict";
import { mkdtemp, mkdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { assetAt, fileName, newUser, uniqueShootId } from "../worker/flow.js";
import { developmentBindings, startWorker } from "../worker/harness.js";
import { launchChromium } from "./chromium.js";
import { fillIn, makePhoto, openDevPage, pickAndUpload, settledRows } from "./dev-page-driver.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Every document of the page: path, the file it is, its type.
const DOCUMENTS = [
  ["/dev/upload", "client/upload-page.html", "text/html; charset=utf-8"],
  ["/dev/upload-page.mjs", "client/upload-page.mjs", "text/javascript; charset=utf-8"],
  ["/dev/upload-page.css", "client/upload-page.css", "text/css; charset=utf-8"],
  ["/dev/upload-page.svg", "client/upload-page.svg", "image/svg+xml; charset=utf-8"],
  ["/dev/upload-browser.mjs", "client/upload-browser.mjs", "text/javascript; charset=utf-8"],
  ["/dev/upload-flow.mjs", "client/upload-flow.mjs", "text/javascript; charset=utf-8"],
];

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

describe("the development upload page", () => {
  let development, production, browser, profile, photos;

  before(async () => {
    profile = await mkdtemp(path.join(tmpdir(), "upgate-chromium-devpage-"));
    photos = await mkdtemp(path.join(tmpdir(), "upgate-devpage-photos-"));
    [development, production, browser] = await Promise.all([
      startWorker(),
      startWorker({ bindings: developmentBindings({ APP_ENV: "production", CORS_ORIGINS: "" }) }),
      launchChromium(profile),
    ]);
  });

  after(async () => {
    await Promise.all([browser?.close(), development?.dispose(), production?.dispose()]);
    await rm(profile, { recursive: true, force: true });
    await rm(photos, { recursive: true, force: true });
  });

  it("is absent in production (404 not_found, as any unknown path) and served unchanged from client/ in development", async () => {
    const unknown = await production.fetch("/no-such-page");
    const unknownBody = await unknown.json();
    assert.equal(unknown.status, 404);
    for (const [route, file, type] of DOCUMENTS) {
      const absent = await production.fetch(route);
      const text = await absent.text();
      assert.equal(absent.status, 404, `production ${route}: ${text}`);
      assert.equal(absent.headers.get("content-type"), unknown.headers.get("content-type"), `production ${route}`);
      assert.equal(absent.headers.get("content-security-policy"), unknown.headers.get("content-security-policy"));
      const body = JSON.parse(text);
      assert.equal(body.error.code, "not_found");
      assert.equal(body.error.message, unknownBody.error.message);
      assert.match(absent.headers.get("x-request-id"), /^req_[0-9a-f]{32}$/);

      const served = await development.fetch(route);
      assert.equal(served.status, 200, `development ${route}`);
      assert.equal(served.headers.get("content-type"), type);
      assert.equal(await served.text(), await readFile(path.join(ROOT, file), "utf8"), `${route} is ${file}, unchanged`);
      assert.equal(served.headers.get("x-content-type-options"), "nosniff");
      assert.match(served.headers.get("x-request-id"), /^req_[0-9a-f]{32}$/);
      const csp = served.headers.get("content-security-policy");
      assert.equal(csp, route === "/dev/upload" ? PAGE_CSP : "default-src 'none'; frame-ancestors 'none'", route);
    }
    // Only GET: another method is 405, as the core answers a known path.
    const posted = await development.fetch("/dev/upload", { method: "POST" });
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get("allow"), "GET");
    assert.equal((await posted.json()).error.code, "method_not_allowed");
    // Anything else under /dev/ is the core's 404, in development too.
    const other = await development.fetch("/dev/other");
    assert.equal(other.status, 404);
    assert.equal((await other.json()).error.code, "not_found");
    // And the Worker logs each page request like any other.
    const line = development.jsonLogs().find((entry) => entry.event === "request" && entry.path === "/dev/upload" && entry.status === 200);
    assert.ok(line, "a request log line for GET /dev/upload");
    assert.equal(line.method, "GET");
  });

  it("creates the shoot, uploads a good photo and shows its thumbnail, and shows the naming rule each bad name broke", async () => {
    const user = await newUser(development, { prefix: "devpage" });
    const shootId = uniqueShootId("devpage");
    const good = fileName(shootId, "0001");
    const paths = [
      makePhoto(photos, good, { width: 1200, height: 800 }),
      makePhoto(photos, "IMG_0042.JPG", { width: 300, height: 200 }),
      makePhoto(photos, fileName("another-shoot", "0002"), { width: 300, height: 200 }),
    ];
    const context = await browser.createBrowserContext();
    try {
      const opened = await openDevPage(context, development.url);
      assert.equal(opened.response.headers()["content-security-policy"], PAGE_CSP);
      assert.equal(await fillIn(opened.page, { token: user.token, shootId }), `Created shoot ${shootId} (owner ${user.sub}).`);
      await pickAndUpload(opened.page, paths);
      const rows = await settledRows(opened.page);
      const detail = `\n${JSON.stringify({ rows, consoleErrors: opened.consoleErrors }, null, 2)}`;
      const row = (name) => rows.find((entry) => entry.name === name);

      // The good photo: uploaded, processed, its 400 × 267 thumbnail downloaded from this origin.
      const photo = row(good);
      assert.equal(photo?.state, "uploaded", detail);
      assert.equal(photo.processing, "done", detail);
      assert.deepEqual(photo.progress, { value: photo.progress.max, max: photo.progress.max });
      assert.ok(photo.thumb, `a thumbnail${detail}`);
      assert.ok(photo.thumb.src.startsWith(`${development.url.origin}/download/previews/${shootId}/${good}/thumb.jpg?`), photo.thumb.src);
      assert.deepEqual([photo.thumb.width, photo.thumb.height], [400, 267], "the thumb preview: long edge 400");
      const asset = await assetAt(development, user, shootId, `shoots/${shootId}/${good}`);
      assert.equal(asset?.processing, "done");

      // The bad names: refused, with the rule each broke and Upgate's message.
      const pattern = row("IMG_0042.JPG");
      assert.equal(pattern?.state, "refused", detail);
      assert.equal(pattern.rule, "rule pattern");
      assert.match(pattern.stateText, /lower case, '_' between the parts, exactly one '\.'/);
      assert.equal(pattern.message, "The file name breaks the naming standard v3.1 (rule pattern).");
      assert.equal(pattern.thumb, null);
      const mismatch = row(fileName("another-shoot", "0002"));
      assert.equal(mismatch?.state, "refused", detail);
      assert.equal(mismatch.rule, "rule shoot_mismatch");
      assert.match(mismatch.stateText, /must start with this shoot's id/);

      const total = await opened.page.$eval("#total", (node) => node.textContent);
      assert.match(total, /^1 of 3 file\(s\) uploaded · .* · 2 refused · done$/, total);
      // Nothing the page did broke its CSP (Chromium logs each violation as a console error), nor anything else.
      assert.deepEqual(opened.consoleErrors, [], detail);
      assert.ok(opened.requests.every((request) => request.status === 200 || request.status === 201), `every request answered 2xx${detail}`);
    } finally {
      await context.close();
    }
  });

  it("uploads a folder picked with Choose a folder, its files under their own names, the dotfile left out", async () => {
    const user = await newUser(development, { prefix: "devpage-folder" });
    const shootId = uniqueShootId("devfolder");
    const folder = path.join(photos, "card-01");
    await mkdir(path.join(folder, "edits"), { recursive: true });
    makePhoto(folder, fileName(shootId, "0001"), { width: 400, height: 300 });
    makePhoto(path.join(folder, "edits"), fileName(shootId, "0001", { variant: "edit" }), { width: 400, height: 300 });
    makePhoto(folder, ".hidden.jpg", { width: 40, height: 30 });
    const context = await browser.createBrowserContext();
    try {
      const opened = await openDevPage(context, development.url);
      await fillIn(opened.page, { token: user.token, shootId, create: false }); // the upload creates it
      await pickAndUpload(opened.page, [folder], { folder: true });
      const rows = await settledRows(opened.page);
      const detail = `\n${JSON.stringify(rows, null, 2)}`;
      const states = Object.fromEntries(rows.map((row) => [row.path, row.state]));
      assert.deepEqual(states, {
        [`card-01/${fileName(shootId, "0001")}`]: "uploaded",
        [`card-01/edits/${fileName(shootId, "0001", { variant: "edit" })}`]: "uploaded",
        "card-01/.hidden.jpg": "left out",
      }, detail);
      assert.ok(rows.filter((row) => row.state === "uploaded").every((row) => row.thumb?.width === 400), detail);
      assert.ok(await assetAt(development, user, shootId, `shoots/${shootId}/${fileName(shootId, "0001", { variant: "edit" })}`));
      assert.match(await opened.page.$eval("#shoot-status", (node) => node.textContent), new RegExp(`Created shoot ${shootId}`));
      // The shoot did not exist: the module asked (404, which Chromium logs as a console error) and created it.
      const shootCalls = opened.requests.filter((request) => request.path.startsWith("/api/shoots") && !request.path.endsWith("/assets"));
      assert.deepEqual(shootCalls.map(({ method, path: p, status }) => `${method} ${p} ${status}`), [`GET /api/shoots/${shootId} 404`, "POST /api/shoots 201"]);
      assert.deepEqual(opened.consoleErrors, ["Failed to load resource: the server responded with a status of 404 (Not Found)"], detail);
    } finally {
      await context.close();
    }
  });
});
