// Differential test of the metadata parsers against ExifTool (`exiftool -j -n`), on ExifTool's own test images
// (third_party/exiftool-images, fetched by scripts/fetch-test-images.sh from Debian's source package) and on
// copies of its raws made here:
//   original  every JPEG in the folder, and the TIFF, DNG, CR2, NEF, CR3, HEIC, PNG and WebP samples
//   patched   the raws with ExifTool's placeholder previews ("<Dummy preview image data>") overwritten in place,
//             same length, by minimal JPEGs of known sizes (JpgFromRaw 6000x4000 > PreviewImage 1620x1080 >
//             ThumbnailImage 160x120), so the previews are JPEGs at the offsets ExifTool reports
//   written   the raws after `exiftool -PreviewImage<= -JpgFromRaw<= -ThumbnailImage<=` with JPEGs of those
//             sizes: ExifTool rewrites the file, so its layout is another writer's
// Every field is compared with the EXIF-group tag it comes from (-a -G1: IFD0, ExifIFD), because ExifTool's
// ungrouped tags also take values from maker notes, XMP, IPTC and other records the parser does not read:
//   capturedAt   ExifIFD (else IFD0) DateTimeOriginal + ExifIFD OffsetTimeOriginal when both are valid, else
//                IFD0 ModifyDate + ExifIFD OffsetTime; written YYYY-MM-DDTHH:MM:SS[+HH:MM]
//   make, model  IFD0 Make, Model; lens: ExifIFD (else IFD0) LensModel
//   focalLength, exposureTime, fNumber, iso: ExifIFD, else IFD0 (iso: the first of its values); numbers equal to
//                ExifTool's 10 significant digits
//   orientation  IFD0 Orientation when 1-8
//   width/height JPEG: File:ImageWidth/ImageHeight (the frame header); CR2: ExifIFD ExifImageWidth/Height (CR2's
//                IFD0, which ExifTool's ImageWidth reports, describes the embedded JPEG); every other format:
//                ExifTool's own ImageWidth/ImageHeight choice (a second run without -a -G1)
//   preview      JPEG: the file itself. Raws: the first of JpgFromRaw, PreviewImage, ThumbnailImage (largest
//                first, by how the copies were made) whose bytes ExifTool extracts (-b) start like a JPEG; our
//                offset and length equal ExifTool's <Tag>Start/Length (ThumbnailOffset/Length) where it reports
//                them, and our bytes equal its extracted bytes always; our frame size equals the known size.
//                None where ExifTool extracts no JPEG.
// Each file is read twice, the way the queue consumer reads it (Reader, the first 64 KiB first) and from only
// its first 256 bytes on (parse() asked again and again), and both answers must agree.
// The per-file table goes to build/metadata-differential.md. Missing exiftool or images fail the test.
// ExifTool's answers are kept in build/exiftool-cache, keyed by its version, the options and every input file's
// SHA-256: the same ExifTool on the same bytes answers the same, and its runs were nearly all of this test's time
// (about 10 s of a warm `npm test`, twice, natively and under the sanitizers). Our parsers run every time.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "metadata/builders.h"
#include "metadata/metadata.h"
#include "util/encoding.h"
#include "util/json.h"
#include "util/text.h"

namespace fs = std::filesystem;
using namespace upgate;
using namespace upgate::metadata;

namespace {

const fs::path kRoot = fs::absolute(fs::path(__FILE__)).parent_path().parent_path().parent_path().parent_path();
const fs::path kImages = kRoot / "third_party" / "exiftool-images";
const std::vector<std::string> kOtherSamples = {"ExifTool.tif",   "GeoTiff.tif", "DNG.dng",
                                                "CanonRaw.cr2",   "Nikon.nef",   "CanonRaw.cr3",
                                                "QuickTime.heic", "PNG.png",     "RIFF.webp"};
const std::vector<std::string> kRaws = {"DNG.dng", "CanonRaw.cr2", "Nikon.nef", "CanonRaw.cr3"};

struct Size {
  uint32_t width, height;
};
// The preview tags, largest first, and the size of the JPEG the copies put there.
const std::vector<std::pair<std::string, Size>> kPreviewTags = {
    {"JpgFromRaw", {6000, 4000}}, {"PreviewImage", {1620, 1080}}, {"ThumbnailImage", {160, 120}}};
const std::array<const char*, 3> kPatchedSets = {"patched", "patched-nojfr", "patched-thumb"};
const std::map<std::string, std::string> kPlaceholders = {{"JpgFromRaw", "<Dummy JpgFromRaw image data>"},
                                                          {"PreviewImage", "<Dummy preview image data>"},
                                                          {"ThumbnailImage", "<Dummy thumbnail image data>"}};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}
std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
// The command's standard output and exit status.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::array<char, 65536> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The smallest JPEG our parser and ExifTool accept, exactly length bytes: SOI, a comment, SOF0, EOI.
std::string minimal_jpeg(Size size, size_t length) {
  using test::be;
  const std::string sof = test::segment(
      0xC0, std::string("\x08", 1) + be(size.height, 2) + be(size.width, 2) + std::string("\x01\x01\x11\x00", 4));
  const size_t fixed = 2 + 4 + sof.size() + 2;
  REQUIRE(length >= fixed);
  return std::string("\xFF\xD8", 2) + test::segment(0xFE, std::string(length - fixed, 'c')) + sof +
         std::string("\xFF\xD9", 2);
}

// ---- our side ------------------------------------------------------------------------------------------------

Answer drive_reader(const std::string& file) {
  Reader reader(file.size());
  const Range first = reader.first_read();
  reader.add(first.offset, std::string_view(file).substr(first.offset, first.length));
  while (true) {
    Answer answer = reader.next();
    const auto* need = std::get_if<NeedBytes>(&answer);
    if (!need) return answer;
    for (const Range& r : need->ranges) reader.add(r.offset, std::string_view(file).substr(r.offset, r.length));
  }
}

Answer drive_from_256_bytes(const std::string& file) {
  ByteRanges known(file.size());
  known.add(0, std::string_view(file).substr(0, 256));
  for (int round = 0; round < 100; ++round) {
    Answer answer = parse(known);
    const auto* need = std::get_if<NeedBytes>(&answer);
    if (!need) return answer;
    for (const Range& r : need->ranges) known.add(r.offset, std::string_view(file).substr(r.offset, r.length));
  }
  return Failure{"did not finish in 100 rounds"};
}

std::string summary(const Answer& answer) {
  if (const auto* f = std::get_if<Failure>(&answer)) return "failure: " + f->reason;
  if (std::holds_alternative<NeedBytes>(answer)) return "need bytes";
  const Metadata& m = std::get<Metadata>(answer);
  json j = to_json(m);
  j["format"] = format_name(m.format);
  if (m.preview) {
    j["preview"] = {m.preview->offset, m.preview->length, m.preview->width.value_or(0), m.preview->height.value_or(0)};
  }
  return j.dump();
}

// ---- ExifTool's side -----------------------------------------------------------------------------------------

struct Expected {
  std::optional<std::string> captured_at, make, model, lens;
  std::optional<double> focal_length, exposure_time, f_number;
  std::optional<uint32_t> iso, orientation, width, height;
  // The preview: its tag, its offset and length when ExifTool reports them, its bytes, its size.
  std::optional<std::string> preview_tag;
  std::optional<uint64_t> preview_offset, preview_length;
  std::string preview_bytes;
  std::optional<Size> preview_size;
};

const json* tag(const json& object, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (const json* value = present_member(object, name.c_str())) return value;
  }
  return nullptr;
}
std::optional<std::string> text_of(const json* value) {
  if (!value) return std::nullopt;
  std::string text = value->is_string() ? value->get<std::string>() : value->dump();
  if (text.empty()) return std::nullopt;
  return text;
}
std::optional<double> number_of(const json* value) {
  if (!value || !value->is_number()) return std::nullopt;
  return value->get<double>();
}
std::optional<uint32_t> whole_of(const json* value) {
  if (!value) return std::nullopt;
  if (value->is_number_unsigned()) return value->get<uint32_t>();
  if (value->is_string()) {  // several values: "0 200"
    const std::string first = value->get<std::string>().substr(0, value->get<std::string>().find(' '));
    if (!first.empty() && first.find_first_not_of("0123456789") == std::string::npos && first.size() < 10) {
      return static_cast<uint32_t>(std::stoul(first));
    }
  }
  return std::nullopt;
}

// A calendar date and time as EXIF writes it, checked with the C library's calendar; ISO 8601 or nullopt.
std::optional<std::string> exif_date(const std::optional<std::string>& raw) {
  static const std::regex pattern(R"((\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d))");
  std::smatch m;
  if (!raw || !std::regex_match(*raw, m, pattern)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  const std::tm before = tm;
  timegm(&tm);
  if (std::stoi(m[1]) < 1 || tm.tm_year != before.tm_year || tm.tm_mon != before.tm_mon ||
      tm.tm_mday != before.tm_mday || tm.tm_hour != before.tm_hour || tm.tm_min != before.tm_min ||
      tm.tm_sec != before.tm_sec) {
    return std::nullopt;
  }
  return std::string(m[1]) + "-" + std::string(m[2]) + "-" + std::string(m[3]) + "T" + std::string(m[4]) + ":" +
         std::string(m[5]) + ":" + std::string(m[6]);
}
std::string exif_offset(const std::optional<std::string>& raw) {
  static const std::regex pattern(R"([+-]([01]\d|2[0-3]):[0-5]\d)");
  return raw && std::regex_match(*raw, pattern) ? *raw : "";
}

// What ExifTool answered before for the same version, options and input bytes (see the top of this file), else
// what produce() answers now, kept for next time when it succeeded.
std::string cached(const std::vector<std::string>& key_parts,
                   const std::function<std::optional<std::string>()>& produce) {
  static const std::string version = run("exiftool -ver 2>/dev/null").second;
  std::string key = version;
  for (const std::string& part : key_parts) key += "\n" + crypto::sha256_hex(part);
  const fs::path dir = kRoot / "build" / "exiftool-cache";
  const fs::path entry = dir / crypto::sha256_hex(key);
  if (fs::exists(entry)) return read_file(entry);
  const std::optional<std::string> produced = produce();
  if (!produced) return "";
  fs::create_directories(dir);
  const fs::path partial = entry.string() + ".partial";
  write_file(partial, *produced);
  fs::rename(partial, entry);  // a run that stops half way leaves no half entry behind
  return *produced;
}

// One ExifTool run over files: the JSON array's objects by file name.
std::map<std::string, json> exiftool(const std::string& options, const std::vector<fs::path>& files) {
  std::string command = "exiftool -j -q -q -m " + options;
  std::vector<std::string> key_parts{options};
  for (const fs::path& f : files) {
    command += " " + quote(f.string());
    key_parts.push_back(f.filename().string());
    key_parts.push_back(read_file(f));
  }
  command += " 2>/dev/null";
  int status = 0;
  const std::string out = cached(key_parts, [&]() -> std::optional<std::string> {
    auto [exit_status, output] = run(command);
    status = exit_status;
    const auto answer = parse_json(output);
    if (!answer || !answer->is_array()) return std::nullopt;
    return output;
  });
  std::map<std::string, json> by_file;
  const auto parsed = parse_json(out);
  if (!parsed || !parsed->is_array()) {
    FAIL_CHECK("exiftool gave no JSON (exit status " << status << ") for: " << command.substr(0, 300));
    return by_file;
  }
  for (const json& entry : *parsed) by_file[fs::path(string_field(entry, "SourceFile")).filename().string()] = entry;
  return by_file;
}

Expected expected_from(const std::string& file, Format format, const json& grouped, const json& plain,
                       const json& binary) {
  Expected e;
  const auto original = exif_date(text_of(tag(grouped, {"ExifIFD:DateTimeOriginal", "IFD0:DateTimeOriginal"})));
  const auto written = exif_date(text_of(tag(grouped, {"IFD0:ModifyDate"})));
  if (original) {
    e.captured_at = *original + exif_offset(text_of(tag(grouped, {"ExifIFD:OffsetTimeOriginal"})));
  } else if (written) {
    e.captured_at = *written + exif_offset(text_of(tag(grouped, {"ExifIFD:OffsetTime"})));
  }
  e.make = text_of(tag(grouped, {"IFD0:Make"}));
  e.model = text_of(tag(grouped, {"IFD0:Model"}));
  e.lens = text_of(tag(grouped, {"ExifIFD:LensModel", "IFD0:LensModel"}));
  e.focal_length = number_of(tag(grouped, {"ExifIFD:FocalLength", "IFD0:FocalLength"}));
  e.exposure_time = number_of(tag(grouped, {"ExifIFD:ExposureTime", "IFD0:ExposureTime"}));
  e.f_number = number_of(tag(grouped, {"ExifIFD:FNumber", "IFD0:FNumber"}));
  e.iso = whole_of(tag(grouped, {"ExifIFD:ISO", "IFD0:ISO"}));
  if (auto o = whole_of(tag(grouped, {"IFD0:Orientation"})); o && *o >= 1 && *o <= 8) e.orientation = o;
  if (format == Format::Jpeg) {
    e.width = whole_of(tag(grouped, {"File:ImageWidth"}));
    e.height = whole_of(tag(grouped, {"File:ImageHeight"}));
    e.preview_tag = "the file";
    e.preview_offset = 0;
    e.preview_length = file.size();
    e.preview_bytes = file;
    if (e.width && e.height) e.preview_size = Size{*e.width, *e.height};
  } else {
    if (format == Format::Cr2) {
      e.width = whole_of(tag(grouped, {"ExifIFD:ExifImageWidth"}));
      e.height = whole_of(tag(grouped, {"ExifIFD:ExifImageHeight"}));
    } else {
      e.width = whole_of(tag(plain, {"ImageWidth"}));
      e.height = whole_of(tag(plain, {"ImageHeight"}));
    }
    for (const auto& [preview, size] : kPreviewTags) {
      for (const auto& [key, value] : binary.items()) {
        const auto colon = key.find(':');
        if (colon == std::string::npos || key.substr(colon + 1) != preview || !value.is_string()) continue;
        const std::string encoded = value.get<std::string>();
        if (encoded.rfind("base64:", 0) != 0) continue;
        const auto bytes = encoding::base64_decode(encoded.substr(7));
        if (!bytes || bytes->substr(0, 3) != "\xFF\xD8\xFF") continue;
        e.preview_tag = key;
        e.preview_bytes = *bytes;
        e.preview_size = size;
        const std::string group = key.substr(0, colon);
        const bool thumb = preview == "ThumbnailImage";
        const json* start =
            present_member(grouped, (group + (thumb ? ":ThumbnailOffset" : ":" + preview + "Start")).c_str());
        const json* length =
            present_member(grouped, (group + (thumb ? ":ThumbnailLength" : ":" + preview + "Length")).c_str());
        if (start && start->is_number_unsigned()) e.preview_offset = start->get<uint64_t>();
        if (length && length->is_number_unsigned()) e.preview_length = length->get<uint64_t>();
        break;
      }
      if (e.preview_tag) break;
    }
  }
  return e;
}

// ---- comparison ----------------------------------------------------------------------------------------------

const std::vector<std::string> kFields = {"capturedAt", "make", "model",       "lens",  "focalLength", "exposureTime",
                                          "fNumber",    "iso",  "orientation", "width", "height",      "preview"};

// Fields left out for a file, with the reason (none so far: every field of every file is compared).
const std::map<std::pair<std::string, std::string>, std::string> kExcluded = {};

template <class T>
std::string show(const std::optional<T>& v) {
  if (!v) return "absent";
  std::ostringstream out;
  out.precision(12);
  out << *v;
  return out.str();
}

struct Cell {
  bool match = false;
  std::string text;
};

template <class T>
Cell compare(const std::optional<T>& ours, const std::optional<T>& theirs) {
  if (!ours && !theirs) return {true, "—"};
  if (ours && theirs) {
    bool equal = false;
    if constexpr (std::is_same_v<T, double>) {
      equal = std::fabs(*ours - *theirs) <= 1e-9 * std::fabs(*theirs);  // ExifTool prints 10 significant digits
    } else {
      equal = *ours == *theirs;
    }
    if (equal) return {true, "✓"};
  }
  return {false, "✗ ours " + show(ours) + ", exiftool " + show(theirs)};
}

Cell compare_preview(const Metadata& m, const Expected& e, const std::string& file) {
  if (!m.preview && !e.preview_tag) return {true, "— (" + m.no_preview_reason + ")"};
  if (!m.preview) return {false, "✗ ours none (" + m.no_preview_reason + "), exiftool " + *e.preview_tag};
  const std::string ours =
      "offset " + std::to_string(m.preview->offset) + " length " + std::to_string(m.preview->length);
  if (!e.preview_tag) return {false, "✗ ours " + ours + ", exiftool none"};
  std::vector<std::string> problems;
  if (e.preview_offset && *e.preview_offset != m.preview->offset)
    problems.push_back("offset " + std::to_string(*e.preview_offset));
  if (e.preview_length && *e.preview_length != m.preview->length)
    problems.push_back("length " + std::to_string(*e.preview_length));
  if (file.substr(m.preview->offset, m.preview->length) != e.preview_bytes) problems.push_back("other bytes");
  if (!e.preview_size || m.preview->width != e.preview_size->width || m.preview->height != e.preview_size->height) {
    problems.push_back(
        "size " +
        (e.preview_size ? std::to_string(e.preview_size->width) + "x" + std::to_string(e.preview_size->height) : "?"));
  }
  if (!problems.empty()) {
    std::string text = "✗ ours " + ours + ", exiftool " + *e.preview_tag + ":";
    for (const auto& p : problems) text += " " + p;
    return {false, text};
  }
  const bool offsets = e.preview_offset.has_value() && e.preview_length.has_value();
  return {true, "✓ " + *e.preview_tag + (offsets ? "" : " (bytes)")};
}

}  // namespace

TEST_CASE("metadata agrees with exiftool -j -n on every field of every sample image") {
  const auto [status, version] = run("exiftool -ver 2>/dev/null");
  REQUIRE_MESSAGE(status == 0, "exiftool is missing: scripts/bootstrap.sh installs libimage-exiftool-perl");
  REQUIRE_MESSAGE(fs::exists(kImages / ".version"),
                  "ExifTool's test images are missing in " << kImages.string() << ": run scripts/bootstrap.sh");

  // The files, by set.
  std::vector<std::pair<std::string, fs::path>> files;  // set, path
  std::vector<std::string> jpegs;
  for (const auto& entry : fs::directory_iterator(kImages)) {
    if (entry.path().extension() == ".jpg") jpegs.push_back(entry.path().filename().string());
  }
  std::sort(jpegs.begin(), jpegs.end());
  REQUIRE_MESSAGE(jpegs.size() >= 40, "only " << jpegs.size() << " JPEGs in " << kImages.string());
  for (const auto& name : jpegs) files.emplace_back("original", kImages / name);
  for (const auto& name : kOtherSamples) {
    REQUIRE_MESSAGE(fs::exists(kImages / name), name << " is missing in " << kImages.string());
    files.emplace_back("original", kImages / name);
  }

  char work_template[] = "/tmp/upgate-metadata-XXXXXX";
  REQUIRE(mkdtemp(work_template) != nullptr);
  const fs::path work(work_template);
  // Patched three ways: every placeholder a JPEG; JpgFromRaw left a placeholder; only the thumbnail a JPEG.
  for (size_t first = 0; first < kPreviewTags.size(); ++first) {
    const std::string set = kPatchedSets[first];
    fs::create_directories(work / set);
    for (const auto& name : kRaws) {
      std::string bytes = read_file(kImages / name);
      for (size_t i = first; i < kPreviewTags.size(); ++i) {
        const auto& [preview, size] = kPreviewTags[i];
        const std::string& placeholder = kPlaceholders.at(preview);
        for (size_t at = bytes.find(placeholder); at != std::string::npos; at = bytes.find(placeholder, at + 1)) {
          bytes.replace(at, placeholder.size(), minimal_jpeg(size, placeholder.size()));
        }
      }
      write_file(work / set / name, bytes);
      files.emplace_back(set, work / set / name);
    }
  }
  fs::create_directories(work / "written");
  const std::map<std::string, std::string> made = {{"JpgFromRaw", test::jpeg(6000, 4000, "", 0xC0, "", 9000)},
                                                   {"PreviewImage", test::jpeg(1620, 1080, "", 0xC0, "", 3000)},
                                                   {"ThumbnailImage", test::jpeg(160, 120, "", 0xC0, "", 100)}};
  for (const auto& [preview, bytes] : made) write_file(work / (preview + ".jpg"), bytes);
  for (const auto& name : kRaws) {
    if (name == "CanonRaw.cr3") continue;  // ExifTool does not write CR3 previews
    const fs::path written = work / "written" / name;
    fs::copy_file(kImages / name, written);
    std::string command = "exiftool -q -q -m -overwrite_original";
    std::vector<std::string> key_parts{"write previews", read_file(written)};
    for (const auto& [preview, bytes] : made) {
      command += " " + quote("-" + preview + "<=" + (work / (preview + ".jpg")).string());
      key_parts.push_back(preview);
      key_parts.push_back(bytes);
    }
    command += " " + quote(written.string()) + " 2>/dev/null";
    const std::string rewritten = cached(key_parts, [&]() -> std::optional<std::string> {
      if (run(command).first != 0) return std::nullopt;
      return read_file(written);
    });
    CHECK_MESSAGE(!rewritten.empty(), "exiftool could not write the previews into " << name);
    write_file(written, rewritten);
    files.emplace_back("written", work / "written" / name);
  }

  // ExifTool, three runs per set of files (a set's names are unique).
  const std::string tags =
      "-DateTimeOriginal -OffsetTimeOriginal -ModifyDate -OffsetTime -Make -Model -LensModel -FocalLength "
      "-ExposureTime -FNumber -ISO -Orientation -ImageWidth -ImageHeight -ExifImageWidth -ExifImageHeight "
      "-PreviewImageStart -PreviewImageLength -JpgFromRawStart -JpgFromRawLength -ThumbnailOffset -ThumbnailLength";
  std::map<std::string, std::map<std::string, json>> grouped, plain, binary;
  for (const std::string set : {"original", kPatchedSets[0], kPatchedSets[1], kPatchedSets[2], "written"}) {
    std::vector<fs::path> paths;
    for (const auto& [s, path] : files) {
      if (s == set) paths.push_back(path);
    }
    grouped[set] = exiftool("-n -a -G1 " + tags, paths);
    plain[set] = exiftool("-n -ImageWidth -ImageHeight", paths);
    binary[set] = exiftool("-b -a -G1 -JpgFromRaw -PreviewImage -ThumbnailImage", paths);
  }

  std::ostringstream table;
  table << "# Metadata parsers against `exiftool -j -n` (ExifTool " << text::trim(version) << ")\n\n"
        << "Made by tests/unit/metadata/differential_test.cpp; its header says which ExifTool tag each field is "
           "compared with. ✓ equal, — absent in both, ✗ different.\n\n| set | file | format |";
  for (const auto& f : kFields) table << " " << f << " |";
  table << "\n|---|---|---|";
  for (size_t i = 0; i < kFields.size(); ++i) table << "---|";
  table << "\n";

  int compared = 0;
  int matched = 0;
  std::vector<std::string> mismatches;
  for (const auto& file : files) {
    const std::string& set = file.first;
    const fs::path& path = file.second;
    const std::string name = path.filename().string();
    CAPTURE(set);
    CAPTURE(name);
    const std::string bytes = read_file(path);
    const Answer answer = drive_reader(bytes);
    // The same answer when the file is read from its first 256 bytes on.
    CHECK(summary(drive_from_256_bytes(bytes)) == summary(answer));
    if (!std::holds_alternative<Metadata>(answer)) {
      mismatches.push_back(set + " " + name + ": " + summary(answer));
      table << "| " << set << " | " << name << " | ✗ " << summary(answer) << " |\n";
      CHECK_MESSAGE(false, summary(answer));
      continue;
    }
    const Metadata& m = std::get<Metadata>(answer);
    const auto in = [&](std::map<std::string, json>& runs) -> const json& {
      static const json absent = json::object();
      auto it = runs.find(name);
      return it == runs.end() ? absent : it->second;
    };
    REQUIRE_MESSAGE(grouped[set].count(name) == 1, "exiftool did not report " << name);
    const Expected e = expected_from(bytes, m.format, in(grouped[set]), in(plain[set]), in(binary[set]));
    const std::map<std::string, Cell> cells = {
        {"capturedAt", compare(m.captured_at, e.captured_at)},
        {"make", compare(m.make, e.make)},
        {"model", compare(m.model, e.model)},
        {"lens", compare(m.lens, e.lens)},
        {"focalLength", compare(m.focal_length, e.focal_length)},
        {"exposureTime", compare(m.exposure_time, e.exposure_time)},
        {"fNumber", compare(m.f_number, e.f_number)},
        {"iso", compare(m.iso, e.iso)},
        {"orientation", compare(m.orientation, e.orientation)},
        {"width", compare(m.width, e.width)},
        {"height", compare(m.height, e.height)},
        {"preview", compare_preview(m, e, bytes)},
    };
    table << "| " << set << " | " << name << " | " << format_name(m.format) << " |";
    for (const auto& field : kFields) {
      const Cell& cell = cells.at(field);
      const auto excluded = kExcluded.find({name, field});
      if (excluded != kExcluded.end()) {
        table << " excluded: " << excluded->second << " |";
        continue;
      }
      ++compared;
      if (cell.match) {
        ++matched;
      } else {
        mismatches.push_back(set + " " + name + " " + field + ": " + cell.text);
      }
      CHECK_MESSAGE(cell.match, field << ": " << cell.text);
      table << " " << cell.text << " |";
    }
    table << "\n";
  }
  table << "\n" << files.size() << " files, " << compared << " fields compared, " << matched << " equal.\n";
  for (const auto& line : mismatches) table << "\n- " << line;
  fs::create_directories(kRoot / "build");
  write_file(kRoot / "build" / "metadata-differential.md", table.str());
  fs::remove_all(work);
  MESSAGE("metadata against exiftool: " << files.size() << " files, " << compared << " fields compared, " << matched
                                        << " equal; table in build/metadata-differential.md");
}
