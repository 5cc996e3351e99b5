// The Uppy tests' pages, bundled with esbuild once per Uppy major: each major is a private package
// (tests/browser/uppy-5, uppy-6), and a page's "@uppy/..." imports (and their subpaths) are resolved as if made
// from that major's fixture folder: the package Node would give the fixture, wherever npm placed it (hoisted to the
// root node_modules or nested in tests/browser/uppy-<major>/node_modules). Uppy's own imports resolve normally,
// from where npm put each package.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function uppyFixture(page, major) {
  const resolveDir = path.join(ROOT, `tests/browser/uppy-${major}`);
  return {
    name: `uppy-${major}-fixture`,
    setup(build) {
      build.onResolve({ filter: /^@uppy\// }, (args) =>
        args.importer === page ? build.resolve(args.path, { kind: args.kind, resolveDir }) : undefined,
      );
    },
  };
}

/**
 * The page (an absolute path) as one IIFE for Chromium, its Uppy imports taken from that major's fixture.
 * @param {string} page
 * @param {number} major
 * @returns {Promise<string>}
 */
export async function bundleUppyPage(page, major) {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [page],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    plugins: [uppyFixture(page, major)],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}
