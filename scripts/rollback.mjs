#!/usr/bin/env node
// @ts-check
// Back to the previous version: npm run rollback -- <development|production> [--version <id>] [--message <text>]
// [--dry-run]. Without --version, wrangler rollback picks the last version that served 100% before the current
// deployment. --dry-run prints every step and runs none. The logic is scripts/lib/deploy-plan.mjs.
import { fileURLToPath } from "node:url";
import { ROLLBACK_USAGE, UsageError, parseRollbackArgs, rollback, spawnRunner } from "./lib/deploy-plan.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

let request;
try {
  request = parseRollbackArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`rollback: ${error.message}\n\n${ROLLBACK_USAGE}`);
  process.exit(2);
}
if (request.help) {
  console.log(ROLLBACK_USAGE);
  process.exit(0);
}
const outcome = await rollback(request, request.dryRun ? {} : { run: spawnRunner({ cwd: root }) });
process.exitCode = outcome.code;
