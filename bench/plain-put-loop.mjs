// The `cli` bench section's baseline client (bench/lib/cli.mjs): a plain loop of PUTs, no checks, no hashing, no
// presign or complete. Each file of a folder (dotfiles left out, sorted by name, as the CLI lists them) is PUT
// whole to <base>/upload/shoots/<shootId>/<name>, `concurrency` at a time, its body streamed from disk by the
// CLI's own body code (client/local-files.mjs fileBody) through Node's fetch, as the CLI sends it, and retried by
// the CLI's own policy (client/upload-flow.mjs withRetries: network errors, 5xx and 429, 6 tries a request, 0.5 s
// doubling). Prints one JSON line ({files, bytes, retries}) and exits 0 when every PUT answered 200 with the
// file's size; 1 otherwise.
//   node bench/plain-put-loop.mjs <folder> --url <base> --shoot <shootId> [--concurrency 4]
import { parseArgs } from "node:util";
import { fileBody, listFolder } from "../client/local-files.mjs";
import { withRetries } from "../client/upload-flow.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string" }, shoot: { type: "string" }, concurrency: { type: "string", default: "4" } },
});
const [folder] = positionals;
const base = (values.url ?? "").replace(/\/+$/, "");
const concurrency = Number(values.concurrency);
if (!folder || !base || !values.shoot || !Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write("usage: node bench/plain-put-loop.mjs <folder> --url <base> --shoot <shootId> [--concurrency n]\n");
  process.exit(2);
}

const { files } = listFolder(folder);
let retries = 0;

async function put(file) {
  const key = `shoots/${values.shoot}/${file.name}`;
  // A fresh body per attempt. duplex: Node's fetch needs it for a streamed body; the DOM type does not know it.
  const init = () =>
    /** @type {RequestInit} */ ({
      method: "PUT",
      headers: { "Content-Type": "image/jpeg", "Content-Length": String(file.size) },
      body: fileBody(file.path, 0, file.size, () => {}),
      duplex: "half",
    });
  const response = await withRetries(() => fetch(`${base}/upload/${encodeURI(key)}`, init()), {
    what: `PUT ${file.name}`,
    onRetry: () => (retries += 1),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`PUT ${file.name} answered ${response.status}: ${text.slice(0, 200)}`);
  const size = JSON.parse(text).size;
  if (size !== file.size) throw new Error(`PUT ${file.name}: stored ${size} bytes, not ${file.size}`);
}

let next = 0;
const worker = async () => {
  while (next < files.length) await put(files[next++]);
};
try {
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
} catch (error) {
  process.stderr.write(`${error?.message ?? error}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ files: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0), retries })}\n`);
