// The C ABI the shim calls (shim/core.js). Memory in, memory out, no allocation handed across:
//   1. ptr = upgate_input(len)      the core sizes its input buffer and returns where to write len bytes of JSON
//   2. out_len = upgate_call(len)   the core runs dispatch() on those bytes and keeps the JSON answer
//   3. ptr = upgate_output()        where the answer's out_len bytes are, valid until the next upgate_call
// Calls are synchronous and an isolate runs one at a time, so two static buffers are enough.
//
// Running checksums over a streamed body (checksum_stream.h), chunk by chunk through the same buffers:
//   h = upgate_checksum_open(algorithm)        1 = CRC-32, 2 = CRC-32C; 0 when unknown
//   upgate_checksum_update(h, len)             the len bytes written at upgate_input(len)
//   out_len = upgate_checksum_finish(h)        the hex checksum at upgate_output(); the handle is closed
//
// Bytes that cross as bytes (protocol/blobs.h): upgate_blob_alloc, upgate_blob_data, upgate_blob_size,
// upgate_blob_release.
#include <cstdint>
#include <string>

#include "app/dispatch.h"
#include "crypto/checksum_stream.h"
#include "protocol/blobs.h"

namespace {
std::string input_buffer;
std::string output_buffer;
}  // namespace

extern "C" {

__attribute__((export_name("upgate_input"))) char* upgate_input(uint32_t length) {
  input_buffer.resize(length);
  return input_buffer.data();
}

__attribute__((export_name("upgate_call"))) uint32_t upgate_call(uint32_t length) {
  output_buffer = upgate::dispatch(std::string_view(input_buffer.data(), length));
  return static_cast<uint32_t>(output_buffer.size());
}

__attribute__((export_name("upgate_output"))) const char* upgate_output() { return output_buffer.data(); }

__attribute__((export_name("upgate_checksum_open"))) uint32_t upgate_checksum_open(uint32_t algorithm) {
  return upgate::checksum_stream::open(algorithm);
}

__attribute__((export_name("upgate_checksum_update"))) void upgate_checksum_update(uint32_t handle, uint32_t length) {
  upgate::checksum_stream::update(handle, std::string_view(input_buffer.data(), length));
}

__attribute__((export_name("upgate_checksum_finish"))) uint32_t upgate_checksum_finish(uint32_t handle) {
  output_buffer = upgate::checksum_stream::finish(handle);
  return static_cast<uint32_t>(output_buffer.size());
}

__attribute__((export_name("upgate_blob_alloc"))) uint32_t upgate_blob_alloc(uint32_t length) {
  return upgate::blobs::alloc(length);
}

__attribute__((export_name("upgate_blob_data"))) char* upgate_blob_data(uint32_t id) { return upgate::blobs::data(id); }

__attribute__((export_name("upgate_blob_size"))) uint32_t upgate_blob_size(uint32_t id) {
  return upgate::blobs::size(id);
}

__attribute__((export_name("upgate_blob_release"))) void upgate_blob_release(uint32_t id) {
  upgate::blobs::release(id);
}
}
