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

export class Core {
  constructor(wasmModule) {
    this.exports = new WebAssembly.Instance(wasmModule, imports).exports;
    this.exports._initialize();
  }

  // One synchronous call: a JSON-serialisable object in, the core's JSON answer out.
  call(message) {
    const input = encoder.encode(JSON.stringify(message));
    const { upgate_input, upgate_call, upgate_output, memory } = this.exports;
    const inputAt = upgate_input(input.length);
    // Memory growth detaches old ArrayBuffers, so every access takes a fresh view.
    new Uint8Array(memory.buffer, inputAt, input.length).set(input);
    const outputLength = upgate_call(input.length);
    const outputAt = upgate_output();
    return JSON.parse(decoder.decode(new Uint8Array(memory.buffer, outputAt, outputLength)));
  }
}
