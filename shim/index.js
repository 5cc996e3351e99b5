// The Worker entry: Upgate's wasm core and its OpenAPI document, wired into the shim (worker.js).
import wasmModule from "../build/wasm/upgate.wasm";
import openapiDocument from "./openapi.json"; // a Text module (wrangler.toml rules): the core serves it
import { createWorker } from "./worker.js";

export default createWorker({ wasmModule, openapiDocument });
