// The uploader's memory between runs: per file, its size and mtime when it was last seen, its SHA-256, its
// upload id, whether it went in parts (and their size), and whether it was completed. Kept in one small JSON
// file, by default <folder>/.upgate-upload.json (a dotfile, so the uploader never uploads it), with one
// section per server and shoot, so one folder can go to several. Written atomically (a temporary file, then a
// rename), so a crash mid-write leaves the previous state. Losing it costs time only: asking Upgate again with
// the same declaration answers the same upload id, and a completed name answers 409 already_exists.
import { createHash } from "node:crypto";
import { accessSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const STATE_FILE_NAME = ".upgate-upload.json";
const FORMAT = "upgate-upload-state/1";

/**
 * Where the state lives: an explicit path; else <folder>/.upgate-upload.json when the folder is writable;
 * else a file under the system's temporary folder named by a hash of the folder's absolute path.
 * @param {string} folder
 * @param {string} [explicit]
 */
export function statePath(folder, explicit = undefined) {
  if (explicit) return resolve(explicit);
  const absolute = resolve(folder);
  try {
    accessSync(absolute, constants.W_OK);
    return join(absolute, STATE_FILE_NAME);
  } catch {
    const key = createHash("sha256").update(absolute).digest("hex").slice(0, 16);
    return join(tmpdir(), `upgate-upload-${key}.json`);
  }
}

/**
 * Opens the state for one target (server base URL and shoot); the flow reads and writes entries by file name.
 * @param {string} path
 * @param {{url: string, shootId: string}} target
 * @param {{readOnly?: boolean}} [options]
 */
export function openState(path, { url, shootId }, { readOnly = false } = {}) {
  let document = { format: FORMAT, targets: {} };
  let problem = null;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    if (parsed?.format === FORMAT && parsed.targets && typeof parsed.targets === "object") document = parsed;
    else problem = `${path} is not an uploader state file; it will be rewritten`;
  } catch (error) {
    if (error.code !== "ENOENT") problem = `${path} could not be read (${error.message}); starting without it`;
  }
  const key = `${url.replace(/\/+$/, "")} ${shootId}`;
  const target = (document.targets[key] ??= { url, shootId, files: {} });
  let dirty = false;

  return {
    path,
    problem,
    /** @param {string} name */
    get: (name) => target.files[name],
    /** @param {string} name @param {object} entry */
    set(name, entry) {
      target.files[name] = entry;
      dirty = true;
    },
    save() {
      if (!dirty || readOnly) return;
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      target.updatedAt = new Date().toISOString();
      writeFileSync(temporary, JSON.stringify(document, null, 1) + "\n");
      renameSync(temporary, path);
      dirty = false;
    },
  };
}
