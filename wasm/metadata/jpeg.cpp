#include "metadata/jpeg.h"

#include <algorithm>

namespace upgate::metadata::detail {

namespace {

bool is_sof(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

}  // namespace

bool scan_jpeg(Context& cx, uint64_t offset, uint64_t length, bool whole_file, JpegScan& out) {
  const uint64_t end = offset + length;
  const uint64_t read_ahead = whole_file ? limits::kJpegReadAhead : limits::kReadAhead;
  // Fetch ahead, but not past the JPEG itself.
  const auto ahead = [&](uint64_t pos) { return std::min(read_ahead, end - pos); };
  const auto at = [&](uint64_t pos) { return "at offset " + num(pos - offset); };
  const auto reject = [&](std::string reason) {
    out.not_jpeg = std::move(reason);
    return true;
  };

  if (length < 4) return reject("too short for a JPEG (" + num(length) + " bytes)");
  auto soi = cx.bytes(offset, 2, ahead(offset));
  if (!soi) return false;
  if (be16(*soi, 0) != 0xFFD8) return reject("does not start with a JPEG SOI marker");
  uint64_t pos = offset + 2;
  int segments = 0;
  while (true) {
    if (++segments > limits::kMaxJpegSegments) {
      return reject("has more than " + num(limits::kMaxJpegSegments) + " marker segments before its scan");
    }
    if (pos + 2 > end) {
      return reject(out.frame ? "ends before its scan (SOS)" : "ends before its frame header (SOF)");
    }
    auto marker_bytes = cx.bytes(pos, 2, ahead(pos));
    if (!marker_bytes) return false;
    if (static_cast<uint8_t>((*marker_bytes)[0]) != 0xFF) return reject("has no marker " + at(pos));
    const auto marker = static_cast<uint8_t>((*marker_bytes)[1]);
    if (marker == 0xFF) {  // a fill byte before the marker
      pos += 1;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // TEM, RSTn: no length
      pos += 2;
      continue;
    }
    if (marker == 0xD8) return reject("has a second SOI marker " + at(pos));
    if (marker == 0xD9 || marker == 0xDA) {
      if (!out.frame)
        return reject(marker == 0xD9 ? "ends (EOI) before its frame header (SOF)"
                                     : "has no frame header (SOF) before its scan");
      return true;
    }
    if (pos + 4 > end) return reject("ends inside the marker segment " + at(pos));
    auto length_bytes = cx.bytes(pos + 2, 2, ahead(pos + 2));
    if (!length_bytes) return false;
    const uint16_t segment = be16(*length_bytes, 0);
    if (segment < 2) return reject("has a marker segment of length " + num(segment) + " " + at(pos));
    const uint64_t segment_end = pos + 2 + segment;
    if (segment_end > end) return reject("has a marker segment " + at(pos) + " that runs past its end");

    if (is_sof(marker) && !out.frame) {
      if (segment < 8) return reject("has a frame header (SOF) of " + num(segment) + " bytes " + at(pos));
      auto sof = cx.bytes(pos + 4, 5, ahead(pos + 4));
      if (!sof) return false;
      out.frame = JpegFrame{marker, be16(*sof, 3), be16(*sof, 1)};
      if (!whole_file) return true;
    } else if (marker == 0xE1 && whole_file && !out.exif && segment >= 8 + 8) {
      auto id = cx.bytes(pos + 4, 6, ahead(pos + 4));
      if (!id) return false;
      if (id->substr(0, 5) == std::string_view("Exif\0", 5)) {
        out.exif = TiffWindow{pos + 10, segment - 8u, "the Exif APP1 segment"};
      }
    }
    pos = segment_end;
  }
}

}  // namespace upgate::metadata::detail
