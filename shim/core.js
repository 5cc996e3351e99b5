// Instantiates the C++ core (build/wasm/upgate.wasm) and marshals JSON across its C ABI (wasm/abi.cpp).
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ENOSYS = 52;

// The standalone module imports a few WASI calls it never needs at run time (stdio from library code paths
// that are not taken); they answer "not supported" instead of doing I/O.
const imports = {
  env: { emscripten_notify_memory_growth() {} },
  wasi_snapshot_preview1: {
    proc_exit(code) {
      throw new Error(`core exited with code ${code}`);
    },
    fd_close: () => ENOSYS,
    fd_write: () => ENOSYS,
    fd_seek: () => ENOSYS,
  },
};

// An HTTP answer's response bodies follow its JSON, each after a NUL byte, and "body" holds the index
// (wasm/app/dispatch.cpp): put each body back in its place.
function withBodies(output) {
  const split = output.indexOf("\0");
  if (split < 0) return JSON.parse(output); // most answers carry no body (every ledger answer, every effect round)
  const answer = JSON.parse(output.slice(0, split));
  const bodies = output.slice(split + 1).split("\0");
  for (const part of [answer, answer.then]) {
    if (part?.response && typeof part.response.body === "number") part.response.body = bodies[part.response.body];
  }
  return answer;
}

/**
 * The core's exports (wasm/abi.cpp); pointers and lengths are byte offsets and counts in `memory`.
 * @typedef {object} CoreExports
 * @property {WebAssembly.Memory} memory
 * @property {() => void} _initialize
 * @property {(length: number) => number} upgate_input
 * @property {(length: number) => number} upgate_call
 * @property {() => number} upgate_output
 * @property {(algorithm: number) => number} upgate_checksum_open
 * @property {(handle: number, length: number) => void} upgate_checksum_update
 * @property {(handle: number) => number} upgate_checksum_finish
 * @property {(length: number) => number} upgate_blob_alloc
 * @property {(id: number) => number} upgate_blob_data
 * @property {(id: number) => number} upgate_blob_size
 * @property {(id: number) => void} upgate_blob_release
 */

export class Core {
  /** @param {WebAssembly.Module} wasmModule */
  constructor(wasmModule) {
    this.exports = /** @type {CoreExports} */ (new WebAssembly.Instance(wasmModule, imports).exports);
    this.exports._initialize();
  }

  // One synchronous call: a JSON-serialisable object in, the core's JSON answer out.
  call(message) {
    return this.callText(JSON.stringify(message));
  }

  // The same with the message already written as JSON text.
  /** @param {string} text */
  callText(text) {
    const { upgate_input, upgate_call, upgate_output, memory } = this.exports;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; encodeInto writes straight into wasm memory.
    const inputAt = upgate_input(text.length * 3);
    // Memory growth detaches old ArrayBuffers, so every access takes a fresh view.
    const { written } = encoder.encodeInto(text, new Uint8Array(memory.buffer, inputAt, text.length * 3));
    const outputLength = upgate_call(written);
    const output = decoder.decode(new Uint8Array(memory.buffer, upgate_output(), outputLength));
    return withBodies(output);
  }

  // Bytes handed to the core as a blob (wasm/protocol/blobs.h): its id, or 0 when the core refused the size.
  putBlob(bytes) {
    const id = this.exports.upgate_blob_alloc(bytes.byteLength);
    if (id !== 0) new Uint8Array(this.exports.memory.buffer, this.exports.upgate_blob_data(id), bytes.byteLength).set(bytes);
    return id;
  }

  // A blob the core made, copied out and released.
  takeBlob(id) {
    const size = this.exports.upgate_blob_size(id);
    const bytes = new Uint8Array(this.exports.memory.buffer, this.exports.upgate_blob_data(id), size).slice();
    this.exports.upgate_blob_release(id);
    return bytes;
  }

  // A running CRC over streamed bytes (wasm/crypto/checksum_stream.h): algorithm "crc32" or "crc32c".
  openChecksum(algorithm) {
    const handle = this.exports.upgate_checksum_open(CHECKSUM_ALGORITHMS[algorithm] ?? 0);
    if (handle === 0) throw new Error(`no running checksum for ${algorithm}`);
    return {
      update: (bytes) => {
        const at = this.exports.upgate_input(bytes.byteLength);
        new Uint8Array(this.exports.memory.buffer, at, bytes.byteLength).set(bytes);
        this.exports.upgate_checksum_update(handle, bytes.byteLength);
      },
      // The checksum as lower-case hex, big-endian as S3 spells it.
      finish: () => {
        const length = this.exports.upgate_checksum_finish(handle);
        return decoder.decode(new Uint8Array(this.exports.memory.buffer, this.exports.upgate_output(), length));
      },
    };
  }
}

const CHECKSUM_ALGORITHMS = { crc32: 1, crc32c: 2 };

/**
 * A core configured for an environment: the one way the Worker, the test probe and the bench start it.
 * @param {WebAssembly.Module} wasmModule
 * @param {Record<string, unknown>} env the Worker's bindings; only the string ones (vars, secrets) go to the core
 * @param {object} [extras] other configure fields (rate_limiter_bound, openapi)
 * @returns {{ core: Core, report: any }} the core and its configure answer (ok, env, problems, notes, prefetch_body)
 */
export function configuredCore(wasmModule, env, extras = {}) {
  const core = new Core(wasmModule);
  const strings = Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === "string"));
  const report = core.call({ op: "configure", env: strings, ...extras });
  return { core, report };
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** @param {number} bytes */
export function randomHex(bytes) {
  // Every core call takes entropy: a table lookup per byte rather than a formatted string (1.6 % of a presign's CPU).
  let hex = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(bytes))) hex += HEX_BYTES[byte];
  return hex;
}

/**
 * The request facts the core's "http" call carries (wasm/protocol/PROTOCOL.md).
 * @param {Request} request
 */
export function describeRequest(request) {
  const url = new URL(request.url);
  return {
    method: request.method,
    path: url.pathname,
    query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
    scheme: url.protocol.replace(":", ""),
    ip: request.headers.get("cf-connecting-ip") ?? "",
    headers: [...request.headers],
  };
}
