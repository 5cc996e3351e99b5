// The Worker entry: Upgate's wasm core and its OpenAPI document, wired into the shim (worker.js), and the
// shoot ledger's Durable Object class (ledger.js, bound as SHOOTS).
import wasmModule from "../build/wasm/upgate.wasm";
import { createShootLedger } from "./ledger.js";
import openapiDocument from "./openapi.json"; // a Text module (wrangler.toml rules): the core serves it
import { createWorker } from "./worker.js";

export default createWorker({ wasmModule, openapiDocument });
export const ShootLedger = createShootLedger(wasmModule);
