// Bench-only: Upgate itself (shim/index.js, unchanged) whose shoot ledger can also tell the size of its SQLite
// database, for the storage section (bench/lib/storage.mjs). Requests take exactly Upgate's path; the added
// method is called only by the bench, through Miniflare. Never deployed.
import worker, { ShootLedger as UpgateShootLedger } from "../shim/index.js";

export class ShootLedger extends UpgateShootLedger {
  databaseSize() {
    return this.ctx.storage.sql.databaseSize;
  }
}

export default worker;
