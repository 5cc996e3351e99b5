// Drives the development upload page (GET /dev/upload, client/upload-page.html) in Chromium the way a person does:
// types the token and the shoot, creates the shoot, picks files with the page's own file input, clicks Upload and
// waits for each row to settle. Shared by tests/browser/dev-page.test.js and scripts/screenshot-dev-page.mjs.
// Photos are real JPEGs made with ImageMagick (installed by the bootstrap), so the Worker's processing decodes
// them and makes their thumbnails.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { openPage } from "./chromium.js";

/* global document -- the functions given to page.waitForFunction run in the page */

/**
 * A real JPEG at dir/name: a smooth gradient, or with `seed` a plasma fractal (different for each seed); `gray`
 * for black and white.
 * @param {string} dir
 * @param {string} name
 * @param {{width?: number, height?: number, seed?: number, colors?: string, gray?: boolean}} [options]
 */
export function makePhoto(dir, name, { width = 1200, height = 800, seed = undefined, colors = "#3b6fd8-#f2a541", gray = false } = {}) {
  const file = path.join(dir, name);
  const source = seed === undefined ? [`gradient:${colors}`] : ["-seed", String(seed), `plasma:${colors}`, "-blur", "0x3"];
  const tone = gray ? ["-colorspace", "Gray"] : [];
  execFileSync("convert", ["-size", `${width}x${height}`, ...source, ...tone, "-quality", "85", `jpeg:${file}`]);
  return file;
}

/**
 * Opens /dev/upload of the Worker in a fresh page of `context`, recording its requests and console errors.
 * @param {import("puppeteer-core").BrowserContext} context
 * @param {URL} workerUrl
 */
export function openDevPage(context, workerUrl) {
  return openPage(context, new URL("/dev/upload", workerUrl).href, workerUrl);
}

/**
 * Types the token and the shoot id, and clicks "Create shoot"; resolves with the shoot status line once it has
 * answered.
 * @param {import("puppeteer-core").Page} page
 * @param {{token: string, shootId: string, create?: boolean}} options
 */
export async function fillIn(page, { token, shootId, create = true }) {
  await page.locator("#token").fill(token);
  await page.locator("#shoot").fill(shootId);
  if (!create) return null;
  await page.click("#create-shoot");
  await page.waitForFunction(() => !/^Creating /.test(document.querySelector("#shoot-status").textContent), { timeout: 15_000 });
  return page.$eval("#shoot-status", (node) => node.textContent);
}

/**
 * Picks files (or, with folder: true, one folder) through the page's own inputs, then clicks Upload.
 * @param {import("puppeteer-core").Page} page
 * @param {string[]} paths
 * @param {{folder?: boolean}} [options]
 */
export async function pickAndUpload(page, paths, { folder = false } = {}) {
  const input = /** @type {import("puppeteer-core").ElementHandle<HTMLInputElement>} */ (await page.$(folder ? "#pick-folder" : "#pick-files"));
  await input.uploadFile(...paths);
  await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.querySelector("#upload")).disabled), { timeout: 15_000 });
  await page.click("#upload");
}

/**
 * Waits until no row is still on its way (every one has a final state and, when uploaded, its processing settled
 * and its thumbnail loaded); resolves with each row as the page shows it.
 * @param {import("puppeteer-core").Page} page
 * @param {number} [timeoutMs]
 */
export async function settledRows(page, timeoutMs = 60_000) {
  await page.waitForFunction(
    () => {
      const rows = /** @type {HTMLElement[]} */ ([...document.querySelectorAll("#files tbody tr")]);
      const final = ["uploaded", "already uploaded", "skipped", "refused", "failed", "interrupted", "left out"];
      return (
        rows.length > 0 &&
        rows.every((row) => final.includes(row.dataset.state)) &&
        rows.every((row) => row.dataset.state !== "uploaded" || (row.dataset.processing && row.dataset.processing !== "pending")) &&
        [...document.querySelectorAll("img.thumb")].every((image) => /** @type {HTMLImageElement} */ (image).complete)
      );
    },
    { timeout: timeoutMs, polling: 200 },
  );
  return page.$$eval("#files tbody tr", (rows) =>
    rows.map((row) => {
      const image = /** @type {HTMLImageElement | null} */ (row.querySelector("img.thumb"));
      return {
        name: row.dataset.name,
        path: row.dataset.path,
        state: row.dataset.state,
        processing: row.dataset.processing ?? null,
        stateText: row.querySelector("td:last-child").textContent,
        rule: row.querySelector(".rule")?.textContent ?? null,
        message: row.querySelector(".message")?.textContent ?? null,
        progress: { value: row.querySelector("progress").value, max: row.querySelector("progress").max },
        thumb: image ? { src: image.src, width: image.naturalWidth, height: image.naturalHeight } : null,
      };
    }),
  );
}
