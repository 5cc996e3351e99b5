// Processing real files (contract 10 and 5.6), over the real Worker in workerd with its real local queue and R2:
// raws whose embedded previews are real JPEGs, written into ExifTool's own sample raws (third_party/exiftool-images,
// fetched by the bootstrap) by ExifTool itself (`-PreviewImage<=`, `-JpgFromRaw<=`, `-ThumbnailImage<=`) or, for
// CR3, which ExifTool cannot give previews, by rebuilding the sample's PRVW box and JPEG track here (and checked
// with ExifTool). Each is uploaded through the API (presign, PUT, complete) and its thumb and web previews are
// downloaded and checked: sizes from the JPEG frame header, orientation from coloured corner marks decoded with
// sharp, and the largest embedded preview chosen. Then files whose structures are hostile, or that have no
// preview to make, end at once with a reason, and the queue goes on to the next file.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { assertJsonOk, complete, fileName, ownerWithShoot, post, presignOk, put } from "./flow.js";
import { startWorker } from "./harness.js";
import { until } from "./ledger-flow.js";

const SAMPLES = path.resolve("third_party/exiftool-images");

// ---------------------------------------------------------------------------------------------------------
// Camera-like JPEGs: plasma (real image content, not flat colour), quality 90, with a solid mark in each corner
// of the image as stored, so the corners of a preview show which way it was turned.

const MARKS = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], yellow: [255, 255, 0] };
// The stored corners, clockwise from the top left.
const STORED = ["red", "green", "blue", "yellow"];
// Where each stored corner shows once the EXIF orientation is applied: the colours of the displayed top-left,
// top-right, bottom-right and bottom-left corners.
const DISPLAYED = {
  1: ["red", "green", "blue", "yellow"],
  3: ["blue", "yellow", "red", "green"], // turned half a turn
  6: ["yellow", "red", "green", "blue"], // a quarter clockwise
  8: ["green", "blue", "yellow", "red"], // a quarter anticlockwise
};

const runFile = promisify(execFile);

// A program's output. Asynchronous, so the event loop goes on while ImageMagick and ExifTool work: blocked for
// seconds, it would leave the Worker's idle keep-alive connections unclosed in the pool, and the next request
// would go out on one the Worker had closed ("other side closed").
async function run(command, args) {
  const { stdout } = await runFile(command, args, { encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

// A width x height JPEG with the corner marks (each 15 % of the short side), tagged as a camera would: one file per
// orientation asked, by its orientation. The marks sit in the stored corners whatever the tag says, so the pixels
// of every file are the same: ImageMagick draws them once (a camera-sized plasma takes it seconds) and ExifTool
// tags a copy for each orientation.
async function markedJpegs(dir, name, width, height, orientations = [1]) {
  const drawn = path.join(dir, `${name}.jpg`);
  const mark = Math.round(Math.min(width, height) * 0.15);
  const rect = (color, x, y) => ["-fill", color === "green" ? "lime" : color, "-draw", `rectangle ${x},${y} ${x + mark - 1},${y + mark - 1}`];
  await run("convert", [
    "-size", `${width}x${height}`, "-seed", "7", "plasma:fractal",
    ...rect(STORED[0], 0, 0), ...rect(STORED[1], width - mark, 0),
    ...rect(STORED[2], width - mark, height - mark), ...rect(STORED[3], 0, height - mark),
    "-quality", "90", drawn,
  ]);
  /** @type {Record<number, string>} */
  const files = {};
  for (const orientation of orientations) {
    const file = path.join(dir, `${name}-${orientation}.jpg`);
    copyFileSync(drawn, file);
    await run("exiftool", ["-q", "-overwrite_original", "-Make=Canon", "-Model=Camera", `-Orientation#=${orientation}`, file]);
    files[orientation] = file;
  }
  return files;
}

// A copy of one of ExifTool's samples, with `args` applied by ExifTool (-m: the samples' image data are
// placeholders, which ExifTool reports as minor errors).
async function sample(dir, name, args = []) {
  const file = path.join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`);
  copyFileSync(path.join(SAMPLES, name), file);
  if (args.length > 0) await run("exiftool", ["-q", "-q", "-m", "-overwrite_original", ...args, file]);
  return file;
}

// The pixel size of a JPEG from its frame header (SOF0/1/2).
function jpegSize(bytes) {
  assert.equal(bytes.readUInt16BE(0), 0xffd8, "a JPEG starts with SOI");
  for (let at = 2; at + 9 < bytes.length; ) {
    assert.equal(bytes[at], 0xff, `a marker at ${at}`);
    const marker = bytes[at + 1];
    if (marker >= 0xc0 && marker <= 0xc2) return { width: bytes.readUInt16BE(at + 7), height: bytes.readUInt16BE(at + 5) };
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new Error("no frame header");
}

// The colour names of the four corners of a decoded JPEG, clockwise from the top left (null: no mark there).
async function cornerMarks(bytes) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const inset = Math.round(Math.min(info.width, info.height) * 0.05);
  const points = [
    [inset, inset],
    [info.width - 1 - inset, inset],
    [info.width - 1 - inset, info.height - 1 - inset],
    [inset, info.height - 1 - inset],
  ];
  return points.map(([x, y]) => {
    const at = (y * info.width + x) * info.channels;
    const pixel = [data[at], data[at + 1], data[at + 2]];
    const found = Object.entries(MARKS).find(([, rgb]) => rgb.every((value, i) => Math.abs(value - pixel[i]) < 48));
    return found ? found[0] : null;
  });
}

// ---------------------------------------------------------------------------------------------------------
// TIFF and ISO BMFF, just enough to build and break the test files.

// The IFDs of a TIFF file: for each, where it starts, its entries ({tag, type, count, at: the entry's offset})
// and where its next-IFD pointer lies. Follows IFD0's chain, and SubIFDs (0x014A) and the Exif IFD (0x8769).
function tiffIfds(bytes) {
  const little = bytes.toString("latin1", 0, 2) === "II";
  const u16 = (at) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const ifds = [];
  const seen = new Set();
  const visit = (offset, name) => {
    if (offset === 0 || seen.has(offset) || offset + 2 > bytes.length) return;
    seen.add(offset);
    const count = u16(offset);
    const entries = [];
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + 12 * i;
      entries.push({ tag: u16(at), type: u16(at + 2), count: u32(at + 4), at });
    }
    const next = offset + 2 + 12 * count;
    ifds.push({ name, offset, entries, nextAt: next });
    for (const entry of entries) {
      if (entry.tag === 0x8769) visit(u32(entry.at + 8), `Exif of ${name}`);
      if (entry.tag === 0x014a && entry.count === 1) visit(u32(entry.at + 8), `SubIFD of ${name}`);
    }
    if (name.startsWith("IFD")) visit(u32(next), `IFD${Number(name.slice(3)) + 1}`);
  };
  visit(u32(4), "IFD0");
  const write32 = (at, value) => (little ? bytes.writeUInt32LE(value, at) : bytes.writeUInt32BE(value, at));
  return { ifds, u32, write32 };
}

// The boxes in [start, end) of an ISO BMFF file: {type, uuid, start, body, end}.
function boxes(bytes, start = 0, end = bytes.length) {
  const found = [];
  for (let at = start; at + 8 <= end; ) {
    let size = bytes.readUInt32BE(at);
    let body = at + 8;
    if (size === 1) {
      size = Number(bytes.readBigUInt64BE(at + 8));
      body = at + 16;
    }
    const type = bytes.toString("latin1", at + 4, at + 8);
    const uuid = type === "uuid" ? bytes.toString("hex", body, body + 16) : "";
    if (uuid) body += 16;
    found.push({ type, uuid, start: at, body, end: at + size });
    at += size;
  }
  return found;
}

const PRVW_UUID = "eaf42b5e1c984b88b9fbb7dc406e4d16";
const child = (bytes, parent, type) => boxes(bytes, parent.body, parent.end).find((box) => box.type === type);

// A CR3 as Canon's cameras lay it out, from ExifTool's sample (whose image data are placeholders): its PRVW
// box holds `preview` (Canon's 1620x1080 preview) and its first track, the one whose sample entry has a JPEG
// box, holds `full` (the full-size JPEG), at the start of mdat; every track's chunk offset is moved to match.
function canonCr3(sampleFile, preview, full) {
  const source = readFileSync(sampleFile);
  const top = boxes(source);
  const mdat = top.find((box) => box.type === "mdat");
  const oldPrvw = top.find((box) => box.uuid === PRVW_UUID);
  assert.ok(mdat && oldPrvw && oldPrvw.end <= mdat.start, "the sample has a PRVW box before mdat");
  const moov = top.find((box) => box.type === "moov");
  const tracks = boxes(source, moov.body, moov.end).filter((box) => box.type === "trak");
  const tables = (trak) => {
    const stbl = child(source, child(source, child(source, trak, "mdia"), "minf"), "stbl");
    return { stsd: child(source, stbl, "stsd"), stsz: child(source, stbl, "stsz"), co64: child(source, stbl, "co64") };
  };
  const first = tables(tracks[0]);
  const oldJpegLength = source.readUInt32BE(first.stsz.body + 4);

  // The new PRVW box: 8 bytes, a PRVW box (its header, 16 bytes of fields, the JPEG).
  const size = jpegSize(preview);
  const prvw = Buffer.alloc(24 + 32);
  prvw.writeUInt32BE(prvw.length + preview.length, 0);
  prvw.write("uuid", 4, "latin1");
  Buffer.from(PRVW_UUID, "hex").copy(prvw, 8);
  source.copy(prvw, 24, oldPrvw.body, oldPrvw.body + 8);
  prvw.writeUInt32BE(8 + 16 + preview.length, 32);
  prvw.write("PRVW", 36, "latin1");
  source.copy(prvw, 40, oldPrvw.body + 16, oldPrvw.body + 32);
  prvw.writeUInt16BE(size.width, 46);
  prvw.writeUInt16BE(size.height, 48);
  prvw.writeUInt32BE(preview.length, 52);

  const head = Buffer.from(source.subarray(0, oldPrvw.start));
  const between = source.subarray(oldPrvw.end, mdat.start);
  const oldBody = source.subarray(mdat.body, mdat.end);
  const mdatHeader = Buffer.alloc(16);
  mdatHeader.writeUInt32BE(1, 0);
  mdatHeader.write("mdat", 4, "latin1");
  const newBody = Buffer.concat([full, oldBody.subarray(oldJpegLength)]);
  mdatHeader.writeBigUInt64BE(BigInt(16 + newBody.length), 8);
  const newBodyStart = head.length + prvw.length + preview.length + between.length + 16;
  // The chunk offsets (all in moov, which keeps its size), the JPEG's sample size and its sample entry's size.
  for (const trak of tracks) {
    const { co64 } = tables(trak);
    const at = co64.body + 8;
    const old = Number(source.readBigUInt64BE(at)) - mdat.body;
    const moved = old < oldJpegLength ? old : old - oldJpegLength + full.length;
    head.writeBigUInt64BE(BigInt(newBodyStart + moved), at);
  }
  head.writeUInt32BE(full.length, first.stsz.body + 4);
  const entry = boxes(source, first.stsd.body + 8, first.stsd.end)[0];
  const fullSize = jpegSize(full);
  head.writeUInt16BE(fullSize.width, entry.start + 32);
  head.writeUInt16BE(fullSize.height, entry.start + 34);
  return Buffer.concat([head, prvw, preview, between, mdatHeader, newBody]);
}

// ---------------------------------------------------------------------------------------------------------
// The API.

const CONTENT_TYPES = {
  jpg: "image/jpeg", cr2: "image/x-canon-cr2", cr3: "image/x-canon-cr3", nef: "image/x-nikon-nef",
  dng: "image/x-adobe-dng", heic: "image/heic", png: "image/png", webp: "image/webp", tif: "image/tiff",
};

let sequence = 0;

// presign → PUT → complete, as a client does; answers the upload's key and file name.
async function upload(worker, user, shootId, ext, bytes) {
  sequence += 1;
  const filename = fileName(shootId, String(sequence).padStart(4, "0"), { ext });
  const item = await presignOk(worker, user, { shootId, filename, contentType: CONTENT_TYPES[ext], size: bytes.length });
  const stored = await put(item, bytes);
  assert.equal(stored.status, 200, await stored.clone().text());
  await assertJsonOk(await complete(worker, user, { uploadId: item.uploadId }));
  return { key: item.key, filename };
}

// The asset once its processing has ended (contract 5.6: no longer "pending").
function processed(worker, user, shootId, key, timeoutMs = 30_000) {
  return until(
    async () => {
      const listing = await (await worker.fetch(`/api/shoots/${shootId}/assets`, { headers: user.headers })).json();
      const asset = listing.assets.find((a) => a.key === key);
      return asset && asset.processing !== "pending" ? asset : null;
    },
    `the processing of ${key}`,
    { timeoutMs, intervalMs: 100 },
  );
}

// The previews, downloaded through POST /api/downloads/presign: {thumb, web} bytes.
async function previewBytes(worker, user, shootId, asset) {
  const keys = [asset.previews.thumb, asset.previews.web];
  const answer = await assertJsonOk(await post(worker, "/api/downloads/presign", user, { shootId, keys }));
  const [thumb, web] = await Promise.all(
    answer.downloads.map(async (download) => {
      assert.ok(download.url, JSON.stringify(download));
      const response = await fetch(download.url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "image/jpeg");
      return Buffer.from(await response.arrayBuffer());
    }),
  );
  return { thumb, web };
}

// Uploads a file, waits for its processing, and checks it is done with the expected previews: their pixel
// sizes (after orientation) and which way their corner marks show.
async function assertPreviews(worker, user, shootId, ext, bytes, { orientation, thumb, web, metadata = {} }) {
  const { key, filename } = await upload(worker, user, shootId, ext, bytes);
  const asset = await processed(worker, user, shootId, key);
  assert.equal(asset.processing, "done", JSON.stringify(asset));
  assert.equal(asset.processingReason, undefined);
  const base = `previews/${shootId}/${filename}`;
  assert.deepEqual(asset.previews, { thumb: `${base}/thumb.jpg`, web: `${base}/web.jpg` });
  assert.equal(asset.metadata.orientation, orientation);
  for (const [field, value] of Object.entries(metadata)) assert.equal(asset.metadata[field], value, field);
  const made = await previewBytes(worker, user, shootId, asset);
  assert.deepEqual(jpegSize(made.thumb), thumb, "thumb size");
  assert.deepEqual(jpegSize(made.web), web, "web size");
  for (const [name, preview] of Object.entries(made)) {
    assert.deepEqual(await cornerMarks(preview), DISPLAYED[orientation], `${name}: orientation ${orientation} applied`);
    // Turned already: no EXIF orientation left for a viewer to apply a second time.
    assert.equal((await sharp(preview).metadata()).orientation, undefined, `${name} carries no orientation`);
  }
  return asset;
}

let worker;
let dir;
let big; // 3000 x 2000, the largest embedded preview of each raw (and, as a JPEG, a photo of its own)
let mid; // 1600 x 1067: smaller than the web preview, so a web preview made from it would be 1600 wide
let small; // 160 x 120, a thumbnail

before(async () => {
  for (const name of ["CanonRaw.cr2", "CanonRaw.cr3", "Nikon.nef", "DNG.dng", "QuickTime.heic", "PNG.png", "RIFF.webp"]) {
    assert.ok(existsSync(path.join(SAMPLES, name)), `${name} missing: run scripts/fetch-test-images.sh`);
  }
  dir = mkdtempSync(path.join(os.tmpdir(), "upgate-processing-"));
  big = await markedJpegs(dir, "big", 3000, 2000, [1, 3, 6, 8]);
  mid = (await markedJpegs(dir, "mid", 1600, 1067))[1];
  small = (await markedJpegs(dir, "small", 160, 120))[1];
  worker = await startWorker();
});

after(async () => {
  await worker?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("raw files with real embedded previews", () => {
  it("CR2: the IFD0 preview (3000x2000), not the IFD1 thumbnail, turned a quarter clockwise", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-cr2");
    const file = await sample(dir, "CanonRaw.cr2", [`-PreviewImage<=${big[6]}`, `-ThumbnailImage<=${small}`, "-Orientation#=6"]);
    await assertPreviews(worker, user, shootId, "cr2", readFileSync(file), {
      orientation: 6,
      thumb: { width: 267, height: 400 },
      web: { width: 1365, height: 2048 },
      metadata: { make: "Canon", model: "Canon EOS 350D DIGITAL" },
    });
  });

  it("NEF: the SubIFD JpgFromRaw, larger than the maker note's PreviewImage, turned a quarter anticlockwise", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-nef");
    const file = await sample(dir, "Nikon.nef", [`-JpgFromRaw<=${big[8]}`, `-PreviewImage<=${mid}`, "-Orientation#=8"]);
    // ExifTool itself finds both where it wrote them.
    assert.deepEqual(jpegSize(await run("exiftool", ["-b", "-PreviewImage", file])), { width: 1600, height: 1067 });
    assert.deepEqual(jpegSize(await run("exiftool", ["-b", "-JpgFromRaw", file])), { width: 3000, height: 2000 });
    await assertPreviews(worker, user, shootId, "nef", readFileSync(file), {
      orientation: 8,
      thumb: { width: 267, height: 400 },
      web: { width: 1365, height: 2048 },
      metadata: { make: "NIKON CORPORATION", model: "NIKON D70" },
    });
  });

  it("DNG: the largest of its SubIFD JPEGs even when it comes after a smaller one, turned half a turn", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-dng");
    const file = await sample(dir, "DNG.dng", [`-PreviewImage<=${mid}`, `-JpgFromRaw<=${big[3]}`, "-Orientation#=3"]);
    await assertPreviews(worker, user, shootId, "dng", readFileSync(file), {
      orientation: 3,
      thumb: { width: 400, height: 267 },
      web: { width: 2048, height: 1365 },
      metadata: { make: "Canon" },
    });
  });

  it("CR3: the full-size JPEG track, larger than the PRVW preview, turned a quarter clockwise", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-cr3");
    const oriented = await sample(dir, "CanonRaw.cr3", ["-Orientation#=6"]);
    const file = path.join(dir, "built.cr3");
    const bytes = canonCr3(oriented, readFileSync(mid), readFileSync(big[6]));
    writeFileSync(file, bytes);
    // ExifTool reads the built file as Canon's: the PRVW preview and the JPEG track, byte for byte.
    assert.ok((await run("exiftool", ["-b", "-PreviewImage", file])).equals(readFileSync(mid)), "ExifTool's PreviewImage");
    assert.ok((await run("exiftool", ["-b", "-JpgFromRaw", file])).equals(readFileSync(big[6])), "ExifTool's JpgFromRaw");
    await assertPreviews(worker, user, shootId, "cr3", bytes, {
      orientation: 6,
      thumb: { width: 267, height: 400 },
      web: { width: 1365, height: 2048 },
      metadata: { make: "Canon", model: "Canon EOS M50" },
    });
  });

  it("a raw whose only JPEG is smaller than 2048 keeps its size in the web preview (never upscaled)", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-small");
    const file = await sample(dir, "CanonRaw.cr2", [`-PreviewImage<=${mid}`, `-ThumbnailImage<=${small}`]);
    await assertPreviews(worker, user, shootId, "cr2", readFileSync(file), {
      orientation: 1,
      thumb: { width: 400, height: 267 },
      web: { width: 1600, height: 1067 },
    });
  });
});

describe("files that cannot be processed end at once, with a reason, and the queue goes on", () => {
  // A TIFF-based raw with real previews whose structures are then broken by `breakIt(bytes, ifds)`.
  async function brokenRaw(name, args, breakIt) {
    const bytes = readFileSync(await sample(dir, name, args));
    breakIt(bytes, tiffIfds(bytes));
    return bytes;
  }

  it("hostile structures fail, preview-less formats are skipped, and a good file uploaded right after is done", async () => {
    const { user, shootId } = await ownerWithShoot(worker, "proc-hostile");
    const cr2Args = [`-PreviewImage<=${big[1]}`, `-ThumbnailImage<=${small}`];
    const cr3 = readFileSync(path.join(SAMPLES, "CanonRaw.cr3"));
    const heic = readFileSync(path.join(SAMPLES, "QuickTime.heic"));
    const moov = boxes(cr3).find((box) => box.type === "moov");
    const meta = boxes(heic).find((box) => box.type === "meta");
    const progressiveFile = path.join(dir, "progressive.jpg");
    await run("convert", ["-size", "4000x3000", "gradient:red-blue", "-sampling-factor", "1x1", "-interlace", "JPEG", "-quality", "90", progressiveFile]);
    const progressive = readFileSync(progressiveFile);
    const files = [
      {
        what: "a CR2 whose IFD chain loops back to IFD0",
        ext: "cr2",
        bytes: await brokenRaw("CanonRaw.cr2", cr2Args, (bytes, { ifds, write32 }) => {
          const last = ifds.filter((ifd) => /^IFD\d+$/.test(ifd.name)).at(-1);
          write32(last.nextAt, ifds[0].offset);
        }),
        state: "failed",
        reason: /IFD loop/,
      },
      {
        what: "a NEF whose Exif IFD pointer lies past the end of the file",
        ext: "nef",
        bytes: await brokenRaw("Nikon.nef", [`-JpgFromRaw<=${big[1]}`], (bytes, { ifds, write32 }) => {
          const pointer = ifds[0].entries.find((entry) => entry.tag === 0x8769);
          write32(pointer.at + 8, bytes.length + 4096);
        }),
        state: "failed",
        reason: /Exif IFD at offset \d+ lies past the end of the file/,
      },
      {
        what: "a CR2 whose preview's offset points past the end of the file",
        ext: "cr2",
        bytes: await brokenRaw("CanonRaw.cr2", cr2Args, (bytes, { ifds, write32 }) => {
          const strip = ifds[0].entries.find((entry) => entry.tag === 0x0111);
          write32(strip.at + 8, bytes.length - 100);
        }),
        state: "failed",
        reason: /IFD0's JPEG strip \(\d+ bytes at offset \d+\) runs past the end of the file/,
      },
      {
        what: "a CR2 whose preview's length stops halfway through its JPEG",
        ext: "cr2",
        bytes: await brokenRaw("CanonRaw.cr2", cr2Args, (bytes, { ifds, u32, write32 }) => {
          const length = ifds[0].entries.find((entry) => entry.tag === 0x0117);
          write32(length.at + 8, Math.floor(u32(length.at + 8) / 2));
        }),
        state: "failed",
        reason: /^truncated JPEG/,
      },
      {
        what: "a JPEG cut off in the middle of its image data",
        ext: "jpg",
        bytes: readFileSync(big[1]).subarray(0, 900_000),
        state: "failed",
        reason: /^truncated JPEG/,
        metadata: { width: 3000, height: 2000 },
      },
      {
        what: "a progressive 12-megapixel 4:4:4 JPEG, whose coefficients would need more than the decoder may hold",
        ext: "jpg",
        bytes: progressive,
        state: "failed",
        reason: /^progressive JPEG of 4000 x 3000 pixels needs \d+ MB to decode, over the limit of 64 MB$/,
        metadata: { width: 4000, height: 3000 },
      },
      {
        what: "a CR3 cut off inside its moov box",
        ext: "cr3",
        bytes: cr3.subarray(0, moov.start + 4000),
        state: "failed",
        reason: /box 'moov' at offset \d+ \(\d+ bytes\) runs past the end of the file/,
      },
      {
        what: "a HEIC cut off inside its meta box",
        ext: "heic",
        bytes: heic.subarray(0, meta.start + 200),
        state: "failed",
        reason: /box 'meta' at offset \d+ \(\d+ bytes\) runs past the end of the file/,
      },
      {
        what: "a whole HEIC",
        ext: "heic",
        bytes: heic,
        state: "skipped",
        reason: /HEVC/,
        metadata: { width: 1596, height: 1064 },
      },
      { what: "a PNG", ext: "png", bytes: readFileSync(path.join(SAMPLES, "PNG.png")), state: "skipped", reason: /./, metadata: { width: 16, height: 16 } },
      { what: "a WebP", ext: "webp", bytes: readFileSync(path.join(SAMPLES, "RIFF.webp")), state: "skipped", reason: /./, metadata: { width: 1, height: 1 } },
    ];
    const uploaded = [];
    for (const file of files) uploaded.push({ ...file, ...(await upload(worker, user, shootId, file.ext, file.bytes)) });
    // Right after them, a good photo.
    const good = await upload(worker, user, shootId, "jpg", readFileSync(big[6]));

    // Each ends on its first delivery (a transient failure would wait a minute for its next one), with its reason.
    for (const file of uploaded) {
      const asset = await processed(worker, user, shootId, file.key, 15_000);
      assert.equal(asset.processing, file.state, `${file.what}: ${JSON.stringify(asset)}`);
      assert.match(asset.processingReason ?? "", file.reason, `${file.what}: ${asset.processingReason}`);
      assert.equal(asset.previews, undefined, `${file.what} has no previews`);
      for (const [field, value] of Object.entries(file.metadata ?? {})) assert.equal(asset.metadata?.[field], value, `${file.what}: ${field}`);
    }
    const asset = await processed(worker, user, shootId, good.key, 15_000);
    assert.equal(asset.processing, "done", JSON.stringify(asset));
    const made = await previewBytes(worker, user, shootId, asset);
    assert.deepEqual(jpegSize(made.web), { width: 1365, height: 2048 });
    assert.deepEqual(await cornerMarks(made.thumb), DISPLAYED[6]);

    // Every outcome is in the audit trail too.
    const audit = await (await worker.fetch(`/api/shoots/${shootId}/audit`, { headers: user.headers })).json();
    const results = audit.events.filter((event) => event.action === "upload.processed");
    assert.equal(results.length, files.length + 1, JSON.stringify(results));
  });
});
