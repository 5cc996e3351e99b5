// ESLint over the JavaScript: the Worker shim, the scripts, the tests and the benchmark (scripts/lint.sh runs it).
// @eslint/js's recommended rules plus a few that catch mistakes; formatting is left alone. Each folder gets the
// globals of where it runs: workerd (the shim and the Workers that tests and the benchmark load), Node (scripts,
// tests, the benchmark's driver) or the browser (the page the Uppy tests bundle).
import js from "@eslint/js";
import globals from "globals";

// What workerd has beyond a service worker's globals (the shim uses FixedLengthStream).
const workerd = {
  ...globals.serviceworker,
  FixedLengthStream: "readonly",
  IdentityTransformStream: "readonly",
  DigestStream: "readonly",
  HTMLRewriter: "readonly",
  WebSocketPair: "readonly",
};

// Files that run in workerd: the Worker, and the Workers the tests and the benchmark load.
const WORKERD_FILES = ["shim/**/*.js", "bench/*-worker.js", "tests/worker/fixtures/**/*.js"];
// Bundled by esbuild and run in Chromium by tests/browser/uppy.test.js; the browser upload module and the
// development upload page, loaded by a browser as they are (client/upload-flow.mjs runs in both Node and browsers).
const BROWSER_FILES = ["tests/browser/page.js", "tests/browser/browser-module-page.mjs", "client/upload-browser.mjs", "client/upload-page.mjs"];

export default [
  {
    ignores: ["**/node_modules/", "build/", "third_party/", ".wrangler/", "dist/"],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      // A name that starts with "_" is unused on purpose.
      "no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      "no-var": "error",
      "no-throw-literal": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ignores: [...WORKERD_FILES, ...BROWSER_FILES],
    languageOptions: { globals: globals.node },
  },
  {
    files: WORKERD_FILES,
    languageOptions: { globals: workerd },
  },
  {
    files: BROWSER_FILES,
    languageOptions: { globals: globals.browser },
  },
];
