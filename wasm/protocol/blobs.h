// Bytes that cross the boundary as bytes, not as JSON text: an object's range the shim read for the core
// (r2_read_range), a preview the core made for the shim to store (r2_put_blob). Each is held here under a
// numeric id that the JSON messages carry; the shim copies straight into or out of wasm memory.
//
//   shim -> core   id = upgate_blob_alloc(len); write len bytes at upgate_blob_data(id); the effect result
//                  names {"blob": id}; the core takes it (take)
//   core -> shim   id = put(bytes); the effect names {"blob": id}; the shim reads upgate_blob_size(id) bytes at
//                  upgate_blob_data(id), then upgate_blob_release(id)
//
// Bounded: at most kMaxBlobBytes held at once; a blob over the bound is refused (id 0).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace upgate::blobs {

constexpr uint64_t kMaxBlobBytes = uint64_t(160) * 1024 * 1024;

// A blob of length zeroed bytes for the shim to fill; 0 when the bound would be passed.
uint32_t alloc(uint32_t length);
// Holds bytes for the shim; 0 when the bound would be passed.
uint32_t put(std::string bytes);
char* data(uint32_t id);
uint32_t size(uint32_t id);
// The bytes, no longer held; nullopt for an unknown id.
std::optional<std::string> take(uint32_t id);
void release(uint32_t id);

}  // namespace upgate::blobs
