// Small text helpers shared by the parsers.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace upgate::text {

// Every piece between separators, empty ones included: split("a//b", '/') is {"a", "", "b"}.
inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace upgate::text
