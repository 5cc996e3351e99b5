// An upload as Upgate records it (contract 5.1, 5.2, 5.5): what was declared, where its bytes go, and how
// far it has come. Kept in KV under records::session_key, and copied under records::pending_key while it is
// the upload pending on its object key.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "uploads/upload_request.h"
#include "util/json.h"

namespace upgate {

struct UploadSession {
  enum class State { Pending, Completed, Cancelled };

  std::string upload_id;
  std::string key;         // shoots/<shootId>/<filename>: where the file lives once completed
  std::string object_key;  // where the upload's bytes are written: key, or a staging key for a replacement
  std::string shoot_id;
  std::string filename;
  std::string owner;  // the shoot's owner, who decides about the upload whoever presigned it (contract 3)
  std::string content_type;
  int64_t size = 0;
  std::string sha256;  // lower-case hex, or empty
  State state = State::Pending;
  int64_t created_at_ms = 0;    // the first presign
  int64_t presigned_at_ms = 0;  // the latest presign: the completion window runs from here
  int64_t url_expires_at_ms = 0;
  json completion;  // the answer complete gave, once completed

  bool replaces() const { return object_key != key; }
  // Asking again with the same declaration returns the same upload (contract 5.1).
  bool declared_as(const FileRequest& file) const {
    return size == file.size && content_type == file.content_type && sha256 == file.sha256;
  }
  // Past its completion window (6 hours after its latest presign) the upload is abandoned.
  bool abandoned_at(int64_t now_ms) const;

  json to_json() const;
  // nullopt for a record that is missing or not a session.
  static std::optional<UploadSession> from_json(const json& record);
  // The value of a kv_get result, parsed.
  static std::optional<UploadSession> from_kv_value(const json& kv_result);
};

}  // namespace upgate
