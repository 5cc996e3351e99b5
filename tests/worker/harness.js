// Starts the real Worker (shim/index.js + build/wasm/upgate.wasm) in workerd through Miniflare, with its local
// R2 bucket, KV namespace and Durable Objects (the shoot ledger), and talks to it over real HTTP on loopback. No part of the runtime is mocked.
import { randomBytes } from "node:crypto";
import { Miniflare } from "miniflare";

// The same module rules as wrangler.toml.
/** @type {import("miniflare").ModuleRule[]} */
export const MODULE_RULES = [
  { type: "CompiledWasm", include: ["**/*.wasm"] },
  { type: "Text", include: ["**/openapi.json", "**/client/upload-page.*", "**/client/upload-browser.mjs", "**/client/upload-flow.mjs"] },
  { type: "ESModule", include: ["**/*.js"] },
];

export function randomSecret(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}

// A development configuration with fresh random secrets, like the .dev.vars `npm run dev` writes.
/**
 * @param {Record<string, string>} [overrides]
 * @returns {Record<string, string>}
 */
export function developmentBindings(overrides = {}) {
  return {
    APP_ENV: "development",
    JWT_SECRET: randomSecret(),
    UPLOAD_MODE: "worker",
    UPLOAD_SIGNING_KEY_ID: "AKDEV" + randomBytes(6).toString("hex").toUpperCase(),
    UPLOAD_SIGNING_SECRET: randomSecret(),
    CORS_ORIGINS: "http://localhost:*",
    ...overrides,
  };
}

// The same in s3 mode: presigned URLs point at R2_S3_ENDPOINT (an R2-like host unless told), signed with a fresh
// R2 key pair.
/**
 * @param {Record<string, string>} [overrides]
 * @returns {Record<string, string>}
 */
export function s3Bindings(overrides = {}) {
  return developmentBindings({
    UPLOAD_MODE: "s3",
    R2_S3_ENDPOINT: "https://acct123.r2.cloudflarestorage.com",
    R2_BUCKET_NAME: "photos",
    R2_ACCESS_KEY_ID: "R2KEYID",
    R2_SECRET_ACCESS_KEY: randomSecret(),
    ...overrides,
  });
}

// Options: bindings (vars and secrets), script (defaults to the Worker), extra Miniflare options.
/** @param {{bindings?: Record<string, string>, scriptPath?: string, [miniflareOption: string]: unknown}} [options] */
export async function startWorker({ bindings = developmentBindings(), scriptPath = "shim/index.js", ...extra } = {}) {
  const logs = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: ".",
    modulesRules: MODULE_RULES,
    compatibilityDate: "2025-04-01",
    cf: false,
    host: "127.0.0.1",
    port: 0,
    bindings,
    r2Buckets: ["BUCKET"],
    kvNamespaces: ["UPLOADS_KV"],
    durableObjects: { SHOOTS: { className: "ShootLedger", useSQLite: true } },
    // As wrangler.toml: the Worker produces and consumes its upload events, 4 deliveries before the dead letters.
    queueProducers: { UPLOAD_EVENTS: { queueName: "upload-events" } },
    queueConsumers: {
      "upload-events": { maxBatchSize: 4, maxBatchTimeout: 0, maxRetries: 3, deadLetterQueue: "upload-events-dlq" },
    },
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        stream.setEncoding("utf8");
        let pending = "";
        stream.on("data", (chunk) => {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop();
          logs.push(...lines.filter((line) => line.trim() !== ""));
        });
      }
    },
    ...extra,
  });
  const url = await mf.ready;
  return {
    mf,
    url,
    bindings,
    logs,
    fetch: (path, init) => fetch(new URL(path, url), init),
    // The log lines the Worker printed that parse as JSON.
    jsonLogs: () =>
      logs.flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      }),
    dispose: () => mf.dispose(),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
