// Preloaded (node --import) into the client processes the `cli` section starts (bench/lib/cli.mjs): as the process
// exits, it writes its own resource usage to $UPGATE_BENCH_USAGE_FILE. maxRSS is the kernel's peak resident set
// (getrusage ru_maxrss, KiB), exact however short a spike was; CPU times in µs.
import { writeFileSync } from "node:fs";

const file = process.env.UPGATE_BENCH_USAGE_FILE;
if (file) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKiB: usage.maxRSS, userCpuUs: usage.userCPUTime, systemCpuUs: usage.systemCPUTime }));
  });
}
