// Fuzz target: the metadata parsers (metadata::parse, metadata::Reader) over hostile files.
//
// Input: the first byte chooses how the rest, the file, is read; bits 1-3 pick how much of it is known at the
// start (0, 1, 8, 16, 64, 256, 1024 or 4096 bytes); bit 0 adds a reading through Reader of a larger file whose
// first bytes are the input and whose rest (4 MiB) is zeros.
//
// Invariants:
//  - the whole file known: the answer is Metadata or Failure, never NeedBytes; the same answer twice;
//  - read sparsely, from the chosen prefix on, each NeedBytes names only unknown bytes, within the file,
//    sorted and disjoint, so every round adds bytes and the reading ends; it ends in the whole-file answer when
//    that is Metadata (the identical metadata), and in a Failure when that is a Failure;
//  - Reader ends within kMaxRounds rounds and kMaxReadBytes bytes (its first read included);
//  - a Metadata answer is well-formed: orientation 1-8, capturedAt "YYYY-MM-DDTHH:MM:SS[+HH:MM]", text valid
//    UTF-8, the preview inside the file and starting like a JPEG, sizes not zero.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "metadata/metadata.h"

using namespace upgate;
using namespace upgate::metadata;

namespace {

constexpr uint64_t kPrefixes[] = {0, 1, 8, 16, 64, 256, 1024, 4096};
constexpr uint64_t kZeros = 4 << 20;

std::string summary(const Answer& answer) {
  if (const auto* f = std::get_if<Failure>(&answer)) return "Failure: " + f->reason;
  if (std::holds_alternative<NeedBytes>(answer)) return "NeedBytes";
  const Metadata& m = std::get<Metadata>(answer);
  json j = to_json(m);
  j["format"] = format_name(m.format);
  if (m.preview) {
    j["preview"] = {m.preview->offset, m.preview->length, m.preview->width.value_or(0), m.preview->height.value_or(0)};
  }
  j["noPreview"] = m.no_preview_reason;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool valid_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (...) {
    return false;
  }
}

// bytes_at(offset, length) gives the file's bytes.
template <class BytesAt>
void check_metadata(const Metadata& m, uint64_t file_size, BytesAt bytes_at) {
  static const std::regex date(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d)?)");
  if (m.orientation) FUZZ_CHECK(*m.orientation >= 1 && *m.orientation <= 8, summary(m));
  if (m.captured_at) FUZZ_CHECK(std::regex_match(*m.captured_at, date), *m.captured_at);
  for (const auto* text : {&m.make, &m.model, &m.lens}) {
    if (*text) FUZZ_CHECK(!(*text)->empty() && (*text)->size() <= 3 * 256 && valid_utf8(**text), summary(m));
  }
  if (m.width) FUZZ_CHECK(*m.width > 0, summary(m));
  if (m.height) FUZZ_CHECK(*m.height > 0, summary(m));
  if (m.preview) {
    FUZZ_CHECK(
        m.preview->length >= 4 && m.preview->offset <= file_size && m.preview->length <= file_size - m.preview->offset,
        summary(m));
    FUZZ_CHECK(bytes_at(m.preview->offset, 2) == "\xFF\xD8", summary(m));
    FUZZ_CHECK(m.no_preview_reason.empty(), summary(m));
  } else {
    FUZZ_CHECK(!m.no_preview_reason.empty(), summary(m));
  }
}

// The ranges of one NeedBytes: each unknown, inside the file, in order and apart.
void check_need(const NeedBytes& need, const ByteRanges& known) {
  FUZZ_CHECK(!need.ranges.empty(), "NeedBytes without ranges");
  uint64_t end = 0;
  for (const Range& r : need.ranges) {
    FUZZ_CHECK(r.length > 0, "an empty range");
    FUZZ_CHECK(r.offset <= known.size() && r.length <= known.size() - r.offset, "a range past the end");
    FUZZ_CHECK(known.known_in(r.offset, r.length) == 0, "a range of known bytes");
    FUZZ_CHECK(r.offset >= end && (end == 0 || r.offset > end), "ranges out of order or touching");
    end = r.offset + r.length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);

  // The whole file.
  const Answer whole = parse(ByteRanges::whole(file));
  FUZZ_CHECK(!std::holds_alternative<NeedBytes>(whole), "NeedBytes with the whole file known");
  FUZZ_CHECK(summary(parse(ByteRanges::whole(file))) == summary(whole), "two answers for one file");
  const auto in_file = [&](uint64_t offset, uint64_t length) { return file.substr(offset, length); };
  if (const auto* m = std::get_if<Metadata>(&whole)) check_metadata(*m, file.size(), in_file);

  // Sparse, from a prefix on.
  ByteRanges known(file.size());
  known.add(0, std::string_view(file).substr(0, kPrefixes[(mode >> 1) & 7]));
  Answer sparse = parse(known);
  for (uint64_t rounds = 0; std::holds_alternative<NeedBytes>(sparse); ++rounds) {
    FUZZ_CHECK(rounds <= file.size(), "the sparse reading does not end");
    check_need(std::get<NeedBytes>(sparse), known);
    for (const Range& r : std::get<NeedBytes>(sparse).ranges) {
      known.add(r.offset, std::string_view(file).substr(r.offset, r.length));
    }
    sparse = parse(known);
  }
  if (std::holds_alternative<Metadata>(whole)) {
    FUZZ_CHECK(summary(sparse) == summary(whole), "sparse: " + summary(sparse) + " whole: " + summary(whole));
  } else {
    FUZZ_CHECK(std::holds_alternative<Failure>(sparse), "sparse: " + summary(sparse) + " whole: " + summary(whole));
  }

  // Through Reader, a larger file: the input, then zeros.
  if (mode & 1) {
    const uint64_t large = file.size() + kZeros;
    const auto bytes_at = [&](uint64_t offset, uint64_t length) {
      std::string out(length, '\0');
      if (offset < file.size()) out.replace(0, std::min<uint64_t>(length, file.size() - offset), file, offset, length);
      return out;
    };
    Reader reader(large);
    const Range first = reader.first_read();
    reader.add(first.offset, bytes_at(first.offset, first.length));
    uint64_t read = first.length;
    while (true) {
      const Answer answer = reader.next();
      const auto* need = std::get_if<NeedBytes>(&answer);
      if (!need) {
        if (const auto* m = std::get_if<Metadata>(&answer)) check_metadata(*m, large, bytes_at);
        break;
      }
      FUZZ_CHECK(reader.rounds() <= kMaxRounds, "more rounds than the cap");
      check_need(*need, reader.file());
      for (const Range& r : need->ranges) {
        reader.add(r.offset, bytes_at(r.offset, r.length));
        read += r.length;
      }
      FUZZ_CHECK(read <= kMaxReadBytes, "more bytes than the cap: " + std::to_string(read));
    }
  }
  return 0;
}
