// The development upload page (GET /dev/upload, client/upload-page.html), on the browser module: a token, a shoot
// (created on demand), files picked or dropped (a folder too), each file's progress and, for a refused one, the
// naming rule it broke; once processed, each photo's thumbnail. The Worker serves this page, and the modules it
// imports, only when APP_ENV is "development" (shim/dev-pages.js).
import { UpgateApi, chooseFiles, startUpload, waitForPreviews } from "./upload-browser.mjs";

const $ = (selector) => /** @type {any} */ (document.querySelector(selector));
const tokenInput = $("#token");
const shootInput = $("#shoot");
const shootStatus = $("#shoot-status");
const uploadButton = $("#upload");
const stopButton = $("#stop");
const clearButton = $("#clear");
const totalLine = $("#total");
const tbody = $("#files tbody");
const drop = $("#drop");

// What each naming rule asks (README "Naming standard v3.1"), shown beside a refusal.
const RULES = {
  charset: "printable ASCII only: no spaces, slashes, backslashes or control characters",
  length: "at most 64 characters",
  pattern: "<shootId>_<YYYYMMDD>_<0001–9999>[_variant].<ext>, lower case, '_' between the parts, exactly one '.'",
  shoot_mismatch: "the name must start with this shoot's id",
  date: "a real date, YYYYMMDD, from 2000-01-01 to tomorrow (UTC)",
  sequence: "four digits, 0001–9999",
  variant: "raw, edit, bw, web or thumb; raw only with a raw extension (dng, cr2, cr3, nef, arw)",
  extension: "jpg, jpeg, png, webp, heic, tif, tiff, dng, cr2, cr3, nef or arw",
  extension_mismatch: "the file's type must be the one its extension stands for",
};

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  node.append(...present(children));
  return node;
};
const present = (children) => children.filter((child) => child !== null && child !== undefined);
const fill = (node, ...children) => node.replaceChildren(...present(children));

// ---- remembered fields -------------------------------------------------------------------------------------

tokenInput.value = sessionStorage.getItem("upgate-dev:token") ?? "";
shootInput.value = localStorage.getItem("upgate-dev:shoot") ?? "";
tokenInput.addEventListener("input", () => sessionStorage.setItem("upgate-dev:token", tokenInput.value.trim()));
shootInput.addEventListener("input", () => {
  localStorage.setItem("upgate-dev:shoot", shootInput.value.trim());
  showExample();
});

const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, "");
function showExample() {
  $("#example-name").textContent = `${shootInput.value.trim() || "smith-wedding"}_${today()}_0042_edit.jpg`;
}
showExample();

const token = () => tokenInput.value.trim();
const shootId = () => shootInput.value.trim();
const api = () => new UpgateApi({ baseUrl: location.origin, token: token() });

function say(node, text, kind = "") {
  node.textContent = text;
  node.classList.toggle("error", kind === "error");
}

// ---- the shoot ---------------------------------------------------------------------------------------------

$("#create-shoot").addEventListener("click", async () => {
  if (!token() || !shootId()) return say(shootStatus, "A token and a shoot id first.", "error");
  say(shootStatus, `Creating ${shootId()}…`);
  try {
    const created = await api().createShoot(shootId());
    if (created.status === 201) return say(shootStatus, `Created shoot ${created.body.shootId} (owner ${created.body.owner}).`);
    if (created.status === 409) {
      const shoot = await api().shoot(shootId());
      if (shoot.status === 200) return say(shootStatus, `Shoot ${shootId()} exists and is yours (${shoot.body.stats?.assets ?? 0} files).`);
      return say(shootStatus, `Shoot ${shootId()} exists and belongs to someone else.`, "error");
    }
    const error = created.body?.error ?? {};
    say(shootStatus, `Not created: ${created.status} ${error.code ?? ""}${error.field ? ` (${error.field})` : ""}: ${error.message ?? ""}`, "error");
  } catch (error) {
    say(shootStatus, describeFatal(error), "error");
  }
});

function describeFatal(error) {
  const message = String(error?.message ?? error);
  if (/\b401\b/.test(message)) return "The token was refused (missing, malformed, expired or signed with another key): run npm run -s token -- alice and paste what it prints.";
  return message;
}

// ---- choosing files ----------------------------------------------------------------------------------------

/** @type {{file: File, path: string}[]} */
let selection = [];
const rows = new Map(); // path -> {row, cells}
let running = null;

function addFiles(items) {
  if (running) return;
  const known = new Set(selection.map((item) => item.path));
  for (const item of items) {
    if (known.has(item.path)) continue;
    selection.push(item);
    known.add(item.path);
    const shown = rows.get(item.path); // chosen again after an earlier upload: start its row afresh
    if (shown) {
      delete shown.row.dataset.processing;
      shown.settled = null;
      fill(shown.cells.thumb, el("div", { class: "no-thumb" }));
    }
  }
  // What the upload will make of them (the module's own choice): dotfiles left out, a second file of a name refused.
  const { chosen, leftOut, duplicates } = chooseFiles(selection);
  const describe = ({ file, path }, state, extra = {}) => ({ name: file.name, path, size: file.size, state, bytes: 0, notes: [], ...extra });
  const byPath = new Map(selection.map((item) => [item.path, item]));
  for (const item of chosen) render(describe(item, "chosen"));
  for (const { path, reason } of leftOut) render(describe(byPath.get(path), "left out", { reason }));
  for (const { chosen: item, error } of duplicates) render(describe(item, "refused", { error, reason: error.message }));
  refreshButtons();
  const bytes = chosen.reduce((sum, item) => sum + item.file.size, 0);
  const notes = [leftOut.length ? `${leftOut.length} left out` : "", duplicates.length ? `${duplicates.length} with a name chosen twice` : ""].filter(Boolean);
  say(totalLine, `${chosen.length} file(s) chosen, ${formatBytes(bytes)}${notes.length ? ` (${notes.join(", ")})` : ""}.`);
}

const fromInput = (input) => Array.from(input.files, (file) => ({ file, path: file.webkitRelativePath || file.name }));
$("#pick-files").addEventListener("change", (event) => {
  addFiles(fromInput(event.target));
  event.target.value = "";
});
$("#pick-folder").addEventListener("change", (event) => {
  addFiles(fromInput(event.target));
  event.target.value = "";
});

// A dropped folder comes as a FileSystemDirectoryEntry: walk it (readEntries answers in batches).
async function walk(entry) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ file, path: entry.fullPath.replace(/^\//, "") }];
  }
  const reader = entry.createReader();
  const found = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) found.push(...(await walk(child)));
  }
  return found;
}

drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", async (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const entries = Array.from(event.dataTransfer.items ?? [])
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  if (entries.length === 0) return addFiles(Array.from(event.dataTransfer.files, (file) => ({ file, path: file.name })));
  const found = [];
  for (const entry of entries) found.push(...(await walk(entry)));
  addFiles(found);
});

clearButton.addEventListener("click", () => {
  selection = [];
  rows.clear();
  tbody.replaceChildren();
  say(totalLine, "No files chosen yet.");
  refreshButtons();
});

function refreshButtons() {
  uploadButton.disabled = Boolean(running) || selection.length === 0;
  stopButton.disabled = !running;
  clearButton.disabled = Boolean(running) || selection.length === 0;
}

// ---- the table ---------------------------------------------------------------------------------------------

function rowFor(file) {
  let entry = rows.get(file.path);
  if (entry) return entry;
  const cells = {
    thumb: el("td", { class: "thumb-cell" }, el("div", { class: "no-thumb" })),
    file: el("td"),
    size: el("td", { class: "size" }),
    progress: el("td", {}, el("progress", { max: 1, value: 0 })),
    state: el("td"),
  };
  const row = el("tr", { "data-path": file.path, "data-name": file.name }, cells.thumb, cells.file, cells.size, cells.progress, cells.state);
  tbody.append(row);
  entry = { row, cells, file, settled: null };
  rows.set(file.path, entry);
  return entry;
}

function stateDetail(file) {
  if (file.state === "refused" && file.error) {
    const { code, rule, message } = file.error;
    const why = rule ? [el("span", { class: "rule" }, `rule ${rule}`), RULES[rule] ? `: ${RULES[rule]}` : ""] : [el("span", { class: "rule" }, code)];
    return el("span", { class: "detail" }, el("span", { class: "why" }, ...why), el("span", { class: "message" }, message ?? ""));
  }
  if (file.reason && ["failed", "interrupted", "left out", "refused"].includes(file.state)) return el("span", { class: "detail" }, file.reason);
  if (file.multipart && file.partCount) {
    const resumed = file.resumedParts ? `, ${file.resumedParts} found stored` : "";
    return el("span", { class: "detail" }, `parts ${file.partsDone ?? 0}/${file.partCount}${resumed}`);
  }
  if (file.duplicateOf) return el("span", { class: "detail" }, `same content as ${file.duplicateOf}`);
  return null;
}

function render(file) {
  const entry = rowFor(file);
  const { row, cells } = entry;
  entry.file = file;
  row.dataset.state = file.state;
  fill(cells.file, el("div", { class: "name" }, file.name), file.path !== file.name ? el("div", { class: "path" }, file.path) : null);
  cells.size.textContent = formatBytes(file.size);
  const bar = cells.progress.firstChild;
  bar.max = Math.max(1, file.size);
  bar.value = file.state === "refused" || file.state === "left out" ? 0 : file.bytes;
  const cssState = String(file.state).replace(/\s+/g, "-");
  fill(cells.state, el("span", { class: `state state-${cssState}` }, file.state), stateDetail(file), processingDetail(entry));
}

// After the upload: "processing…" until the asset's processing settles, then its outcome.
function processingDetail({ row, settled }) {
  const processing = row.dataset.processing;
  if (!processing) return null;
  if (processing === "pending") return el("span", { class: "detail" }, "processing…");
  if (settled?.thumbUrl) return el("span", { class: "detail" }, `processed${settled.asset.metadata?.width ? `: ${settled.asset.metadata.width} × ${settled.asset.metadata.height}` : ""}`);
  return el("span", { class: "detail" }, `no preview (${processing}): ${settled?.asset.processingReason ?? ""}`);
}

function showProcessed(path, settled) {
  const entry = rows.get(path);
  if (!entry) return;
  const { asset, thumbUrl } = settled;
  entry.settled = settled;
  entry.row.dataset.processing = asset.processing;
  entry.cells.thumb.replaceChildren(
    thumbUrl ? el("img", { class: "thumb", src: thumbUrl, alt: `thumbnail of ${asset.filename}` }) : el("div", { class: "no-thumb" }, asset.processing),
  );
  render(entry.file);
}

// Renders at most every 100 ms: progress events come for every chunk sent.
const dirty = new Map();
let renderTimer = null;
let latestTotal = null;
function schedule() {
  renderTimer ??= setTimeout(() => {
    renderTimer = null;
    for (const file of dirty.values()) render(file);
    dirty.clear();
    if (latestTotal) renderTotal(latestTotal);
  }, 100);
}

let rate = { at: 0, bytes: 0, perSecond: 0 };
function renderTotal(total) {
  const now = Date.now();
  if (now - rate.at >= 1000) {
    rate = { at: now, bytes: total.bytesDone, perSecond: rate.at ? ((total.bytesDone - rate.bytes) * 1000) / (now - rate.at) : 0 };
  }
  const count = (state) => total.counts[state] ?? 0;
  const finished = count("uploaded") + count("already uploaded") + count("skipped");
  const parts = [`${finished} of ${total.files} file(s) uploaded`, `${formatBytes(total.bytesDone)} of ${formatBytes(total.bytes)}`];
  if (total.state === "uploading" && rate.perSecond > 0) parts.push(`${formatBytes(Math.round(rate.perSecond))}/s`);
  for (const state of ["refused", "failed", "interrupted", "left out"]) if (count(state)) parts.push(`${count(state)} ${state}`);
  if (total.state === "stopped") parts.push(total.reason && total.reason !== "stopped" ? `stopped: ${describeFatal(total.reason)}` : "stopped");
  else if (total.state === "done") parts.push("done");
  say(totalLine, parts.join(" · "), total.state === "stopped" ? "error" : "");
}

// ---- uploading ---------------------------------------------------------------------------------------------

uploadButton.addEventListener("click", async () => {
  if (!token()) return say(totalLine, "Paste a token first (npm run -s token -- alice).", "error");
  if (!shootId()) return say(totalLine, "Which shoot? Fill in its id.", "error");
  const shoot = shootId();
  running = startUpload({ baseUrl: location.origin, token: token(), shootId: shoot, files: selection });
  refreshButtons();
  running.addEventListener("file", (event) => {
    dirty.set(event.detail.path, event.detail);
    schedule();
  });
  running.addEventListener("progress", (event) => {
    latestTotal = event.detail;
    schedule();
  });
  running.addEventListener("shoot", (event) => {
    if (event.detail.created) say(shootStatus, `Created shoot ${event.detail.shootId}.`);
  });
  let outcome = null;
  try {
    outcome = await running.done;
  } catch (error) {
    latestTotal = { ...running.total, state: "stopped", reason: describeFatal(error) };
  }
  running = null;
  selection = [];
  refreshButtons();
  schedule();
  if (!outcome) return;

  // Once processed, each photo's thumbnail.
  const uploaded = outcome.files.filter((file) => ["uploaded", "already uploaded", "skipped"].includes(file.state));
  if (uploaded.length === 0) return;
  const pathOf = new Map(uploaded.map((file) => [file.name, file.path]));
  for (const file of uploaded) {
    const entry = rows.get(file.path);
    if (entry) entry.row.dataset.processing = "pending";
    dirty.set(file.path, file);
  }
  schedule();
  try {
    await waitForPreviews({
      baseUrl: location.origin,
      token: token(),
      shootId: shoot,
      filenames: [...pathOf.keys()],
      onAsset: (settled) => showProcessed(pathOf.get(settled.asset.filename), settled),
    });
  } catch (error) {
    say(totalLine, `Thumbnails: ${describeFatal(error)}`, "error");
  }
});

stopButton.addEventListener("click", () => running?.abort());
