// The upload flow of a whole folder (or any list of files) against Upgate, independent of where the bytes come
// from: batch presign, parallel PUTs, multipart above maxSinglePutBytes, batched completes, retries and
// resuming. It uses only fetch, AbortController and timers, and imports nothing, so a browser runs it as it is;
// the caller brings the files (a digest and a body per file), the resume state and a listener for progress
// events. client/upload-cli.mjs is the Node command (`npm run upload`) built on it, client/upload-browser.mjs the
// browser module (File objects, XMLHttpRequest for upload progress, localStorage for the resume state).

/**
 * A file to upload, as the caller describes it. `digest(partSize)` streams the file once and resolves to its
 * SHA-256 (hex) and, given a part size, the SHA-256 of each part; either may be left out (the browser module
 * hashes a whole file only up to a size, client/upload-browser.mjs), and what is left out is not declared.
 * `body(start, end, onBytes)` is a fresh request body for bytes [start, end), calling onBytes(n) as the
 * transport reads them (or, for a transport that reports its own progress, as it reports it: the `fetch` given
 * to uploadFiles carries the PUTs).
 * @typedef {object} UploadFile
 * @property {string} name the file name (the object key's last segment)
 * @property {number} size bytes
 * @property {number} mtimeMs last modification, for the resume state's cheap check
 * @property {string} contentType
 * @property {boolean} multipart larger than one PUT may carry
 * @property {(partSize?: number) => Promise<{sha256?: string, parts?: string[]}>} digest
 * @property {(start: number, end: number, onBytes: (n: number) => void) => any} body
 */

/**
 * What the flow remembers between runs, per file name (client/resume-state.mjs keeps it in a JSON file).
 * @typedef {object} ResumeEntry
 * @property {number} size
 * @property {number} mtimeMs
 * @property {string} [sha256]
 * @property {string} [uploadId]
 * @property {boolean} [multipart]
 * @property {number} [partSize]
 * @property {boolean} [completed]
 * @property {string} [completedAt]
 */

/**
 * @typedef {object} ResumeState
 * @property {(name: string) => ResumeEntry | undefined} get
 * @property {(name: string, entry: ResumeEntry) => void} set
 * @property {() => void} save write now (after an upload id is learnt, after completions)
 */

/**
 * One file's outcome.
 * @typedef {object} FileResult
 * @property {string} name
 * @property {number} size
 * @property {"uploaded" | "already uploaded" | "skipped" | "failed" | "interrupted"} result
 * @property {string} [reason] why it failed
 * @property {any} [error] when presign or the multipart create refused the file: the server's error object
 *   (`code`, `message`, and details such as the naming `rule`)
 * @property {number} ms time from its first byte read to its completion
 * @property {string} [uploadId]
 * @property {string} [duplicateOf] the shoot already held this content under that key
 * @property {number} [parts] multipart: its part count
 */

export const RETRY_DEFAULTS = Object.freeze({
  attempts: 6, // per request, the first try included, for network errors and 5xx
  rateLimitedAttempts: 30, // 429s honour Retry-After and have their own, larger cap
  baseMs: 500, // the first backoff; doubled each attempt
  maxMs: 30_000, // no single wait is longer
  requestTimeoutMs: 60_000, // an API call that takes longer counts as a network error
});

// The most presign takes in one batch, and how much a batch may declare (so URLs are used well before they
// expire and hashing a batch takes seconds, not minutes).
const MAX_BATCH_FILES = 100;
const MAX_BATCH_BYTES = 1024 * 1024 * 1024;
const MAX_PARTS_PER_SIGN = 100;
const MAX_COMPLETE_BATCH = 100;
// A URL with less validity left than this is signed again before its PUT starts.
const URL_MARGIN_MS = 30_000;

export class ApiError extends Error {
  /** @param {number} status @param {any} body @param {string} what */
  constructor(status, body, what) {
    const error = body?.error ?? {};
    super(`${what}: ${status} ${error.code ?? ""}${error.message ? ` (${error.message})` : ""}`.trim());
    this.status = status;
    this.code = error.code ?? `http_${status}`;
    this.body = body;
  }
}

// Stops the whole run: the token was refused, the shoot is someone else's, the server cannot be reached.
export class FatalError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    /** @type {FileResult[] | undefined} each file's outcome, when the run had started */
    this.results = undefined;
  }
}

export class InterruptedError extends Error {
  constructor() {
    super("interrupted");
  }
}

// Each waiter listens on a signal of its own that follows the run's (AbortSignal.any keeps no listener on its
// sources), so hundreds of waits and requests at once never pile listeners on one signal.
const own = (signal) => (signal ? AbortSignal.any([signal]) : undefined);

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError());
    const mine = own(signal);
    const timer = setTimeout(() => {
      mine?.removeEventListener("abort", onAbort);
      resolve(undefined);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    mine?.addEventListener("abort", onAbort, { once: true });
  });

// A response's body as text, given up when the run is interrupted. Aborting a fetch while its body is being read
// can leave that read pending for ever with nothing left for Node to wait on, so the process exited mid-run
// (caught by tests/scripts/upload-cli.test.js under load): the read is raced against the signal instead.
function bodyText(response, signal) {
  if (!signal) return response.text();
  return new Promise((resolve, reject) => {
    const mine = own(signal);
    const onAbort = () => {
      response.body?.cancel().catch(() => {});
      reject(new InterruptedError());
    };
    if (mine.aborted) return onAbort();
    mine.addEventListener("abort", onAbort, { once: true });
    response
      .text()
      .then(resolve, reject)
      .finally(() => mine.removeEventListener("abort", onAbort));
  });
}

// Exponential backoff with jitter: base·2^(attempt-1), capped, then a random point in its upper half.
export function backoffMs(attempt, { baseMs, maxMs } = RETRY_DEFAULTS) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

// Retry-After in seconds or as an HTTP date; null when absent or unreadable.
export function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const retryableStatus = (status) => status === 429 || status >= 500;

/**
 * Runs attempt() until it answers something that is not worth retrying. attempt resolves to a Response (or
 * throws: a network error). Network errors and 5xx are retried `attempts` times in all with exponential
 * backoff and jitter; 429 waits Retry-After (plus jitter) and has its own cap. Resolves to the last Response;
 * rejects with the last network error when attempts ran out.
 * @param {() => Promise<Response>} attempt
 * @param {{signal?: AbortSignal, retry?: typeof RETRY_DEFAULTS, onRetry?: (info: object) => void, what: string}} options
 */
export async function withRetries(attempt, { signal, retry = RETRY_DEFAULTS, onRetry = () => {}, what }) {
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    if (signal?.aborted) throw new InterruptedError();
    let response;
    let error;
    try {
      response = await attempt();
    } catch (caught) {
      if (signal?.aborted) throw new InterruptedError();
      if (caught instanceof InterruptedError || caught instanceof FatalError || caught instanceof ApiError) throw caught;
      error = caught;
    }
    if (response && !retryableStatus(response.status)) return response;
    let delay;
    let reason;
    if (response?.status === 429) {
      rateLimited += 1;
      if (rateLimited >= retry.rateLimitedAttempts) return response;
      const after = retryAfterMs(response.headers.get("retry-after"));
      delay = (after ?? backoffMs(rateLimited, retry)) + Math.round(Math.random() * 250);
      reason = "429 rate_limited";
    } else {
      failures += 1;
      if (failures >= retry.attempts) {
        if (response) return response;
        throw error;
      }
      delay = backoffMs(failures, retry);
      reason = response ? `${response.status}` : describeNetworkError(error);
    }
    if (response) await response.body?.cancel().catch(() => {});
    onRetry({ what, attempt: failures + rateLimited + 1, delayMs: delay, reason });
    await sleep(delay, signal);
  }
}

// "fetch failed: connect ECONNREFUSED 127.0.0.1:8787": undici puts the reason in the error's cause.
export function describeNetworkError(error) {
  const message = error?.message ?? String(error);
  const cause = error?.cause?.errors?.[0] ?? error?.cause;
  const detail = cause?.message ?? cause?.code ?? "";
  return detail && !message.includes(detail) ? `${message}: ${detail}` : message;
}

// The client's picture of its rate-limit bucket (contract section 7), from the X-RateLimit-* headers of the
// latest answer, refilled continuously as the server's is. Requests wait here for their tokens instead of
// spending a round trip on a 429; the server still decides, and a 429 is still honoured.
export class RateBudget {
  constructor() {
    this.limit = null;
    this.tokens = 0;
    this.at = 0;
  }

  /** @param {Headers} headers */
  observe(headers) {
    const limit = Number(headers.get("x-ratelimit-limit"));
    const remaining = Number(headers.get("x-ratelimit-remaining"));
    if (!Number.isFinite(limit) || limit <= 0 || headers.get("x-ratelimit-remaining") === null) return;
    this.limit = limit;
    this.tokens = Math.max(0, remaining);
    this.at = Date.now();
  }

  available(now = Date.now()) {
    if (this.limit === null) return Infinity;
    return Math.min(this.limit, this.tokens + ((now - this.at) * this.limit) / 60_000);
  }

  // Waits until `cost` tokens are there (at most the bucket's size), then takes them.
  async take(cost, signal) {
    if (this.limit === null) return;
    const need = Math.min(cost, this.limit);
    for (;;) {
      const now = Date.now();
      const have = this.available(now);
      if (have >= need) {
        this.tokens = have - need;
        this.at = now;
        return;
      }
      await sleep(Math.ceil(((need - have) * 60_000) / this.limit) + 20, signal);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The API, over fetch, with retries and the rate budget.

export class UpgateApi {
  /**
   * @param {object} options
   * @param {string} options.baseUrl e.g. http://127.0.0.1:8787
   * @param {string} [options.token] a bearer JWT
   * @param {typeof fetch} [options.fetch]
   * @param {AbortSignal} [options.signal] aborts every request (Ctrl-C)
   * @param {(info: object) => void} [options.onRetry]
   * @param {typeof RETRY_DEFAULTS} [options.retry]
   */
  constructor({ baseUrl, token, fetch: fetchFn = globalThis.fetch, signal, onRetry = () => {}, retry = RETRY_DEFAULTS }) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    // Called as a plain function: a browser's fetch throws "Illegal invocation" when called as another object's method.
    this.fetch = (input, init) => fetchFn(input, init);
    this.signal = signal;
    this.onRetry = onRetry;
    this.retry = retry;
    this.budget = new RateBudget();
  }

  /**
   * One API call; resolves to {status, body, headers} whatever the status, after retrying network errors,
   * 5xx and 429. A 401 is fatal: the token is missing, wrong or expired.
   * @param {string} method
   * @param {string} path
   * @param {any} [body]
   * @param {{cost?: number, what?: string, signal?: AbortSignal}} [options]
   */
  async call(method, path, body = undefined, { cost = 1, what = `${method} ${path}`, signal = this.signal } = {}) {
    const headers = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await withRetries(
      async () => {
        await this.budget.take(cost, signal);
        const timeout = AbortSignal.timeout(this.retry.requestTimeoutMs);
        const answer = await this.fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        this.budget.observe(answer.headers);
        return answer;
      },
      { signal, retry: this.retry, onRetry: this.onRetry, what },
    ).catch((error) => {
      if (error instanceof InterruptedError) throw error;
      throw new FatalError(`${what}: cannot reach ${this.baseUrl} (${describeNetworkError(error)})`);
    });
    const text = await bodyText(response, signal);
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { error: { code: "not_json", message: text.slice(0, 200) } };
    }
    if (response.status === 401) {
      throw new FatalError(
        `${what}: 401 ${parsed?.error?.code ?? "invalid_token"}: the token was refused (missing, malformed, expired ` +
          `or signed with another key). For npm run dev: export UPGATE_TOKEN=$(npm run -s token -- alice)`,
      );
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async ok(method, path, body, options = {}) {
    const answer = await this.call(method, path, body, options);
    if (answer.status !== 200 && answer.status !== 201) throw new ApiError(answer.status, answer.body, options.what ?? `${method} ${path}`);
    return answer.body;
  }

  services() {
    return this.ok("GET", "/api/services");
  }

  shoot(shootId) {
    return this.call("GET", `/api/shoots/${encodeURIComponent(shootId)}`);
  }

  createShoot(shootId) {
    return this.call("POST", "/api/shoots", { shootId });
  }

  // Batch presign: one token per file.
  presign(shootId, files) {
    return this.ok("POST", "/api/uploads/presign", { shootId, files }, { cost: files.length, what: "presign" });
  }

  createMultipart(declaration) {
    return this.call("POST", "/api/uploads/multipart", declaration, { what: "multipart create" });
  }

  signParts(uploadId, partNumbers, sha256) {
    const body = { uploadId, partNumbers, ...(sha256 && Object.keys(sha256).length ? { sha256 } : {}) };
    return this.ok("POST", "/api/uploads/multipart/sign", body, { what: "sign parts" });
  }

  upload(uploadId) {
    return this.call("GET", `/api/uploads/${encodeURIComponent(uploadId)}`, undefined, { what: "upload status" });
  }

  complete(uploadIds, options = {}) {
    return this.ok("POST", "/api/uploads/complete", { uploadIds }, { what: "complete", ...options });
  }

  // Every asset of the shoot, following the cursor.
  async assets(shootId) {
    const all = [];
    let cursor = "";
    do {
      const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const page = await this.ok("GET", `/api/shoots/${encodeURIComponent(shootId)}/assets${query}`, undefined, {
        what: "assets",
      });
      all.push(...(page.assets ?? []));
      cursor = page.cursor ?? "";
    } while (cursor);
    return all;
  }
}

/**
 * A PUT of bytes to a presigned URL, with exactly the headers the answer listed and a fresh body per attempt.
 * Resolves to {status, body, headers}.
 */
async function putBytes(fetchFn, url, headers, makeBody, { signal, retry, onRetry, what }) {
  const response = await withRetries(
    () => fetchFn(url, { method: "PUT", headers, body: makeBody(), duplex: "half", signal: own(signal) }),
    { signal, retry, onRetry, what },
  );
  const text = await bodyText(response, signal);
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: { code: `http_${response.status}`, message: text.slice(0, 200) } };
  }
  return { status: response.status, body, headers: response.headers };
}

// ---------------------------------------------------------------------------------------------------------
// The work queue the transfer workers share: single-file PUTs and part PUTs.

class JobQueue {
  constructor() {
    this.jobs = [];
    this.waiters = [];
    this.lowWaiters = [];
    this.producers = 0;
  }

  push(job) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(job);
    else this.jobs.push(job);
  }

  next() {
    if (this.jobs.length > 0) {
      const job = this.jobs.shift();
      this.wakeLow();
      return Promise.resolve(job);
    }
    if (this.producers === 0) return Promise.resolve(null);
    this.wakeLow();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  // Resolves once fewer than n jobs wait (producers prepare more only then, so URLs stay fresh).
  below(n) {
    if (this.jobs.length < n) return Promise.resolve();
    return new Promise((resolve) => this.lowWaiters.push({ n, resolve }));
  }

  wakeLow() {
    this.lowWaiters = this.lowWaiters.filter(({ n, resolve }) => (this.jobs.length < n ? (resolve(), false) : true));
  }

  async produce(fn) {
    this.producers += 1;
    try {
      await fn();
    } finally {
      this.producers -= 1;
      if (this.producers === 0 && this.jobs.length === 0) for (const waiter of this.waiters.splice(0)) waiter(null);
    }
  }
}

// Runs fn over items, at most `limit` at a time.
async function eachLimited(items, limit, fn) {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

// The part size a file gets: the requested one, raised so the file has at most maxParts parts, within the
// service's bounds (the server does the same; the answer's partSize is authoritative).
export function partSizeFor(size, requested, multipart) {
  const { minPartBytes = 5 * 1024 * 1024, maxPartBytes = requested, maxParts = 10_000 } = multipart ?? {};
  const raised = Math.max(requested, minPartBytes, Math.ceil(size / maxParts));
  return Math.min(raised, Math.max(maxPartBytes, Math.ceil(size / maxParts)));
}

const partLength = (partNumber, partSize, size) => Math.max(0, Math.min(partSize, size - (partNumber - 1) * partSize));

/**
 * Uploads files to a shoot. Files whose resume entry says completed (same size and mtime) are skipped without
 * asking the server. Resolves to one FileResult per file, in the order given.
 * @param {object} options
 * @param {UpgateApi} options.api
 * @param {string} options.shootId
 * @param {UploadFile[]} options.files already checked (check_files): every one is acceptable
 * @param {any} options.services GET /api/services
 * @param {number} [options.concurrency] PUTs in flight at once
 * @param {number} [options.partSize] requested part size for multipart files
 * @param {ResumeState} options.state
 * @param {(event: object) => void} [options.emit] progress events
 * @param {AbortSignal} [options.signal] stops new transfers and aborts those in flight
 * @param {typeof fetch} [options.fetch]
 */
export async function uploadFiles({
  api,
  shootId,
  files,
  services,
  concurrency = 4,
  partSize: requestedPartSize,
  state,
  emit = () => {},
  signal: userSignal,
  fetch: fetchFn = globalThis.fetch,
}) {
  // A fatal error (the token expired mid-run) stops everything, as Ctrl-C (userSignal) does.
  const abortAll = new AbortController();
  const signal = userSignal ? AbortSignal.any([userSignal, abortAll.signal]) : abortAll.signal;
  // Completions of what was already PUT carry on after Ctrl-C, for a few seconds, so a rerun has less to do.
  const completionStop = new AbortController();
  let fatal = null;
  const stopOn = (error) => {
    if (error instanceof InterruptedError) return;
    if (!fatal) fatal = error instanceof FatalError ? error : new FatalError(error instanceof ApiError ? error.message : String(error?.stack ?? error));
    abortAll.abort();
  };
  const retry = api.retry;
  const onRetry = api.onRetry;
  const multipartLimits = services.multipart ?? {};
  const defaultPartSize = requestedPartSize ?? multipartLimits.defaultPartBytes ?? 16 * 1024 * 1024;
  const batchCap = Math.max(
    1,
    Math.min(MAX_BATCH_FILES, services.caller?.limits?.maxBatchFiles ?? MAX_BATCH_FILES, services.caller?.limits?.requestsPerMinute ?? MAX_BATCH_FILES),
  );
  /** @type {Map<string, FileResult>} */
  const results = new Map();
  const started = new Map();
  const queue = new JobQueue();
  const lowWater = Math.max(2, concurrency * 2);

  const finish = (file, result, extra = {}) => {
    if (results.has(file.name)) return;
    const ms = started.has(file.name) ? Date.now() - started.get(file.name) : 0;
    const outcome = { name: file.name, size: file.size, result, ms, ...extra };
    results.set(file.name, outcome);
    emit({ type: "file", ...outcome });
  };
  const fail = (file, reason, extra = {}) => finish(file, "failed", { reason, ...extra });
  const remember = (file, patch) => {
    const previous = state.get(file.name);
    const same = previous && previous.size === file.size && previous.mtimeMs === file.mtimeMs;
    state.set(file.name, { ...(same ? previous : {}), size: file.size, mtimeMs: file.mtimeMs, ...patch });
  };
  const markCompleted = (file, answer) => {
    remember(file, { completed: true, completedAt: answer?.completedAt, uploadId: answer?.uploadId ?? state.get(file.name)?.uploadId });
  };

  // Skipped: completed in an earlier run, and the file has not changed since (same size and mtime).
  const todo = [];
  for (const file of files) {
    const entry = state.get(file.name);
    if (entry?.completed && entry.size === file.size && entry.mtimeMs === file.mtimeMs) {
      finish(file, "skipped", { uploadId: entry.uploadId });
    } else {
      todo.push(file);
    }
  }
  emit({ type: "plan", files: todo.length, bytes: todo.reduce((sum, file) => sum + file.size, 0), skipped: files.length - todo.length });

  // ---- a name that is already taken: the same bytes (an earlier run without state) or another file ----
  let assetsByName = null;
  const alreadyExists = async (file, sha256) => {
    assetsByName ??= api.assets(shootId).then((assets) => new Map(assets.map((asset) => [asset.filename, asset])));
    const asset = (await assetsByName).get(file.name);
    if (asset && asset.size === file.size && (!asset.sha256 || asset.sha256 === sha256)) {
      markCompleted(file, asset);
      state.save();
      finish(file, "already uploaded");
    } else {
      fail(file, "already_exists: another file is already uploaded under this name (not replaced)");
    }
  };

  // ---- completions, batched ----
  const completer = {
    pending: /** @type {{file: UploadFile, uploadId: string, extra: object}[]} */ ([]),
    timer: null,
    flushing: new Set(),
    add(file, uploadId, extra = {}) {
      this.pending.push({ file, uploadId, extra });
      // A complete spends one rate-limit token per call, however many uploads it completes: while tokens
      // are scarce (presign spends one per file), completions wait to go in bigger batches.
      if (this.pending.length >= MAX_COMPLETE_BATCH) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), api.budget.available() >= 10 ? 250 : 30_000);
    },
    flush() {
      clearTimeout(this.timer);
      this.timer = null;
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_COMPLETE_BATCH);
        const run = this.completeBatch(batch).finally(() => this.flushing.delete(run));
        this.flushing.add(run);
      }
    },
    async completeBatch(batch) {
      let answer;
      try {
        answer = await api.complete(batch.map((item) => item.uploadId), { signal: completionStop.signal });
      } catch (error) {
        for (const { file } of batch) {
          if (error instanceof InterruptedError) finish(file, "interrupted", { reason: "stopped before its completion" });
          else fail(file, `complete: ${error.message}`);
        }
        if (error instanceof FatalError) stopOn(error);
        return;
      }
      const items = answer.uploads ?? [];
      batch.forEach(({ file, uploadId, extra }, index) => {
        const item = items[index] ?? {};
        if (!item.error) {
          markCompleted(file, item);
          finish(file, "uploaded", { uploadId, ...extra, ...(item.duplicateOf ? { duplicateOf: item.duplicateOf } : {}) });
          return;
        }
        const { code, reason, missing } = item.error;
        const why =
          code === "parts_missing"
            ? `parts_missing: parts ${(missing ?? []).join(", ")} are not stored; run again to upload them`
            : code === "content_mismatch"
              ? `content_mismatch: ${reason ?? item.error.message}`
              : `${code}: ${item.error.message ?? ""}`.trim();
        fail(file, why, { uploadId });
      });
      state.save();
    },
    async drain() {
      this.flush();
      while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
    },
  };

  const bytesSent = (file, n) => emit({ type: "bytes", file: file.name, sent: n });
  const isDone = (file) => results.has(file.name);

  // ---- single PUTs ----
  const singles = todo.filter((file) => !file.multipart);
  const multiparts = todo.filter((file) => file.multipart);

  // Files PUT in an earlier run whose completion did not happen (interrupted): complete them first.
  const completeLeftovers = async () => {
    const leftovers = singles.filter((file) => {
      const entry = state.get(file.name);
      return entry?.uploadId && !entry.multipart && !entry.completed && entry.size === file.size && entry.mtimeMs === file.mtimeMs;
    });
    for (let i = 0; i < leftovers.length; i += MAX_COMPLETE_BATCH) {
      const batch = leftovers.slice(i, i + MAX_COMPLETE_BATCH);
      const answer = await api.complete(batch.map((file) => state.get(file.name).uploadId));
      batch.forEach((file, index) => {
        const item = answer.uploads?.[index] ?? {};
        if (!item.error) {
          markCompleted(file, item);
          finish(file, "uploaded", { uploadId: item.uploadId });
        }
        // Anything else (upload_missing: its PUT never finished) goes the normal way.
      });
      state.save();
    }
  };

  const presignOne = async (job) => {
    const answer = await api.presign(shootId, [job.declaration]);
    const item = answer.uploads?.[0] ?? {};
    if (item.error) throw new ApiError(409, { error: item.error }, "presign again");
    job.uploadId = item.uploadId;
    job.url = item.url;
    job.headers = item.headers;
    job.expiresAt = Date.parse(item.expiresAt);
  };

  const runSingle = async (job) => {
    const { file } = job;
    if (isDone(file)) return;
    started.set(file.name, Date.now());
    let sentThisAttempt = 0;
    for (let refreshed = 0; ; ) {
      if (job.expiresAt - Date.now() < URL_MARGIN_MS) await presignOne(job);
      const answer = await putBytes(
        fetchFn,
        job.url,
        job.headers,
        () => {
          if (sentThisAttempt) bytesSent(file, -sentThisAttempt);
          sentThisAttempt = 0;
          return file.body(0, file.size, (n) => {
            sentThisAttempt += n;
            bytesSent(file, n);
          });
        },
        { signal, retry, onRetry, what: `PUT ${file.name}` },
      );
      if (answer.status === 200) {
        emit({ type: "put", file: file.name, etag: answer.headers.get("etag") });
        break;
      }
      if (sentThisAttempt) bytesSent(file, -sentThisAttempt);
      sentThisAttempt = 0;
      const code = answer.body?.error?.code ?? `http_${answer.status}`;
      if (answer.status === 403 && code === "url_expired" && refreshed < 2) {
        refreshed += 1;
        job.expiresAt = 0; // presign again: the same declaration gets the same upload and a fresh URL
        continue;
      }
      return fail(file, `PUT answered ${answer.status} ${code}${answer.body?.error?.message ? `: ${answer.body.error.message}` : ""}`);
    }
    remember(file, { uploadId: job.uploadId, sha256: job.declaration.sha256, multipart: false, completed: false });
    completer.add(file, job.uploadId);
  };

  const produceSingles = async () => {
    let index = 0;
    while (index < singles.length) {
      if (signal?.aborted) return;
      await queue.below(lowWater);
      // A batch: up to batchCap files (fewer when the rate budget has fewer tokens now), up to MAX_BATCH_BYTES.
      const tokens = Math.floor(api.budget.available());
      const cap = Math.max(1, Math.min(batchCap, Number.isFinite(tokens) ? Math.max(1, tokens) : batchCap));
      const batch = [];
      let bytes = 0;
      while (index < singles.length && batch.length < cap) {
        const file = singles[index];
        if (isDone(file)) {
          index += 1;
          continue;
        }
        if (batch.length > 0 && bytes + file.size > MAX_BATCH_BYTES) break;
        batch.push(file);
        bytes += file.size;
        index += 1;
      }
      if (batch.length === 0) continue;
      const declarations = new Map();
      await eachLimited(batch, 2, async (file) => {
        started.set(file.name, Date.now());
        try {
          const { sha256 } = await file.digest();
          declarations.set(file, { filename: file.name, contentType: file.contentType, size: file.size, sha256 });
        } catch (error) {
          if (signal?.aborted) return;
          fail(file, `cannot read the file: ${error.message}`);
        }
      });
      if (signal?.aborted) return;
      const ready = batch.filter((file) => declarations.has(file));
      if (ready.length === 0) continue;
      const answer = await api.presign(shootId, ready.map((file) => declarations.get(file)));
      for (const [position, file] of ready.entries()) {
        const item = answer.uploads?.[position] ?? {};
        const declaration = declarations.get(file);
        if (item.error) {
          if (item.error.code === "already_exists") await alreadyExists(file, declaration.sha256);
          else fail(file, `presign refused: ${item.error.code}${item.error.rule ? ` (rule ${item.error.rule})` : ""}: ${item.error.message ?? ""}`, { error: item.error });
          continue;
        }
        if (item.duplicateOf) emit({ type: "note", file: file.name, message: `same content as ${item.duplicateOf} (uploaded anyway)` });
        remember(file, { uploadId: item.uploadId, sha256: declaration.sha256, multipart: false, completed: false });
        queue.push({
          run: runSingle,
          file,
          declaration,
          uploadId: item.uploadId,
          url: item.url,
          headers: item.headers,
          expiresAt: Date.parse(item.expiresAt),
        });
      }
      state.save();
    }
  };

  // ---- multipart ----
  const runPart = async (job) => {
    const { upload, partNumber } = job;
    const { file } = upload;
    if (isDone(file) || upload.failed) return;
    const start = (partNumber - 1) * upload.partSize;
    const length = partLength(partNumber, upload.partSize, file.size);
    let sent = 0;
    let etag = null;
    for (let refreshed = 0; ; ) {
      if (job.expiresAt - Date.now() < URL_MARGIN_MS) {
        const [signed] = (await api.signParts(upload.uploadId, [partNumber], upload.partDigest(partNumber))).parts;
        Object.assign(job, { url: signed.url, headers: signed.headers, expiresAt: Date.parse(signed.expiresAt) });
      }
      const answer = await putBytes(
        fetchFn,
        job.url,
        job.headers,
        () => {
          if (sent) bytesSent(file, -sent);
          sent = 0;
          return file.body(start, start + length, (n) => {
            sent += n;
            bytesSent(file, n);
          });
        },
        { signal, retry, onRetry, what: `PUT ${file.name} part ${partNumber}` },
      );
      if (answer.status === 200) {
        etag = answer.headers.get("etag");
        break;
      }
      if (sent) bytesSent(file, -sent);
      sent = 0;
      const code = answer.body?.error?.code ?? `http_${answer.status}`;
      if (answer.status === 403 && code === "url_expired" && refreshed < 2) {
        refreshed += 1;
        job.expiresAt = 0;
        continue;
      }
      upload.failed = true;
      return fail(file, `part ${partNumber}: PUT answered ${answer.status} ${code}${answer.body?.error?.message ? `: ${answer.body.error.message}` : ""}`, { uploadId: upload.uploadId });
    }
    upload.remaining -= 1;
    emit({ type: "part", file: file.name, partNumber, partCount: upload.partCount, etag });
    if (upload.remaining === 0 && !upload.failed) completer.add(file, upload.uploadId, { parts: upload.partCount });
  };

  // Finds or creates the file's upload, learns which parts are stored, and queues the others.
  const prepareMultipart = async (file) => {
    started.set(file.name, Date.now());
    const wanted = partSizeFor(file.size, defaultPartSize, multipartLimits);
    let digest;
    try {
      digest = await file.digest(wanted);
    } catch (error) {
      if (signal?.aborted) return;
      return fail(file, `cannot read the file: ${error.message}`);
    }
    const entry = state.get(file.name);
    let record = null;
    // A known upload of this very file (same size, mtime, digest and part size): ask the ledger for its parts.
    if (entry?.uploadId && entry.multipart && entry.size === file.size && entry.mtimeMs === file.mtimeMs && entry.sha256 === digest.sha256) {
      const answer = await api.upload(entry.uploadId);
      if (answer.status === 200 && answer.body.state === "completed") {
        markCompleted(file, answer.body);
        state.save();
        return finish(file, "already uploaded", { uploadId: entry.uploadId });
      }
      if (answer.status === 200 && answer.body.state === "pending" && answer.body.size === file.size) record = answer.body;
    }
    if (!record) {
      const partSize = entry?.multipart && entry.sha256 === digest.sha256 && entry.partSize ? entry.partSize : wanted;
      const created = await api.createMultipart({
        shootId,
        filename: file.name,
        contentType: file.contentType,
        size: file.size,
        sha256: digest.sha256,
        partSize,
      });
      if (created.status === 409 && created.body?.error?.code === "already_exists") return alreadyExists(file, digest.sha256);
      if (created.status !== 200) {
        const error = created.body?.error ?? {};
        const refusal = created.status >= 400 && created.status < 500 && error.code ? { error } : {};
        return fail(file, `multipart create refused: ${created.status} ${error.code ?? ""}${error.rule ? ` (rule ${error.rule})` : ""}: ${error.message ?? ""}`, refusal);
      }
      if (created.body.duplicateOf) emit({ type: "note", file: file.name, message: `same content as ${created.body.duplicateOf} (uploaded anyway)` });
      remember(file, { uploadId: created.body.uploadId, sha256: digest.sha256, multipart: true, partSize: created.body.partSize, completed: false });
      state.save();
      // Asking again returns a pending upload as it is, parts and all: see which parts it holds.
      const answer = await api.upload(created.body.uploadId);
      if (answer.status !== 200) throw new ApiError(answer.status, answer.body, "upload status");
      record = answer.body;
    }
    const partSize = record.partSize;
    const partCount = record.partCount;
    const stored = new Set(
      (record.parts ?? [])
        .filter((part) => part.size === partLength(part.partNumber, partSize, file.size))
        .map((part) => part.partNumber),
    );
    const missing = [];
    for (let n = 1; n <= partCount; n += 1) if (!stored.has(n)) missing.push(n);
    const digests = partSize === wanted ? digest.parts : undefined;
    const upload = {
      file,
      uploadId: record.uploadId,
      partSize,
      partCount,
      remaining: missing.length,
      failed: false,
      partDigest: (n) => (digests?.[n - 1] ? { [n]: digests[n - 1] } : undefined),
    };
    if (stored.size > 0) {
      let storedBytes = 0;
      for (const n of stored) storedBytes += partLength(n, partSize, file.size);
      emit({ type: "resume", file: file.name, stored: stored.size, partCount, bytes: storedBytes });
    }
    if (missing.length === 0) return completer.add(file, upload.uploadId, { parts: partCount });
    for (let i = 0; i < missing.length; i += MAX_PARTS_PER_SIGN) {
      await queue.below(lowWater);
      if (signal?.aborted || upload.failed) return;
      const numbers = missing.slice(i, i + MAX_PARTS_PER_SIGN);
      const sha256 = {};
      for (const n of numbers) if (digests?.[n - 1]) sha256[n] = digests[n - 1];
      const { parts } = await api.signParts(upload.uploadId, numbers, sha256);
      for (const part of parts) {
        queue.push({ run: runPart, upload, partNumber: part.partNumber, url: part.url, headers: part.headers, expiresAt: Date.parse(part.expiresAt) });
      }
    }
  };

  const produceMultiparts = async () => {
    for (const file of multiparts) {
      if (signal?.aborted) return;
      try {
        await prepareMultipart(file);
      } catch (error) {
        if (error instanceof InterruptedError || error instanceof FatalError) throw error;
        fail(file, error.message);
      }
    }
  };

  // ---- the run ----

  const worker = async () => {
    for (let job = await queue.next(); job; job = await queue.next()) {
      if (signal.aborted) continue; // drain: the rest are interrupted
      try {
        await job.run(job);
      } catch (error) {
        const file = job.file ?? job.upload.file;
        if (error instanceof InterruptedError || signal.aborted) continue;
        if (error instanceof FatalError) stopOn(error);
        else {
          if (job.upload) job.upload.failed = true;
          fail(file, error instanceof ApiError ? error.message : describeNetworkError(error));
        }
      }
    }
  };

  try {
    await completeLeftovers().catch(stopOn);
    const producers = [
      queue.produce(() => produceSingles().catch(stopOn)),
      queue.produce(() => produceMultiparts().catch(stopOn)),
    ];
    await Promise.all([...Array.from({ length: concurrency }, worker), ...producers]);
  } finally {
    const grace = setTimeout(() => completionStop.abort(), signal.aborted ? 10_000 : 120_000);
    await completer.drain();
    clearTimeout(grace);
    state.save();
  }
  for (const file of files) {
    if (!results.has(file.name)) {
      const reason = fatal ? fatal.message : "interrupted before it was uploaded; run again to resume";
      finish(file, signal.aborted && !fatal ? "interrupted" : "failed", { reason });
    }
  }
  if (fatal) {
    fatal.results = files.map((file) => results.get(file.name));
    throw fatal;
  }
  return files.map((file) => results.get(file.name));
}

export { partLength };
