// What the format parsers share: reading the sparse file (recording what is missing instead of stopping),
// the first failure, the EXIF fields a TIFF structure yields, and the JPEG preview candidates found.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/limits.h"
#include "metadata/metadata.h"

namespace upgate::metadata::detail {

// One parse of the known bytes. A read of unknown bytes records them as needed and returns nullopt, so the
// parser carries on with what it can still read and one answer lists every range that is missing; a
// structural error records the first failure. The answer is Failure if any, else NeedBytes if any, else
// the metadata.
class Context {
 public:
  explicit Context(const ByteRanges& file) : file_(file) {}

  uint64_t file_size() const { return file_.size(); }
  // The bytes [offset, offset + length), which the caller has checked lie within the file. When some are
  // unknown: records them (and up to read_ahead bytes from offset, within the file) as needed; nullopt.
  std::optional<std::string_view> bytes(uint64_t offset, uint64_t length, uint64_t read_ahead = limits::kReadAhead);
  // Records the failure (the first one is kept) and returns false.
  bool fail(std::string reason);
  bool failed() const { return failure_.has_value(); }
  // Something the answer needs is not known yet.
  bool incomplete() const { return !needs_.empty(); }
  // Work done so far in boxes, segments or chunks; false (and a failure naming what) past limit.
  bool count(int& counter, int limit, const char* what);

  const std::optional<std::string>& failure() const { return failure_; }
  const ByteRanges& file() const { return file_; }
  // Takes on what a parse of a part of the file (a sub-context over the same bytes) found missing.
  void absorb_needs(const Context& part) { needs_.insert(needs_.end(), part.needs_.begin(), part.needs_.end()); }
  // The missing ranges, sorted, merged, and without any known byte.
  std::vector<Range> needs() const;

 private:
  const ByteRanges& file_;
  std::vector<Range> needs_;
  std::optional<std::string> failure_;
};

// EXIF fields as one IFD (or the merge of IFD0 and the Exif IFD) holds them.
struct ExifFields {
  std::optional<std::string> make, model, lens;
  std::optional<std::string> date_time_original, offset_time_original, date_time, offset_time;
  std::optional<double> focal_length, exposure_time, f_number;
  std::optional<uint32_t> iso, orientation;
  std::optional<uint32_t> pixel_x, pixel_y;           // Exif PixelXDimension, PixelYDimension
  std::optional<uint32_t> image_width, image_height;  // ImageWidth, ImageLength of the IFD itself
};

// A byte range that may hold a JPEG; it becomes the preview only if its frame header says it is decodable.
struct Candidate {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string source;  // "IFD1", "SubIFD0 of IFD0", "CR3 PRVW", ... for reasons
};

// What a format's parser found, before the preview candidates are probed and the fields are chosen.
struct Found {
  Format format = Format::Jpeg;
  ExifFields exif;
  std::optional<uint32_t> width, height;
  std::vector<Candidate> candidates;       // JPEGs to probe; the largest decodable one is the preview
  std::optional<PreviewLocation> preview;  // JPEG: the file itself
  std::string no_preview_reason;           // when no candidate is expected (HEIC, PNG, WebP)
};

// Big- and little-endian integers at pos of bytes (the caller has checked the length).
inline uint16_t be16(std::string_view b, size_t pos) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[pos]) << 8) | static_cast<uint8_t>(b[pos + 1]));
}
inline uint32_t be32(std::string_view b, size_t pos) {
  return (static_cast<uint32_t>(be16(b, pos)) << 16) | be16(b, pos + 2);
}
inline uint64_t be64(std::string_view b, size_t pos) {
  return (static_cast<uint64_t>(be32(b, pos)) << 32) | be32(b, pos + 4);
}
inline uint16_t le16(std::string_view b, size_t pos) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[pos]) | (static_cast<uint8_t>(b[pos + 1]) << 8));
}
inline uint32_t le32(std::string_view b, size_t pos) {
  return le16(b, pos) | (static_cast<uint32_t>(le16(b, pos + 2)) << 16);
}

// "offset 1234" style numbers in reasons.
std::string num(uint64_t value);

}  // namespace upgate::metadata::detail
