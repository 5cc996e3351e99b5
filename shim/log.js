// One JSON object per line (contract section 9). Callers pass only fields the core chose to log; tokens,
// signatures and secrets are never among them.
export function logLine(fields) {
  console.log(JSON.stringify(fields));
}
