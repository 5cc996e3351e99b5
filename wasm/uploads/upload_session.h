// An upload as the shoot's ledger records it (contract 5.1–5.5): what was declared, where its bytes go, and
// how far it has come. The same field names serve as the ledger's SQL columns (ledger/schema.cpp) and as the
// JSON the ledger answers the Worker with, so one reader (from_json) takes either.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "uploads/upload_request.h"
#include "util/json.h"

namespace upgate {

class JsonReader;

struct UploadSession {
  enum class State { Pending, Completed, Cancelled, Aborted, Expired };

  std::string upload_id;
  std::string key;         // shoots/<shootId>/<filename>: where the file lives once completed
  std::string object_key;  // where the upload's bytes are written: key, or a staging key for a replacement
  std::string shoot_id;
  std::string filename;
  std::string content_type;
  int64_t size = 0;
  std::string sha256;  // lower-case hex, or empty
  State state = State::Pending;
  bool multipart = false;
  int64_t part_size = 0;          // multipart: every part but the last is this long (contract 5.4)
  int64_t part_count = 0;         // multipart: how many parts the file has
  std::string storage_upload_id;  // multipart: the storage's (R2's) multipart upload, once created
  int64_t created_at_ms = 0;      // the first presign
  // The latest presign or, for multipart, part activity (a part signed or stored): the window runs from here.
  int64_t presigned_at_ms = 0;
  int64_t completing_at_ms = 0;  // when a completion in progress began (0: none)
  json completion;               // the answer complete gave, once completed

  bool replaces() const { return object_key != key; }
  // Asking again with the same declaration returns the same upload (contract 5.1).
  bool declared_as(const FileRequest& file) const {
    return size == file.size && content_type == file.content_type && sha256 == file.sha256 &&
           part_size == file.part_size;
  }
  // The end of its completion window (6 hours after its latest presign; 24 hours after its latest part
  // activity for multipart); past it the upload is abandoned.
  int64_t expires_at_ms() const;
  bool abandoned_at(int64_t now_ms) const { return now_ms > expires_at_ms(); }
  // Pending and inside its window: the upload that may write its key.
  bool live_at(int64_t now_ms) const { return state == State::Pending && !abandoned_at(now_ms); }

  json to_json() const;
  // The same record written straight to text (presign's answer, on every upload's path).
  void write(JsonWriter& out) const;
  // GET /api/uploads/{uploadId} (contract 5.3): a pending upload past its window shows as expired; parts
  // (multipart only) are the stored parts, [{partNumber, size, etag}] in order.
  json to_public_json(int64_t now_ms, const json& parts = json()) const;
  // nullopt for a record that is missing or not an upload.
  static std::optional<UploadSession> from_json(const json& record);
  // The same, read straight off JSON text (the ledger's answer on the Worker's hot path) with no tree between;
  // the reader is left after the record either way.
  static std::optional<UploadSession> read(JsonReader& reader);
};

const char* state_name(UploadSession::State state);

}  // namespace upgate
