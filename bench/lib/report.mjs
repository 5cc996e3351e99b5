// Renders the results as Markdown tables (padded, so they read well in a terminal too).
const KiB = 1024;

// Formatting shared by every section's tables (bench/lib/cli.mjs and previews.mjs render theirs with these too).
export const fixed = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
export const grouped = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
export const mib = (kib) => (Number.isFinite(kib) ? `${(kib / KiB).toFixed(1)} MiB` : "n/a");
export const mark = (ok) => (ok ? "✓" : "✗");

export function table(header, rows, align) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => [...row[i]].length)));
  const pad = (text, i) => (align[i] === "r" ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (row) => `| ${row.map(pad).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

const TARGET_NAMES = {
  upgate: "Upgate (C++ core in wasm + shim, shoot ledger)",
  "upgate-v1": "Upgate v1 (before the ledger: KV only)",
  reference: "reference (JS: jose + aws4fetch, bench ledger)",
  floor: "floor (bench ledger call + log line only)",
};
const NOT_MEASURED_V1 = "Upgate v1 (before the shoot ledger) was not measured: run with --before <dir> (a build of the parent of 6a6cc6d).";

const signed = (value, digits = 1) => (Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(digits)}` : "n/a");
const signedGrouped = (value) => (Number.isFinite(value) ? `${value >= 0 ? "+" : "-"}${grouped(Math.abs(value))}` : "n/a");

// What the ledger's hop costs a single presign: Upgate against Upgate before the ledger.
function hopLine(t) {
  if (!t["upgate-v1"]) return NOT_MEASURED_V1;
  const now = t.upgate;
  const before = t["upgate-v1"];
  const change = (now.requestsPerSecond / before.requestsPerSecond - 1) * 100;
  return (
    `The ledger's hop (Upgate against Upgate v1, single presign): throughput ${grouped(before.requestsPerSecond)} → ` +
    `${grouped(now.requestsPerSecond)} requests/s (${signed(change, 1)} %), ` +
    `${signedGrouped(1e6 / now.requestsPerSecond - 1e6 / before.requestsPerSecond)} µs per request (1/throughput), ` +
    `p50 ${signed(now.p50 - before.p50)} ms, p99 ${signed(now.p99 - before.p99)} ms, ` +
    `workerd CPU ${signedGrouped(now.cpuUsPerRequest - before.cpuUsPerRequest)} µs per request.`
  );
}

function presignSection(presign, settings) {
  const lines = [
    `## Presign: POST /api/uploads/presign, HS256, single file`,
    "",
    `autocannon, ${settings.connections} connections, one target at a time: ${settings.warmupSeconds} s warm-up, then ` +
      `${settings.seconds} s measured per target in ${settings.rounds} round(s) alternating between targets. ` +
      `µs/request = 1 / throughput. workerd CPU = CPU time of the workerd process during the measured rounds ` +
      `(/proc schedstat) divided by the requests: it includes the local KV and Durable Object simulators, which run ` +
      `in the same workerd, and is not inflated by other processes on the machine. Every request presigns a file ` +
      `name not used before. Per request: Upgate, the reference and the floor make one Durable Object call to the ` +
      `shoot's SQLite ledger (the same SQL: the shoot row, with the schema check on an object's first operation ` +
      `only, three look-ups, the upload INSERT, the audit INSERT) plus one KV put of the shoot's work-index entry ` +
      `when due (at most hourly, so once per run); Upgate v1 makes three KV gets then three KV puts. io: the binding ` +
      `calls the target's own log line reports for one more presign after the load (the work index no longer due).`,
    "",
  ];
  const rows = Object.entries(presign.targets).map(([name, r]) => [
    TARGET_NAMES[name],
    grouped(r.requestsPerSecond),
    fixed(r.p50, 1),
    fixed(r.p99, 1),
    grouped(1e6 / r.requestsPerSecond),
    grouped(r.cpuUsPerRequest),
    grouped(r.total),
    String(r.non2xx),
    String(r.errors),
    r.io === null ? "none" : String(r.io),
  ]);
  lines.push(
    table(
      ["target", "requests/s", "p50 ms", "p99 ms", "µs/request (1/throughput)", "workerd CPU µs/request", "requests", "non-2xx", "errors", "io (log line)"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
  );
  const ratioRows = [
    ...presign.ratios.map((r) => [`${r.name} (throughput)`, fixed(r.value, 2), `≥ ${r.target}`, mark(r.value >= r.target)]),
    ...presign.cpuRatios.map((r) => [`${r.name} (inverse workerd CPU per request)`, fixed(r.value, 2), `≥ ${r.target}`, mark(r.value >= r.target)]),
  ];
  lines.push(table(["ratio", "measured", "target", ""], ratioRows, ["l", "r", "r", "l"]));
  const t = presign.targets;
  const wallAbove = (name) => grouped(1e6 / t[name].requestsPerSecond - 1e6 / t.floor.requestsPerSecond);
  const cpuAbove = (name) => grouped(t[name].cpuUsPerRequest - t.floor.cpuUsPerRequest);
  lines.push(
    "",
    `Above the floor, per request: Upgate +${wallAbove("upgate")} µs (1/throughput), +${cpuAbove("upgate")} µs workerd CPU; ` +
      `reference +${wallAbove("reference")} µs, +${cpuAbove("reference")} µs CPU. ` +
      `Ceiling of Upgate / reference (throughput) in this set-up, if Upgate cost exactly the floor: ${fixed(presign.ceiling, 2)}.`,
    "",
    hopLine(t),
  );
  return lines.join("\n");
}

function batchSection(batch) {
  const ioText = (io) =>
    Object.entries(io)
      .map(([value, count]) => `${value} (${count}×)`)
      .join(", ");
  const rows = Object.entries(batch).map(([name, r]) => [
    TARGET_NAMES[name],
    fixed(r.p50, 1),
    fixed(r.p99, 1),
    fixed(r.mean, 1),
    grouped(r.requests),
    ioText(r.io),
  ]);
  return [
    "## Batch presign: 100 files in one POST /api/uploads/presign, end to end",
    "",
    "One request at a time (no other load), each for 100 file names not used before, after 10 warm-up batches; " +
      "latency from sending the request to the end of the answer. io: the binding calls the target's own log line " +
      "reports for the request (values seen, with how many measured requests logged each). The floor has no batch presign.",
    "",
    table(["target", "p50 ms", "p99 ms", "mean ms", "requests", "io (log line)"], rows, ["l", "r", "r", "r", "r", "l"]),
    ...(batch["upgate-v1"] ? [] : ["", NOT_MEASURED_V1]),
  ].join("\n");
}

function storageSection(storage) {
  const perUpload = (after, r) => (after === undefined ? "n/a" : grouped((after - r.empty) / r.uploads));
  const row = (label, r, completedNote) => [
    label,
    grouped(r.uploads),
    grouped(r.empty),
    grouped(r.presigned),
    perUpload(r.presigned, r),
    r.completed === undefined ? completedNote : grouped(r.completed),
    perUpload(r.completed, r),
  ];
  return [
    "## Shoot ledger storage per upload",
    "",
    "One fresh shoot; its Durable Object's SQLite database size (ctx.storage.sql.databaseSize: pages × page size, " +
      "through a bench-only subclass of Upgate's ShootLedger) once the shoot exists, after the single presigns, and " +
      "(Upgate) after each upload's bytes (256 B JPEG) were PUT and all were completed in batches of 100. Bytes per " +
      "upload = growth / uploads. The reference's bench ledger runs the same schema and presign statements: a check.",
    "",
    table(
      ["ledger", "uploads", "DB bytes, shoot only", "after presigns", "B per presigned upload", "after completions", "B per completed upload"],
      [row("Upgate (ShootLedger)", storage.upgate, "n/a"), row("reference (bench ledger)", storage.reference, "no completion")],
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
  ].join("\n");
}

function computeSection(compute) {
  const row = (label, r) => [label, fixed(r.us, 1), fixed(r.cpuUs, 1), grouped(r.n)];
  const total = (label, parts) => [
    label,
    fixed(parts.reduce((sum, r) => sum + r.us, 0), 1),
    fixed(parts.reduce((sum, r) => sum + r.cpuUs, 0), 1),
    "",
  ];
  const rows = [
    row("core: sigv4_presign op (SigV4 query presign, through Core.call)", compute.corePresign),
    row("JS: aws4fetch AwsV4Signer query presign", compute.jsPresign),
    row("core: jwt_verify op, HS256 → valid", compute.coreHs256),
    row("JS: jose jwtVerify HS256 (CryptoKey imported once)", compute.joseHs256),
  ];
  for (const [alg, label] of [
    ["rs256", "RS256 (2048)"],
    ["es256", "ES256 (P-256)"],
  ]) {
    const r = compute[alg];
    rows.push(
      row(`core: jwt_verify ${label} → needs_signature_check`, r.phase1),
      row(`core: jwt_verify ${label} with the result → valid`, r.phase2),
      row(`Web Crypto: crypto.subtle.verify ${label} (key imported once)`, r.subtle),
      total(`${label} total: core decision (both phases) + Web Crypto verify`, [r.phase1, r.phase2, r.subtle]),
    );
  }
  const request = compute.coreRequest;
  rows.push(
    row(
      `core: a whole presign request as the shim drives it (op http, ${request.sample.steps} calls), effects answered from memory`,
      request,
    ),
  );
  rows.push(row("core: a near-empty call (digest of \"\"): the fixed cost of one Core.call", compute.coreNoop));
  const stepRows = compute.steps.map((s) => [
    String(s.step),
    s.asks,
    grouped(s.bytesIn),
    grouped(s.bytesOut),
    `${fixed(s.us, 1)} / ${fixed(s.cpuUs, 1)}`,
    `${fixed(s.parseUs, 1)} / ${fixed(s.parseCpuUs, 1)}`,
    `${fixed(s.us - s.parseUs, 1)} / ${fixed(s.cpuUs - s.parseCpuUs, 1)}`,
  ]);
  const sum = (key) => compute.steps.reduce((total, s) => total + s[key], 0);
  stepRows.push([
    "all",
    "",
    grouped(sum("bytesIn")),
    grouped(sum("bytesOut")),
    `${fixed(sum("us"), 1)} / ${fixed(sum("cpuUs"), 1)}`,
    `${fixed(sum("parseUs"), 1)} / ${fixed(sum("parseCpuUs"), 1)}`,
    `${fixed(sum("us") - sum("parseUs"), 1)} / ${fixed(sum("cpuUs") - sum("parseCpuUs"), 1)}`,
  ]);
  return [
    "## Compute: cost per operation inside workerd",
    "",
    "N iterations in one request, timed from outside, minus a 0-iteration request, divided by N (best of 5 each); " +
      "the same difference in workerd CPU time next to it.",
    "",
    table(["operation", "µs per op (wall)", "µs per op (workerd CPU)", "N"], rows, ["l", "r", "r", "r"]),
    "",
    "Upgate's presign inside the core, step by step (each step resumes the handler where it stopped; the conversation's " +
      "request and earlier results stay inside the core, so only new results cross; a step's cost is the difference between " +
      "running the first k and the first k-1 calls; \"JSON only\" = the same message through a near-empty op: stringify, " +
      "copy, parse in C++; \"handler\" = the rest):",
    "",
    table(
      ["step", "the core answers", "JSON in (B)", "JSON out (B)", "µs (wall / CPU)", "JSON only µs (wall / CPU)", "handler µs (wall / CPU)"],
      stepRows,
      ["r", "l", "r", "r", "r", "r", "r"],
    ),
  ].join("\n");
}

function sizeSection(size) {
  return [
    "## Wasm size",
    "",
    table(
      ["file", "raw", "gzip -9", "target (gzip)", ""],
      [
        [
          "build/wasm/upgate.wasm",
          `${grouped(size.raw)} B (${fixed(size.raw / KiB, 1)} KiB)`,
          `${grouped(size.gzip)} B (${fixed(size.gzip / KiB, 1)} KiB)`,
          `≤ ${size.targetKiB} KiB`,
          mark(size.gzip <= size.targetKiB * KiB),
        ],
      ],
      ["l", "r", "r", "r", "l"],
    ),
  ].join("\n");
}

function putSection(put) {
  const names = { upgate: "Upgate PUT /upload/<key> (presigned)", "plain-put": "plain JS Worker (FixedLengthStream → R2)" };
  const rows = Object.entries(put.targets).map(([name, r]) => [
    names[name],
    fixed(r.mbPerSecond, 1),
    r.runs.map((v) => fixed(v, 1)).join(", "),
    grouped(r.cpuMs64),
    mib(r.idleKiB),
    `${mib(r.peak16KiB)} (+${mib(r.growth16KiB)})`,
    `${mib(r.peak64KiB)} (+${mib(r.growth64KiB)})`,
  ]);
  return [
    "## Worker-mode PUT: 64 MiB body streamed from memory",
    "",
    "MB = 10^6 bytes. Each target in its own workerd (both running, uploads alternating); RSS of that workerd " +
      "process (VmRSS sampled every 50 ms, and VmHWM reset before each upload), which includes the local R2 simulator. " +
      "Warm-up uploads of 1 and 16 MiB first; RSS idle is measured after them. In brackets: how much RSS grew during the upload " +
      "(peak minus RSS just before it; for 64 MiB the median of the runs).",
    "",
    table(
      ["target", "MB/s (median)", "MB/s runs", "workerd CPU ms per 64 MiB", "RSS idle", "peak RSS 16 MiB", "peak RSS 64 MiB"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    table(
      ["throughput ratio", "measured", "target", ""],
      [["Upgate / plain JS", fixed(put.ratio, 2), "≥ 0.9", mark(put.ratio >= 0.9)]],
      ["l", "r", "r", "l"],
    ),
  ].join("\n");
}

function multipartSection(multipart) {
  const names = {
    upgate: "Upgate (create, sign, signed part PUTs, complete)",
    "plain-multipart": "plain JS Worker (DO check, FixedLengthStream → uploadPart, DO record)",
  };
  const { partMiB, parallel } = multipart;
  const rows = [];
  for (const [name, r] of Object.entries(multipart.targets)) {
    for (const [size, when] of [
      [r.small, ""],
      [r.large, ""],
      [r.smallAgain, " (after the large)"],
    ]) {
      rows.push([
        names[name],
        `${grouped(size.fileMiB)}${when}`,
        grouped(partMiB),
        String(parallel),
        `${fixed(size.partMiBps, 1)}${size.runs.length > 1 ? ` (${size.runs.map((v) => fixed(v, 1)).join(", ")})` : ""}`,
        fixed(size.partCpuSecondsPerGiB, 2),
        fixed(size.flowSeconds, 1),
        mib(size.beforeKiB),
        `${mib(size.peakKiB)} (+${mib(size.growthKiB)})`,
      ]);
    }
  }
  const t = multipart.targets;
  const flat = Object.entries(t)
    .map(
      ([name, r]) =>
        `${name} ${mib(r.smallAgain.peakKiB)} at ${grouped(r.smallAgain.fileMiB)} MiB, ${mib(r.large.peakKiB)} at ` +
        `${grouped(r.large.fileMiB)} MiB (${signed((r.large.peakKiB - r.smallAgain.peakKiB) / KiB, 1)} MiB)`,
    )
    .join("; ");
  const d = multipart.digest;
  const runsText = (values) => values.map((v) => grouped(v)).join(", ");
  const digestRow = (label, r) => [label, grouped(d.fileMiB), `${grouped(r.wallMs)} (${runsText(r.wallRuns)})`, `${grouped(r.cpuMs)} (${runsText(r.cpuRuns)})`, mib(r.peakKiB)];
  return [
    `## Worker-mode multipart: files in ${partMiB} MiB parts, ${parallel} part PUTs in parallel`,
    "",
    `MiB/s = file MiB / the part phase's wall time (first part PUT sent to last answer; median of ${multipart.runs} ` +
      `runs for the large file, the runs in brackets); workerd CPU s per GiB: the workerd's CPU time (/proc schedstat) ` +
      `in that phase per GiB; whole flow: create (and Upgate's one sign of every part) to complete's answer. Each ` +
      `target in its own workerd (both running, flows alternating), after one warm-up flow of ${parallel} parts; the ` +
      `bytes are streamed from memory. Per part, both targets make the same binding calls: a ledger Durable Object ` +
      `call before (Upgate: partWriter; plain: the same statements in the bench ledger), the body through a ` +
      `FixedLengthStream into resumeMultipartUpload(key, id).uploadPart(n, stream), a ledger call after (recordPart: ` +
      `the parts INSERT and the upload's UPDATE), and one JSON log line. Upgate also checks the SigV4 signature of the ` +
      `part URL and runs its core; the plain Worker has no auth (the floor of the I/O; auth costs are in the presign ` +
      `section). RSS before: the workerd's RSS just before the flow (the lowest of the runs). Peak RSS: the workerd ` +
      `(with the local R2 simulator in it) over the whole flow, VmRSS sampled every 50 ms and VmHWM reset before it; ` +
      `in brackets the growth over the RSS just before it (median of the runs). workerd's RSS creeps up over its first ` +
      `GiB or so of uploads, whatever the file size, and then stays: the small file is measured once more after the ` +
      `large runs, and that flow is the one to set beside them.`,
    "",
    table(
      ["target", "file MiB", "part MiB", "parallel", "part phase MiB/s", "workerd CPU s/GiB (parts)", "whole flow s", "RSS before", "peak RSS"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    table(
      ["ratio (large file, part phase)", "measured", "target", ""],
      [
        ["Upgate / plain JS (throughput)", fixed(multipart.ratio, 2), "≥ 0.9", mark(multipart.ratio >= 0.9)],
        ["Upgate / plain JS (inverse workerd CPU per GiB)", fixed(multipart.cpuRatio, 2), "(information)", ""],
      ],
      ["l", "r", "r", "l"],
    ),
    "",
    `Memory in file size (peak RSS, once RSS has settled): ${flat}.`,
    "",
    `### SHA-256 at complete: Upgate, ${grouped(d.fileMiB)} MiB file`,
    "",
    `POST /api/uploads/complete of a ${grouped(d.fileMiB)} MiB multipart upload (every part stored), with a whole-file ` +
      `sha256 declared at create (complete reads the whole object through crypto.DigestStream) and without (it reads ` +
      `the first 16 bytes); ${d.pairs} pair(s), median, the values in brackets. Wall: the complete request, sent to ` +
      `answered. CPU: the workerd's CPU time over that request (/proc schedstat; it includes the local R2 simulator ` +
      `reading the parts). Per GiB: (with - without) / file GiB. To split that cost, two probes in the plain Worker's ` +
      `workerd: the same read of the whole object (readHeadAndDigest's loop, ${grouped(d.read.chunks)} chunks of ` +
      `${grouped((d.fileMiB * KiB * KiB) / d.read.chunks)} B on average from the local R2 simulator) without a digest, and ` +
      `crypto.DigestStream over ${grouped(d.fileMiB)} MiB from memory (1 MiB writes; the better of 2), with no storage.`,
    "",
    table(
      ["complete", "file MiB", "wall ms", "workerd CPU ms", "peak RSS (whole flow)"],
      [digestRow("no sha256 declared", d.without), digestRow("sha256 declared", d.with)],
      ["l", "r", "r", "r", "r"],
    ),
    "",
    table(
      ["SHA-256 verification at complete", "per GiB"],
      [
        ["complete: workerd CPU ms per GiB (with - without)", grouped(d.cpuMsPerGiB)],
        ["complete: wall ms per GiB (with - without)", grouped(d.wallMsPerGiB)],
        ["of which, probe: reading the object, no digest (workerd CPU ms per GiB)", grouped(d.read.cpuMsPerGiB)],
        ["of which, probe: SHA-256 alone, DigestStream over memory (workerd CPU ms per GiB)", grouped(d.memoryDigest.cpuMsPerGiB)],
      ],
      ["l", "r"],
    ),
  ].join("\n");
}

export function renderReport(report) {
  const parts = [`# Upgate benchmark, ${report.date}`, "", report.machine, ""];
  if (report.presign) parts.push(presignSection(report.presign, report.settings), "");
  if (report.batch) parts.push(batchSection(report.batch), "");
  if (report.storage) parts.push(storageSection(report.storage), "");
  if (report.compute) parts.push(computeSection(report.compute), "");
  if (report.size) parts.push(sizeSection(report.size), "");
  if (report.put) parts.push(putSection(report.put), "");
  if (report.multipart) parts.push(multipartSection(report.multipart), "");
  if (report.errors.length > 0) {
    parts.push("## Sections that failed", "", ...report.errors.map((e) => `- ${e.section}: ${e.message}`), "");
  }
  return parts.join("\n");
}
