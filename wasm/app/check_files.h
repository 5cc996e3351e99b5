// The Worker's file checks, for clients before they upload (npm run upload, the browser module): each file's
// fields, type, size and name, exactly as presign checks them, so a client lists what would be refused, and
// why, before sending anything. Pure, and needs no configuration: the limits come with the call.
//
//   {"op": "check_files", "shootId", "now": <ms>, "limits": {"maxSinglePutBytes", "maxUploadBytes"},
//    "files": [{"filename", "contentType"?, "size"}]}
//     -> {"files": [{"filename", "contentType", "multipart": bool} | {"filename", "error": {code, message, ...}}]}
//
// An absent contentType is the one the name's extension stands for; multipart: the file is larger than one PUT.
#pragma once
#include "util/json.h"

namespace upgate {

json check_files(const json& call);

}  // namespace upgate
