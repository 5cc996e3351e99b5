#!/usr/bin/env node
// @ts-check
// The gated deploy: npm run deploy -- <development|production> [--dry-run]
// Builds, uploads a new version (wrangler versions upload), runs the smoke suite (scripts/smoke.mjs) against
// that version's preview URL and deploys it to 100% only when the suite passes; otherwise the current version
// keeps serving and it says why (exit 1). The smoke token comes from UPGATE_SMOKE_TOKEN. --dry-run prints every
// step and runs none. The logic is scripts/lib/deploy-plan.mjs.
import { fileURLToPath } from "node:url";
import { DEPLOY_USAGE, UsageError, deploy, parseDeployArgs, spawnRunner } from "./lib/deploy-plan.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

let request;
try {
  request = parseDeployArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`deploy: ${error.message}\n\n${DEPLOY_USAGE}`);
  process.exit(2);
}
if (request.help) {
  console.log(DEPLOY_USAGE);
  process.exit(0);
}
const outcome = await deploy(request, request.dryRun ? {} : { run: spawnRunner({ cwd: root }) });
process.exitCode = outcome.code;
