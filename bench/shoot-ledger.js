// Bench-only shoot ledger for the reference and the floor: a SQLite-backed Durable Object per shoot, as
// Upgate's (class ShootLedger, shim/ledger.js), with the same schema (wasm/ledger/schema.cpp) and the same
// SQL statements in the same order for a presign, all inside one `transactionSync`, so the three targets do
// the same storage work and differ only in what runs around it. Upgate's object asks its wasm core which
// statement comes next; this one is plain JavaScript that runs the same statements.
//
// presign, per call (wasm/ledger/ledger.cpp load_shoot, then wasm/ledger/uploads.cpp presign):
//   SELECT name FROM sqlite_master (the CREATE statements as well, only when a table is missing) and
//   SELECT * FROM shoot, only until the object has once seen every table and the shoot (then it remembers the
//   shoot, as load_shoot's KnownShoots does); the three look-ups of look_up_keys (assets by key, assets by digest, the uploads
//   pending on the keys); then per file: INSERT INTO uploads (or, for a file declared the same way again, the
//   UPDATE of its presignedAtMs; for a declaration that changed, the cancelled upload's UPDATE and audit row
//   first) and the audit INSERT; and the UPDATE of shoot.workIndexedAtMs when the KV work index is due.
//
// Multipart (for bench/plain-multipart-worker.js): a presign whose file has a partSize creates a multipart upload
// row; attachStorage, partWriter, recordPart, partsOf and markCompleted each run load_shoot's statements, then
// load_upload's SELECT, then that operation's writes (wasm/ledger/multipart.cpp), in one transactionSync.
import { DurableObject } from "cloudflare:workers";

// The CREATE statements of wasm/ledger/schema.cpp, verbatim.
const SCHEMA = [
  "CREATE TABLE IF NOT EXISTS shoot (id INTEGER PRIMARY KEY CHECK (id = 1), shootId TEXT NOT NULL, " +
    "owner TEXT NOT NULL, title TEXT, createdAtMs INTEGER NOT NULL, workIndexedAtMs INTEGER NOT NULL DEFAULT 0)",
  "CREATE TABLE IF NOT EXISTS uploads (uploadId TEXT PRIMARY KEY, key TEXT NOT NULL, objectKey TEXT NOT NULL, " +
    "shootId TEXT NOT NULL, filename TEXT NOT NULL, contentType TEXT NOT NULL, size INTEGER NOT NULL, " +
    "sha256 TEXT NOT NULL, state TEXT NOT NULL, multipart INTEGER NOT NULL DEFAULT 0, " +
    "partSize INTEGER NOT NULL DEFAULT 0, partCount INTEGER NOT NULL DEFAULT 0, " +
    "storageUploadId TEXT NOT NULL DEFAULT '', createdAtMs INTEGER NOT NULL, " +
    "presignedAtMs INTEGER NOT NULL, completingAtMs INTEGER NOT NULL DEFAULT 0, " +
    "completion TEXT, cleanup TEXT NOT NULL DEFAULT '', cleanupClaimedAtMs INTEGER NOT NULL DEFAULT 0)",
  "CREATE INDEX IF NOT EXISTS uploads_pending_by_key ON uploads (key) WHERE state = 'pending'",
  "CREATE INDEX IF NOT EXISTS uploads_pending_by_window ON uploads (presignedAtMs) WHERE state = 'pending'",
  "CREATE INDEX IF NOT EXISTS uploads_cleanup_due ON uploads (cleanupClaimedAtMs) WHERE cleanup = 'due'",
  "CREATE TABLE IF NOT EXISTS parts (uploadId TEXT NOT NULL, partNumber INTEGER NOT NULL, " +
    "size INTEGER NOT NULL, etag TEXT NOT NULL, storedAtMs INTEGER NOT NULL, PRIMARY KEY (uploadId, partNumber))",
  "CREATE TABLE IF NOT EXISTS assets (key TEXT PRIMARY KEY, filename TEXT NOT NULL, uploadId TEXT NOT NULL, " +
    "size INTEGER NOT NULL, contentType TEXT NOT NULL, sha256 TEXT NOT NULL, etag TEXT NOT NULL, " +
    "completedAtMs INTEGER NOT NULL, duplicateOf TEXT, processing TEXT NOT NULL DEFAULT 'pending', " +
    "processingReason TEXT, metadata TEXT, previews TEXT)",
  "CREATE INDEX IF NOT EXISTS assets_by_digest ON assets (sha256) WHERE sha256 != ''",
  "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, atMs INTEGER NOT NULL, " +
    "action TEXT NOT NULL, actor TEXT NOT NULL, requestId TEXT NOT NULL, key TEXT, uploadId TEXT, detail TEXT)",
  "CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action)",
];
const TABLES = ["shoot", "uploads", "parts", "assets", "audit"];

const INSERT_UPLOAD =
  "INSERT INTO uploads (uploadId, key, objectKey, shootId, filename, contentType, size, sha256, state, " +
  "multipart, partSize, partCount, createdAtMs, presignedAtMs) " +
  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)";
const INSERT_AUDIT =
  "INSERT INTO audit (atMs, action, actor, requestId, key, uploadId, detail) VALUES (?, ?, ?, ?, ?, ?, ?)";

const COMPLETION_WINDOW_MS = 6 * 3600_000; // records::kCompletionWindowMs
const WORK_INDEX_REFRESH_MS = 3600_000; // records::kWorkIndexRefreshMs

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class BenchShootLedger extends DurableObject {
  // The shoot once seen with every table: later operations start without reading it, as load_shoot's
  // KnownShoots does.
  #shoot = null;

  // The shoot as stored, or null for an object no shoot was created in (load_shoot).
  #loadShoot() {
    if (this.#shoot) return this.#shoot;
    const sql = this.ctx.storage.sql;
    const present = new Set(sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((row) => row.name));
    if (!present.has("shoot")) return null;
    if (!TABLES.every((name) => present.has(name))) for (const create of SCHEMA) sql.exec(create);
    this.#shoot = sql.exec("SELECT * FROM shoot WHERE id = 1").toArray()[0] ?? null;
    return this.#shoot;
  }

  #audit(at, action, actor, requestId, key = null, uploadId = null, detail = null) {
    this.ctx.storage.sql.exec(INSERT_AUDIT, at, action, actor, requestId, key, uploadId, detail);
  }

  // Seeding (bench/lib/workers.mjs seedShoot): create_shoot's statements.
  createShoot({ shootId, owner, requestId, now }) {
    return this.ctx.storage.transactionSync(() => {
      if (this.#loadShoot()) return { refused: "shoot_exists" };
      const sql = this.ctx.storage.sql;
      for (const create of SCHEMA) sql.exec(create);
      sql.exec("INSERT INTO shoot (id, shootId, owner, title, createdAtMs) VALUES (1, ?, ?, ?, ?)", shootId, owner, null, now);
      this.#audit(now, "shoot.created", owner, requestId);
      this.#shoot = { id: 1, shootId, owner, title: null, createdAtMs: now, workIndexedAtMs: 0 };
      return { ok: true };
    });
  }

  // {shootId, actor: {sub, admin}, requestId, now, files: [{filename, contentType, size, sha256, replace}]}
  //   -> {uploads: [{upload} | {error}], indexWork} | {refused}
  presign({ shootId, actor, requestId, now, files }) {
    return this.ctx.storage.transactionSync(() => {
      const shoot = this.#loadShoot();
      if (!shoot) return { refused: "shoot_not_found" };
      if (!actor.admin && actor.sub !== shoot.owner) return { refused: "not_shoot_owner" };
      const sql = this.ctx.storage.sql;
      const keys = files.map((file) => `shoots/${shootId}/${file.filename}`);
      const digests = files.map((file) => file.sha256).filter(Boolean);
      const assetRows = sql
        .exec("SELECT key, sha256 FROM assets WHERE key IN (SELECT value FROM json_each(?))", JSON.stringify(keys))
        .toArray();
      const digestRows = sql
        .exec("SELECT key, sha256 FROM assets WHERE sha256 IN (SELECT value FROM json_each(?)) ORDER BY key", JSON.stringify(digests))
        .toArray();
      const pendingRows = sql
        .exec("SELECT * FROM uploads WHERE state = 'pending' AND key IN (SELECT value FROM json_each(?))", JSON.stringify(keys))
        .toArray();
      const assets = new Set(assetRows.map((row) => row.key));
      const keyByDigest = new Map();
      for (const row of digestRows) if (!keyByDigest.has(row.sha256)) keyByDigest.set(row.sha256, row.key);
      const pending = new Map(pendingRows.map((row) => [row.key, row]));

      const uploads = files.map((file, i) => {
        const key = keys[i];
        const holdsAsset = assets.has(key);
        if (holdsAsset && !file.replace) return { error: "already_exists" };
        const earlier = pending.get(key);
        let upload;
        const sameAgain =
          earlier &&
          now <= earlier.presignedAtMs + COMPLETION_WINDOW_MS &&
          earlier.size === file.size &&
          earlier.contentType === file.contentType &&
          earlier.sha256 === file.sha256 &&
          (earlier.objectKey !== earlier.key) === holdsAsset;
        if (sameAgain) {
          upload = { ...earlier, presignedAtMs: now };
          sql.exec("UPDATE uploads SET presignedAtMs = ? WHERE uploadId = ?", now, upload.uploadId);
        } else {
          if (earlier) {
            sql.exec("UPDATE uploads SET state = ?, cleanup = ? WHERE uploadId = ?", "cancelled", "due", earlier.uploadId);
            this.#audit(now, "upload.cancelled", actor.sub, requestId, key, earlier.uploadId, "declared again");
          }
          const uploadId = `up_${shootId}_${randomHex(16)}`;
          const objectKey = holdsAsset ? `staging/${uploadId}/${file.filename}` : key;
          upload = {
            uploadId,
            key,
            objectKey,
            shootId,
            filename: file.filename,
            contentType: file.contentType,
            size: file.size,
            sha256: file.sha256,
            state: "pending",
            createdAtMs: now,
            presignedAtMs: now,
          };
          const multipart = file.partSize ? 1 : 0; // a multipart creation (bench/plain-multipart-worker.js)
          sql.exec(INSERT_UPLOAD, uploadId, key, objectKey, shootId, file.filename, file.contentType, file.size, file.sha256,
            multipart, file.partSize ?? 0, file.partCount ?? 0, now, now);
          pending.set(key, upload); // a second entry for the same key in this batch sees this one
        }
        this.#audit(now, "upload.presigned", actor.sub, requestId, key, upload.uploadId);
        const duplicateOf = file.sha256 ? keyByDigest.get(file.sha256) : undefined;
        return duplicateOf && duplicateOf !== key ? { upload, duplicateOf } : { upload };
      });
      const indexWork = files.length > 0 && shoot.workIndexedAtMs < now - WORK_INDEX_REFRESH_MS;
      if (indexWork) {
        sql.exec("UPDATE shoot SET workIndexedAtMs = ? WHERE id = 1", now);
        shoot.workIndexedAtMs = now;
      }
      return { uploads, indexWork };
    });
  }

  // Multipart, for bench/plain-multipart-worker.js: the statements of Upgate's ledger operations of the same name
  // (wasm/ledger/multipart.cpp), each call in one transactionSync after load_shoot's statements, as Upgate's are.

  // The upload row (load_upload's SELECT), or null.
  #loadUpload(uploadId) {
    return (
      this.ctx.storage.sql
        .exec("SELECT * FROM uploads WHERE uploadId IN (SELECT value FROM json_each(?))", JSON.stringify([uploadId]))
        .toArray()[0] ?? null
    );
  }

  // attachStorage: the storage upload the Worker created becomes the upload's.
  attachStorage({ uploadId, storageUploadId }) {
    return this.ctx.storage.transactionSync(() => {
      if (!this.#loadShoot()) return { refused: "shoot_not_found" };
      const upload = this.#loadUpload(uploadId);
      if (!upload || upload.state !== "pending") return { refused: "upload_not_found" };
      this.ctx.storage.sql.exec("UPDATE uploads SET storageUploadId = ? WHERE uploadId = ?", storageUploadId, uploadId);
      return { upload: { ...upload, storageUploadId } };
    });
  }

  // partWriter (find_part_writer): may this part of this upload be written now? The upload, or the refusal.
  partWriter({ uploadId, key, partNumber, size }) {
    return this.ctx.storage.transactionSync(() => {
      const shoot = this.#loadShoot();
      const upload = this.#loadUpload(uploadId);
      if (!shoot || !upload || !upload.multipart || upload.key !== key) return { refused: "upload_superseded" };
      if (upload.state !== "pending") return { refused: `upload_${upload.state}` };
      if (!upload.storageUploadId) return { refused: "upload_superseded" };
      if (partNumber < 1 || partNumber > upload.partCount) return { refused: "invalid_request" };
      const expected = partNumber < upload.partCount ? upload.partSize : upload.size - (upload.partCount - 1) * upload.partSize;
      if (size !== expected) return { refused: "invalid_request" };
      return { upload };
    });
  }

  // recordPart (record_part): storage holds the part now.
  recordPart({ uploadId, partNumber, size, etag, now }) {
    return this.ctx.storage.transactionSync(() => {
      const upload = this.#loadShoot() ? this.#loadUpload(uploadId) : null;
      if (!upload || upload.state !== "pending") return { refused: "upload_not_found" };
      const sql = this.ctx.storage.sql;
      sql.exec(
        "INSERT OR REPLACE INTO parts (uploadId, partNumber, size, etag, storedAtMs) VALUES (?, ?, ?, ?, ?)",
        uploadId,
        partNumber,
        size,
        etag,
        now,
      );
      sql.exec("UPDATE uploads SET presignedAtMs = ? WHERE uploadId = ?", now, uploadId);
      return { recorded: true };
    });
  }

  // Before a completion: the upload and its parts (load_parts), ascending.
  partsOf({ uploadId }) {
    return this.ctx.storage.transactionSync(() => {
      const upload = this.#loadShoot() ? this.#loadUpload(uploadId) : null;
      if (!upload) return { refused: "upload_not_found" };
      const parts = this.ctx.storage.sql
        .exec("SELECT partNumber, size, etag FROM parts WHERE uploadId = ? ORDER BY partNumber", uploadId)
        .toArray();
      return { upload, parts };
    });
  }

  // After a completion: the upload completed, its asset, the audit row.
  markCompleted({ uploadId, etag, actor, requestId, now }) {
    return this.ctx.storage.transactionSync(() => {
      const upload = this.#loadShoot() ? this.#loadUpload(uploadId) : null;
      if (!upload || upload.state !== "pending") return { refused: "upload_not_found" };
      const sql = this.ctx.storage.sql;
      sql.exec("UPDATE uploads SET state = 'completed', completion = ? WHERE uploadId = ?", JSON.stringify({ etag }), uploadId);
      sql.exec(
        "INSERT OR REPLACE INTO assets (key, filename, uploadId, size, contentType, sha256, etag, completedAtMs) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        upload.key,
        upload.filename,
        uploadId,
        upload.size,
        upload.contentType,
        upload.sha256,
        etag,
        now,
      );
      this.#audit(now, "upload.completed", actor, requestId, upload.key, uploadId);
      return { ok: true };
    });
  }

  // The storage section (bench/lib/storage.mjs): the object's SQLite database in bytes.
  databaseSize() {
    return this.ctx.storage.sql.databaseSize;
  }
}
