#include "metadata/bmff.h"

#include <algorithm>
#include <array>
#include <utility>

#include "metadata/tiff.h"

namespace upgate::metadata::detail {

namespace {

// Canon's uuid box inside moov (CMT1..CMT4, THMB) and its top-level preview box (PRVW).
constexpr std::string_view kCanonUuid("\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48", 16);
constexpr std::string_view kPreviewUuid("\xea\xf4\x2b\x5e\x1c\x98\x4b\x88\xb9\xfb\xb7\xdc\x40\x6e\x4d\x16", 16);
constexpr std::array<std::string_view, 10> kHeifBrands = {"heic", "heix", "hevc", "hevx", "heim",
                                                          "heis", "mif1", "msf1", "avif", "avis"};

struct Box {
  uint64_t start = 0;
  uint64_t body = 0;
  uint64_t end = 0;
  std::string type;  // four characters
  std::string uuid;  // the 16-byte user type of a "uuid" box
  uint64_t size() const { return end - start; }
  uint64_t body_size() const { return end - body; }
};

std::string four_cc(std::string_view type) {
  std::string out = "'";
  for (char c : type) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out + "'";
}

class Boxes {
 public:
  explicit Boxes(Context& cx) : cx_(cx) {}

  // The header of the box at pos, which has to end by limit (the end of its parent). false: failed, or the
  // header's bytes are not known yet.
  bool header(uint64_t pos, uint64_t limit, const std::string& parent, Box& box) {
    if (!cx_.count(boxes_, limits::kMaxBoxes, "ISO BMFF boxes")) return false;
    if (limit - pos < 8) return cx_.fail("a box header at offset " + num(pos) + " runs past the end of " + parent);
    auto h = cx_.bytes(pos, std::min<uint64_t>(32, limit - pos));
    if (!h) return false;
    const uint32_t size32 = be32(*h, 0);
    box.type = std::string(h->substr(4, 4));
    uint64_t header_size = 8;
    uint64_t size = size32;
    if (size32 == 1) {
      if (h->size() < 16)
        return cx_.fail("box " + four_cc(box.type) + " at offset " + num(pos) +
                        ": its 64-bit size runs past the end of " + parent);
      size = be64(*h, 8);
      header_size = 16;
    } else if (size32 == 0) {
      size = limit - pos;  // to the end of its parent
    }
    if (box.type == "uuid") {
      if (h->size() < header_size + 16)
        return cx_.fail("uuid box at offset " + num(pos) + " runs past the end of " + parent);
      box.uuid = std::string(h->substr(header_size, 16));
      header_size += 16;
    }
    if (size < header_size) {
      return cx_.fail("box " + four_cc(box.type) + " at offset " + num(pos) + " has size " + num(size) +
                      ", less than its header");
    }
    if (size > limit - pos) {
      return cx_.fail("box " + four_cc(box.type) + " at offset " + num(pos) + " (" + num(size) +
                      " bytes) runs past the end of " + parent);
    }
    box.start = pos;
    box.body = pos + header_size;
    box.end = pos + size;
    return true;
  }

  // Calls visit(child) for each box in [begin, end) of parent, whose bytes are all known. false: failed.
  template <class Visit>
  bool children(const Box& parent, uint64_t begin, int depth, Visit visit) {
    if (depth > limits::kMaxBoxDepth) {
      return cx_.fail("boxes nested deeper than " + num(limits::kMaxBoxDepth) + " (in " + four_cc(parent.type) + ")");
    }
    const std::string name = "box " + four_cc(parent.type) + " at offset " + num(parent.start);
    for (uint64_t pos = begin; pos < parent.end;) {
      Box child;
      if (!header(pos, parent.end, name, child)) return false;
      if (!visit(child)) return false;
      pos = child.end;
    }
    return !cx_.failed();
  }

  // All of a box that is read whole (moov, meta): false when it is too large or not known yet.
  bool whole(const Box& box) {
    if (box.size() > limits::kMaxMetaBoxBytes) {
      return cx_.fail("the " + four_cc(box.type) + " box is " + num(box.size()) + " bytes (more than " +
                      num(limits::kMaxMetaBoxBytes) + " are not read)");
    }
    return cx_.bytes(box.start, box.size()).has_value();
  }

  // n bytes at pos inside box (known once the box was read whole); nullopt and a failure when box is too short.
  std::optional<std::string_view> field(const Box& box, uint64_t pos, uint64_t n) {
    if (pos < box.body || pos > box.end || n > box.end - pos) {
      cx_.fail("box " + four_cc(box.type) + " at offset " + num(box.start) + " is too short (" + num(box.size()) +
               " bytes)");
      return std::nullopt;
    }
    return cx_.bytes(pos, n);
  }

  Context& cx() { return cx_; }

 private:
  Context& cx_;
  int boxes_ = 0;
};

// ---- CR3 -----------------------------------------------------------------------------------------------------

struct Track {
  bool jpeg = false;  // its sample entry carries a "JPEG" box: the full-size JPEG
  std::optional<uint32_t> sample_size;
  std::optional<uint64_t> chunk_offset;
};

class Cr3 {
 public:
  Cr3(Boxes& boxes, Found& out) : boxes_(boxes), cx_(boxes.cx()), out_(out) {}

  bool run() {
    out_.format = Format::Cr3;
    bool moov = false;
    for (uint64_t pos = 0; pos < cx_.file_size();) {
      Box box;
      if (!boxes_.header(pos, cx_.file_size(), "the file", box)) break;
      if (box.type == "moov") {
        moov = true;
        if (boxes_.whole(box)) this->moov(box);
      } else if (box.type == "uuid" && box.uuid == kPreviewUuid) {
        preview(box);
      } else if (box.type == "mdat") {
        break;  // Canon writes its metadata and previews before the image data
      }
      if (cx_.failed()) return false;
      pos = box.end;
    }
    if (cx_.failed() || cx_.incomplete()) return false;
    if (!moov) return cx_.fail("the CR3 file has no moov box before its media data");
    const ExifFields fields = merge_exif(tiff_);
    out_.exif = fields;
    out_.width = fields.image_width;
    out_.height = fields.image_height;
    return true;
  }

 private:
  void moov(const Box& moov) {
    boxes_.children(moov, moov.body, 1, [&](const Box& box) {
      if (box.type == "uuid" && box.uuid == kCanonUuid) return canon(box);
      if (box.type == "trak") {
        Track track;
        if (!trak(box, 2, track)) return false;
        if (track.jpeg && track.sample_size && track.chunk_offset) {
          const uint64_t offset = *track.chunk_offset;
          const uint64_t length = *track.sample_size;
          if (offset > cx_.file_size() || length > cx_.file_size() - offset) {
            return cx_.fail("the CR3 JPEG track's image (" + num(length) + " bytes at offset " + num(offset) +
                            ") runs past the end of the file");
          }
          out_.candidates.push_back({offset, length, "the CR3 JPEG track"});
        }
      }
      return true;
    });
  }

  bool canon(const Box& uuid) {
    return boxes_.children(uuid, uuid.body, 2, [&](const Box& box) {
      if (box.type == "CMT1" || box.type == "CMT2") {
        const TiffWindow window{box.body, box.body_size(), "CR3 box " + box.type};
        parse_tiff(cx_, window, box.type == "CMT1" ? TiffScope::Ifd0Only : TiffScope::ExifOnly, tiff_);
        return !cx_.failed();
      }
      if (box.type == "THMB" && box.body_size() > 16) {
        out_.candidates.push_back({box.body + 16, box.body_size() - 16, "CR3 THMB"});
      }
      return true;
    });
  }

  // trak/mdia/minf/stbl and, in stbl, the first sample entry, its size and its chunk's offset.
  bool trak(const Box& parent, int depth, Track& track) {
    return boxes_.children(parent, parent.body, depth, [&](const Box& box) {
      if (box.type == "mdia" || box.type == "minf" || box.type == "stbl") return trak(box, depth + 1, track);
      if (box.type == "stsd") return sample_entry(box, depth + 1, track);
      if (box.type == "stsz") {
        auto f = boxes_.field(box, box.body, 12);
        if (!f) return false;
        const uint32_t size = be32(*f, 4);
        if (size != 0) {
          track.sample_size = size;
        } else if (be32(*f, 8) > 0) {
          auto first = boxes_.field(box, box.body + 12, 4);
          if (!first) return false;
          track.sample_size = be32(*first, 0);
        }
      } else if (box.type == "co64" || box.type == "stco") {
        auto f = boxes_.field(box, box.body, 8);
        if (!f) return false;
        if (be32(*f, 4) > 0) {
          auto first = boxes_.field(box, box.body + 8, box.type == "co64" ? 8 : 4);
          if (!first) return false;
          track.chunk_offset = box.type == "co64" ? be64(*first, 0) : be32(*first, 0);
        }
      }
      return true;
    });
  }

  bool sample_entry(const Box& stsd, int depth, Track& track) {
    auto f = boxes_.field(stsd, stsd.body, 8);
    if (!f) return false;
    if (be32(*f, 4) == 0 || stsd.body_size() <= 8) return true;
    Box entry;
    const std::string name = "box 'stsd' at offset " + num(stsd.start);
    if (!boxes_.header(stsd.body + 8, stsd.end, name, entry)) return false;
    // A visual sample entry: 8 bytes of SampleEntry, 70 of VisualSampleEntry, then its boxes; Canon's CRAW
    // entry has 4 bytes more before them.
    const uint64_t fields = entry.type == "CRAW" ? 82 : 78;
    if (entry.body_size() < fields) return true;
    return boxes_.children(entry, entry.body + fields, depth + 1, [&](const Box& box) {
      if (box.type == "JPEG") track.jpeg = true;
      return true;
    });
  }

  // The top-level uuid box with PRVW: 8 bytes, the PRVW box header, 16 bytes of fields (the JPEG's width,
  // height and length), then the JPEG.
  void preview(const Box& box) {
    if (box.body_size() < 32) {
      cx_.fail("the CR3 preview box at offset " + num(box.start) + " is too short (" + num(box.size()) + " bytes)");
      return;
    }
    auto f = cx_.bytes(box.body, 32);
    if (!f || f->substr(12, 4) != "PRVW") return;
    const uint64_t length = be32(*f, 28);
    const uint64_t start = box.body + 32;
    if (length > box.end - start) {
      cx_.fail("the CR3 PRVW preview (" + num(length) + " bytes at offset " + num(start) +
               ") runs past the end of its box");
      return;
    }
    if (length > 0) out_.candidates.push_back({start, length, "CR3 PRVW"});
  }

  Boxes& boxes_;
  Context& cx_;
  Found& out_;
  TiffResult tiff_;
};

// ---- HEIC ----------------------------------------------------------------------------------------------------

struct Extent {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Reads big-endian fields of 0, 4 or 8 bytes (and 1, 2) in order through a box that is known whole.
class Cursor {
 public:
  Cursor(Boxes& boxes, const Box& box, uint64_t pos) : boxes_(boxes), box_(box), pos_(pos) {}
  std::optional<uint64_t> read(uint64_t n) {
    if (n == 0) return 0;
    auto f = boxes_.field(box_, pos_, n);
    if (!f) return std::nullopt;
    pos_ += n;
    switch (n) {
      case 1:
        return static_cast<uint8_t>((*f)[0]);
      case 2:
        return be16(*f, 0);
      case 4:
        return be32(*f, 0);
      default:
        return be64(*f, 0);
    }
  }

 private:
  Boxes& boxes_;
  const Box& box_;
  uint64_t pos_;
};

class Heic {
 public:
  Heic(Boxes& boxes, Found& out) : boxes_(boxes), cx_(boxes.cx()), out_(out) {}

  bool run() {
    out_.format = Format::Heic;
    out_.no_preview_reason = "HEIC holds HEVC-coded images, and Upgate makes previews only from JPEG";
    for (uint64_t pos = 0; pos < cx_.file_size();) {
      Box box;
      if (!boxes_.header(pos, cx_.file_size(), "the file", box)) return false;
      if (box.type == "meta") {
        if (!boxes_.whole(box)) return false;
        return meta(box);
      }
      pos = box.end;
    }
    return cx_.fail("the HEIC file has no meta box");
  }

 private:
  bool meta(const Box& meta) {
    if (meta.body_size() < 4) return cx_.fail("the HEIC meta box is too short");
    std::optional<Box> pitm, iinf, iloc, idat, ipco;
    std::vector<Box> ipmas;
    const bool listed = boxes_.children(meta, meta.body + 4, 1, [&](const Box& box) {
      if (box.type == "pitm") pitm = box;
      if (box.type == "iinf") iinf = box;
      if (box.type == "iloc") iloc = box;
      if (box.type == "idat") idat = box;
      if (box.type == "iprp") {
        return boxes_.children(box, box.body, 2, [&](const Box& child) {
          if (child.type == "ipco") ipco = child;
          if (child.type == "ipma") ipmas.push_back(child);
          return true;
        });
      }
      return true;
    });
    if (!listed) return false;

    std::optional<uint32_t> primary;
    if (pitm) {
      auto v = boxes_.field(*pitm, pitm->body, 1);
      if (!v) return false;
      Cursor c(boxes_, *pitm, pitm->body + 4);
      auto id = c.read(static_cast<uint8_t>((*v)[0]) == 0 ? 2 : 4);
      if (!id) return false;
      primary = static_cast<uint32_t>(*id);
    }
    if (primary && ipco && !size_of(*primary, *ipco, ipmas)) return false;

    std::optional<uint32_t> exif_item;
    if (iinf && !find_exif(*iinf, exif_item)) return false;
    if (!exif_item) return true;
    if (!iloc) return cx_.fail("the HEIC file has an Exif item but no iloc box");
    std::vector<Extent> extents;
    if (!locate(*iloc, *exif_item, idat, extents)) return false;
    if (extents.empty()) return cx_.fail("the HEIC Exif item " + num(*exif_item) + " has no location in iloc");
    return exif(extents);
  }

  // The primary item's ispe property.
  bool size_of(uint32_t item, const Box& ipco, const std::vector<Box>& ipmas) {
    std::vector<uint32_t> indexes;
    for (const Box& ipma : ipmas) {
      auto head = boxes_.field(ipma, ipma.body, 8);
      if (!head) return false;
      const uint8_t version = static_cast<uint8_t>((*head)[0]);
      const bool wide = (static_cast<uint8_t>((*head)[3]) & 1) != 0;
      const uint32_t entries = be32(*head, 4);
      Cursor c(boxes_, ipma, ipma.body + 8);
      for (uint32_t i = 0; i < entries; ++i) {
        auto id = c.read(version < 1 ? 2 : 4);
        auto count = id ? c.read(1) : std::nullopt;
        if (!count) return false;
        for (uint64_t k = 0; k < *count; ++k) {
          auto association = c.read(wide ? 2 : 1);
          if (!association) return false;
          if (*id == item) indexes.push_back(static_cast<uint32_t>(*association & (wide ? 0x7FFF : 0x7F)));
        }
      }
    }
    uint32_t index = 0;
    return boxes_.children(ipco, ipco.body, 3, [&](const Box& property) {
      ++index;
      if (out_.width || property.type != "ispe") return true;
      if (std::find(indexes.begin(), indexes.end(), index) == indexes.end()) return true;
      auto f = boxes_.field(property, property.body, 12);
      if (!f) return false;
      if (be32(*f, 4) > 0 && be32(*f, 8) > 0) {
        out_.width = be32(*f, 4);
        out_.height = be32(*f, 8);
      }
      return true;
    });
  }

  bool find_exif(const Box& iinf, std::optional<uint32_t>& item) {
    auto v = boxes_.field(iinf, iinf.body, 1);
    if (!v) return false;
    const uint64_t first = iinf.body + 4 + (static_cast<uint8_t>((*v)[0]) == 0 ? 2 : 4);
    if (first > iinf.end) return cx_.fail("the HEIC iinf box is too short");
    return boxes_.children(iinf, first, 2, [&](const Box& infe) {
      if (item || infe.type != "infe") return true;
      auto head = boxes_.field(infe, infe.body, 4);
      if (!head) return false;
      const uint8_t version = static_cast<uint8_t>((*head)[0]);
      if (version < 2) return true;
      auto fields = boxes_.field(infe, infe.body + 4, version == 2 ? 8 : 10);
      if (!fields) return false;
      const uint32_t id = version == 2 ? be16(*fields, 0) : be32(*fields, 0);
      if (fields->substr(version == 2 ? 4 : 6, 4) == "Exif") item = id;
      return true;
    });
  }

  bool locate(const Box& iloc, uint32_t item, const std::optional<Box>& idat, std::vector<Extent>& extents) {
    Cursor c(boxes_, iloc, iloc.body);
    auto version_flags = c.read(4);
    auto sizes = version_flags ? c.read(2) : std::nullopt;
    if (!sizes) return false;
    const auto version = static_cast<uint8_t>(*version_flags >> 24);
    const uint64_t offset_size = (*sizes >> 12) & 0xF;
    const uint64_t length_size = (*sizes >> 8) & 0xF;
    const uint64_t base_size = (*sizes >> 4) & 0xF;
    const uint64_t index_size = version >= 1 ? *sizes & 0xF : 0;
    for (uint64_t size : {offset_size, length_size, base_size, index_size}) {
      if (size != 0 && size != 4 && size != 8) return cx_.fail("the HEIC iloc box has a field size of " + num(size));
    }
    auto count = c.read(version < 2 ? 2 : 4);
    if (!count) return false;
    for (uint64_t i = 0; i < *count; ++i) {
      auto id = c.read(version < 2 ? 2 : 4);
      if (!id) return false;
      uint64_t method = 0;
      if (version >= 1) {
        auto m = c.read(2);
        if (!m) return false;
        method = *m & 0xF;
      }
      auto reference = c.read(2);
      auto base = reference ? c.read(base_size) : std::nullopt;
      auto extent_count = base ? c.read(2) : std::nullopt;
      if (!extent_count) return false;
      if (offset_size + length_size + index_size == 0) {  // extents without fields: nothing to read
        if (*id == item && *extent_count > 0) return cx_.fail("the HEIC Exif item has an extent of length 0");
        if (*id == item) return true;
        continue;
      }
      for (uint64_t e = 0; e < *extent_count; ++e) {
        auto index = c.read(index_size);
        auto offset = index ? c.read(offset_size) : std::nullopt;
        auto length = offset ? c.read(length_size) : std::nullopt;
        if (!length) return false;
        if (*id != item) continue;
        if (method == 2) return cx_.fail("the HEIC Exif item refers to another item (construction method 2)");
        if (*length == 0) return cx_.fail("the HEIC Exif item has an extent of length 0");
        uint64_t start = *base + *offset;
        uint64_t limit = cx_.file_size();
        if (method == 1) {
          if (!idat) return cx_.fail("the HEIC Exif item lies in an idat box the file does not have");
          start += idat->body;
          limit = idat->end;
        }
        if (start < *base || start > limit || *length > limit - start) {
          return cx_.fail("the HEIC Exif item (" + num(*length) + " bytes at offset " + num(start) +
                          ") runs past the end of " + (method == 1 ? "its idat box" : "the file"));
        }
        extents.push_back({start, *length});
      }
      if (*id == item) return true;
    }
    return true;
  }

  // The Exif item: a 32-bit offset to the TIFF header, then the TIFF structure.
  bool exif(const std::vector<Extent>& extents) {
    uint64_t total = 0;
    for (const Extent& e : extents) total += e.length;
    if (total > limits::kMaxExifBytes) {
      return cx_.fail("the HEIC Exif item is " + num(total) + " bytes (more than " + num(limits::kMaxExifBytes) +
                      " are not read)");
    }
    if (total < 4) return cx_.fail("the HEIC Exif item is too short (" + num(total) + " bytes)");
    TiffResult tiff;
    if (extents.size() == 1) {
      auto head = cx_.bytes(extents[0].offset, 4);
      if (!head) return false;
      const uint64_t skip = 4 + static_cast<uint64_t>(be32(*head, 0));
      if (skip >= total) return cx_.fail("the HEIC Exif item's TIFF header offset lies past its end");
      const TiffWindow window{extents[0].offset + skip, total - skip, "the HEIC Exif item"};
      if (!parse_tiff(cx_, window, TiffScope::Exif, tiff)) return false;
    } else {
      // Pieces: gathered into one block, read as a file of its own.
      std::string block;
      for (const Extent& e : extents) {
        auto piece = cx_.bytes(e.offset, e.length);
        if (piece) block.append(*piece);
      }
      if (cx_.incomplete()) return false;
      const ByteRanges item = ByteRanges::whole(block);
      Context sub(item);
      const uint64_t skip = 4 + static_cast<uint64_t>(be32(block, 0));
      if (skip >= total) return cx_.fail("the HEIC Exif item's TIFF header offset lies past its end");
      const TiffWindow window{skip, total - skip, "the HEIC Exif item"};
      parse_tiff(sub, window, TiffScope::Exif, tiff);
      if (sub.failure()) return cx_.fail(*sub.failure());
      if (sub.incomplete()) return cx_.fail("internal: the HEIC Exif item was read incompletely");
    }
    out_.exif = merge_exif(tiff);
    return true;
  }

  Boxes& boxes_;
  Context& cx_;
  Found& out_;
};

}  // namespace

bool parse_bmff(Context& cx, Found& out) {
  Boxes boxes(cx);
  Box ftyp;
  if (!boxes.header(0, cx.file_size(), "the file", ftyp)) return false;
  if (ftyp.type != "ftyp" || ftyp.body_size() < 8) return cx.fail("the ISO BMFF file does not start with an ftyp box");
  // The major brand and up to 64 compatible brands.
  auto brands = cx.bytes(ftyp.body, std::min<uint64_t>(ftyp.body_size(), 8 + 4 * 64));
  if (!brands) return false;
  const std::string_view major = brands->substr(0, 4);
  bool heif = false;
  bool cr3 = major == "crx ";
  for (size_t pos = 0; pos + 4 <= brands->size(); pos += 4) {
    if (pos == 4) continue;  // the minor version
    const std::string_view brand = brands->substr(pos, 4);
    if (brand == "crx ") cr3 = true;
    if (std::find(kHeifBrands.begin(), kHeifBrands.end(), brand) != kHeifBrands.end()) heif = true;
  }
  if (cr3) return Cr3(boxes, out).run();
  if (heif) return Heic(boxes, out).run();
  return cx.fail("an ISO BMFF file of brand " + four_cc(major) + ", neither HEIC nor CR3");
}

}  // namespace upgate::metadata::detail
