// The metadata parsers on small hand-built files: what each format yields, how a sparse file is read, and a
// clear Failure for each kind of hostile structure.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "metadata/builders.h"
#include "metadata/metadata.h"

using namespace upgate::metadata;
using namespace upgate::metadata::test;

namespace {

std::string describe(const Answer& answer) {
  if (const auto* f = std::get_if<Failure>(&answer)) return "Failure: " + f->reason;
  if (const auto* n = std::get_if<NeedBytes>(&answer)) return "NeedBytes: " + std::to_string(n->ranges.size());
  return "Metadata";
}

Metadata parsed(const std::string& file) {
  const Answer answer = parse(ByteRanges::whole(file));
  INFO(describe(answer));
  REQUIRE(std::holds_alternative<Metadata>(answer));
  return std::get<Metadata>(answer);
}

std::string failure(const std::string& file) {
  const Answer answer = parse(ByteRanges::whole(file));
  INFO(describe(answer));
  REQUIRE(std::holds_alternative<Failure>(answer));
  return std::get<Failure>(answer).reason;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// What the queue consumer does: the first read, then every asked range, until an answer.
struct Driven {
  Answer answer;
  int rounds = 0;
  uint64_t bytes = 0;
};
Driven drive(const std::string& file) {
  Reader reader(file.size());
  const Range first = reader.first_read();
  reader.add(first.offset, std::string_view(file).substr(first.offset, first.length));
  uint64_t bytes = first.length;
  while (true) {
    Answer answer = reader.next();
    const auto* need = std::get_if<NeedBytes>(&answer);
    if (!need) return {std::move(answer), reader.rounds(), bytes};
    for (const Range& range : need->ranges) {
      // Never a byte that is known already, never past the end.
      REQUIRE(range.length > 0);
      REQUIRE(range.offset + range.length <= file.size());
      REQUIRE(reader.file().known_in(range.offset, range.length) == 0);
      reader.add(range.offset, std::string_view(file).substr(range.offset, range.length));
      bytes += range.length;
    }
  }
}

// A camera's EXIF: IFD0 with Make, Model, Orientation, DateTime; the Exif IFD with the exposure.
std::string camera_exif(bool big_endian, uint32_t orientation = 6) {
  Tiff t(big_endian);
  const uint32_t exif =
      t.ifd({t.rational(0x829A, 1, 250), t.rational(0x829D, 28, 10), t.short_(0x8827, 400),
             t.ascii(0x9003, "2024:06:01 14:03:22"), t.ascii(0x9011, "+02:00"), t.rational(0x920A, 50, 1),
             t.long_(0xA002, 8192), t.long_(0xA003, 5464), t.ascii(0xA434, "RF50mm F1.2 L USM")});
  const uint32_t ifd0 = t.ifd({t.ascii(0x010F, "Canon"), t.ascii(0x0110, "Canon EOS R5"), t.short_(0x0112, orientation),
                               t.ascii(0x0132, "2024:06:02 10:00:00"), t.long_(0x8769, exif)});
  t.set_ifd0(ifd0);
  return t.bytes;
}

void check_camera_fields(const Metadata& m) {
  CHECK(m.captured_at == "2024-06-01T14:03:22+02:00");
  CHECK(m.make == "Canon");
  CHECK(m.model == "Canon EOS R5");
  CHECK(m.lens == "RF50mm F1.2 L USM");
  CHECK(m.focal_length == doctest::Approx(50.0));
  CHECK(m.exposure_time == doctest::Approx(0.004));
  CHECK(m.f_number == doctest::Approx(2.8));
  CHECK(m.iso == 400u);
  CHECK(m.orientation == 6u);
}

}  // namespace

TEST_CASE("ByteRanges keeps disjoint runs and answers only what is wholly known") {
  ByteRanges file(100);
  file.add(10, "abcde");
  file.add(20, "xyz");
  CHECK(file.get(10, 5) == "abcde");
  CHECK_FALSE(file.get(10, 6).has_value());
  CHECK(file.unknown_in(0, 30) == std::vector<Range>{{0, 10}, {15, 5}, {23, 7}});
  file.add(14, "EFGHIJ");  // bridges the two runs
  CHECK(file.get(10, 13) == "abcdEFGHIJxyz");
  CHECK(file.known_bytes() == 13);
  file.add(98, "0123");  // clipped at the file's end
  CHECK(file.get(98, 2) == "01");
  CHECK_FALSE(file.get(98, 3).has_value());
  CHECK(file.known_in(0, 200) == 15);
}

TEST_CASE("a JPEG's Exif gives every field; the JPEG itself is its preview, with its frame's size") {
  for (bool big : {false, true}) {
    const std::string file = jpeg(6000, 4000, camera_exif(big));
    const Metadata m = parsed(file);
    CHECK(m.format == Format::Jpeg);
    check_camera_fields(m);
    CHECK(m.width == 6000u);  // the frame header, not the Exif PixelXDimension
    CHECK(m.height == 4000u);
    REQUIRE(m.preview.has_value());
    CHECK(m.preview->offset == 0);
    CHECK(m.preview->length == file.size());
    CHECK(m.preview->width == 6000u);
    const auto j = to_json(m);
    CHECK(j.dump() ==
          R"({"capturedAt":"2024-06-01T14:03:22+02:00","exposureTime":0.004,"fNumber":2.8,"focalLength":50.0,)"
          R"("height":4000,"iso":400,"lens":"RF50mm F1.2 L USM","make":"Canon","model":"Canon EOS R5",)"
          R"("orientation":6,"width":6000})");
  }
}

TEST_CASE("capturedAt: DateTimeOriginal, else DateTime with OffsetTime; unset or impossible dates are absent") {
  const auto captured = [](const std::string& original, const std::string& written) {
    Tiff t;
    std::vector<Tiff::Entry> exif_entries = {t.ascii(0x9010, "-05:00")};
    if (!original.empty()) exif_entries.push_back(t.ascii(0x9003, original));
    const uint32_t exif = t.ifd(exif_entries);
    t.set_ifd0(t.ifd({t.ascii(0x0132, written), t.long_(0x8769, exif)}));
    return parsed(jpeg(8, 8, t.bytes)).captured_at;
  };
  CHECK(captured("", "2020:02:29 23:59:59") == "2020-02-29T23:59:59-05:00");
  CHECK(captured("0000:00:00 00:00:00", "2021:01:01 00:00:00") == "2021-01-01T00:00:00-05:00");
  CHECK(captured("    :  :     :  :  ", "2021:01:01 00:00:00") == "2021-01-01T00:00:00-05:00");
  CHECK(captured("2019:02:29 12:00:00", "2019:02:30 12:00:00") == std::nullopt);  // not leap years' days
  CHECK(captured("2019:13:01 12:00:00", "2019:12:01 24:00:00") == std::nullopt);
  CHECK(captured("2019-12-01T08:09:10", "") == "2019-12-01T08:09:10");  // no OffsetTimeOriginal: no offset
}

TEST_CASE("text is cut at NUL, trimmed, and made valid UTF-8; orientation outside 1-8 is absent") {
  Tiff t;
  t.set_ifd0(t.ifd({{0x010F, 2, 12, std::string("Nikon  \0junk", 12)},
                    {0x0110, 2, 8,
                     std::string("Z\xFF"
                                 "9\x01\xC3\xA9\0\0",
                                 8)},
                    t.short_(0x0112, 9),
                    {0x8827, 3, 2, t.u16(100) + t.u16(200)}}));
  const Metadata m = parsed(jpeg(8, 8, t.bytes));
  CHECK(m.make == "Nikon");
  CHECK(m.model ==
        "Z\xEF\xBF\xBD"
        "9\xEF\xBF\xBD\xC3\xA9");
  CHECK_FALSE(m.orientation.has_value());
  CHECK(m.iso == 100u);  // the first of several values
}

TEST_CASE("a DNG-like TIFF: size from the full-resolution SubIFD, preview the largest decodable JPEG") {
  Tiff t;
  const std::string small = jpeg(1024, 683);
  const std::string large = jpeg(3000, 2000, "", 0xC0, "", 200);
  const std::string lossless = jpeg(6000, 4000, "", 0xC3);  // raw data: lossless JPEG
  const uint32_t small_at = t.append(small);
  const uint32_t large_at = t.append(large);
  const uint32_t raw_at = t.append(lossless);
  const uint32_t raw = t.ifd({t.long_(0x00FE, 0), t.long_(0x0100, 6000), t.long_(0x0101, 4000), t.short_(0x0103, 7),
                              t.long_(0x0111, raw_at), t.long_(0x0117, lossless.size())});
  const uint32_t preview = t.ifd({t.long_(0x00FE, 1), t.long_(0x0100, 1024), t.long_(0x0101, 683), t.short_(0x0103, 7),
                                  t.long_(0x0111, small_at), t.long_(0x0117, small.size())});
  const uint32_t big_preview =
      t.ifd({t.long_(0x00FE, 1), t.short_(0x0103, 7), t.long_(0x0111, large_at), t.long_(0x0117, large.size())});
  const uint32_t exif = t.ifd({t.short_(0x8827, 200)});
  t.set_ifd0(t.ifd({t.long_(0x00FE, 1),
                    t.long_(0x0100, 256),
                    t.long_(0x0101, 171),
                    t.ascii(0x010F, "Canon"),
                    t.longs(0x014A, {raw, preview, big_preview}),
                    t.long_(0x8769, exif),
                    {0xC612, 1, 4, std::string("\x01\x04\x00\x00", 4)}}));
  const Metadata m = parsed(t.bytes);
  CHECK(m.format == Format::Dng);
  CHECK(m.width == 6000u);
  CHECK(m.height == 4000u);
  CHECK(m.iso == 200u);
  REQUIRE(m.preview.has_value());
  CHECK(m.preview->offset == large_at);
  CHECK(m.preview->length == large.size());
  CHECK(m.preview->width == 3000u);
  CHECK(m.preview->height == 2000u);
}

TEST_CASE("a CR2-like TIFF: size from the Exif IFD, the IFD0 JPEG beats the IFD1 thumbnail, the raw is no preview") {
  Tiff t(false, std::string("CR\x02\0\0\0\0\0", 8));
  const std::string medium = jpeg(1620, 1080);
  const std::string thumb = jpeg(160, 120);
  const std::string raw = jpeg(5472, 3648, "", 0xC3);
  const uint32_t medium_at = t.append(medium);
  const uint32_t thumb_at = t.append(thumb);
  const uint32_t raw_at = t.append(raw);
  const uint32_t ifd3 = t.ifd({t.short_(0x0103, 6), t.long_(0x0111, raw_at), t.long_(0x0117, raw.size())});
  const uint32_t ifd1 = t.ifd({t.long_(0x0201, thumb_at), t.long_(0x0202, thumb.size())}, ifd3);
  const uint32_t exif = t.ifd({t.short_(0xA002, 5472), t.short_(0xA003, 3648)});
  t.set_ifd0(t.ifd({t.long_(0x0100, 1620), t.long_(0x0101, 1080), t.short_(0x0103, 6), t.ascii(0x010F, "Canon"),
                    t.long_(0x0111, medium_at), t.long_(0x0117, medium.size()), t.long_(0x8769, exif)},
                   ifd1));
  const Metadata m = parsed(t.bytes);
  CHECK(m.format == Format::Cr2);
  CHECK(m.width == 5472u);
  CHECK(m.height == 3648u);
  REQUIRE(m.preview.has_value());
  CHECK(m.preview->offset == medium_at);
  CHECK(m.preview->width == 1620u);
}

TEST_CASE("a TIFF whose embedded images are not JPEGs has no preview, and says why") {
  Tiff t;
  const uint32_t junk = t.append("<Dummy preview image data>");
  const uint32_t ifd1 = t.ifd({t.long_(0x0201, junk), t.long_(0x0202, 26)});
  t.set_ifd0(t.ifd({t.long_(0x0100, 16), t.long_(0x0101, 16)}, ifd1));
  const Metadata m = parsed(t.bytes);
  CHECK(m.format == Format::Tiff);
  CHECK(m.width == 16u);
  CHECK_FALSE(m.preview.has_value());
  CHECK(m.no_preview_reason ==
        "no embedded JPEG preview a JPEG decoder reads (IFD1 does not start with a JPEG SOI marker)");

  Tiff plain;
  plain.set_ifd0(plain.ifd({plain.long_(0x0100, 16), plain.long_(0x0101, 16)}));
  CHECK(parsed(plain.bytes).no_preview_reason == "the TIFF file holds no embedded JPEG preview");
}

TEST_CASE("a sparse raw: IFDs and preview far into the file are asked for, in few rounds, never twice") {
  // IFD0 at 1 MiB, its Exif IFD at 3 MiB, the preview at 5 MiB, the thumbnail at 7 MiB.
  Tiff t;
  const std::string preview = jpeg(2048, 1365, "", 0xC0, "", 1000);
  const std::string thumb = jpeg(160, 120);
  auto pad_to = [&](uint64_t at) { t.append(std::string(at - t.bytes.size(), '\0')); };
  pad_to(1 << 20);
  const uint32_t ifd0_at = static_cast<uint32_t>(t.bytes.size());
  const size_t ifd0_entries = 5;
  t.ifd({t.ascii(0x010F, "SONY"), t.ascii(0x0110, "ILCE-7M4"), t.long_(0x0201, 0), t.long_(0x0202, preview.size()),
         t.long_(0x8769, 0)},
        0);
  pad_to(3 << 20);
  const uint32_t exif = t.ifd({t.rational(0x829D, 40, 10)});
  pad_to(5 << 20);
  const uint32_t preview_at = t.append(preview);
  pad_to(7 << 20);
  const uint32_t thumb_at = t.append(thumb);
  const uint32_t ifd1 = t.ifd({t.long_(0x0201, thumb_at), t.long_(0x0202, thumb.size())});
  t.patch32(Tiff::value_field(ifd0_at, 2), preview_at);
  t.patch32(Tiff::value_field(ifd0_at, 4), exif);
  t.patch32(Tiff::next_field(ifd0_at, ifd0_entries), ifd1);
  t.set_ifd0(ifd0_at);
  t.append(std::string(1 << 20, '\0'));

  const Driven driven = drive(t.bytes);
  INFO(describe(driven.answer));
  REQUIRE(std::holds_alternative<Metadata>(driven.answer));
  const Metadata& m = std::get<Metadata>(driven.answer);
  CHECK(m.format == Format::Arw);
  CHECK(m.model == "ILCE-7M4");
  CHECK(m.f_number == doctest::Approx(4.0));
  REQUIRE(m.preview.has_value());
  CHECK(m.preview->offset == preview_at);
  CHECK(m.preview->width == 2048u);
  // IFD0; then the Exif IFD, IFD1 and the preview's head at once; then the thumbnail's head.
  CHECK(driven.rounds == 3);
  CHECK(driven.bytes < 600 * 1024);
}

TEST_CASE("the reading stays within Upgate's caps: rounds, bytes, and bytes that never arrive") {
  SUBCASE("an IFD chain that leads 1 MiB further each time needs more than 16 rounds") {
    Tiff t;
    std::vector<uint32_t> ifds;
    for (int i = 0; i < 20; ++i) {
      t.append(std::string((1 << 20) - (t.bytes.size() % (1 << 20)), '\0'));
      ifds.push_back(t.ifd({t.long_(0x0100, 8)}));
    }
    for (size_t i = 0; i + 1 < ifds.size(); ++i) t.patch32(Tiff::next_field(ifds[i], 1), ifds[i + 1]);
    t.set_ifd0(ifds[0]);
    const Driven driven = drive(t.bytes);
    REQUIRE(std::holds_alternative<Failure>(driven.answer));
    CHECK(std::get<Failure>(driven.answer).reason ==
          "metadata beyond what Upgate reads: its structures need more than 16 rounds of reads after the first");
  }
  SUBCASE("an IFD of Make tags scattered across the file asks for more than 8 MiB") {
    Tiff t;
    std::vector<Tiff::Entry> entries;
    for (uint32_t i = 0; i < 200; ++i) entries.push_back(t.at(0x010F, 2, 100, (i + 1) * (200 << 10)));
    t.set_ifd0(t.ifd(entries));
    t.append(std::string(41 << 20, '\0'));
    const Driven driven = drive(t.bytes);
    REQUIRE(std::holds_alternative<Failure>(driven.answer));
    CHECK(contains(std::get<Failure>(driven.answer).reason, "metadata beyond what Upgate reads: its structures need"));
    CHECK(driven.bytes <= kMaxReadBytes);
  }
  SUBCASE("a range the storage never delivered is a failure, not a loop") {
    Tiff t;
    t.append(std::string(200 << 10, '\0'));
    t.set_ifd0(t.ifd({t.long_(0x0100, 8)}));
    Reader reader(t.bytes.size());
    reader.add(0, std::string_view(t.bytes).substr(0, kFirstReadBytes));
    REQUIRE(std::holds_alternative<NeedBytes>(reader.next()));
    const Answer again = reader.next();  // nothing added
    REQUIRE(std::holds_alternative<Failure>(again));
    CHECK(contains(std::get<Failure>(again).reason, "did not arrive"));
  }
}

TEST_CASE("hostile TIFF structures fail with a reason") {
  SUBCASE("IFD0 past the end") {
    Tiff t;
    t.set_ifd0(5000);
    CHECK(failure(t.bytes) == "IFD0 at offset 5000 lies past the end of the file (8 bytes)");
  }
  SUBCASE("an IFD loop through the chain") {
    Tiff t;
    const uint32_t ifd0 = t.ifd({t.long_(0x0100, 8)});
    const uint32_t ifd1 = t.ifd({t.long_(0x0100, 4)}, ifd0);
    t.patch32(Tiff::next_field(ifd0, 1), ifd1);
    t.set_ifd0(ifd0);
    CHECK(failure(t.bytes) == "IFD loop: IFD2 at offset 8 is IFD0 again");
  }
  SUBCASE("a SubIFD that is its own parent") {
    Tiff t;
    const uint32_t ifd0 = t.ifd({t.long_(0x014A, 0)});
    t.patch32(Tiff::value_field(ifd0, 0), ifd0);
    t.set_ifd0(ifd0);
    CHECK(failure(t.bytes) == "IFD loop: SubIFD0 of IFD0 at offset 8 is IFD0 again");
  }
  SUBCASE("an absurd entry count") {
    Tiff t;
    t.append(t.u16(65535) + std::string(64, '\0'));
    CHECK(failure(t.bytes) == "IFD0 at offset 8 claims 65535 entries (at most 1000 are read)");
  }
  SUBCASE("entries that run past the end") {
    Tiff t;
    t.append(t.u16(40) + std::string(64, '\0'));
    CHECK(failure(t.bytes) == "IFD0 at offset 8 (40 entries) runs past the end of the file (74 bytes)");
  }
  SUBCASE("a value past the end, and an absurd count") {
    Tiff t;
    t.set_ifd0(t.ifd({t.at(0x010F, 2, 100, 9000)}));
    CHECK(failure(t.bytes) ==
          "IFD0 Make: its value (100 bytes at offset 9000) runs past the end of the file (26 bytes)");
    Tiff u;
    u.set_ifd0(u.ifd({u.at(0x0110, 2, 0xFFFFFFFF, 8)}));
    CHECK(contains(failure(u.bytes), "IFD0 Model: its value (4294967295 bytes at offset 8) runs past the end"));
  }
  SUBCASE("a preview past the end") {
    Tiff t;
    t.set_ifd0(t.ifd({t.long_(0x0201, 20), t.long_(0x0202, 100000)}));
    CHECK(failure(t.bytes) ==
          "IFD0's JPEGInterchangeFormat (100000 bytes at offset 20) runs past the end of the file (38 bytes)");
  }
  SUBCASE("too many SubIFDs, and SubIFDs nested too deep") {
    Tiff t;
    t.set_ifd0(t.ifd({t.longs(0x014A, std::vector<uint32_t>(1000, 8))}));
    CHECK(failure(t.bytes) == "IFD0 lists 1000 SubIFDs (at most 16 are read)");
    Tiff u;
    uint32_t inner = u.ifd({u.long_(0x0100, 1)});
    for (int i = 0; i < 5; ++i) inner = u.ifd({u.long_(0x014A, inner)});
    u.set_ifd0(inner);
    CHECK(contains(failure(u.bytes), "SubIFDs nested deeper than 4"));
  }
  SUBCASE("more IFDs than are read") {
    Tiff t;
    uint32_t next = 0;
    for (int i = 0; i < 70; ++i) next = t.ifd({t.long_(0x0100, 1)}, next);
    t.set_ifd0(next);
    CHECK(failure(t.bytes) == "more than 64 IFDs");
  }
  SUBCASE("header troubles") {
    CHECK(failure(std::string("II*\0", 4)) == "the file is too short for a TIFF header (4 bytes)");
    CHECK(failure(std::string("II*\0\0\0\0\0", 8)) == "the file has no IFD0 (its offset is 0)");
    CHECK(failure(std::string("II*\0\4\0\0\0", 8)) == "IFD0 at offset 4 overlaps the TIFF header");
    CHECK(failure(std::string("II+\0\x08\0\0\0\0\0\0\0\0\0\0\0", 16)) == "the file is a BigTIFF, which is not read");
  }
  SUBCASE("an Exif segment whose TIFF is broken fails the JPEG") {
    Tiff t;
    t.set_ifd0(t.ifd({t.long_(0x8769, 4000)}));
    CHECK(failure(jpeg(8, 8, t.bytes)) ==
          "the Exif IFD at offset 4000 lies past the end of the Exif APP1 segment (26 bytes)");
  }
}

TEST_CASE("hostile JPEG structures fail with a reason") {
  const std::string soi("\xFF\xD8", 2);
  CHECK(failure(soi + "\xFF\xE0" + be(1, 2) + "xxxx") == "the JPEG file has a marker segment of length 1 at offset 2");
  CHECK(failure(soi + "\xFF\xE0" + be(5000, 2) + "xxxx") ==
        "the JPEG file has a marker segment at offset 2 that runs past its end");
  CHECK(failure(soi + segment(0xDB, "q") + "\xFF\xDA" + be(2, 2)) ==
        "the JPEG file has no frame header (SOF) before its scan");
  CHECK(failure(soi + segment(0xDB, "q")) == "the JPEG file ends before its frame header (SOF)");
  CHECK(failure(soi + segment(0xDB, "q") + "junk") == "the JPEG file has no marker at offset 7");
  CHECK(failure(soi + segment(0xC0, "abc")) == "the JPEG file has a frame header (SOF) of 5 bytes at offset 2");
  std::string many = soi;
  for (int i = 0; i < 600; ++i) many += segment(0xFE, "");
  CHECK(failure(many) == "the JPEG file has more than 512 marker segments before its scan");
  // A lossless JPEG has metadata but no preview.
  const Metadata lossless = parsed(jpeg(100, 50, "", 0xC3));
  CHECK(lossless.width == 100u);
  CHECK_FALSE(lossless.preview.has_value());
  CHECK(lossless.no_preview_reason == "the JPEG's frame type (SOF3) is not one Upgate's JPEG decoder reads");
}

TEST_CASE("a JPEG whose segments reach past the first read is read on, segment header by segment header") {
  // Large APP segments (ICC, XMP) before the frame header: 12 of 64 KiB.
  std::string extra;
  for (int i = 0; i < 12; ++i) extra += segment(0xE2, std::string(65000, 'i'));
  const std::string file = jpeg(4000, 3000, camera_exif(false), 0xC2, extra);
  const Driven driven = drive(file);
  INFO(describe(driven.answer));
  REQUIRE(std::holds_alternative<Metadata>(driven.answer));
  const Metadata& m = std::get<Metadata>(driven.answer);
  check_camera_fields(m);
  CHECK(m.width == 4000u);
  CHECK(m.preview->length == file.size());
  CHECK(driven.rounds <= 4);
}

namespace {

// A CR3 as Canon lays it out: ftyp, moov (Canon's uuid box with CMT1, CMT2, THMB; a JPEG track), the PRVW
// uuid box, mdat (holding the full-size JPEG).
struct Cr3Parts {
  std::string full = jpeg(6000, 4000, "", 0xC0, "", 300);
  std::string preview = jpeg(1620, 1080, "", 0xC0, "", 100);
  std::string thumb = jpeg(160, 120);
  std::string extra_moov;  // more boxes inside moov
};

std::string cr3(const Cr3Parts& parts) {
  Tiff cmt1(true);
  cmt1.set_ifd0(cmt1.ifd({cmt1.long_(0x0100, 6000), cmt1.long_(0x0101, 4000), cmt1.ascii(0x010F, "Canon"),
                          cmt1.ascii(0x0110, "Canon EOS R6"), cmt1.short_(0x0112, 8),
                          cmt1.ascii(0x0132, "2023:05:05 09:08:07")}));
  Tiff cmt2(true);
  cmt2.set_ifd0(
      cmt2.ifd({cmt2.rational(0x829A, 1, 100), cmt2.short_(0x8827, 3200), cmt2.ascii(0x9003, "2023:05:05 09:08:06"),
                cmt2.ascii(0x9011, "+09:00"), cmt2.ascii(0xA434, "RF24-105mm F4 L IS USM")}));
  const std::string thmb =
      box("THMB", be(0, 4) + be(160, 2) + be(120, 2) + be(parts.thumb.size(), 4) + be(0, 4) + parts.thumb);
  const std::string canon = uuid_box(kCanonUuid, box("CMT1", cmt1.bytes) + box("CMT2", cmt2.bytes) + thmb);
  const std::string ftyp = box("ftyp", "crx " + be(1, 4) + "crx isom");
  const std::string prvw =
      uuid_box(kPreviewUuid, be(0, 4) + be(1, 4) +
                                 box("PRVW", be(0, 4) + be(1, 2) + be(1620, 2) + be(1080, 2) + be(1, 2) +
                                                 be(parts.preview.size(), 4) + parts.preview));
  const auto moov_with = [&](uint64_t full_at) {
    const std::string craw =
        box("CRAW", std::string(6, '\0') + be(1, 2) + std::string(16, '\0') + be(6000, 2) + be(4000, 2) +
                        std::string(50, '\0') + be(3, 2) + be(0, 2) + box("JPEG", be(0, 4)) + box("free", "\0\0"));
    const std::string stbl = box("stbl", full_box("stsd", 0, 0, be(1, 4) + craw) +
                                             full_box("stsz", 0, 0, be(parts.full.size(), 4) + be(1, 4)) +
                                             full_box("co64", 0, 0, be(1, 4) + be(full_at, 8)));
    const std::string trak = box("trak", box("mdia", box("minf", stbl)));
    return box("moov", canon + parts.extra_moov + trak);
  };
  const uint64_t full_at = ftyp.size() + moov_with(0).size() + prvw.size() + 8;
  return ftyp + moov_with(full_at) + prvw + box("mdat", parts.full);
}

// A HEIC: ftyp, meta (pitm, iinf with an hvc1 and an Exif item, iloc, iprp with two ispe), mdat.
std::string heic(const std::string& exif_payload, uint32_t iloc_length_override = 0) {
  const std::string ftyp = box("ftyp", "heic" + be(0, 4) + "mif1heic");
  const std::string image = std::string(40, '\x11');
  const auto meta_with = [&](uint64_t image_at, uint64_t exif_at) {
    const std::string hdlr = full_box("hdlr", 0, 0, be(0, 4) + "pict" + std::string(13, '\0'));
    const std::string pitm = full_box("pitm", 0, 0, be(1, 2));
    const std::string iinf =
        full_box("iinf", 0, 0,
                 be(2, 2) + full_box("infe", 2, 0, be(1, 2) + be(0, 2) + "hvc1" + std::string(1, '\0')) +
                     full_box("infe", 2, 0, be(2, 2) + be(0, 2) + "Exif" + std::string(1, '\0')));
    const std::string iloc =
        full_box("iloc", 0, 0,
                 std::string("\x44\x00", 2) + be(2, 2) + be(1, 2) + be(0, 2) + be(1, 2) + be(image_at, 4) +
                     be(image.size(), 4) + be(2, 2) + be(0, 2) + be(1, 2) + be(exif_at, 4) +
                     be(iloc_length_override ? iloc_length_override : exif_payload.size(), 4));
    const std::string ipco = box(
        "ipco", full_box("ispe", 0, 0, be(320, 4) + be(240, 4)) + full_box("ispe", 0, 0, be(4032, 4) + be(3024, 4)));
    const std::string ipma =
        full_box("ipma", 0, 0, be(1, 4) + be(1, 2) + std::string(1, '\1') + std::string(1, '\x82'));
    return full_box("meta", 0, 0, hdlr + pitm + iinf + iloc + box("iprp", ipco + ipma));
  };
  const uint64_t image_at = ftyp.size() + meta_with(0, 0).size() + 8;
  const uint64_t exif_at = image_at + image.size();
  return ftyp + meta_with(image_at, exif_at) + box("mdat", image + exif_payload);
}

}  // namespace

TEST_CASE("a CR3: CMT1 and CMT2, and the full-size JPEG track as the preview") {
  const Cr3Parts parts;
  const std::string file = cr3(parts);
  const Metadata m = parsed(file);
  CHECK(m.format == Format::Cr3);
  CHECK(m.captured_at == "2023-05-05T09:08:06+09:00");
  CHECK(m.make == "Canon");
  CHECK(m.model == "Canon EOS R6");
  CHECK(m.lens == "RF24-105mm F4 L IS USM");
  CHECK(m.iso == 3200u);
  CHECK(m.exposure_time == doctest::Approx(0.01));
  CHECK(m.orientation == 8u);
  CHECK(m.width == 6000u);
  CHECK(m.height == 4000u);
  REQUIRE(m.preview.has_value());
  CHECK(m.preview->offset == file.size() - parts.full.size());
  CHECK(m.preview->length == parts.full.size());
  CHECK(m.preview->width == 6000u);

  // Without the JPEG track's image being a JPEG, PRVW is the largest.
  Cr3Parts no_full = parts;
  no_full.full = std::string(300, 'r');
  const std::string without = cr3(no_full);
  const Metadata n = parsed(without);
  REQUIRE(n.preview.has_value());
  CHECK(n.preview->length == parts.preview.size());
  CHECK(n.preview->width == 1620u);
  CHECK(without.substr(n.preview->offset, n.preview->length) == parts.preview);
}

TEST_CASE("a HEIC: the primary item's ispe and the Exif item; no preview") {
  const std::string file = heic(be(6, 4) + std::string("Exif\0\0", 6) + camera_exif(false));
  const Metadata m = parsed(file);
  CHECK(m.format == Format::Heic);
  check_camera_fields(m);
  CHECK(m.width == 4032u);  // the primary item's, not the first ispe
  CHECK(m.height == 3024u);
  CHECK_FALSE(m.preview.has_value());
  CHECK(m.no_preview_reason == "HEIC holds HEVC-coded images, and Upgate makes previews only from JPEG");
}

TEST_CASE("hostile ISO BMFF structures fail with a reason") {
  const std::string ftyp = box("ftyp", "crx " + be(1, 4) + "crx isom");
  SUBCASE("a box smaller than its header") {
    CHECK(failure(ftyp + be(4, 4) + "moov") == "box 'moov' at offset 24 has size 4, less than its header");
  }
  SUBCASE("a box that runs past the end of the file") {
    CHECK(failure(ftyp + be(5000, 4) + "moov" + std::string(20, '\0')) ==
          "box 'moov' at offset 24 (5000 bytes) runs past the end of the file");
  }
  SUBCASE("a 64-bit size that is huge, and one cut off") {
    CHECK(failure(ftyp + be(1, 4) + "mdat" + be(0xFFFFFFFFFFFFull, 8) + std::string(8, '\0')) ==
          "box 'mdat' at offset 24 (281474976710655 bytes) runs past the end of the file");
    CHECK(failure(ftyp + be(1, 4) + "mdat" + "abc") ==
          "box 'mdat' at offset 24: its 64-bit size runs past the end of the file");
  }
  SUBCASE("size 0 reaches to the end of the parent; a child then overruns") {
    CHECK(failure(ftyp + box("moov", be(0, 4) + "trak" + be(100, 4) + "mdia")) ==
          "box 'mdia' at offset 40 (100 bytes) runs past the end of box 'trak' at offset 32");
  }
  SUBCASE("a truncated box header") {
    CHECK(failure(ftyp + be(20, 4) + "moo") == "a box header at offset 24 runs past the end of the file");
  }
  SUBCASE("nesting deeper than 10") {
    std::string nested = box("free", "");
    for (int i = 0; i < 12; ++i) nested = box("mdia", nested);
    CHECK(failure(ftyp + box("moov", box("trak", nested))) == "boxes nested deeper than 10 (in 'mdia')");
  }
  SUBCASE("a CR3 without moov, a HEIC without meta, another brand") {
    CHECK(failure(ftyp + box("mdat", "x")) == "the CR3 file has no moov box before its media data");
    CHECK(failure(box("ftyp", "heic" + be(0, 4)) + box("mdat", "x")) == "the HEIC file has no meta box");
    CHECK(failure(box("ftyp", "isom" + be(0, 4) + "mp41")) == "an ISO BMFF file of brand 'isom', neither HEIC nor CR3");
  }
  SUBCASE("a CR3 preview that claims more than its box") {
    const std::string prvw = uuid_box(
        kPreviewUuid, be(0, 4) + be(1, 4) +
                          box("PRVW", be(0, 4) + be(1, 2) + be(16, 2) + be(16, 2) + be(1, 2) + be(90000, 4) + "abc"));
    CHECK(failure(ftyp + prvw + box("moov", "")) ==
          "the CR3 PRVW preview (90000 bytes at offset 80) runs past the end of its box");
  }
  SUBCASE("a CR3 JPEG track whose image lies past the end") {
    Cr3Parts parts;
    std::string file = cr3(parts);
    file.resize(file.size() - parts.full.size());
    file.replace(file.size() - 8, 4, be(8, 4));  // mdat now empty
    CHECK(contains(failure(file),
                   "the CR3 JPEG track's image (" + std::to_string(parts.full.size()) + " bytes at offset"));
  }
  SUBCASE("a HEIC Exif item past the end") {
    CHECK(contains(failure(heic(be(6, 4) + "Exif", 90000)), "the HEIC Exif item (90000 bytes at offset"));
  }
  SUBCASE("a HEIC Exif item whose TIFF header offset points past it") {
    CHECK(failure(heic(be(6000, 4) + "Exif\0\0")) == "the HEIC Exif item's TIFF header offset lies past its end");
  }
  SUBCASE("a moov box larger than what is read whole") {
    const std::string file = ftyp + box("moov", std::string((4 << 20) + 10, '\0'));
    CHECK(failure(file) == "the 'moov' box is 4194322 bytes (more than 4194304 are not read)");
  }
}

TEST_CASE("PNG and WebP: sizes from their headers, EXIF from their chunks") {
  const std::string signature("\x89PNG\r\n\x1A\n", 8);
  const std::string ihdr = png_chunk("IHDR", be(640, 4) + be(480, 4) + std::string(5, '\0'));
  const Metadata png = parsed(signature + ihdr + png_chunk("eXIf", camera_exif(true)) + png_chunk("IEND", ""));
  CHECK(png.format == Format::Png);
  CHECK(png.width == 640u);
  CHECK(png.height == 480u);
  check_camera_fields(png);
  CHECK_FALSE(png.preview.has_value());
  CHECK(failure(signature + be(100, 4) + "IHDR" + std::string(10, '\0')) ==
        "the PNG chunk at offset 8 (100 bytes) runs past the end of the file");
  CHECK(failure(signature + png_chunk("gAMA", be(1, 4))) == "the PNG file does not start with its IHDR chunk");

  const auto webp = [](const std::string& chunks) { return "RIFF" + le(4 + chunks.size(), 4) + "WEBP" + chunks; };
  const std::string vp8x = riff_chunk("VP8X", std::string("\x08\0\0\0", 4) + le(1999, 3) + le(999, 3));
  const std::string vp8 = riff_chunk("VP8 ", std::string("\0\0\0\x9d\x01\x2a", 6) + le(2000, 2) + le(1000, 2) + "xy");
  const Metadata extended = parsed(webp(vp8x + vp8 + riff_chunk("EXIF", camera_exif(false))));
  CHECK(extended.width == 2000u);
  CHECK(extended.height == 1000u);
  check_camera_fields(extended);
  const Metadata simple =
      parsed(webp(riff_chunk("VP8 ", std::string("\0\0\0\x9d\x01\x2a", 6) + le(31, 2) + le(17, 2))));
  CHECK(simple.width == 31u);
  CHECK(simple.height == 17u);
  const uint32_t bits = (63 - 1) | ((47 - 1) << 14);
  const Metadata lossless = parsed(webp(riff_chunk("VP8L", std::string("\x2f", 1) + le(bits, 4))));
  CHECK(lossless.width == 63u);
  CHECK(lossless.height == 47u);
  CHECK(failure("RIFF" + le(5000, 4) + "WEBP" + vp8) ==
        "the WebP's RIFF size (5008 bytes) runs past the end of the file");
  CHECK(failure("RIFF" + le(4 + vp8x.size() + 8, 4) + "WEBP" + vp8x + "EXIF" + le(900, 4)) ==
        "the WebP chunk at offset 30 (900 bytes) runs past the end of the RIFF data");
}

TEST_CASE("what is not an image, or nothing, fails") {
  CHECK(failure("") == "the file is empty");
  CHECK(failure("%PDF-1.7 and so on") ==
        "not a JPEG, TIFF, TIFF-based raw, CR3, HEIC, PNG or WebP file (by its first bytes)");
}

TEST_CASE("a NEF's Nikon maker note PreviewIFD is a candidate; a mangled maker note is only no preview") {
  const auto nef = [](uint32_t preview_ifd_shift) {
    Tiff note(true);
    const std::string preview = jpeg(640, 424);
    const uint32_t at = note.append(preview);
    const uint32_t ifd = note.ifd({note.long_(0x0201, at), note.long_(0x0202, preview.size())});
    note.set_ifd0(note.ifd({note.long_(0x0011, ifd + preview_ifd_shift)}));
    const std::string maker_note = std::string("Nikon\0\x02\x10\0\0", 10) + note.bytes;
    Tiff t(true);
    const uint32_t exif =
        t.ifd({{0x927C, 7, static_cast<uint32_t>(maker_note.size()), maker_note}, t.rational(0x829D, 56, 10)});
    t.set_ifd0(t.ifd({t.ascii(0x010F, "NIKON CORPORATION"), t.long_(0x8769, exif)}));
    return t.bytes;
  };
  const std::string file = nef(0);
  const Metadata m = parsed(file);
  CHECK(m.format == Format::Nef);
  REQUIRE(m.preview.has_value());
  CHECK(m.preview->width == 640u);
  CHECK(file.substr(m.preview->offset, m.preview->length) == jpeg(640, 424));

  const Metadata mangled = parsed(nef(90000));
  CHECK(mangled.f_number == doctest::Approx(5.6));
  CHECK_FALSE(mangled.preview.has_value());
  CHECK(mangled.no_preview_reason == "the NEF file holds no embedded JPEG preview");
}

TEST_CASE("a HEIC Exif item in two extents is read as one block") {
  const std::string payload = be(6, 4) + std::string("Exif\0\0", 6) + camera_exif(true);
  const std::string first = payload.substr(0, 20);
  const std::string second = payload.substr(20);
  const std::string ftyp = box("ftyp", "mif1" + be(0, 4) + "mif1heic");
  const auto meta_with = [&](uint64_t second_at, uint64_t first_at) {
    const std::string iinf =
        full_box("iinf", 0, 0, be(1, 2) + full_box("infe", 2, 0, be(7, 2) + be(0, 2) + "Exif" + std::string(1, '\0')));
    // Version 1: construction method 0; two extents, the second first in the file.
    const std::string iloc =
        full_box("iloc", 1, 0,
                 std::string("\x44\x00", 2) + be(1, 2) + be(7, 2) + be(0, 2) + be(0, 2) + be(2, 2) + be(first_at, 4) +
                     be(first.size(), 4) + be(second_at, 4) + be(second.size(), 4));
    return full_box("meta", 0, 0, iinf + iloc);
  };
  const uint64_t data_at = ftyp.size() + meta_with(0, 0).size() + 8;
  const std::string file = ftyp + meta_with(data_at, data_at + second.size()) + box("mdat", second + first);
  const Metadata m = parsed(file);
  check_camera_fields(m);
  CHECK_FALSE(m.width.has_value());  // no pitm, no ispe
}
