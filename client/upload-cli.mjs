// npm run upload -- <folder> --shoot <id> [--url <base>] [--token <jwt>] [--concurrency N] [--part-size N]
//                   [--state <file>] [--dry-run]
// Uploads the photos of a folder to a shoot: checks every name with the core's own rules first (build/wasm),
// then batch presign, parallel PUTs (multipart above maxSinglePutBytes), completes; resumable. Exit status:
// 0 everything uploaded (or already there), 1 a file was refused or failed, 2 a usage or fatal error (nothing
// or not everything was tried), 130 interrupted (run the same command again to resume).
import { parseArgs } from "node:util";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { FatalError, UpgateApi, uploadFiles } from "./upload-flow.mjs";
import { checkFiles, digestFile, fileBody, listFolder, loadCore } from "./local-files.mjs";
import { Progress, formatBytes, formatDuration, quoteName } from "./progress.mjs";
import { openState, statePath } from "./resume-state.mjs";

const DEFAULT_URL = "http://127.0.0.1:8787"; // what `npm run dev` serves (scripts/dev.sh)

const USAGE = `Usage: npm run upload -- <folder> --shoot <shootId> [options]

Uploads the files of <folder> (not its subfolders; dotfiles are left out) to a shoot.

  --shoot <id>         the shoot (created when it does not exist yet)
  --url <base>         the Upgate base URL (default: $UPGATE_URL or ${DEFAULT_URL}, what npm run dev serves)
  --token <jwt>        bearer token (default: $UPGATE_TOKEN; for npm run dev: $(npm run -s token -- alice))
  --concurrency <n>    PUTs in flight at once (default 4)
  --part-size <bytes>  part size for files above maxSinglePutBytes (default: the server's; 5MiB, 16MiB ... work)
  --state <file>       the resume state (default: <folder>/.upgate-upload.json)
  --dry-run            check the names and list what would be refused; send nothing
  -h, --help           this text`;

class UsageError extends Error {}

function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(String(text).trim());
  if (!match) throw new UsageError(`--part-size: "${text}" is not a size (bytes, or e.g. 16MiB)`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
  return Math.round(Number(match[1]) * factor);
}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        shoot: { type: "string" },
        url: { type: "string" },
        token: { type: "string" },
        concurrency: { type: "string" },
        "part-size": { type: "string" },
        state: { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1) throw new UsageError(positionals.length ? "one folder, please" : "which folder?");
  if (!values.shoot) throw new UsageError("--shoot <shootId> is required");
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError("--concurrency must be a whole number from 1 to 64");
  }
  const url = (values.url ?? process.env.UPGATE_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url: "${url}" is not an http(s) base URL`);
  return {
    folder: resolve(positionals[0]),
    shootId: values.shoot,
    url,
    token: values.token ?? process.env.UPGATE_TOKEN ?? "",
    concurrency,
    partSize: values["part-size"] === undefined ? undefined : parseSize(values["part-size"]),
    statePath: values.state,
    dryRun: Boolean(values["dry-run"]),
  };
}

const out = (text = "") => process.stdout.write(text + "\n");
const err = (text) => process.stderr.write(text + "\n");

function refusalText(error) {
  const rule = error.rule ? ` rule=${error.rule}` : "";
  return `code=${error.code}${rule} message=${JSON.stringify(error.message ?? "")}`;
}

// The closing table: every file that did not make it, then the counts.
function printSummary(results, refused, elapsedMs, sentBytes) {
  const rows = [
    ...refused.map(({ file, error }) => [file.name, formatBytes(file.size), `refused: ${error.rule ? `rule ${error.rule}` : error.code}`, "-"]),
    ...results
      .filter((r) => r.result === "failed" || r.result === "interrupted")
      .map((r) => [r.name, formatBytes(r.size), `${r.result}: ${r.reason ?? ""}`, formatDuration(r.ms)]),
  ];
  out("");
  if (rows.length > 0) {
    const header = ["file", "size", "result", "time"];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => Math.min(row[i].length, i === 2 ? 100 : 64))));
    const format = (row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
    out(format(header));
    for (const row of rows) out(format(row));
    out("");
  }
  const count = (name) => results.filter((r) => r.result === name).length;
  const seconds = elapsedMs / 1000;
  out(
    `total: ${count("uploaded")} uploaded, ${count("already uploaded")} already uploaded, ${count("skipped")} skipped ` +
      `(completed earlier), ${refused.length} refused, ${count("failed")} failed` +
      (count("interrupted") ? `, ${count("interrupted")} interrupted` : "") +
      `; ${formatBytes(sentBytes)} sent in ${formatDuration(elapsedMs)}` +
      (seconds > 0 ? ` (${formatBytes(Math.round(sentBytes / seconds))}/s)` : ""),
  );
}

let interrupted = false; // Ctrl-C or SIGTERM arrived

async function main(argv) {
  const options = parseCommandLine(argv);
  if (options.help) {
    out(USAGE);
    return 0;
  }
  if (!existsSync(options.folder) || !statSync(options.folder).isDirectory()) {
    throw new UsageError(`${options.folder} is not a folder`);
  }
  if (!options.dryRun && !options.token) {
    throw new UsageError(
      "no token: pass --token <jwt> or set UPGATE_TOKEN. Against npm run dev: export UPGATE_TOKEN=$(npm run -s token -- alice)",
    );
  }

  const interrupt = new AbortController();
  process.on("SIGINT", () => {
    if (interrupted) process.exit(130); // a second Ctrl-C does not wait
    interrupted = true;
    err("interrupted: finishing what was already sent (Ctrl-C again to quit at once); run the same command again to resume");
    interrupt.abort();
  });
  process.on("SIGTERM", () => {
    interrupted = true;
    interrupt.abort();
  });

  const progress = new Progress({ stream: process.stderr });
  const api = new UpgateApi({
    baseUrl: options.url,
    token: options.token || undefined,
    signal: interrupt.signal,
    onRetry: (info) => progress.handle({ type: "retry", ...info }),
  });

  // Check first: the core's checks against this server's limits.
  const listing = listFolder(options.folder);
  const services = await api.services();
  const core = loadCore();
  let checks;
  try {
    checks = checkFiles(core, options.shootId, listing.files, services);
  } catch (error) {
    throw new UsageError(`--shoot ${options.shootId}: ${error.message}`);
  }
  const refused = [];
  const accepted = [];
  checks.forEach((check, i) => {
    const file = listing.files[i];
    if (check.error) refused.push({ file, error: check.error });
    else accepted.push({ ...file, contentType: check.contentType, multipart: check.multipart });
  });
  const multipartCount = accepted.filter((file) => file.multipart).length;
  const acceptedBytes = accepted.reduce((sum, file) => sum + file.size, 0);
  const notes = [
    listing.folders ? `${listing.folders} subfolder(s) not included` : "",
    listing.hidden ? `${listing.hidden} dotfile(s) left out` : "",
  ].filter(Boolean);
  out(
    `checked ${listing.files.length} files in ${options.folder} for shoot ${options.shootId} (naming standard ` +
      `${services.namingStandard ?? "?"}, ${options.url}): ${accepted.length} to upload (${formatBytes(acceptedBytes)}` +
      `${multipartCount ? `, ${multipartCount} in parts` : ""}), ${refused.length} refused` +
      (notes.length ? `; ${notes.join(", ")}` : ""),
  );
  for (const { file, error } of refused) out(`refused ${quoteName(file.name)} ${refusalText(error)}`);

  if (options.dryRun) {
    out(`dry run: nothing was sent${refused.length ? `; ${refused.length} file(s) would be refused` : ""}`);
    return refused.length ? 1 : 0;
  }

  // The shoot: it must be ours (or we are admin); a shoot that does not exist yet is created.
  const shoot = await api.shoot(options.shootId);
  if (shoot.status === 404) {
    const created = await api.createShoot(options.shootId);
    if (created.status === 201) err(`created shoot ${options.shootId} (owner ${created.body.owner})`);
    else if (created.status !== 409) throw new FatalError(`cannot create shoot ${options.shootId}: ${created.status} ${created.body?.error?.code ?? ""}`);
  } else if (shoot.status === 403) {
    throw new FatalError(`shoot ${options.shootId} belongs to someone else (403 not_shoot_owner)`);
  } else if (shoot.status !== 200) {
    throw new FatalError(`GET /api/shoots/${options.shootId}: ${shoot.status} ${shoot.body?.error?.code ?? ""}`);
  }

  const state = openState(statePath(options.folder, options.statePath), { url: options.url, shootId: options.shootId });
  if (state.problem) err(`note: ${state.problem}`);
  err(
    `upload ${accepted.length} files to ${options.shootId} at ${options.url}, ${options.concurrency} at a time; ` +
      `resume state ${state.path}`,
  );

  const files = accepted.map((file) => ({
    name: file.name,
    size: file.size,
    mtimeMs: file.mtimeMs,
    contentType: file.contentType,
    multipart: file.multipart,
    digest: (partSize) => digestFile(file.path, partSize),
    body: (start, end, onBytes) => fileBody(file.path, start, end, onBytes),
  }));

  const startedAt = Date.now();
  progress.start();
  let results;
  let fatal = null;
  try {
    results = await uploadFiles({
      api,
      shootId: options.shootId,
      files,
      services,
      concurrency: options.concurrency,
      partSize: options.partSize,
      state,
      emit: (event) => progress.handle(event),
      signal: interrupt.signal,
    });
  } catch (error) {
    if (!(error instanceof FatalError) || !error.results) throw error;
    fatal = error;
    results = error.results;
  } finally {
    progress.stop();
  }
  printSummary(results, refused, Date.now() - startedAt, Math.max(0, progress.sentTotal));
  if (fatal) {
    err(`stopped: ${fatal.message}`);
    return 2;
  }
  if (interrupted) {
    err("interrupted: run the same command again to resume");
    return 130;
  }
  const bad = refused.length + results.filter((r) => r.result === "failed" || r.result === "interrupted").length;
  return bad > 0 ? 1 : 0;
}

let settled = false;
// Node exits with status 0 once nothing is left to wait for, even while main() has not returned. That would
// report a run that lost track of a file as a success: such a run ends as interrupted (its state is saved as it
// goes, so running it again resumes) or as a failure, never 0. (It happened when a Ctrl-C aborted a PUT whose
// answer was being read, which upload-flow.mjs's bodyText now guards against; this stays as the last line.)
process.on("beforeExit", () => {
  if (settled) return;
  settled = true;
  err(interrupted ? "interrupted: run the same command again to resume" : "upload: the run stopped before it finished; run the same command again to resume");
  process.exitCode = interrupted ? 130 : 2;
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      err(`upload: ${error.message}`);
      err("run `npm run upload -- --help` for the options");
    } else if (error instanceof FatalError) {
      err(`upload: ${error.message}`);
    } else {
      err(`upload: ${error?.stack ?? error}`);
    }
    settled = true;
    process.exitCode = 2;
  },
);
