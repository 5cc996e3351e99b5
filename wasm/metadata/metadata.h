// Photo metadata from a file's own structures (contract 10): EXIF/TIFF IFDs (JPEG APP1, TIFF, DNG, CR2, NEF,
// ARW), ISO BMFF (CR3's CMT boxes, HEIC's Exif item), PNG and WebP headers; and where the largest embedded
// JPEG preview lies, for the preview step.
//
// The parser never needs the whole file. It reads a sparse view of it (ByteRanges: the file's size and the
// bytes read so far) and answers with the metadata, with the ranges it needs next (NeedBytes), or with a
// Failure whose reason says what is wrong with the file. Each answer comes from reading the known bytes
// again from the start, so the caller only adds bytes and asks again; Reader does that bookkeeping and holds
// the reading to Upgate's caps (kMaxRounds, kMaxReadBytes). Pure: no I/O, no clock, no exceptions of its own.
//
// Hostile files are expected: offsets past the end, IFD loops, absurd counts, truncated or overlong boxes and
// deep nesting each end in a Failure; the work of one answer is bounded by the caps in metadata/limits.h.
#pragma once
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/json.h"

namespace upgate::metadata {

// The reading the queue consumer does for one file: the first read, then at most kMaxRounds more rounds of
// ranges, and at most kMaxReadBytes in all (the first read included). Past either: Failure.
constexpr uint64_t kFirstReadBytes = 64 * 1024;
constexpr int kMaxRounds = 16;
constexpr uint64_t kMaxReadBytes = 8 * 1024 * 1024;

struct Range {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool operator==(const Range&) const = default;
};

// What is known of a file: its size and the bytes read so far, kept as disjoint runs.
class ByteRanges {
 public:
  explicit ByteRanges(uint64_t file_size) : size_(file_size) {}
  // A file known whole.
  static ByteRanges whole(std::string_view bytes);

  uint64_t size() const { return size_; }
  // Adds bytes read at offset; whatever lies past the file's size is dropped, overlaps are fine.
  void add(uint64_t offset, std::string_view bytes);
  // [offset, offset + length) when every byte of it is known; nullopt otherwise (also past the end).
  std::optional<std::string_view> get(uint64_t offset, uint64_t length) const;
  // How many bytes of [offset, offset + length) are known.
  uint64_t known_in(uint64_t offset, uint64_t length) const;
  // The parts of [offset, offset + length) (clipped to the file) that are not known, in order.
  std::vector<Range> unknown_in(uint64_t offset, uint64_t length) const;
  uint64_t known_bytes() const;

 private:
  uint64_t size_;
  std::map<uint64_t, std::string> runs_;  // offset -> bytes; disjoint and never adjacent
};

enum class Format { Jpeg, Tiff, Dng, Cr2, Nef, Arw, Cr3, Heic, Png, Webp };
const char* format_name(Format format);  // "jpeg", "tiff", "dng", ...

// A JPEG inside the file that a baseline/progressive decoder reads: for JPEG the file itself, for the raws the
// largest embedded preview. width and height are its frame's (SOF), when the preview's bytes were read.
struct PreviewLocation {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::optional<uint32_t> width;
  std::optional<uint32_t> height;
};

// The contract's fields (each when present) and the preview. Which tag each comes from, per format:
//   captured_at   EXIF DateTimeOriginal (Exif IFD, else IFD0) + OffsetTimeOriginal, else DateTime (IFD0) +
//                 OffsetTime; written "YYYY-MM-DDTHH:MM:SS[+HH:MM]" as the camera recorded it (no zone
//                 conversion); an unset or impossible date ("0000:00:00 ...", Feb 30) counts as absent
//   make, model   IFD0 Make, Model; lens: Exif LensModel. Text up to the first NUL, trailing blanks removed
//   focal_length (mm), exposure_time (s), f_number: Exif FocalLength, ExposureTime, FNumber
//   iso           Exif ISO (PhotographicSensitivity, 0x8827), its first value
//   orientation   IFD0 Orientation when 1-8
//   width/height  as stored, before orientation:
//                 JPEG: the frame header (SOF); TIFF, DNG, NEF, ARW: the full-resolution IFD's ImageWidth and
//                 ImageLength (NewSubfileType 0 among IFD0, its SubIFDs and the IFD chain; else IFD0's);
//                 CR2: Exif PixelXDimension/PixelYDimension (CR2's IFD0 describes its embedded JPEG);
//                 CR3: CMT1's ImageWidth/ImageLength; HEIC: the primary item's ispe; PNG: IHDR;
//                 WebP: the VP8X canvas, else the VP8/VP8L frame.
// Maker notes, XMP and IPTC are not read.
struct Metadata {
  Format format = Format::Jpeg;
  std::optional<std::string> captured_at;
  std::optional<std::string> make;
  std::optional<std::string> model;
  std::optional<std::string> lens;
  std::optional<double> focal_length;
  std::optional<double> exposure_time;
  std::optional<double> f_number;
  std::optional<uint32_t> iso;
  std::optional<uint32_t> orientation;
  std::optional<uint32_t> width;
  std::optional<uint32_t> height;
  // Absent for HEIC, PNG, WebP, and where no embedded JPEG is decodable; no_preview_reason then says why
  // (processing "skipped").
  std::optional<PreviewLocation> preview;
  std::string no_preview_reason;
};

// Read these ranges (all of them; they may be fetched at once), add them, and ask again.
struct NeedBytes {
  std::vector<Range> ranges;
};

// The file cannot be read as what it claims to be; reason is a sentence for processingReason.
struct Failure {
  std::string reason;
};

using Answer = std::variant<Metadata, NeedBytes, Failure>;

// One answer from what is known of the file. NeedBytes never names bytes that are already known.
Answer parse(const ByteRanges& file);

// The contract's metadata object: {"capturedAt", "make", "model", "lens", "focalLength", "exposureTime",
// "fNumber", "iso", "orientation", "width", "height"}, each when present.
json to_json(const Metadata& metadata);

// Drives parse() within Upgate's caps for one file:
//   Reader reader(size);
//   reader.add(0, <bytes of reader.first_read()>);
//   for (;;) {
//     Answer answer = reader.next();
//     if NeedBytes: read every range, reader.add(offset, bytes) each, continue;
//     else: done (Metadata or Failure).
//   }
// next() fails with "metadata beyond what Upgate reads" past kMaxRounds rounds or kMaxReadBytes bytes, and
// when a range it asked for did not arrive (the storage returned fewer bytes than the file's size promises).
class Reader {
 public:
  explicit Reader(uint64_t file_size) : file_(file_size), asked_bytes_(std::min(file_size, kFirstReadBytes)) {}
  // The first read: the first kFirstReadBytes of the file (all of it when smaller).
  Range first_read() const;
  void add(uint64_t offset, std::string_view bytes) { file_.add(offset, bytes); }
  Answer next();

  const ByteRanges& file() const { return file_; }
  int rounds() const { return rounds_; }
  uint64_t asked_bytes() const { return asked_bytes_; }

 private:
  ByteRanges file_;
  int rounds_ = 0;
  uint64_t asked_bytes_ = 0;  // the first read and every range asked for since
  std::vector<Range> asked_;  // every range asked for after the first read
};

}  // namespace upgate::metadata
