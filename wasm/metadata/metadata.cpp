#include "metadata/metadata.h"

#include <algorithm>

#include "metadata/bmff.h"
#include "metadata/context.h"
#include "metadata/jpeg.h"
#include "metadata/png_webp.h"
#include "metadata/tiff.h"
#include "util/text.h"

namespace upgate::metadata {

using detail::Candidate;
using detail::Context;
using detail::Found;
using detail::num;

const char* format_name(Format format) {
  switch (format) {
    case Format::Jpeg:
      return "jpeg";
    case Format::Tiff:
      return "tiff";
    case Format::Dng:
      return "dng";
    case Format::Cr2:
      return "cr2";
    case Format::Nef:
      return "nef";
    case Format::Arw:
      return "arw";
    case Format::Cr3:
      return "cr3";
    case Format::Heic:
      return "heic";
    case Format::Png:
      return "png";
    case Format::Webp:
      return "webp";
  }
  return "unknown";
}

namespace {

bool starts_with_ignoring_case(const std::optional<std::string>& text, std::string_view prefix) {
  if (!text || text->size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = (*text)[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

// A TIFF file or TIFF-based raw.
bool parse_tiff_file(Context& cx, Found& out) {
  detail::TiffResult tiff;
  detail::parse_tiff(cx, detail::TiffWindow{0, cx.file_size(), "the file"}, detail::TiffScope::File, tiff);
  out.exif = detail::merge_exif(tiff);
  out.candidates = tiff.candidates;
  if (tiff.cr2) {
    out.format = Format::Cr2;
  } else if (tiff.dng) {
    out.format = Format::Dng;
  } else if (starts_with_ignoring_case(out.exif.make, "NIKON")) {
    out.format = Format::Nef;
  } else if (starts_with_ignoring_case(out.exif.make, "SONY")) {
    out.format = Format::Arw;
  } else {
    out.format = Format::Tiff;
  }
  // CR2's IFD0 describes its embedded JPEG; the photo's size is in the Exif IFD.
  if (tiff.cr2 && out.exif.pixel_x && out.exif.pixel_y) {
    out.width = out.exif.pixel_x;
    out.height = out.exif.pixel_y;
    return !cx.failed();
  }
  // The full-resolution image (NewSubfileType 0) wherever it is, else IFD0.
  for (const detail::ImageIfd& image : tiff.images) {
    if (image.subfile_type == 0u && image.width && image.height) {
      out.width = image.width;
      out.height = image.height;
      return !cx.failed();
    }
  }
  if (!tiff.images.empty()) {
    out.width = tiff.images.front().width;
    out.height = tiff.images.front().height;
  }
  return !cx.failed();
}

bool parse_jpeg_file(Context& cx, Found& out) {
  out.format = Format::Jpeg;
  detail::JpegScan scan;
  const bool scanned = detail::scan_jpeg(cx, 0, cx.file_size(), true, scan);
  if (scan.exif) {
    detail::TiffResult tiff;
    detail::parse_tiff(cx, *scan.exif, detail::TiffScope::Exif, tiff);
    out.exif = detail::merge_exif(tiff);
  }
  if (!scanned || cx.failed()) return false;
  if (!scan.not_jpeg.empty()) return cx.fail("the JPEG file " + scan.not_jpeg);
  if (scan.frame->width > 0) out.width = scan.frame->width;
  if (scan.frame->height > 0) out.height = scan.frame->height;
  if (scan.frame->decodable()) {
    out.preview = PreviewLocation{0, cx.file_size(), out.width, out.height};
  } else {
    out.no_preview_reason =
        "the JPEG's frame type (SOF" + num(scan.frame->marker - 0xC0u) + ") is not one Upgate's JPEG decoder reads";
  }
  return true;
}

// "YYYY:MM:DD HH:MM:SS" (also with '-' in the date or 'T' between) as ISO 8601; nullopt for anything else,
// including the blanks and zeros cameras write when the clock was never set and days a month does not have.
std::optional<std::string> iso_date(const std::optional<std::string>& raw) {
  if (!raw || raw->size() != 19) return std::nullopt;
  const std::string& s = *raw;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  if ((s[4] != ':' && s[4] != '-') || s[7] != s[4] || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const auto two = [&](size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); };
  const int year = two(0) * 100 + two(2);
  const int month = two(5);
  const int day = two(8);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return std::nullopt;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
  if (two(11) > 23 || two(14) > 59 || two(17) > 59) return std::nullopt;
  std::string iso = s;
  iso[4] = '-';
  iso[7] = '-';
  iso[10] = 'T';
  return iso;
}

// "+HH:MM" or "-HH:MM"; "" for anything else.
std::string iso_offset(const std::optional<std::string>& raw) {
  if (!raw || raw->size() != 6) return "";
  const std::string& s = *raw;
  if ((s[0] != '+' && s[0] != '-') || s[3] != ':') return "";
  for (size_t i : {1, 2, 4, 5}) {
    if (s[i] < '0' || s[i] > '9') return "";
  }
  if ((s[1] - '0') * 10 + (s[2] - '0') > 23 || (s[4] - '0') * 10 + (s[5] - '0') > 59) return "";
  return s;
}

// Probes each candidate's frame header; the largest decodable one (by pixels, then bytes) is the preview.
void choose_preview(Context& cx, Found& found) {
  std::optional<PreviewLocation> best;
  uint64_t best_area = 0;
  std::string rejected;
  for (const Candidate& candidate : found.candidates) {
    detail::JpegScan scan;
    if (!detail::scan_jpeg(cx, candidate.offset, candidate.length, false, scan)) continue;
    std::string why = scan.not_jpeg;
    if (why.empty() && !scan.frame->decodable()) {
      why = "is a JPEG of frame type SOF" + num(scan.frame->marker - 0xC0u) + ", which is not decoded";
    }
    if (!why.empty()) {
      rejected += (rejected.empty() ? "" : "; ") + candidate.source + " " + why;
      continue;
    }
    const uint64_t area = static_cast<uint64_t>(scan.frame->width) * scan.frame->height;
    if (best && (area < best_area || (area == best_area && candidate.length <= best->length))) continue;
    best_area = area;
    best = PreviewLocation{candidate.offset, candidate.length, std::nullopt, std::nullopt};
    if (scan.frame->width > 0) best->width = scan.frame->width;
    if (scan.frame->height > 0) best->height = scan.frame->height;
  }
  if (best) {
    found.preview = best;
  } else if (found.no_preview_reason.empty()) {
    found.no_preview_reason =
        found.candidates.empty()
            ? "the " + text::ascii_upper(format_name(found.format)) + " file holds no embedded JPEG preview"
            : "no embedded JPEG preview a JPEG decoder reads (" + rejected + ")";
  }
}

Metadata assemble(const Found& found) {
  Metadata m;
  m.format = found.format;
  const detail::ExifFields& e = found.exif;
  if (auto original = iso_date(e.date_time_original)) {
    m.captured_at = *original + iso_offset(e.offset_time_original);
  } else if (auto written = iso_date(e.date_time)) {
    m.captured_at = *written + iso_offset(e.offset_time);
  }
  m.make = e.make;
  m.model = e.model;
  m.lens = e.lens;
  m.focal_length = e.focal_length;
  m.exposure_time = e.exposure_time;
  m.f_number = e.f_number;
  m.iso = e.iso;
  if (e.orientation && *e.orientation >= 1 && *e.orientation <= 8) m.orientation = e.orientation;
  if (found.width != 0u) m.width = found.width;  // a size of 0 says nothing
  if (found.height != 0u) m.height = found.height;
  m.preview = found.preview;
  if (!m.preview) m.no_preview_reason = found.no_preview_reason;
  return m;
}

}  // namespace

Answer parse(const ByteRanges& file) {
  if (file.size() == 0) return Failure{"the file is empty"};
  Context cx(file);
  Found found;
  auto head = cx.bytes(0, std::min<uint64_t>(file.size(), 16));
  if (!head) return NeedBytes{cx.needs()};
  const std::string_view h = *head;
  if (h.size() >= 3 && h.substr(0, 3) == "\xFF\xD8\xFF") {
    parse_jpeg_file(cx, found);
  } else if (h.size() >= 4 && (h.substr(0, 2) == "II" || h.substr(0, 2) == "MM") &&
             (h.substr(2, 2) == std::string_view("*\0", 2) || h.substr(2, 2) == std::string_view("\0*", 2) ||
              h.substr(2, 2) == std::string_view("+\0", 2) || h.substr(2, 2) == std::string_view("\0+", 2))) {
    parse_tiff_file(cx, found);
  } else if (h.size() >= 12 && h.substr(4, 4) == "ftyp") {
    detail::parse_bmff(cx, found);
  } else if (h.size() >= 8 && h.substr(0, 8) == "\x89PNG\r\n\x1A\n") {
    detail::parse_png(cx, found);
  } else if (h.size() >= 12 && h.substr(0, 4) == "RIFF" && h.substr(8, 4) == "WEBP") {
    detail::parse_webp(cx, found);
  } else {
    return Failure{"not a JPEG, TIFF, TIFF-based raw, CR3, HEIC, PNG or WebP file (by its first bytes)"};
  }
  // The candidates known so far are probed even while structures are missing: their bytes come in the same
  // round.
  if (!cx.failed() && !found.preview) choose_preview(cx, found);
  if (cx.failure()) return Failure{*cx.failure()};
  if (cx.incomplete()) return NeedBytes{cx.needs()};
  return assemble(found);
}

json to_json(const Metadata& m) {
  json out = json::object();
  if (m.captured_at) out["capturedAt"] = *m.captured_at;
  if (m.make) out["make"] = *m.make;
  if (m.model) out["model"] = *m.model;
  if (m.lens) out["lens"] = *m.lens;
  if (m.focal_length) out["focalLength"] = *m.focal_length;
  if (m.exposure_time) out["exposureTime"] = *m.exposure_time;
  if (m.f_number) out["fNumber"] = *m.f_number;
  if (m.iso) out["iso"] = *m.iso;
  if (m.orientation) out["orientation"] = *m.orientation;
  if (m.width) out["width"] = *m.width;
  if (m.height) out["height"] = *m.height;
  return out;
}

Range Reader::first_read() const { return {0, std::min(file_.size(), kFirstReadBytes)}; }

Answer Reader::next() {
  Answer answer = parse(file_);
  auto* need = std::get_if<NeedBytes>(&answer);
  if (!need) return answer;
  const Range first = first_read();
  uint64_t more = 0;
  for (const Range& range : need->ranges) {
    const auto overlaps = [&](const Range& asked) {
      return range.offset < asked.offset + asked.length && asked.offset < range.offset + range.length;
    };
    if (overlaps(first) || std::any_of(asked_.begin(), asked_.end(), overlaps)) {
      return Failure{"the bytes at offset " + num(range.offset) +
                     " were read and did not arrive (the storage returned less than the file's size promises)"};
    }
    more += range.length;
  }
  if (rounds_ + 1 > kMaxRounds) {
    return Failure{"metadata beyond what Upgate reads: its structures need more than " +
                   num(static_cast<uint64_t>(kMaxRounds)) + " rounds of reads after the first"};
  }
  const uint64_t total = asked_bytes_ + more;
  if (total > kMaxReadBytes) {
    return Failure{"metadata beyond what Upgate reads: its structures need " + num(total) + " bytes (at most " +
                   num(kMaxReadBytes) + " are read)"};
  }
  ++rounds_;
  asked_bytes_ = total;
  asked_.insert(asked_.end(), need->ranges.begin(), need->ranges.end());
  return answer;
}

}  // namespace upgate::metadata
