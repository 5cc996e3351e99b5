// FUZZ_CHECK(condition, detail): an invariant a fuzz target asserts. A violation prints the condition, where,
// and the detail, then aborts, which libFuzzer reports as a crash and keeps the input for.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace upgate::fuzz {
[[noreturn]] inline void violated(const char* condition, const char* file, int line, const std::string& detail) {
  std::fprintf(stderr, "invariant failed: %s (%s:%d)\n  %s\n", condition, file, line, detail.c_str());
  std::abort();
}
}  // namespace upgate::fuzz

#define FUZZ_CHECK(condition, detail)                                                     \
  do {                                                                                    \
    if (!(condition)) ::upgate::fuzz::violated(#condition, __FILE__, __LINE__, (detail)); \
  } while (0)
