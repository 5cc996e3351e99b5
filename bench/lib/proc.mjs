// The workerd processes Miniflare spawned, and their memory and CPU time, read from /proc (Linux only).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    return { pid, comm, ppid };
  } catch {
    return null;
  }
}

// Every workerd process descending from this node process.
export function workerdPids(root = process.pid) {
  const all = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter(Boolean);
  const children = new Map();
  for (const proc of all) {
    if (!children.has(proc.ppid)) children.set(proc.ppid, []);
    children.get(proc.ppid).push(proc);
  }
  const found = [];
  const walk = (pid) => {
    for (const child of children.get(pid) ?? []) {
      if (child.comm === "workerd") found.push(child.pid);
      walk(child.pid);
    }
  };
  walk(root);
  return found;
}

// VmRSS / VmHWM in KiB.
function statusKiB(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function rssKiB(pids) {
  return pids.reduce((sum, pid) => sum + statusKiB(pid, "VmRSS"), 0);
}

// Resets the kernel's peak-RSS mark (VmHWM) when allowed; sampling alone is the fallback.
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

// Samples VmRSS every `intervalMs` until stop(); stop() answers the peak (KiB), also taking the kernel's VmHWM
// into account when it could be reset at the start (it then catches spikes between two samples).
export function startRssSampler(pids, intervalMs = 50) {
  const hwmUsable = pids.length > 0 && pids.every(resetPeak);
  let peak = rssKiB(pids);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKiB(pids));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssKiB(pids));
      const hwm = hwmUsable ? pids.reduce((sum, pid) => sum + statusKiB(pid, "VmHWM"), 0) : 0;
      return { peakKiB: Math.max(peak, hwm), sampledPeakKiB: peak, hwmKiB: hwm };
    },
  };
}

// CPU time (seconds) the processes' threads have run so far, from /proc/<pid>/task/<tid>/schedstat (ns). Unlike
// wall time it does not grow when other processes on the machine take the CPU away.
export function cpuSeconds(pids) {
  let ns = 0;
  for (const pid of pids) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return ns / 1e9;
}
