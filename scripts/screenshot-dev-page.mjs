// Makes docs/images/dev-upload-page.png, the README's picture of the development upload page (GET /dev/upload):
// starts the real Worker in workerd (as the tests do, tests/worker/harness.js, development configuration), makes a
// few photos with ImageMagick, and in Debian's Chromium uploads them through the page as a person would (token,
// shoot, Choose files, Upload), one of them badly named; once every thumbnail is shown, it takes the screenshot.
//   node scripts/screenshot-dev-page.mjs [--out <file.png>]
// Needs what `npm run dev` installs (the wasm build, the npm packages, ImageMagick, chromium).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { launchChromium } from "../tests/browser/chromium.js";
import { fillIn, makePhoto, openDevPage, pickAndUpload, settledRows } from "../tests/browser/dev-page-driver.js";
import { startWorker } from "../tests/worker/harness.js";
import { hs256Token, today } from "../tests/worker/tokens.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { out: { type: "string", default: path.join(ROOT, "docs/images/dev-upload-page.png") } } });
const out = path.resolve(values.out);
const SHOOT = "smith-wedding";

process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";

const work = await mkdtemp(path.join(tmpdir(), "upgate-screenshot-"));
const worker = await startWorker();
const browser = await launchChromium(path.join(work, "profile"));
try {
  const photos = path.join(work, "photos");
  await mkdir(photos);
  const name = (sequence, variant = null) => `${SHOOT}_${today()}_${sequence}${variant ? `_${variant}` : ""}.jpg`;
  const files = [
    makePhoto(photos, name("0001"), { width: 1800, height: 1200, seed: 11, colors: "#f4c27a-#b4473b" }),
    makePhoto(photos, name("0002"), { width: 1200, height: 1800, seed: 23, colors: "#8fc7e8-#2b4c7e" }),
    makePhoto(photos, name("0003", "edit"), { width: 1800, height: 1200, seed: 37, colors: "#cfe3b4-#3f6b35" }),
    makePhoto(photos, name("0004", "bw"), { width: 1800, height: 1200, seed: 41, colors: "#eeeeee-#333333", gray: true }),
    makePhoto(photos, "IMG_0042.JPG", { width: 1800, height: 1200, seed: 5, colors: "#e7b6d0-#6a3d8f" }),
  ];
  const token = await hs256Token(worker.bindings.JWT_SECRET, { sub: "alice", expiresIn: "10m" });

  const context = await browser.createBrowserContext();
  const opened = await openDevPage(context, worker.url);
  await opened.page.setViewport({ width: 1120, height: 900, deviceScaleFactor: 1 });
  await fillIn(opened.page, { token, shootId: SHOOT });
  await pickAndUpload(opened.page, files);
  const rows = await settledRows(opened.page);
  const uploaded = rows.filter((row) => row.state === "uploaded" && row.thumb?.width);
  if (uploaded.length !== 4 || !rows.some((row) => row.state === "refused")) {
    throw new Error(`the page did not end as expected: ${JSON.stringify(rows, null, 2)}`);
  }
  if (opened.consoleErrors.length) throw new Error(`the page logged errors: ${opened.consoleErrors.join("; ")}`);
  await mkdir(path.dirname(out), { recursive: true });
  await opened.page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${path.relative(process.cwd(), out)}: ${rows.length} rows, ${uploaded.length} with thumbnails`);
} finally {
  await browser.close();
  await worker.dispose();
  await rm(work, { recursive: true, force: true });
}
