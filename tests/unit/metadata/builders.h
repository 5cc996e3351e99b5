// Small hand-built files for the metadata tests: TIFF structures (IFDs laid out one after another), JPEGs
// with an Exif segment, ISO BMFF boxes, PNG chunks and RIFF chunks.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace upgate::metadata::test {

inline std::string be(uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}
inline std::string le(uint64_t value, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
  return out;
}

// A TIFF structure built front to back: the header, then IFDs and their values as they are added. Add the
// IFDs a pointer names before the IFD that points at them (or patch the pointer afterwards).
class Tiff {
 public:
  struct Entry {
    uint16_t tag;
    uint16_t type;
    uint32_t count;
    std::string value;  // encoded; more than 4 bytes go after the IFD
  };

  explicit Tiff(bool big_endian = false, std::string after_header = "") : big_(big_endian) {
    bytes = big_ ? std::string("MM\0*", 4) : std::string("II*\0", 4);
    bytes += u32(8);
    bytes += after_header;
  }

  std::string u16(uint32_t v) const { return big_ ? be(v, 2) : le(v, 2); }
  std::string u32(uint64_t v) const { return big_ ? be(v, 4) : le(v, 4); }

  Entry ascii(uint16_t tag, const std::string& text) const {
    return {tag, 2, static_cast<uint32_t>(text.size() + 1), text + std::string(1, '\0')};
  }
  Entry short_(uint16_t tag, uint32_t v) const { return {tag, 3, 1, u16(v)}; }
  Entry long_(uint16_t tag, uint64_t v) const { return {tag, 4, 1, u32(v)}; }
  Entry longs(uint16_t tag, const std::vector<uint32_t>& values) const {
    std::string value;
    for (uint32_t v : values) value += u32(v);
    return {tag, 4, static_cast<uint32_t>(values.size()), value};
  }
  Entry rational(uint16_t tag, uint32_t numerator, uint32_t denominator) const {
    return {tag, 5, 1, u32(numerator) + u32(denominator)};
  }
  // An entry whose value lies at a given offset (for offsets past the end and the like).
  Entry at(uint16_t tag, uint16_t type, uint32_t count, uint32_t offset) const {
    return {tag, type, count, u32(offset)};
  }

  // Appends an IFD (and then its values); returns its offset.
  uint32_t ifd(const std::vector<Entry>& entries, uint32_t next = 0) {
    if (bytes.size() % 2) bytes += '\0';
    const auto offset = static_cast<uint32_t>(bytes.size());
    uint64_t values = offset + 2 + 12 * entries.size() + 4;
    std::string table = u16(static_cast<uint32_t>(entries.size()));
    std::string data;
    for (const Entry& e : entries) {
      table += u16(e.tag) + u16(e.type) + u32(e.count);
      if (e.value.size() <= 4) {
        table += e.value + std::string(4 - e.value.size(), '\0');
      } else {
        table += u32(values + data.size());
        data += e.value;
        if (data.size() % 2) data += '\0';
      }
    }
    table += u32(next);
    bytes += table + data;
    return offset;
  }

  // Appends raw bytes (an embedded JPEG, padding); returns their offset.
  uint32_t append(const std::string& raw) {
    const auto offset = static_cast<uint32_t>(bytes.size());
    bytes += raw;
    return offset;
  }

  void set_ifd0(uint32_t offset) { patch32(4, offset); }
  void patch32(size_t pos, uint64_t v) { bytes.replace(pos, 4, u32(v)); }
  // Where an IFD's n-th entry keeps its value (or value offset), and where its next-IFD pointer is.
  static size_t value_field(uint32_t ifd, size_t entry) { return ifd + 2 + 12 * entry + 8; }
  static size_t next_field(uint32_t ifd, size_t entries) { return ifd + 2 + 12 * entries; }

  std::string bytes;

 private:
  bool big_;
};

// A JPEG: SOI, optional APP1 Exif (a TIFF structure), more segments, DQT, SOFn, DHT, SOS, scan bytes, EOI.
inline std::string segment(uint8_t marker, const std::string& body) {
  return std::string("\xFF", 1) + static_cast<char>(marker) + be(body.size() + 2, 2) + body;
}
inline std::string jpeg(uint32_t width, uint32_t height, const std::string& exif_tiff = "", uint8_t sof = 0xC0,
                        const std::string& extra_segments = "", size_t scan_bytes = 16) {
  std::string out("\xFF\xD8", 2);
  if (!exif_tiff.empty()) out += segment(0xE1, std::string("Exif\0\0", 6) + exif_tiff);
  out += extra_segments;
  out += segment(0xDB, std::string(1, '\0') + std::string(64, '\x01'));
  out += segment(sof, std::string("\x08", 1) + be(height, 2) + be(width, 2) + std::string("\x01\x01\x11\x00", 4));
  out +=
      segment(0xC4, std::string(1, '\0') + std::string("\x00\x01", 2) + std::string(14, '\0') + std::string(1, '\0'));
  out += segment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6));
  out += std::string(scan_bytes, '\x55');
  out += std::string("\xFF\xD9", 2);
  return out;
}

// ISO BMFF boxes.
inline std::string box(const std::string& type, const std::string& body) {
  return be(8 + body.size(), 4) + type + body;
}
inline std::string full_box(const std::string& type, uint8_t version, uint32_t flags, const std::string& body) {
  return box(type, std::string(1, static_cast<char>(version)) + be(flags, 3) + body);
}
inline std::string uuid_box(const std::string& uuid16, const std::string& body) { return box("uuid", uuid16 + body); }
inline const std::string kCanonUuid("\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48", 16);
inline const std::string kPreviewUuid("\xea\xf4\x2b\x5e\x1c\x98\x4b\x88\xb9\xfb\xb7\xdc\x40\x6e\x4d\x16", 16);

// PNG and RIFF chunks.
inline std::string png_chunk(const std::string& type, const std::string& data) {
  return be(data.size(), 4) + type + data + std::string(4, '\0');  // the CRC is not checked
}
inline std::string riff_chunk(const std::string& type, const std::string& data) {
  std::string out = type + le(data.size(), 4) + data;
  if (data.size() % 2) out += '\0';
  return out;
}

}  // namespace upgate::metadata::test
