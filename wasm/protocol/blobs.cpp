#include "protocol/blobs.h"

#include <map>

namespace upgate::blobs {

namespace {

struct Table {
  std::map<uint32_t, std::string> held;
  uint64_t bytes = 0;
  uint32_t next = 1;
};

Table& table() {
  static Table blobs;
  return blobs;
}

uint32_t hold(std::string bytes) {
  Table& blobs = table();
  if (blobs.bytes + bytes.size() > kMaxBlobBytes) return 0;
  const uint32_t id = blobs.next++;
  if (blobs.next == 0) blobs.next = 1;  // 0 means "refused"
  blobs.bytes += bytes.size();
  blobs.held.emplace(id, std::move(bytes));
  return id;
}

}  // namespace

uint32_t alloc(uint32_t length) {
  if (length > kMaxBlobBytes) return 0;
  return hold(std::string(length, '\0'));
}

uint32_t put(std::string bytes) { return hold(std::move(bytes)); }

char* data(uint32_t id) {
  auto it = table().held.find(id);
  return it == table().held.end() ? nullptr : it->second.data();
}

uint32_t size(uint32_t id) {
  auto it = table().held.find(id);
  return it == table().held.end() ? 0 : static_cast<uint32_t>(it->second.size());
}

std::optional<std::string> take(uint32_t id) {
  auto it = table().held.find(id);
  if (it == table().held.end()) return std::nullopt;
  std::string bytes = std::move(it->second);
  table().bytes -= bytes.size();
  table().held.erase(it);
  return bytes;
}

void release(uint32_t id) { take(id); }

}  // namespace upgate::blobs
