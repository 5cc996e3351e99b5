// The browser side of browser-module.test.js, loaded as it is (no bundling) by a page on another origin than the
// Worker, with client/upload-browser.mjs and client/upload-flow.mjs served beside it, unchanged.
// window.runBrowserUpload(options) fetches the test's files, hands them to startUpload as File objects and
// resolves with what the module reported: every `file`, `progress` and `retry` event and the outcome (or the
// error). A timeout is part of that record, never a rejection.
import { chooseFiles, startUpload } from "../../client/upload-browser.mjs";

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// A file of the test: its bytes from /files/<name> (or none: an empty dotfile), as a File with a fixed
// lastModified, picked on its own or from a folder ({file, path}, as the page does for a dropped folder).
async function pick({ name, url, lastModified, path }) {
  const bytes = url ? await (await fetch(url)).arrayBuffer() : new ArrayBuffer(16);
  const file = new File([bytes], name, { lastModified });
  return path ? { file, path } : file;
}

const slim = ({ name, path, state, bytes, size, partsDone, partCount, resumedParts, etag, partEtags, error, reason, uploadId, multipart, contentType }) => ({
  name, path, state, bytes, size, partsDone, partCount, resumedParts, etag, partEtags, error, reason, uploadId, multipart, contentType,
});

/** @type {any} */ (window).runBrowserUpload = async ({ workerUrl, token, shootId, files, partSize, concurrency, timeoutMs }) => {
  const record = { fileEvents: [], totals: [], retries: [], shoot: null, outcome: null, error: undefined };
  try {
    const picked = await Promise.all(files.map(pick));
    const upload = startUpload({ baseUrl: workerUrl, token, shootId, files: picked, partSize, concurrency });
    const on = (type, listener) => upload.addEventListener(type, (event) => listener(/** @type {CustomEvent} */ (event).detail));
    on("file", (detail) => record.fileEvents.push(slim(detail)));
    on("progress", (detail) => record.totals.push(detail));
    on("retry", (detail) => record.retries.push(detail));
    on("shoot", ({ shootId: id, created }) => (record.shoot = { shootId: id, created }));
    const outcome = await withTimeout(upload.done, timeoutMs, "upload.done");
    record.outcome = { files: outcome.files.map(slim), total: outcome.total };
  } catch (error) {
    record.error = String(error?.stack ?? error);
  }
  return record;
};

// chooseFiles over {file, path} pairs: what a folder's selection comes to.
/** @type {any} */ (window).chooseBrowserFiles = (paths) => {
  const { chosen, leftOut, duplicates } = chooseFiles(paths.map((path) => ({ file: new File(["x"], path.split("/").pop()), path })));
  return {
    chosen: chosen.map((item) => item.path),
    leftOut: leftOut.map((item) => item.path),
    duplicates: duplicates.map((item) => ({ path: item.chosen.path, first: item.first })),
  };
};
