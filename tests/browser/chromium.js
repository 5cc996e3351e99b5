// Debian's Chromium through puppeteer-core, as the browser tests and scripts/screenshot-dev-page.mjs start it: headless,
// its own profile folder, nothing fetched from the internet. And a recorder of what a page asks of the Worker.
import net from "node:net";
import puppeteer from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * @param {string} profile a fresh folder for the browser profile
 * @param {{protocolTimeout?: number, args?: string[]}} [options]
 */
export function launchChromium(profile, { protocolTimeout = 120_000, args = [] } = {}) {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    protocolTimeout,
  });
}

/**
 * @typedef {object} SeenRequest
 * @property {string} method
 * @property {string} path
 * @property {number | null} partNumber a part PUT's part number
 * @property {string | null} uploadId
 * @property {any} body the JSON body, if any
 * @property {number | null} status set when the answer arrives
 * @property {boolean} [held] never let through (see openPage's intercept)
 * @property {boolean} [answered] answered by the test, never sent
 */

/**
 * A request of the page to the Worker, as puppeteer saw it; null for any other origin.
 * @param {import("puppeteer-core").HTTPRequest} request
 * @param {URL} workerUrl
 * @returns {SeenRequest | null}
 */
export function describeRequest(request, workerUrl) {
  const url = new URL(request.url());
  if (url.origin !== workerUrl.origin) return null;
  let body = null;
  try {
    body = JSON.parse(request.postData() ?? "null");
  } catch {
    body = null; // bytes
  }
  const partNumber = url.searchParams.get("partNumber");
  return {
    method: request.method(),
    path: url.pathname,
    partNumber: request.method() === "PUT" && partNumber ? Number(partNumber) : null,
    uploadId: url.searchParams.get("uploadId"),
    body,
    status: null,
  };
}

/**
 * Opens a page in `context` and records every request it makes to the Worker (preflights aside, which Chromium
 * makes itself) and every console error. With `intercept`, every request of the page is offered to it first:
 * it answers, aborts or holds the request itself and returns true, or returns false to let it through.
 * @param {import("puppeteer-core").BrowserContext} context
 * @param {string} url
 * @param {URL} workerUrl
 * @param {{intercept?: (request: import("puppeteer-core").HTTPRequest, seen: SeenRequest | null) => boolean | Promise<boolean>, timeoutMs?: number}} [options]
 */
export async function openPage(context, url, workerUrl, { intercept = null, timeoutMs = 30_000 } = {}) {
  const page = await context.newPage();
  /** @type {SeenRequest[]} */
  const requests = [];
  const byRequest = new Map();
  const consoleErrors = [];
  page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  page.on("request", async (request) => {
    const seen = describeRequest(request, workerUrl);
    if (seen && request.method() !== "OPTIONS") {
      requests.push(seen);
      byRequest.set(request, seen);
    }
    if (!intercept) return;
    if (!(await intercept(request, seen))) await request.continue();
  });
  page.on("response", (response) => {
    const seen = byRequest.get(response.request());
    if (seen) seen.status = response.status();
  });
  if (intercept) await page.setRequestInterception(true);
  const response = await page.goto(url, { timeout: timeoutMs });
  return { page, response, requests, consoleErrors };
}

/**
 * A tab closed mid-upload: lets the page's first `letThrough` part PUTs through to the Worker and sends every later
 * one to a local server that reads the request and never answers, so it stays pending, as on a stalled connection.
 * `closePage` closes the page without letting a held PUT out: Chromium continues every request still paused by
 * interception when the page's session goes away, to where it was going (checked: disabling interception sends
 * them), so the page's scripts are stopped first (the debugger paused), every request they had started is seen
 * to and redirected, and only then are the page and the server closed. (Aborting the held PUTs instead would be
 * a network error the page reacts to before it closes.)
 * @param {number} letThrough
 */
export async function holdPartPutsAfter(letThrough) {
  /** @type {Set<import("node:net").Socket>} */
  const sockets = new Set();
  const sink = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("data", () => {}); // read everything, answer nothing
    socket.on("error", () => {}); // the page closing resets it
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => sink.listen(0, "127.0.0.1", () => resolve(undefined)));
  sink.unref(); // a test that fails before `stop` must not keep its process alive
  const port = /** @type {import("node:net").AddressInfo} */ (sink.address()).port;
  /** @type {import("puppeteer-core").HTTPRequest[]} */
  const held = [];
  let passed = 0;
  let offered = 0; // requests the page started, so far
  let redirecting = 0; // held PUTs on their way to the sink
  return {
    held,
    /** @param {import("puppeteer-core").HTTPRequest} request @param {SeenRequest | null} seen */
    async intercept(request, seen) {
      offered += 1;
      if (!seen?.partNumber) return false;
      if (passed < letThrough) {
        passed += 1;
        return false;
      }
      seen.held = true;
      held.push(request);
      const url = new URL(request.url());
      url.protocol = "http:";
      url.host = `127.0.0.1:${port}`;
      redirecting += 1;
      try {
        await request.continue({ url: url.href });
      } finally {
        redirecting -= 1;
      }
      return true;
    },
    /** @param {import("puppeteer-core").Page} page */
    async closePage(page) {
      const session = await page.createCDPSession();
      await session.send("Debugger.enable");
      await session.send("Debugger.pause"); // no script of the page runs again, so it starts no request
      // Quiet for half a second, nothing on its way to the sink: every request already started has been seen to.
      const settled = (offeredBefore) => offered === offeredBefore && redirecting === 0;
      for (let before = -1; !settled(before); ) {
        before = offered;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await page.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => sink.close(() => resolve(undefined)));
    },
  };
}
