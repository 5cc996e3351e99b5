// The Node side of the uploader: a folder's files as the flow (client/upload-flow.mjs) wants them — streamed
// SHA-256, streamed request bodies over byte ranges — and the core's own file checks (check_files), run from
// build/wasm/upgate.wasm, the module the Worker runs.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "../shim/core.js";

const READ_CHUNK = 256 * 1024;

export const WASM_PATH = fileURLToPath(new URL("../build/wasm/upgate.wasm", import.meta.url));

/**
 * The regular files directly in a folder (not recursive), dotfiles left out, sorted by name.
 * @param {string} folder
 * @returns {{files: {name: string, path: string, size: number, mtimeMs: number}[], folders: number, hidden: number}}
 */
export function listFolder(folder) {
  const files = [];
  let folders = 0;
  let hidden = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) {
      if (!entry.name.startsWith(".upgate-upload")) hidden += 1; // the resume state is ours
      continue;
    }
    const path = join(folder, entry.name);
    let stats;
    try {
      stats = statSync(path); // follows a symbolic link to its file
    } catch {
      continue;
    }
    if (stats.isDirectory()) folders += 1;
    else if (stats.isFile()) files.push({ name: entry.name, path, size: stats.size, mtimeMs: Math.trunc(stats.mtimeMs) });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, folders, hidden };
}

/**
 * SHA-256 of a file, read as a stream (never whole in memory); given a part size, also each part's.
 * @param {string} path
 * @param {number} [partSize]
 * @returns {Promise<{sha256: string, parts?: string[]}>}
 */
export async function digestFile(path, partSize = undefined) {
  const whole = createHash("sha256");
  const parts = [];
  let part = partSize ? createHash("sha256") : null;
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) {
    whole.update(chunk);
    if (!part) continue;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(partSize - inPart, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + take));
      offset += take;
      inPart += take;
      if (inPart === partSize) {
        parts.push(part.digest("hex"));
        part = createHash("sha256");
        inPart = 0;
      }
    }
  }
  if (part && inPart > 0) parts.push(part.digest("hex"));
  return partSize ? { sha256: whole.digest("hex"), parts } : { sha256: whole.digest("hex") };
}

/**
 * A request body for bytes [start, end) of a file: a web ReadableStream over a file read stream, which
 * reports each chunk as fetch pulls it. Cancelling it (an aborted request) closes the file.
 * @param {string} path
 * @param {number} start
 * @param {number} end exclusive
 * @param {(n: number) => void} onBytes
 */
export function fileBody(path, start, end, onBytes) {
  if (end <= start) return new Uint8Array(0);
  const stream = createReadStream(path, { start, end: end - 1, highWaterMark: READ_CHUNK });
  const chunks = stream[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) {
        controller.close();
        return;
      }
      onBytes(value.length);
      controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    cancel() {
      stream.destroy();
    },
  });
}

// The core, for check_files: the same C++ rules presign applies, before anything is sent.
export function loadCore() {
  if (!existsSync(WASM_PATH)) {
    throw new Error(`${WASM_PATH} is missing: run \`npm run build\` (npm run dev builds it too)`);
  }
  return new Core(new WebAssembly.Module(readFileSync(WASM_PATH)));
}

/**
 * Every file through the core's check_files: what presign would refuse, and why.
 * @param {Core} core
 * @param {string} shootId
 * @param {{name: string, size: number}[]} files
 * @param {{maxSinglePutBytes: number, maxUploadBytes: number}} limits
 * @returns {({filename: string, contentType: string, multipart: boolean} | {filename: string, error: any})[]}
 */
export function checkFiles(core, shootId, files, limits) {
  const answer = core.call({
    op: "check_files",
    shootId,
    now: Date.now(),
    limits: { maxSinglePutBytes: limits.maxSinglePutBytes, maxUploadBytes: limits.maxUploadBytes },
    files: files.map((file) => ({ filename: file.name, size: file.size })),
  });
  if (!Array.isArray(answer.files)) throw new Error(`check_files: ${answer.error ?? JSON.stringify(answer)}`);
  return answer.files;
}
