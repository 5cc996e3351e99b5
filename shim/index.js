// The Worker entry: Upgate's wasm core and its OpenAPI document, wired into the shim (worker.js), and the
// shoot ledger's Durable Object class (ledger.js, bound as SHOOTS). The development upload page and the browser
// modules it loads are imported as text (wrangler.toml's Text rule) and served in development only (dev-pages.js).
import wasmModule from "../build/wasm/upgate.wasm";
import { devDocuments } from "./dev-pages.js";
import { createShootLedger } from "./ledger.js";
import openapiDocument from "./openapi.json"; // a Text module (wrangler.toml rules): the core serves it
import { createWorker } from "./worker.js";
import page from "../client/upload-page.html";
import stylesheet from "../client/upload-page.css";
import icon from "../client/upload-page.svg";
// @ts-expect-error -- imported as its text by the Text rule; tsc sees the module itself, which has no default export
import script from "../client/upload-page.mjs";
// @ts-expect-error -- as above
import browserModule from "../client/upload-browser.mjs";
// @ts-expect-error -- as above
import flowModule from "../client/upload-flow.mjs";

const dev = devDocuments({ page, script, stylesheet, icon, browserModule, flowModule });
export default createWorker({ wasmModule, openapiDocument, devDocuments: dev });
export const ShootLedger = createShootLedger(wasmModule);
