// Upgate's upload flow for a web page, as one ES module that needs no build step: import it (and
// ./upload-flow.mjs beside it) from a <script type="module">. It runs the very flow `npm run upload` runs
// (client/upload-flow.mjs: batch presign, parallel PUTs, multipart above the maxSinglePutBytes that
// GET /api/services publishes, batched completes, retries of 429 / 5xx / network errors, resuming a multipart
// upload from GET /api/uploads/<uploadId>) over File objects, and reports progress as DOM events:
//
//   const upload = startUpload({ baseUrl, token, shootId, files: input.files });
//   upload.addEventListener("file", (event) => render(event.detail));      // one file: state, bytes, refusal
//   upload.addEventListener("progress", (event) => renderTotal(event.detail)); // every file together
//   const { files, total } = await upload.done;
//
// What this module brings to the flow, behind the small interfaces the flow takes:
//   - the files: File objects (an <input type=file multiple>, an <input webkitdirectory>, a drop); a folder's
//     files are uploaded under their own names (a shoot's keys are flat), dotfiles left out;
//   - the PUT transport: XMLHttpRequest, because fetch reports no upload progress and Chromium streams a request
//     body only over HTTP/2 (so not to `wrangler dev`); the flow's other calls use fetch;
//   - the digests (see `digestBlob`: Web Crypto per part, the whole file only up to a size);
//   - the resume state: localStorage, one entry per file name, per server and shoot.
import { FatalError, UpgateApi, uploadFiles } from "./upload-flow.mjs";

export { ApiError, FatalError, UpgateApi } from "./upload-flow.mjs";

const MiB = 1024 * 1024;

// SHA-256 in a browser. Web Crypto's digest is native and fast (about 1 GB/s) but one-shot: there is no
// incremental digest, so hashing a whole file means holding all of it in memory, and a streaming digest in
// JavaScript would be several times slower than native for the gigabyte files this is for. So:
//   - each part of a multipart upload is hashed with crypto.subtle on its own (at most maxPartBytes in memory,
//     one part at a time); its digest is signed into the part's URL, so the Worker checks every part as it
//     streams it in;
//   - the whole file is hashed only when it is at most this big (every single-PUT file at the default 95 MiB
//     maxSinglePutBytes). Its digest is declared: storage checks a single PUT against it, complete checks the
//     assembled file, and presign finds duplicates (`duplicateOf`). A larger file declares none: its parts are
//     still checked one by one, and the Worker is spared re-reading it at complete (about 20 s of CPU a GiB).
// Outside a secure context (plain http on another host than localhost) crypto.subtle does not exist, and
// nothing is hashed or declared.
export const WHOLE_FILE_DIGEST_MAX_BYTES = 128 * MiB;

const hex = (buffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");

/**
 * SHA-256 of a Blob (a File), as the flow's UploadFile.digest wants it: the whole file's when it is at most
 * `wholeFileMaxBytes`, and given a part size, each part's.
 * @param {Blob} blob
 * @param {number} [partSize]
 * @param {{wholeFileMaxBytes?: number}} [options]
 * @returns {Promise<{sha256?: string, parts?: string[]}>}
 */
export async function digestBlob(blob, partSize = undefined, { wholeFileMaxBytes = WHOLE_FILE_DIGEST_MAX_BYTES } = {}) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return {};
  /** @type {{sha256?: string, parts?: string[]}} */
  const digest = {};
  let whole = null;
  if (blob.size <= wholeFileMaxBytes) {
    whole = await blob.arrayBuffer();
    digest.sha256 = hex(await subtle.digest("SHA-256", whole));
  }
  if (partSize) {
    digest.parts = [];
    for (let start = 0; start < blob.size; start += partSize) {
      const end = Math.min(blob.size, start + partSize);
      const bytes = whole ? new Uint8Array(whole, start, end - start) : await blob.slice(start, end).arrayBuffer();
      digest.parts.push(hex(await subtle.digest("SHA-256", bytes)));
    }
  }
  return digest;
}

// ---------------------------------------------------------------------------------------------------------
// The PUT transport: XMLHttpRequest, for its upload progress events.

// A request body (a slice of a File) -> the flow's onBytes for it.
const progressOf = new WeakMap();

// Headers a script may not set (the browser sets them; XHR logs an error for each one tried).
const FORBIDDEN_HEADERS = new Set(["content-length", "host", "connection", "expect", "keep-alive", "transfer-encoding"]);

function responseHeaders(raw) {
  const headers = new Headers();
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const at = line.indexOf(":");
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

/**
 * fetch's shape over XMLHttpRequest: resolves to a Response (its headers are those CORS exposes, ETag among
 * them), rejects with a TypeError on a network error and an AbortError when the signal aborts. A body that
 * `fileBody` made reports its bytes as the browser sends them.
 * @param {string | URL} url
 * @param {{method?: string, headers?: Record<string, string>, body?: any, signal?: AbortSignal}} [init]
 * @returns {Promise<Response>}
 */
export function xhrFetch(url, { method = "GET", headers = {}, body = null, signal = undefined } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException("The upload was stopped.", "AbortError"));
    const xhr = new XMLHttpRequest();
    xhr.open(method, String(url));
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    const onBytes = body ? progressOf.get(body) : undefined;
    let reported = 0;
    const report = (loaded) => {
      if (onBytes && loaded > reported) {
        onBytes(loaded - reported);
        reported = loaded;
      }
    };
    if (onBytes) xhr.upload.onprogress = (event) => report(event.loaded);
    const onAbort = () => xhr.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    xhr.onloadend = () => signal?.removeEventListener("abort", onAbort);
    xhr.onload = () => {
      report(body?.size ?? 0); // the last progress event may not have come
      const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304;
      resolve(new Response(empty ? null : xhr.responseText, { status: xhr.status, statusText: xhr.statusText, headers: responseHeaders(xhr.getAllResponseHeaders()) }));
    };
    xhr.onerror = () => reject(new TypeError(`network error: ${method} ${String(url).split("?")[0]}`));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new DOMException("The upload was stopped.", "AbortError"));
    xhr.send(body);
  });
}

// Bytes [start, end) of a file as a request body whose sending xhrFetch reports to onBytes.
function fileBody(file, start, end, onBytes) {
  const blob = file.slice(start, end);
  progressOf.set(blob, onBytes);
  return blob;
}

// ---------------------------------------------------------------------------------------------------------
// The resume state, in localStorage.

/**
 * The flow's ResumeState in Web Storage: one JSON document per server and shoot, entries by file name (size,
 * lastModified, SHA-256, upload id, part size, completed). After a reload, or in another tab of the same
 * browser, the same files resume: completed ones are skipped, a multipart upload sends only its missing parts.
 * @param {{baseUrl: string, shootId: string, storage?: Storage, prefix?: string}} options
 */
export function localStorageState({ baseUrl, shootId, storage = globalThis.localStorage, prefix = "upgate-upload" }) {
  const key = `${prefix}:${baseUrl.replace(/\/+$/, "")} ${shootId}`;
  let files = {};
  try {
    const saved = JSON.parse(storage?.getItem(key) ?? "null");
    if (saved && typeof saved.files === "object") files = saved.files;
  } catch {
    files = {}; // unreadable: start without it; asking again with the same declaration finds the same upload
  }
  let dirty = false;
  return {
    key,
    /** @param {string} name */
    get: (name) => files[name],
    /** @param {string} name @param {any} entry */
    set(name, entry) {
      files[name] = entry;
      dirty = true;
    },
    save() {
      if (!dirty) return;
      try {
        storage?.setItem(key, JSON.stringify({ updatedAt: new Date().toISOString(), files }));
        dirty = false;
      } catch {
        // Storage full or refused (private mode): resuming then relies on the server's "asking again is safe".
      }
    },
  };
}

// A state that forgets everything when the page goes: pass `state: memoryState()` not to use localStorage.
export function memoryState() {
  const files = new Map();
  return { get: (name) => files.get(name), set: (name, entry) => files.set(name, entry), save() {} };
}

// ---------------------------------------------------------------------------------------------------------
// Choosing the files.

/**
 * @typedef {object} Chosen
 * @property {File} file
 * @property {string} path where it was picked: `webkitRelativePath` of a folder's file, else its name
 */

/**
 * What to upload from an <input>'s FileList, a drop's files, or {file, path} pairs (for the files of a dropped
 * folder, whose File objects carry no webkitRelativePath). A shoot's object keys are flat
 * (`shoots/<shootId>/<filename>`), so a folder's files, subfolders included, go up under their own names:
 * dotfiles and anything inside a dot-folder are left out, and a second file with a name already chosen is
 * refused (`duplicate_name`) rather than overwrite the first.
 * @param {Iterable<File | Chosen> | ArrayLike<File | Chosen>} items
 * @returns {{chosen: Chosen[], leftOut: {path: string, reason: string}[], duplicates: {chosen: Chosen, first: string, error: {code: string, message: string}}[]}}
 */
export function chooseFiles(items) {
  const chosen = [];
  const leftOut = [];
  const duplicates = [];
  const first = new Map();
  for (const item of Array.from(items)) {
    const file = item instanceof Blob ? item : item.file;
    const path = (item instanceof Blob ? file.webkitRelativePath : item.path) || file.name;
    const segments = path.split("/").filter(Boolean);
    // The picked folder itself (the first segment of a relative path) may be named anything.
    if (segments.slice(segments.length > 1 ? 1 : 0).some((segment) => segment.startsWith("."))) {
      leftOut.push({ path, reason: "a dotfile, or inside a dot-folder" });
      continue;
    }
    const entry = { file, path };
    if (first.has(file.name)) {
      const message = `Another file chosen has this name (${first.get(file.name)}); a shoot holds one file per name.`;
      duplicates.push({ chosen: entry, first: first.get(file.name), error: { code: "duplicate_name", message } });
    }
    else {
      first.set(file.name, path);
      chosen.push(entry);
    }
  }
  return { chosen, leftOut, duplicates };
}

// ---------------------------------------------------------------------------------------------------------
// The upload.

/**
 * One file as the events describe it.
 * @typedef {object} FileProgress
 * @property {string} name the file name, which is its name in the shoot
 * @property {string} path where it was picked (folder/sub/name for a folder's file)
 * @property {number} size
 * @property {string} contentType the type its extension stands for (GET /api/services `extensions`)
 * @property {boolean} multipart goes up in parts (larger than maxSinglePutBytes)
 * @property {"waiting" | "hashing" | "uploading" | "completing" | "uploaded" | "already uploaded" | "skipped" | "refused" | "failed" | "interrupted" | "left out"} state
 * @property {number} bytes bytes stored or on their way (a resumed upload starts at what is stored)
 * @property {number} [partCount] multipart: its parts
 * @property {number} [partsDone] multipart: parts stored (before this run included)
 * @property {Record<number, string>} [partEtags] multipart: the ETag each part PUT answered in this run
 * @property {string | null} [etag] a single PUT: the ETag its PUT answered
 * @property {number} [resumedParts] multipart: parts found stored when it resumed
 * @property {string} [uploadId]
 * @property {string} [duplicateOf] the shoot holds this content under that key already (uploaded anyway)
 * @property {string} [reason] why it was refused, failed or left out, in a sentence
 * @property {any} [error] refused: Upgate's error (`code`, `message`, `rule` for a name, ...)
 * @property {string[]} notes
 */

/**
 * Every file together.
 * @typedef {object} TotalProgress
 * @property {"starting" | "uploading" | "done" | "stopped"} state
 * @property {number} files
 * @property {number} bytes the bytes of every file to upload
 * @property {number} bytesDone stored or on their way
 * @property {Record<string, number>} counts files per final state
 * @property {number} startedAt epoch ms
 * @property {string} [reason] stopped: why
 */

const FINAL = { uploaded: "uploaded", "already uploaded": "already uploaded", skipped: "skipped", interrupted: "interrupted" };

export class BrowserUpload extends EventTarget {
  constructor() {
    super();
    /** @type {Map<string, FileProgress>} by path */
    this.files = new Map();
    /** @type {TotalProgress} */
    this.total = { state: "starting", files: 0, bytes: 0, bytesDone: 0, counts: {}, startedAt: Date.now() };
    this.controller = new AbortController();
    /** @type {Promise<{files: FileProgress[], total: TotalProgress}>} */
    this.done = Promise.resolve({ files: [], total: this.total });
  }

  // Stops: no new transfer starts, those in flight are aborted; what was already PUT is still completed.
  abort() {
    this.controller.abort();
  }

  /** @param {string} type @param {any} detail */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/**
 * Uploads files to a shoot, in the background; returns at once. Listen for `file` (a FileProgress),
 * `progress` (the TotalProgress), `retry` ({what, attempt, delayMs, reason}) and `shoot` ({shootId, created});
 * `done` resolves when every file has its final state, and rejects with a FatalError (its message says why:
 * the token was refused, the server cannot be reached, the shoot is someone else's) when the run had to stop.
 * @param {object} options
 * @param {string} options.baseUrl Upgate's origin, e.g. location.origin
 * @param {string} options.token a bearer JWT
 * @param {string} options.shootId
 * @param {Iterable<File | Chosen> | ArrayLike<File | Chosen>} options.files
 * @param {boolean} [options.createShoot] create the shoot when it does not exist yet (default true), as the CLI does
 * @param {number} [options.concurrency] PUTs at once (default 4)
 * @param {number} [options.partSize] requested part size (default the server's defaultPartBytes)
 * @param {number} [options.wholeFileDigestMaxBytes] see WHOLE_FILE_DIGEST_MAX_BYTES
 * @param {any} [options.state] the resume state (default localStorageState for this server and shoot)
 * @param {AbortSignal} [options.signal] stops the upload, as abort() does
 * @param {typeof fetch} [options.fetch] for the API calls (default fetch)
 * @param {typeof import("./upload-flow.mjs").RETRY_DEFAULTS} [options.retry]
 * @returns {BrowserUpload}
 */
export function startUpload(options) {
  const upload = new BrowserUpload();
  upload.done = run(upload, options);
  upload.done.catch(() => {}); // reported through `done` and the events; never an unhandled rejection
  return upload;
}

async function run(upload, options) {
  await null; // the first events go out once the caller, who has just been given `upload`, is listening
  const { baseUrl, token, shootId, createShoot = true, concurrency = 4, partSize, wholeFileDigestMaxBytes = WHOLE_FILE_DIGEST_MAX_BYTES } = options;
  const signal = options.signal ? AbortSignal.any([options.signal, upload.controller.signal]) : upload.controller.signal;
  const total = upload.total;
  const byName = new Map(); // file name -> FileProgress, for the flow's events
  // The totals count the bytes of every file but those refused or left out.
  const progressed = () => {
    Object.assign(total, { bytes: 0, bytesDone: 0, counts: {} });
    for (const file of upload.files.values()) {
      total.counts[file.state] = (total.counts[file.state] ?? 0) + 1;
      if (file.state === "refused" || file.state === "left out") continue;
      total.bytes += file.size;
      total.bytesDone += file.bytes;
    }
    upload.emit("progress", { ...total });
  };
  const changed = (entry, { quiet = false } = {}) => {
    upload.emit("file", { ...entry, notes: [...entry.notes] });
    if (!quiet) progressed();
  };
  const settle = (entry, state, patch = {}) => {
    Object.assign(entry, patch, { state });
    changed(entry);
  };

  // The files, before anything is sent: left out, duplicates, the rest waiting.
  const { chosen, leftOut, duplicates } = chooseFiles(options.files);
  const describe = ({ file, path }) => ({ name: file.name, path, size: file.size, contentType: file.type, multipart: false, state: "waiting", bytes: 0, notes: [] });
  for (const { path, reason } of leftOut) {
    const name = path.split("/").pop();
    upload.files.set(path, { name, path, size: 0, contentType: "", multipart: false, state: "left out", bytes: 0, reason, notes: [] });
  }
  for (const { chosen: entry, error } of duplicates) {
    upload.files.set(entry.path, { ...describe(entry), state: "refused", reason: error.message, error });
  }
  for (const entry of chosen) {
    const progress = describe(entry);
    upload.files.set(entry.path, progress);
    byName.set(entry.file.name, progress);
  }
  total.files = chosen.length;
  for (const entry of upload.files.values()) changed(entry, { quiet: true });
  progressed();

  // Every file not done yet is interrupted, with the reason.
  const interruptAll = (reason) => {
    total.state = "stopped";
    total.reason = reason;
    for (const entry of byName.values()) {
      if (!(entry.state in FINAL) && !["refused", "failed"].includes(entry.state)) settle(entry, "interrupted", { reason });
    }
    progressed();
  };

  const api = new UpgateApi({
    baseUrl,
    token,
    signal,
    fetch: options.fetch,
    retry: options.retry,
    onRetry: (info) => upload.emit("retry", info),
  });
  try {
    const services = await api.services();
    if (createShoot) upload.emit("shoot", await ensureShoot(api, shootId));
    const maxSinglePut = services.caller?.limits?.maxSinglePutBytes ?? services.maxSinglePutBytes ?? Infinity;
    const extensions = services.extensions ?? {};
    const files = chosen.map(({ file }) => {
      const entry = byName.get(file.name);
      const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? "";
      // The type presign expects is the one the extension stands for; a name the server refuses is refused there.
      entry.contentType = extensions[extension] ?? (file.type || "application/octet-stream");
      entry.multipart = file.size > maxSinglePut;
      return {
        name: file.name,
        size: file.size,
        mtimeMs: file.lastModified,
        contentType: entry.contentType,
        multipart: entry.multipart,
        digest: async (size) => {
          settle(entry, "hashing");
          try {
            return await digestBlob(file, size, { wholeFileMaxBytes: wholeFileDigestMaxBytes });
          } finally {
            if (entry.state === "hashing") settle(entry, "waiting");
          }
        },
        body: (start, end, onBytes) => fileBody(file, start, end, onBytes),
      };
    });
    total.state = "uploading";
    progressed();
    const onEvent = (event) => {
      const entry = byName.get(event.type === "file" ? event.name : event.file);
      if (!entry) return;
      switch (event.type) {
        case "bytes":
          entry.bytes += event.sent;
          if (entry.state === "waiting" || entry.state === "hashing") entry.state = "uploading";
          changed(entry);
          break;
        case "resume":
          entry.bytes += event.bytes;
          entry.partCount = event.partCount;
          entry.partsDone = event.stored;
          entry.resumedParts = event.stored;
          changed(entry);
          break;
        case "part":
          entry.partCount = event.partCount;
          entry.partsDone = (entry.partsDone ?? 0) + 1;
          entry.partEtags = { ...entry.partEtags, [event.partNumber]: event.etag };
          settle(entry, entry.partsDone >= event.partCount ? "completing" : "uploading");
          break;
        case "put":
          settle(entry, "completing", { etag: event.etag });
          break;
        case "note":
          entry.notes.push(event.message);
          changed(entry);
          break;
        case "file": {
          const patch = { uploadId: event.uploadId, ...(event.duplicateOf ? { duplicateOf: event.duplicateOf } : {}) };
          if (event.result in FINAL) {
            const done = event.result !== "interrupted";
            settle(entry, FINAL[event.result], { ...patch, bytes: done ? entry.size : entry.bytes, ...(event.reason ? { reason: event.reason } : {}) });
          } else if (event.error) {
            settle(entry, "refused", { ...patch, bytes: 0, reason: event.error.message ?? event.reason, error: event.error });
          } else {
            settle(entry, "failed", { ...patch, reason: event.reason });
          }
          break;
        }
        default:
          break;
      }
    };
    await uploadFiles({
      api,
      shootId,
      files,
      services,
      concurrency,
      partSize,
      state: options.state ?? localStorageState({ baseUrl, shootId }),
      emit: onEvent,
      signal,
      fetch: /** @type {typeof fetch} */ (/** @type {unknown} */ (xhrFetch)),
    });
  } catch (error) {
    // Stopped by the caller before the transfers began: that is an interrupted run, not a failure.
    if (signal.aborted && !(error instanceof FatalError)) {
      interruptAll("stopped");
      return { files: [...upload.files.values()], total: { ...total } };
    }
    const fatal = error instanceof FatalError ? error : new FatalError(String(error?.message ?? error));
    interruptAll(fatal.message);
    throw fatal;
  }
  total.state = signal.aborted ? "stopped" : "done";
  if (signal.aborted) total.reason = "stopped";
  progressed();
  return { files: [...upload.files.values()], total: { ...total } };
}

/**
 * The shoot must be the caller's (or the caller an admin); one that does not exist yet is created, as
 * `npm run upload` does. Resolves to {shootId, created}; rejects with a FatalError.
 * @param {UpgateApi} api
 * @param {string} shootId
 */
export async function ensureShoot(api, shootId) {
  const shoot = await api.shoot(shootId);
  if (shoot.status === 200) return { shootId, created: false, shoot: shoot.body };
  if (shoot.status === 403) throw new FatalError(`shoot ${shootId} belongs to someone else (403 not_shoot_owner)`);
  if (shoot.status !== 404) throw new FatalError(`GET /api/shoots/${shootId}: ${shoot.status} ${shoot.body?.error?.code ?? ""}`.trim());
  const created = await api.createShoot(shootId);
  if (created.status === 201) return { shootId, created: true, shoot: created.body };
  if (created.status === 409) return { shootId, created: false };
  const error = created.body?.error ?? {};
  throw new FatalError(`cannot create shoot ${shootId}: ${created.status} ${error.code ?? ""}${error.message ? ` (${error.message})` : ""}`);
}

// ---------------------------------------------------------------------------------------------------------
// After the upload: processing, and the thumbnails it makes.

const pause = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DOMException("stopped", "AbortError"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(new DOMException("stopped", "AbortError"))), { once: true });
  });

/**
 * Waits until the shoot's processing (metadata, previews) has settled for the named files: polls
 * GET /api/shoots/<shootId>/assets (every second at first, then less often) until each one's `processing` is no
 * longer `pending`, and presigns a download of its `previews.thumb` (POST /api/downloads/presign). Calls
 * onAsset({asset, thumbUrl}) for each as it settles (thumbUrl null when it has no thumbnail: skipped or
 * failed, see asset.processingReason). Resolves to a Map filename -> {asset, thumbUrl} of those that settled
 * before timeoutMs.
 * @param {object} options
 * @param {string} options.baseUrl
 * @param {string} options.token
 * @param {string} options.shootId
 * @param {string[]} options.filenames
 * @param {(settled: {asset: any, thumbUrl: string | null}) => void} [options.onAsset]
 * @param {number} [options.timeoutMs] default 120 s
 * @param {AbortSignal} [options.signal]
 * @param {typeof fetch} [options.fetch]
 */
export async function waitForPreviews({ baseUrl, token, shootId, filenames, onAsset = () => {}, timeoutMs = 120_000, signal, fetch: fetchFn }) {
  const api = new UpgateApi({ baseUrl, token, signal, fetch: fetchFn });
  const wanted = new Set(filenames);
  const settled = new Map();
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1000; settled.size < wanted.size; wait = Math.min(5000, Math.round(wait * 1.5))) {
    const fresh = (await api.assets(shootId)).filter(
      (asset) => wanted.has(asset.filename) && !settled.has(asset.filename) && asset.processing !== "pending",
    );
    const thumbs = fresh.map((asset) => asset.previews?.thumb).filter(Boolean);
    const urls = new Map();
    for (let i = 0; i < thumbs.length; i += 100) {
      const answer = await api.ok("POST", "/api/downloads/presign", { shootId, keys: thumbs.slice(i, i + 100) }, { what: "presign downloads" });
      for (const download of answer.downloads ?? []) if (download.url) urls.set(download.key, download.url);
    }
    for (const asset of fresh) {
      const result = { asset, thumbUrl: urls.get(asset.previews?.thumb) ?? null };
      settled.set(asset.filename, result);
      onAsset(result);
    }
    if (settled.size >= wanted.size || Date.now() + wait > deadline) break;
    await pause(wait, signal);
  }
  return settled;
}
