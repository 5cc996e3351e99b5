// What the Workers runtime (workerd) and wrangler's module rules give the JavaScript that tsc checks
// (jsconfig.json), beyond the DOM library: only the few names this project uses, so no Worker types package
// is needed.

// wrangler.toml's CompiledWasm rule (and Miniflare's, tests/worker/harness.js): a .wasm import is a compiled module.
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}

// wrangler.toml's Text rule: shim/openapi.json is imported as its text, which the core serves.
declare module "*/openapi.json" {
  const text: string;
  export default text;
}

// The same rule: the development upload page's documents (shim/dev-pages.js).
declare module "*.html" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}

// workerd's stream that passes exactly `expectedLength` bytes and errors on a body shorter or longer; its
// readable side gives R2 a known length.
declare class FixedLengthStream extends TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array> {
  constructor(expectedLength: number | bigint);
}

// The Durable Object base class (shim/ledger.js): ctx is the object's state (storage.sql, transactionSync).
// workerd's streaming digest: a WritableStream whose digest resolves once it is closed.
declare class DigestStream extends WritableStream<ArrayBuffer | ArrayBufferView> {
  constructor(algorithm: string);
  readonly digest: Promise<ArrayBuffer>;
}
interface Crypto {
  DigestStream: typeof DigestStream;
}

declare module "cloudflare:workers" {
  export class DurableObject {
    constructor(ctx: any, env: any);
    ctx: any;
    env: any;
  }
}
