#include "metadata/context.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace upgate::metadata {

ByteRanges ByteRanges::whole(std::string_view bytes) {
  ByteRanges file(bytes.size());
  file.add(0, bytes);
  return file;
}

void ByteRanges::add(uint64_t offset, std::string_view bytes) {
  if (offset >= size_ || bytes.empty()) return;
  if (bytes.size() > size_ - offset) bytes = bytes.substr(0, size_ - offset);
  const uint64_t start = offset;
  const uint64_t end = offset + bytes.size();
  // The runs that overlap or touch [start, end) become one run with the new bytes.
  auto first = runs_.upper_bound(start);
  if (first != runs_.begin()) {
    auto before = std::prev(first);
    if (before->first + before->second.size() >= start) first = before;
  }
  auto last = first;
  uint64_t merged_start = start;
  uint64_t merged_end = end;
  while (last != runs_.end() && last->first <= end) {
    merged_start = std::min(merged_start, last->first);
    merged_end = std::max(merged_end, last->first + last->second.size());
    ++last;
  }
  if (first == last) {
    runs_.emplace(start, std::string(bytes));
    return;
  }
  std::string merged(merged_end - merged_start, '\0');
  for (auto it = first; it != last; ++it) merged.replace(it->first - merged_start, it->second.size(), it->second);
  merged.replace(start - merged_start, bytes.size(), bytes);
  runs_.erase(first, last);
  runs_.emplace(merged_start, std::move(merged));
}

std::optional<std::string_view> ByteRanges::get(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) return std::nullopt;
  if (length == 0) return std::string_view();
  auto it = runs_.upper_bound(offset);
  if (it == runs_.begin()) return std::nullopt;
  --it;
  const uint64_t run_end = it->first + it->second.size();
  if (offset + length > run_end) return std::nullopt;
  return std::string_view(it->second).substr(offset - it->first, length);
}

std::vector<Range> ByteRanges::unknown_in(uint64_t offset, uint64_t length) const {
  std::vector<Range> gaps;
  if (offset >= size_) return gaps;
  const uint64_t end = offset + std::min(length, size_ - offset);
  uint64_t at = offset;
  auto it = runs_.upper_bound(offset);
  if (it != runs_.begin()) --it;
  for (; it != runs_.end() && at < end; ++it) {
    const uint64_t run_start = it->first;
    const uint64_t run_end = run_start + it->second.size();
    if (run_end <= at) continue;
    if (run_start >= end) break;
    if (run_start > at) gaps.push_back({at, run_start - at});
    at = std::max(at, run_end);
  }
  if (at < end) gaps.push_back({at, end - at});
  return gaps;
}

uint64_t ByteRanges::known_in(uint64_t offset, uint64_t length) const {
  if (offset >= size_) return 0;
  uint64_t known = std::min(length, size_ - offset);
  for (const Range& gap : unknown_in(offset, length)) known -= gap.length;
  return known;
}

uint64_t ByteRanges::known_bytes() const {
  uint64_t total = 0;
  for (const auto& [offset, run] : runs_) total += run.size();
  return total;
}

namespace detail {

std::string num(uint64_t value) { return std::to_string(value); }

std::optional<std::string_view> Context::bytes(uint64_t offset, uint64_t length, uint64_t read_ahead) {
  if (offset > file_.size() || length > file_.size() - offset) {
    fail("internal: a read of " + num(length) + " bytes at offset " + num(offset) + " past the end of the file");
    return std::nullopt;
  }
  if (auto known = file_.get(offset, length)) return known;
  for (const Range& gap : file_.unknown_in(offset, std::max(length, read_ahead))) needs_.push_back(gap);
  return std::nullopt;
}

bool Context::fail(std::string reason) {
  if (!failure_) failure_ = std::move(reason);
  return false;
}

bool Context::count(int& counter, int limit, const char* what) {
  if (++counter <= limit) return true;
  return fail(std::string("more than ") + num(static_cast<uint64_t>(limit)) + " " + what);
}

std::vector<Range> Context::needs() const {
  std::vector<Range> sorted = needs_;
  std::sort(sorted.begin(), sorted.end(), [](const Range& a, const Range& b) { return a.offset < b.offset; });
  std::vector<Range> merged;
  for (const Range& range : sorted) {
    if (!merged.empty() && range.offset <= merged.back().offset + merged.back().length) {
      const uint64_t end = std::max(merged.back().offset + merged.back().length, range.offset + range.length);
      merged.back().length = end - merged.back().offset;
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

}  // namespace detail
}  // namespace upgate::metadata
