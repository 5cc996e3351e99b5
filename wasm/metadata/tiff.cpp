#include "metadata/tiff.h"

#include <cmath>
#include <cstring>
#include <map>
#include <utility>
#include "util/encoding.h"

namespace upgate::metadata::detail {

namespace {

// The tags read; every other entry is skipped without looking at its value.
constexpr uint16_t kNewSubfileType = 0x00FE;
constexpr uint16_t kImageWidth = 0x0100;
constexpr uint16_t kImageLength = 0x0101;
constexpr uint16_t kCompression = 0x0103;
constexpr uint16_t kMake = 0x010F;
constexpr uint16_t kModel = 0x0110;
constexpr uint16_t kStripOffsets = 0x0111;
constexpr uint16_t kOrientation = 0x0112;
constexpr uint16_t kStripByteCounts = 0x0117;
constexpr uint16_t kDateTime = 0x0132;
constexpr uint16_t kSubIfds = 0x014A;
constexpr uint16_t kJpegTables = 0x015B;
constexpr uint16_t kJpegOffset = 0x0201;  // JPEGInterchangeFormat
constexpr uint16_t kJpegLength = 0x0202;  // JPEGInterchangeFormatLength
constexpr uint16_t kExposureTime = 0x829A;
constexpr uint16_t kFNumber = 0x829D;
constexpr uint16_t kExifIfd = 0x8769;
constexpr uint16_t kIso = 0x8827;
constexpr uint16_t kDateTimeOriginal = 0x9003;
constexpr uint16_t kOffsetTime = 0x9010;
constexpr uint16_t kOffsetTimeOriginal = 0x9011;
constexpr uint16_t kFocalLength = 0x920A;
constexpr uint16_t kMakerNote = 0x927C;
constexpr uint16_t kNikonPreviewIfd = 0x0011;  // in a Nikon maker note
constexpr uint16_t kPixelXDimension = 0xA002;
constexpr uint16_t kPixelYDimension = 0xA003;
constexpr uint16_t kLensModel = 0xA434;
constexpr uint16_t kDngVersion = 0xC612;

std::string tag_name(uint16_t tag) {
  switch (tag) {
    case kNewSubfileType:
      return "NewSubfileType";
    case kImageWidth:
      return "ImageWidth";
    case kImageLength:
      return "ImageLength";
    case kCompression:
      return "Compression";
    case kMake:
      return "Make";
    case kModel:
      return "Model";
    case kStripOffsets:
      return "StripOffsets";
    case kOrientation:
      return "Orientation";
    case kStripByteCounts:
      return "StripByteCounts";
    case kDateTime:
      return "DateTime";
    case kSubIfds:
      return "SubIFDs";
    case kJpegOffset:
      return "JPEGInterchangeFormat";
    case kJpegLength:
      return "JPEGInterchangeFormatLength";
    case kExposureTime:
      return "ExposureTime";
    case kFNumber:
      return "FNumber";
    case kExifIfd:
      return "ExifIFD";
    case kIso:
      return "ISO";
    case kDateTimeOriginal:
      return "DateTimeOriginal";
    case kOffsetTime:
      return "OffsetTime";
    case kOffsetTimeOriginal:
      return "OffsetTimeOriginal";
    case kFocalLength:
      return "FocalLength";
    case kPixelXDimension:
      return "PixelXDimension";
    case kPixelYDimension:
      return "PixelYDimension";
    case kLensModel:
      return "LensModel";
    default:
      return "tag " + num(tag);
  }
}

// Bytes per value of a TIFF field type; 0 for a type TIFF 6 does not define (such entries are ignored).
uint64_t type_size(uint16_t type) {
  switch (type) {
    case 1:
    case 2:
    case 6:
    case 7:
      return 1;  // BYTE ASCII SBYTE UNDEFINED
    case 3:
    case 8:
      return 2;  // SHORT SSHORT
    case 4:
    case 9:
    case 11:
    case 13:
      return 4;  // LONG SLONG FLOAT IFD
    case 5:
    case 10:
    case 12:
      return 8;  // RATIONAL SRATIONAL DOUBLE
    default:
      return 0;
  }
}

struct Entry {
  uint16_t tag = 0;
  uint16_t type = 0;
  uint32_t count = 0;
  uint64_t pos = 0;   // where the value lies, relative to the window
  uint64_t size = 0;  // its length in bytes (0 for an undefined type)
};

struct Ifd {
  std::string name;
  std::vector<Entry> entries;
  uint32_t next = 0;
  const Entry* find(uint16_t tag) const {
    for (const Entry& entry : entries) {
      if (entry.tag == tag) return &entry;
    }
    return nullptr;
  }
};

class Walker {
 public:
  Walker(Context& cx, const TiffWindow& window, bool big_endian, TiffScope scope, TiffResult& out)
      : cx_(cx), window_(window), big_(big_endian), scope_(scope), out_(out) {}

  bool run(uint32_t ifd0_offset) {
    Ifd ifd0;
    if (!read_ifd(ifd0_offset, "IFD0", ifd0)) return false;
    switch (scope_) {
      case TiffScope::Ifd0Only:
        harvest(ifd0, out_.ifd0);
        return !cx_.failed();
      case TiffScope::ExifOnly:
        harvest(ifd0, out_.exif);
        return !cx_.failed();
      case TiffScope::NikonMakerNote:
        nikon_preview(ifd0);
        return !cx_.failed();
      case TiffScope::Exif:
      case TiffScope::File:
        break;
    }
    harvest(ifd0, out_.ifd0);
    if (const Entry* pointer = ifd0.find(kExifIfd)) {
      if (auto offset = whole(ifd0, *pointer); offset && *offset != 0) {
        Ifd exif;
        if (read_ifd(*offset, "the Exif IFD", exif)) {
          harvest(exif, out_.exif);
          if (scope_ == TiffScope::File) maker_note(exif);
        }
      }
    }
    if (scope_ == TiffScope::File) {
      out_.dng = ifd0.find(kDngVersion) != nullptr;
      image_ifd(ifd0, 0);
      uint32_t next = ifd0.next;
      for (int index = 1; next != 0 && !cx_.failed(); ++index) {
        Ifd ifd;
        if (!read_ifd(next, "IFD" + num(static_cast<uint64_t>(index)), ifd)) break;
        image_ifd(ifd, 0);
        next = ifd.next;
      }
    }
    return !cx_.failed() && !cx_.incomplete();
  }

 private:
  uint16_t u16(std::string_view b, size_t pos) const { return big_ ? be16(b, pos) : le16(b, pos); }
  uint32_t u32(std::string_view b, size_t pos) const { return big_ ? be32(b, pos) : le32(b, pos); }

  std::string past_end() const { return "runs past the end of " + window_.name + " (" + num(window_.size) + " bytes)"; }

  // Reads the IFD at offset (relative to the window). false: failed, or its bytes are not known yet.
  bool read_ifd(uint64_t offset, const std::string& name, Ifd& ifd) {
    if (offset < 8) return cx_.fail(name + " at offset " + num(offset) + " overlaps the TIFF header");
    if (auto seen = visited_.find(offset); seen != visited_.end()) {
      return cx_.fail("IFD loop: " + name + " at offset " + num(offset) + " is " + seen->second + " again");
    }
    if (!cx_.count(ifds_, limits::kMaxIfds, "IFDs")) return false;
    visited_.emplace(offset, name);
    if (offset + 2 > window_.size) {
      return cx_.fail(name + " at offset " + num(offset) + " lies past the end of " + window_.name + " (" +
                      num(window_.size) + " bytes)");
    }
    auto head = cx_.bytes(window_.base + offset, 2);
    if (!head) return false;
    const uint32_t entries = u16(*head, 0);
    if (entries > limits::kMaxIfdEntries) {
      return cx_.fail(name + " at offset " + num(offset) + " claims " + num(entries) + " entries (at most " +
                      num(limits::kMaxIfdEntries) + " are read)");
    }
    const uint64_t length = 2 + 12 * static_cast<uint64_t>(entries) + 4;
    if (offset + length > window_.size) {
      return cx_.fail(name + " at offset " + num(offset) + " (" + num(entries) + " entries) " + past_end());
    }
    auto body = cx_.bytes(window_.base + offset, length);
    if (!body) return false;
    ifd.name = name;
    ifd.entries.reserve(entries);
    for (uint32_t i = 0; i < entries; ++i) {
      const size_t at = 2 + 12 * static_cast<size_t>(i);
      Entry entry;
      entry.tag = u16(*body, at);
      entry.type = u16(*body, at + 2);
      entry.count = u32(*body, at + 4);
      entry.size = type_size(entry.type) * entry.count;
      entry.pos = entry.size <= 4 ? offset + at + 8 : u32(*body, at + 8);
      ifd.entries.push_back(entry);
    }
    ifd.next = u32(*body, length - 4);
    return true;
  }

  // The first max_bytes of the entry's value, once the whole value is known to lie in the window.
  std::optional<std::string_view> value(const Ifd& ifd, const Entry& entry, uint64_t max_bytes) {
    if (entry.size > window_.size || entry.pos > window_.size - entry.size) {
      cx_.fail(ifd.name + " " + tag_name(entry.tag) + ": its value (" + num(entry.size) + " bytes at offset " +
               num(entry.pos) + ") " + past_end());
      return std::nullopt;
    }
    return cx_.bytes(window_.base + entry.pos, std::min(entry.size, max_bytes));
  }

  std::optional<std::string> text(const Ifd& ifd, const Entry& entry) {
    if (entry.type != 2 && entry.type != 7 && entry.type != 1) return std::nullopt;
    auto raw = value(ifd, entry, limits::kMaxTextBytes);
    if (!raw) return std::nullopt;
    return clean_text(*raw);
  }

  // The first value as a real number: any numeric type; nullopt for a zero denominator, NaN or infinity.
  std::optional<double> real(const Ifd& ifd, const Entry& entry) {
    if (entry.count == 0 || entry.type == 2 || entry.type == 7 || type_size(entry.type) == 0) return std::nullopt;
    auto raw = value(ifd, entry, type_size(entry.type));
    if (!raw) return std::nullopt;
    double result = 0;
    switch (entry.type) {
      case 1:
        result = static_cast<uint8_t>((*raw)[0]);
        break;
      case 6:
        result = static_cast<int8_t>((*raw)[0]);
        break;
      case 3:
        result = u16(*raw, 0);
        break;
      case 8:
        result = static_cast<int16_t>(u16(*raw, 0));
        break;
      case 4:
      case 13:
        result = u32(*raw, 0);
        break;
      case 9:
        result = static_cast<int32_t>(u32(*raw, 0));
        break;
      case 5:
      case 10: {
        const uint32_t numerator = u32(*raw, 0);
        const uint32_t denominator = u32(*raw, 4);
        if (denominator == 0) return std::nullopt;
        result = entry.type == 5
                     ? static_cast<double>(numerator) / denominator
                     : static_cast<double>(static_cast<int32_t>(numerator)) / static_cast<int32_t>(denominator);
        break;
      }
      case 11: {
        const uint32_t bits = u32(*raw, 0);
        float f = 0;
        std::memcpy(&f, &bits, sizeof f);
        result = f;
        break;
      }
      case 12: {
        const uint64_t bits = big_ ? be64(*raw, 0) : (static_cast<uint64_t>(le32(*raw, 4)) << 32) | le32(*raw, 0);
        std::memcpy(&result, &bits, sizeof result);
        break;
      }
      default:
        return std::nullopt;
    }
    if (!std::isfinite(result)) return std::nullopt;
    return result;
  }

  // The first value as an unsigned integer: BYTE, SHORT, LONG or IFD (signed types when not negative).
  std::optional<uint32_t> whole(const Ifd& ifd, const Entry& entry) {
    if (entry.count == 0) return std::nullopt;
    if (entry.type != 1 && entry.type != 3 && entry.type != 4 && entry.type != 13 && entry.type != 8 &&
        entry.type != 9) {
      return std::nullopt;
    }
    auto raw = value(ifd, entry, type_size(entry.type));
    if (!raw) return std::nullopt;
    switch (entry.type) {
      case 1:
        return static_cast<uint8_t>((*raw)[0]);
      case 3:
        return u16(*raw, 0);
      case 8: {
        const auto v = static_cast<int16_t>(u16(*raw, 0));
        if (v < 0) return std::nullopt;
        return static_cast<uint32_t>(v);
      }
      case 9: {
        const auto v = static_cast<int32_t>(u32(*raw, 0));
        if (v < 0) return std::nullopt;
        return static_cast<uint32_t>(v);
      }
      default:
        return u32(*raw, 0);
    }
  }

  std::optional<uint32_t> whole(const Ifd& ifd, uint16_t tag) {
    const Entry* entry = ifd.find(tag);
    return entry ? whole(ifd, *entry) : std::nullopt;
  }

  void harvest(const Ifd& ifd, ExifFields& f) {
    for (const Entry& e : ifd.entries) {
      switch (e.tag) {
        case kMake:
          f.make = text(ifd, e);
          break;
        case kModel:
          f.model = text(ifd, e);
          break;
        case kLensModel:
          f.lens = text(ifd, e);
          break;
        case kDateTime:
          f.date_time = text(ifd, e);
          break;
        case kDateTimeOriginal:
          f.date_time_original = text(ifd, e);
          break;
        case kOffsetTime:
          f.offset_time = text(ifd, e);
          break;
        case kOffsetTimeOriginal:
          f.offset_time_original = text(ifd, e);
          break;
        case kFocalLength:
          f.focal_length = real(ifd, e);
          break;
        case kExposureTime:
          f.exposure_time = real(ifd, e);
          break;
        case kFNumber:
          f.f_number = real(ifd, e);
          break;
        case kIso:
          f.iso = whole(ifd, e);
          break;
        case kOrientation:
          f.orientation = whole(ifd, e);
          break;
        case kImageWidth:
          f.image_width = whole(ifd, e);
          break;
        case kImageLength:
          f.image_height = whole(ifd, e);
          break;
        case kPixelXDimension:
          f.pixel_x = whole(ifd, e);
          break;
        case kPixelYDimension:
          f.pixel_y = whole(ifd, e);
          break;
        default:
          break;
      }
      if (cx_.failed()) return;
    }
  }

  void add_candidate(const Ifd& ifd, uint64_t offset, uint64_t length, const char* what) {
    if (offset == 0 || length == 0) return;
    if (length > window_.size || offset > window_.size - length) {
      cx_.fail(ifd.name + "'s " + what + " (" + num(length) + " bytes at offset " + num(offset) + ") " + past_end());
      return;
    }
    for (const Candidate& known : out_.candidates) {
      if (known.offset == window_.base + offset && known.length == length) return;
    }
    if (out_.candidates.size() >= static_cast<size_t>(limits::kMaxPreviewCandidates)) {
      cx_.fail("more than " + num(limits::kMaxPreviewCandidates) + " embedded JPEG candidates");
      return;
    }
    out_.candidates.push_back({window_.base + offset, length, ifd.name});
  }

  // A Nikon maker note of type 3 ("Nikon\0", a version, then a TIFF structure of its own, its offsets counted
  // from its header) may point at a PreviewIFD with a JPEG. Maker notes are often mangled by editing software,
  // so one that does not parse only means no preview from it; the rest of the file stands.
  void maker_note(const Ifd& exif) {
    const Entry* note = exif.find(kMakerNote);
    if (!note || note->type != 7 || note->count < 18) return;
    if (note->size > window_.size || note->pos > window_.size - note->size) return;
    auto head = cx_.bytes(window_.base + note->pos, 18);
    if (!head) return;
    const std::string_view magic = head->substr(10, 4);
    if (head->substr(0, 6) != std::string_view("Nikon\0", 6) ||
        (magic != std::string_view("II*\0", 4) && magic != std::string_view("MM\0*", 4))) {
      return;
    }
    const uint64_t base = note->pos + 10;
    const TiffWindow window{window_.base + base, window_.size - base, "the Nikon maker note"};
    Context part(cx_.file());
    TiffResult found;
    parse_tiff(part, window, TiffScope::NikonMakerNote, found);
    if (part.failed()) return;
    cx_.absorb_needs(part);
    for (const Candidate& candidate : found.candidates) {
      add_candidate(Ifd{candidate.source, {}, 0}, candidate.offset - window_.base, candidate.length, "JPEG");
    }
  }

  void nikon_preview(const Ifd& ifd0) {
    const auto offset = whole(ifd0, kNikonPreviewIfd);
    if (!offset || *offset == 0) return;
    Ifd preview;
    if (!read_ifd(*offset, "the Nikon PreviewIFD", preview)) return;
    const auto jpeg_offset = whole(preview, kJpegOffset);
    const auto jpeg_length = whole(preview, kJpegLength);
    if (jpeg_offset && jpeg_length) add_candidate(preview, *jpeg_offset, *jpeg_length, "JPEGInterchangeFormat");
  }

  // An IFD of the image chain or a SubIFD (File scope): its size and type, its JPEG if any, its SubIFDs.
  void image_ifd(const Ifd& ifd, int depth) {
    ImageIfd image{ifd.name, whole(ifd, kNewSubfileType), whole(ifd, kImageWidth), whole(ifd, kImageLength)};
    out_.images.push_back(image);

    const auto jpeg_offset = whole(ifd, kJpegOffset);
    const auto jpeg_length = whole(ifd, kJpegLength);
    if (jpeg_offset && jpeg_length) add_candidate(ifd, *jpeg_offset, *jpeg_length, "JPEGInterchangeFormat");
    // A JPEG-compressed image in one strip is a whole JPEG, unless its tables live apart (JPEGTables) or it
    // is the full-resolution image (NewSubfileType 0: a DNG's or CR2's raw data, lossless JPEG at best).
    const auto compression = whole(ifd, kCompression);
    const Entry* strips = ifd.find(kStripOffsets);
    const Entry* strip_bytes = ifd.find(kStripByteCounts);
    const bool reduced = !image.subfile_type || (*image.subfile_type & 1) != 0;
    if (compression && (*compression == 6 || *compression == 7) && strips && strip_bytes && strips->count == 1 &&
        strip_bytes->count == 1 && !ifd.find(kJpegTables) && reduced) {
      const auto offset = whole(ifd, *strips);
      const auto length = whole(ifd, *strip_bytes);
      if (offset && length) add_candidate(ifd, *offset, *length, "JPEG strip");
    }
    if (cx_.failed()) return;

    const Entry* sub = ifd.find(kSubIfds);
    if (!sub || sub->count == 0) return;
    if (sub->type != 4 && sub->type != 13) return;
    if (depth >= limits::kMaxIfdDepth) {
      cx_.fail("SubIFDs nested deeper than " + num(limits::kMaxIfdDepth) + " (in " + ifd.name + ")");
      return;
    }
    if (sub->count > limits::kMaxSubIfds) {
      cx_.fail(ifd.name + " lists " + num(sub->count) + " SubIFDs (at most " + num(limits::kMaxSubIfds) + " are read)");
      return;
    }
    auto raw = value(ifd, *sub, sub->size);
    if (!raw) return;
    for (uint32_t i = 0; i < sub->count && !cx_.failed(); ++i) {
      const uint32_t offset = u32(*raw, 4 * static_cast<size_t>(i));
      if (offset == 0) continue;
      Ifd child;
      if (read_ifd(offset, "SubIFD" + num(i) + " of " + ifd.name, child)) image_ifd(child, depth + 1);
    }
  }

  Context& cx_;
  const TiffWindow& window_;
  bool big_;
  TiffScope scope_;
  TiffResult& out_;
  std::map<uint64_t, std::string> visited_;
  int ifds_ = 0;
};

}  // namespace

std::optional<std::string> clean_text(std::string_view raw) {
  raw = raw.substr(0, raw.find('\0'));
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' || raw.back() == '\n')) {
    raw.remove_suffix(1);
  }
  std::string out;
  out.reserve(raw.size());
  for (size_t pos = 0; pos < raw.size();) {
    const auto c = static_cast<uint8_t>(raw[pos]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) {
        encoding::append_utf8(out, 0xFFFD);
      } else {
        out += static_cast<char>(c);
      }
      ++pos;
    } else if (const auto sequence = encoding::utf8_sequence_at(raw, pos); sequence.valid) {
      out.append(raw.substr(pos, sequence.length));
      pos += sequence.length;
    } else {
      encoding::append_utf8(out, 0xFFFD);
      ++pos;
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool parse_tiff(Context& cx, const TiffWindow& window, TiffScope scope, TiffResult& out) {
  if (window.size < 8) return cx.fail(window.name + " is too short for a TIFF header (" + num(window.size) + " bytes)");
  auto header = cx.bytes(window.base, std::min<uint64_t>(window.size, 16));
  if (!header) return false;
  bool big_endian = false;
  if (header->substr(0, 4) == std::string_view("II*\0", 4)) {
    big_endian = false;
  } else if (header->substr(0, 4) == std::string_view("MM\0*", 4)) {
    big_endian = true;
  } else if (header->substr(0, 4) == std::string_view("II+\0", 4) ||
             header->substr(0, 4) == std::string_view("MM\0+", 4)) {
    return cx.fail(window.name + " is a BigTIFF, which is not read");
  } else {
    return cx.fail(window.name + " does not start with a TIFF header (II*\\0 or MM\\0*)");
  }
  out.cr2 = header->size() >= 10 && header->substr(8, 2) == "CR";
  const uint32_t ifd0 = big_endian ? be32(*header, 4) : le32(*header, 4);
  if (ifd0 == 0) return cx.fail(window.name + " has no IFD0 (its offset is 0)");
  Walker walker(cx, window, big_endian, scope, out);
  return walker.run(ifd0);
}

ExifFields merge_exif(const TiffResult& tiff) {
  const ExifFields& a = tiff.exif;
  const ExifFields& b = tiff.ifd0;
  ExifFields m;
  m.make = b.make ? b.make : a.make;
  m.model = b.model ? b.model : a.model;
  m.orientation = b.orientation ? b.orientation : a.orientation;
  m.date_time = b.date_time ? b.date_time : a.date_time;
  m.lens = a.lens ? a.lens : b.lens;
  m.date_time_original = a.date_time_original ? a.date_time_original : b.date_time_original;
  m.offset_time_original = a.offset_time_original ? a.offset_time_original : b.offset_time_original;
  m.offset_time = a.offset_time ? a.offset_time : b.offset_time;
  m.focal_length = a.focal_length ? a.focal_length : b.focal_length;
  m.exposure_time = a.exposure_time ? a.exposure_time : b.exposure_time;
  m.f_number = a.f_number ? a.f_number : b.f_number;
  m.iso = a.iso ? a.iso : b.iso;
  m.pixel_x = a.pixel_x ? a.pixel_x : b.pixel_x;
  m.pixel_y = a.pixel_y ? a.pixel_y : b.pixel_y;
  m.image_width = b.image_width ? b.image_width : a.image_width;
  m.image_height = b.image_height ? b.image_height : a.image_height;
  return m;
}

}  // namespace upgate::metadata::detail
