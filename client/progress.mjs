// What the uploader shows while it works, from the flow's events (client/upload-flow.mjs): files done of
// total, bytes, rate, ETA and the current failures. On a terminal, one line redrawn in place, with failures
// and retries printed above it; elsewhere (a pipe, a CI log), plain lines: one per file event and a
// `progress` line every few seconds and at the end. Plain lines are `<event> <file> key=value ...`; a file name
// that is not plain printable ASCII without spaces is written as a JSON string.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return "?";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${seconds}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s).padStart(2, "0")}s`;
}

// A file name as a token of a plain line.
export function quoteName(name) {
  return /^[\x21-\x7e]+$/.test(name) && !name.includes('"') ? name : JSON.stringify(name);
}

const compact = (bytes) => formatBytes(bytes).replace(" ", "");

export class Progress {
  /**
   * @param {object} options
   * @param {{write: (text: string) => any, isTTY?: boolean, columns?: number}} options.stream stderr
   * @param {boolean} [options.tty] redraw one line (default: the stream is a terminal)
   * @param {number} [options.intervalMs] plain mode: how often a progress line is printed
   */
  constructor({ stream, tty = Boolean(stream.isTTY), intervalMs = 5000 }) {
    this.stream = stream;
    this.tty = tty;
    this.intervalMs = intervalMs;
    this.filesTotal = 0;
    this.bytesTotal = 0;
    this.counts = { uploaded: 0, "already uploaded": 0, skipped: 0, failed: 0, interrupted: 0 };
    this.finishedBytes = 0; // bytes of files that are done, whatever way
    this.inFlight = new Map(); // file -> bytes sent or found stored, not yet finished
    this.sentTotal = 0; // bytes actually sent, for the rate
    this.samples = []; // [ms, sentTotal]
    this.failures = [];
    this.startedAt = Date.now();
    this.lineShown = false;
    this.timer = null;
  }

  start() {
    this.startedAt = Date.now();
    this.samples = [[this.startedAt, 0]];
    const every = this.tty ? 250 : this.intervalMs;
    this.timer = setInterval(() => (this.tty ? this.redraw() : this.printProgress()), every);
    this.timer.unref?.();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.tty) this.clearLine();
    this.printProgress(true);
  }

  /** @param {any} event from uploadFiles */
  handle(event) {
    switch (event.type) {
      case "plan":
        this.filesTotal += event.files + event.skipped;
        this.bytesTotal += event.bytes;
        break;
      case "bytes": {
        this.inFlight.set(event.file, (this.inFlight.get(event.file) ?? 0) + event.sent);
        if (event.sent > 0) this.sentTotal += event.sent; // what went on the wire, retries included
        break;
      }
      case "resume":
        this.inFlight.set(event.file, (this.inFlight.get(event.file) ?? 0) + event.bytes);
        this.line(`resumed ${quoteName(event.file)} parts=${event.stored}/${event.partCount} stored=${event.bytes}`, true);
        break;
      case "file":
        this.fileDone(event);
        break;
      case "retry":
        this.line(`retry ${event.what} attempt=${event.attempt} in=${formatDuration(event.delayMs)} reason=${JSON.stringify(event.reason)}`, true);
        break;
      case "note":
        this.line(`note ${quoteName(event.file)} ${JSON.stringify(event.message)}`, true);
        break;
      default:
        break;
    }
  }

  fileDone(event) {
    this.counts[event.result] = (this.counts[event.result] ?? 0) + 1;
    this.inFlight.delete(event.name);
    if (event.result === "uploaded" || event.result === "already uploaded") this.finishedBytes += event.size;
    const name = quoteName(event.name);
    const size = `size=${event.size}`;
    switch (event.result) {
      case "uploaded":
        this.line(`uploaded ${name} ${size} time=${formatDuration(event.ms)}${event.parts ? ` parts=${event.parts}` : ""}${event.duplicateOf ? ` duplicateOf=${event.duplicateOf}` : ""}`);
        break;
      case "already uploaded":
        this.line(`already ${name} ${size} (the server holds this file already)`);
        break;
      case "skipped":
        this.line(`skipped ${name} ${size} (completed in an earlier run)`);
        break;
      default:
        this.failures.push(event);
        this.line(`${event.result} ${name} ${size} reason=${JSON.stringify(event.reason ?? "")}`, true);
        break;
    }
  }

  // A plain line; on a terminal only the important ones (failures, retries), above the progress line.
  line(text, important = false) {
    if (this.tty) {
      if (!important) return;
      this.clearLine();
      this.stream.write(text + "\n");
      this.redraw();
    } else {
      this.stream.write(text + "\n");
    }
  }

  snapshot(now = Date.now()) {
    const done = this.counts.uploaded + this.counts["already uploaded"] + this.counts.skipped;
    let bytesDone = this.finishedBytes;
    for (const bytes of this.inFlight.values()) bytesDone += bytes;
    // The rate over the last 10 seconds of samples.
    this.samples.push([now, this.sentTotal]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 10_000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const rate = now > t0 ? ((this.sentTotal - b0) * 1000) / (now - t0) : 0;
    const left = Math.max(0, this.bytesTotal - bytesDone);
    const eta = left === 0 ? 0 : rate > 0 ? (left / rate) * 1000 : Infinity;
    return { done, total: this.filesTotal, bytesDone, bytesTotal: this.bytesTotal, rate, eta, failed: this.counts.failed };
  }

  printProgress(final = false) {
    const s = this.snapshot();
    const parts = [
      `progress files=${s.done}/${s.total}`,
      `bytes=${compact(s.bytesDone)}/${compact(s.bytesTotal)}`,
      `rate=${compact(Math.round(s.rate))}/s`,
      `eta=${final ? "0s" : formatDuration(s.eta)}`,
      `failed=${s.failed}`,
    ];
    if (final) parts.push(`elapsed=${formatDuration(Date.now() - this.startedAt)}`);
    this.stream.write(parts.join(" ") + "\n");
  }

  redraw() {
    const s = this.snapshot();
    let text =
      `${s.done}/${s.total} files · ${formatBytes(s.bytesDone)} of ${formatBytes(s.bytesTotal)} · ` +
      `${formatBytes(Math.round(s.rate))}/s · ETA ${formatDuration(s.eta)}`;
    if (s.failed > 0) {
      const last = this.failures[this.failures.length - 1];
      text += ` · ${s.failed} failed (latest: ${last.name}: ${last.reason ?? last.result})`;
    }
    const width = Math.max(20, (this.stream.columns || 100) - 1);
    if (text.length > width) text = text.slice(0, width - 1) + "…";
    this.stream.write(`\r\x1b[2K${text}`);
    this.lineShown = true;
  }

  clearLine() {
    if (!this.lineShown) return;
    this.stream.write("\r\x1b[2K");
    this.lineShown = false;
  }
}
