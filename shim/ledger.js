// The shoot ledger's Durable Object (wasm/ledger/ledger.h): one per shoot, SQLite-backed. The core runs here
// too and makes every decision; this class only runs the SQL it asks for. All of one operation runs inside
// one synchronous transaction, so operations on a shoot happen one at a time and each one's writes land
// together or not at all (a thrown error rolls them back, and the Worker answers 503).
import { DurableObject } from "cloudflare:workers";
import { configuredCore, randomHex } from "./core.js";

// An operation is a handful of statement rounds; the bound stops a core bug from looping forever.
const MAX_ROUNDS = 16;

/** @param {WebAssembly.Module} wasmModule */
export function createShootLedger(wasmModule) {
  let core = null; // one instance per isolate, shared by the objects it hosts

  return class ShootLedger extends DurableObject {
    /**
     * One ledger operation (RPC from the Worker's "ledger" effect): its JSON text in, its answer's JSON text out.
     * Neither is parsed here; the core reads the request (its time included) and writes the answer.
     * @param {string} request {op, shootId, actor?, requestId, now, ...fields} as JSON text
     * @returns {string}
     */
    run(request) {
      core ??= configuredCore(wasmModule, this.env).core;
      const sql = this.ctx.storage.sql;
      const first = `{"op":"ledger","entropy":"${randomHex(16)}","request":${request}}`;
      try {
        return this.ctx.storage.transactionSync(() => converse(core, first, sql));
      } catch (error) {
        core = null; // a trapped instance is not trusted again
        throw error;
      }
    }
  };
}

/** @param {string} first the first call's JSON text */
function converse(core, first, sql) {
  let answer = core.callText(first);
  try {
    for (let round = 0; round < MAX_ROUNDS && answer.effects; round++) {
      const results = answer.effects.map((effect) => ({ ok: true, rows: sql.exec(effect.query, ...effect.params).toArray() }));
      answer = core.call({ op: "resume", handle: answer.handle, results });
    }
  } catch (error) {
    if (answer.handle) core.call({ op: "close", handle: answer.handle });
    throw error;
  }
  if (answer.effects) {
    core.call({ op: "close", handle: answer.handle });
    throw new Error("ledger operation did not finish within the round bound");
  }
  if (!answer.done) throw new Error(`ledger core error: ${answer.error ?? "no result"}`);
  // The operation's last writes, whose results it does not read, come with its answer.
  for (const write of answer.writes) sql.exec(write.query, ...write.params);
  return answer.result;
}
