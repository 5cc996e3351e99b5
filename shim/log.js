// One JSON object per line (contract section 9). Callers pass only fields the core chose to log; tokens,
// signatures and secrets are never among them.
export function logLine(fields) {
  console.log(JSON.stringify(fields));
}

/**
 * A line the core wrote (the JSON text of one object), printed as it is; durationMs, which only the shim knows,
 * goes in as the line's last field.
 * @param {string} text
 * @param {number} [durationMs]
 */
export function logCoreLine(text, durationMs) {
  console.log(durationMs === undefined ? text : `${text.slice(0, -1)},"duration_ms":${durationMs}}`);
}
