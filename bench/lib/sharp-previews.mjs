// A child process of the `previews` section (bench/lib/previews.mjs): sharp making Upgate's two previews of one
// JPEG, thumb (long edge 400) and web (long edge 2048), never upscaled, EXIF orientation applied, baseline JPEG
// 4:2:0 with Huffman tables optimised at Upgate's quality, as many times as asked, after one warm-up on another
// file. Alone in its process, so its CPU time (process.cpuUsage: every thread, libvips's included) and its peak
// RSS (getrusage's maxRSS) are sharp's and Node's only.
//
//   node bench/lib/sharp-previews.mjs '{"file", "warmup", "runs", "quality", "variant"}'
//
// variant "one-decode": as Upgate does it, one decode (shrink-on-load) to the web size, both previews from those
// pixels; "two-pipelines": the usual sharp idiom, one clone() pipeline per preview, each decoding the file.
// Prints one JSON line: {"cpuMs": [...], "wallMs": [...], "baselineKiB", "peakKiB", "sizes": {"thumb", "web"}}.
import { readFileSync } from "node:fs";
import sharp from "sharp";

const { file, warmup, runs, quality, variant } = JSON.parse(process.argv[2]);
sharp.cache(false); // every run does the whole work

const jpeg = { quality, chromaSubsampling: "4:2:0", optimiseCoding: true, progressive: false, mozjpeg: false };
const fit = (edge) => ({ width: edge, height: edge, fit: /** @type {const} */ ("inside"), withoutEnlargement: true });

async function previews(path) {
  const input = readFileSync(path);
  if (variant === "one-decode") {
    const { data, info } = await sharp(input).rotate().resize(fit(2048)).raw().toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    const [web, thumb] = await Promise.all([
      sharp(data, raw).jpeg(jpeg).toBuffer({ resolveWithObject: true }),
      sharp(data, raw).resize(fit(400)).jpeg(jpeg).toBuffer({ resolveWithObject: true }),
    ]);
    return { web, thumb };
  }
  const image = sharp(input).rotate();
  const [web, thumb] = await Promise.all([
    image.clone().resize(fit(2048)).jpeg(jpeg).toBuffer({ resolveWithObject: true }),
    image.clone().resize(fit(400)).jpeg(jpeg).toBuffer({ resolveWithObject: true }),
  ]);
  return { web, thumb };
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

await previews(warmup);
const baselineKiB = Math.round(process.memoryUsage.rss() / 1024);
const result = { cpuMs: [], wallMs: [], baselineKiB, peakKiB: 0, sizes: {} };
for (let run = 0; run < runs; run++) {
  const cpuBefore = cpuMs();
  const started = performance.now();
  const made = await previews(file);
  result.wallMs.push(performance.now() - started);
  result.cpuMs.push(cpuMs() - cpuBefore);
  for (const name of ["thumb", "web"]) result.sizes[name] = { width: made[name].info.width, height: made[name].info.height };
}
result.peakKiB = process.resourceUsage().maxRSS;
process.stdout.write(`${JSON.stringify(result)}\n`);
