// Previews of JPEGs nobody here encoded: ImageMagick (Debian's, installed by scripts/bootstrap.sh) writes
// camera-sized JPEGs (24 and 45 megapixels) and a set with each EXIF orientation, at test time, into
// <build>/previews-images/ (kept between runs). ImageMagick's own -auto-orient is the oracle for orientation.
// Outside CI a machine without ImageMagick skips these tests with a loud message; in CI (CI set) that fails.
#include <doctest/doctest.h>

#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "previews/image.h"
#include "previews/jpeg_codec.h"
#include "previews/previews.h"
#include "previews_support.h"

using namespace upgate::previews;
using namespace previews_test;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// ImageMagick's convert (Debian's name for it first), or "" when there is none.
const std::string& imagemagick() {
  static const std::string found = [] {
    for (const char* candidate : {"convert-im6.q16", "convert", "magick"}) {
      if (run(std::string(candidate) + " -version").find("ImageMagick") != std::string::npos)
        return std::string(candidate);
    }
    return std::string();
  }();
  return found;
}

bool have_imagemagick() {
  if (!imagemagick().empty()) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && *ci != '\0') {
    FAIL("ImageMagick is missing, and CI must have it (scripts/bootstrap.sh installs it)");
  }
  MESSAGE(
      "\n\n*** SKIPPED: ImageMagick is not installed, so the camera-sized previews tests did not run. ***\n"
      "*** Run scripts/bootstrap.sh (apt-get install imagemagick).                               ***\n");
  return false;
}

fs::path scratch() {
  const fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() / "previews-images";
  fs::create_directories(dir);
  return dir;
}

void shell(const std::string& command) {
  const int status = std::system(command.c_str());
  REQUIRE_MESSAGE(status == 0, "failed: " << command);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A binary PPM written row by row (a 45-megapixel one never sits in memory whole).
void write_ppm(const fs::path& path, int width, int height, const std::function<Rgb(int, int)>& colour) {
  FILE* file = std::fopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  std::fprintf(file, "P6\n%d %d\n255\n", width, height);
  std::vector<unsigned char> row(static_cast<size_t>(width) * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const Rgb c = colour(x, y);
      row[3 * x] = static_cast<unsigned char>(c.r);
      row[3 * x + 1] = static_cast<unsigned char>(c.g);
      row[3 * x + 2] = static_cast<unsigned char>(c.b);
    }
    REQUIRE(std::fwrite(row.data(), 1, row.size(), file) == row.size());
  }
  std::fclose(file);
}

Image read_ppm(const fs::path& path) {
  const std::string bytes = read_file(path);
  std::istringstream header(bytes);
  std::string magic;
  int width = 0, height = 0, max = 0;
  header >> magic >> width >> height >> max;
  REQUIRE(magic == "P6");
  REQUIRE(max == 255);
  const size_t start = static_cast<size_t>(header.tellg()) + 1;
  Image image = make_rgb(width, height, [](int, int) { return Rgb{}; });
  REQUIRE(bytes.size() >= start + image.pixels.size());
  std::copy(bytes.begin() + static_cast<ptrdiff_t>(start),
            bytes.begin() + static_cast<ptrdiff_t>(start + image.pixels.size()), image.pixels.begin());
  return image;
}

// A camera-like picture: the four corner colours, a gradient across them, and grain at three scales (single
// pixels, 4- and 16-pixel cells), which gives ImageMagick's encoder about as much entropy data to write as a real
// photograph (3-4 bits per pixel at quality 92) and leaves detail in the previews too.
uint32_t hash(uint32_t x, uint32_t y, uint32_t salt) {
  uint32_t h = x * 0x9E3779B1U ^ y * 0x85EBCA77U ^ salt * 0xC2B2AE3DU;
  h ^= h >> 15;
  h *= 0x2C1B3C6DU;
  h ^= h >> 12;
  return h;
}

Rgb camera_like(int x, int y, int width, int height, int grain) {
  const Rgb q = quadrant_colour(x, y, width, height);
  const auto ux = static_cast<uint32_t>(x), uy = static_cast<uint32_t>(y);
  const auto mix = [&](int base, int ramp, uint32_t channel) {
    int noise = 0;
    if (grain > 0) {
      const auto span = static_cast<uint32_t>(2 * grain + 1);
      noise = static_cast<int>(hash(ux, uy, channel) % span) +
              static_cast<int>(hash(ux >> 2, uy >> 2, channel + 3) % span) +
              static_cast<int>(hash(ux >> 4, uy >> 4, channel + 6) % span) - 3 * grain;
    }
    return std::clamp(base * 85 / 100 + ramp * 15 / 100 + noise, 0, 255);
  };
  const int rx = 255 * x / std::max(1, width - 1), ry = 255 * y / std::max(1, height - 1);
  return {mix(q.r, rx, 0), mix(q.g, ry, 1), mix(q.b, 255 - rx, 2)};
}

// An EXIF APP1 segment holding only IFD0's Orientation, inserted after SOI, as a camera writes it.
std::string with_orientation(const std::string& jpeg, int orientation) {
  std::string tiff("MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\0\0\0\0\0\0\0", 26);
  tiff[19] = static_cast<char>(orientation);  // a SHORT, big-endian, first in its value field
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  return jpeg.substr(0, 2) + "\xFF\xE1" + static_cast<char>(length >> 8) + static_cast<char>(length & 0xFF) + payload +
         jpeg.substr(2);
}

// A JPEG ImageMagick made from a picture of ours, cached by name in the scratch folder.
std::string imagemagick_jpeg(const std::string& name, int width, int height, int grain, const std::string& options) {
  const fs::path jpeg = scratch() / (name + ".jpg");
  if (!fs::exists(jpeg)) {
    const fs::path ppm = scratch() / (name + ".ppm");
    write_ppm(ppm, width, height, [&](int x, int y) { return camera_like(x, y, width, height, grain); });
    shell(imagemagick() + " '" + ppm.string() + "' " + options + " 'jpg:" + jpeg.string() + ".part'");
    fs::remove(ppm);
    fs::rename(jpeg.string() + ".part", jpeg);
  }
  return read_file(jpeg);
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Peak resident memory of one call, over what was resident before it: freed heap is handed back first
// (malloc_trim) and the kernel's high-water mark reset (clear_refs 5), so only the call's own pages count.
struct Peak {
  double megabytes = -1;  // -1 when the high-water mark could not be reset
};

template <class F>
Peak peak_of(F&& call) {
  malloc_trim(0);
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
  }
  const long before = status_kb("VmRSS");
  const bool reset = status_kb("VmHWM") <= before + 1024;
  call();
  const long peak = status_kb("VmHWM");
  return Peak{reset ? static_cast<double>(peak - before) / 1024.0 : -1};
}

std::string megabytes(size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1048576.0);
  return text;
}

// Makes both previews of a camera-sized JPEG in each of the given orientations, checks sizes and corners, and
// prints the time of each part and the call's peak memory.
void camera_sized(const std::string& label, const std::string& jpeg, int width, int height, int eighths,
                  const std::vector<int>& orientations, double max_peak_mb) {
  const Size web = fitted_size({width, height}, 2048), thumb = fitted_size({width, height}, 400);
  for (int orientation : orientations) {
    CAPTURE(orientation);
    const std::string tagged = with_orientation(jpeg, orientation);
    const double start = cpu_seconds();
    auto made = make_previews(tagged, orientation, standard_specs());
    const double cpu = cpu_seconds() - start;
    REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.failure().message));
    const PreviewSet& set = made.value();
    CHECK(set.scale_eighths == eighths);
    const bool swapped = orientation >= 5;
    for (const Preview& preview : set.previews) {
      const Size expected = oriented_size(preview.name == "web" ? web : thumb, orientation);
      CHECK(preview.width == expected.width);
      CHECK(preview.height == expected.height);
    }
    const Image shown = decode_rgb(set.previews[0].jpeg);  // thumb
    CHECK(shown.width == (swapped ? thumb.height : thumb.width));
    const std::vector<std::string> red_at = {"red green white blue", "green red blue white", "white blue red green",
                                             "blue white green red", "red blue white green", "blue red green white",
                                             "white green red blue", "green white blue red"};
    CHECK(corners(shown) == red_at[static_cast<size_t>(orientation - 1)]);
    MESSAGE(label << ", orientation " << orientation << ": both previews in " << static_cast<int>(cpu * 1000)
                  << " ms CPU (decode at " << eighths << "/8 to " << set.decoded_width << " x " << set.decoded_height
                  << "; web " << set.previews[1].width << " x " << set.previews[1].height << " "
                  << megabytes(set.previews[1].jpeg.size()) << ", thumb " << set.previews[0].width << " x "
                  << set.previews[0].height << " " << megabytes(set.previews[0].jpeg.size()) << ")");
  }

  // Where the time goes, and the peak memory: figures the sanitizers' own bookkeeping would swamp, so that
  // build stops here (its job is the memory safety of the calls above).
  if (kSanitized) return;
  double decode_s = 0, resize_s = 0, encode_s = 0;
  {
    double t = cpu_seconds();
    auto decoded = decode_jpeg(jpeg, 2048, Limits{});
    REQUIRE(decoded.ok());
    decode_s = cpu_seconds() - t;
    t = cpu_seconds();
    const Image web_image = resize_area(decoded.value().image, web);
    const Image thumb_image = resize_area(web_image, thumb);
    resize_s = cpu_seconds() - t;
    t = cpu_seconds();
    REQUIRE(encode_jpeg(web_image, kPreviewQuality).ok());
    REQUIRE(encode_jpeg(thumb_image, kPreviewQuality).ok());
    encode_s = cpu_seconds() - t;
  }
  const Peak peak = peak_of([&] { CHECK(make_previews(jpeg, 6, standard_specs()).ok()); });
  MESSAGE(label << " (" << megabytes(jpeg.size()) << " of JPEG): decode " << static_cast<int>(decode_s * 1000)
                << " ms, resize both " << static_cast<int>(resize_s * 1000) << " ms, encode both "
                << static_cast<int>(encode_s * 1000) << " ms; peak memory of one call "
                << (peak.megabytes < 0 ? std::string("not measurable here")
                                       : megabytes(static_cast<size_t>(peak.megabytes * 1048576.0)))
                << " over the input's");
  if (peak.megabytes >= 0) CHECK(peak.megabytes < max_peak_mb);
}

}  // namespace

TEST_CASE("ImageMagick's JPEGs in every EXIF orientation: previews agree with ImageMagick's -auto-orient") {
  if (!have_imagemagick()) return;
  const std::string base = imagemagick_jpeg("oracle-1200x800-v1", 1200, 800, 0, "-quality 95 -sampling-factor 2x2");
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    const fs::path tagged_path = scratch() / ("oracle-orientation-" + std::to_string(orientation) + ".jpg");
    const std::string tagged = with_orientation(base, orientation);
    std::ofstream(tagged_path, std::ios::binary) << tagged;
    // ImageMagick reads the orientation from the file; we are told it, as the consumer tells us.
    REQUIRE(run(imagemagick() + " '" + tagged_path.string() + "' -format '%[orientation]' info:") ==
            std::vector<std::string>{"", "TopLeft", "TopRight", "BottomRight", "BottomLeft", "LeftTop", "RightTop",
                                     "RightBottom", "LeftBottom"}[static_cast<size_t>(orientation)]);
    const fs::path reference_path = scratch() / ("oracle-orientation-" + std::to_string(orientation) + ".ppm");
    shell(imagemagick() + " '" + tagged_path.string() + "' -auto-orient -resize 400x400 '" + reference_path.string() +
          "'");
    const Image reference = read_ppm(reference_path);

    auto made = make_previews(tagged, orientation, {{"thumb", 400}});
    REQUIRE(made.ok());
    const Image ours = decode_rgb(made.value().previews[0].jpeg);
    REQUIRE(ours.width == reference.width);
    REQUIRE(ours.height == reference.height);
    CHECK(corners(ours) == corners(reference));
    // Mean absolute difference per sample: different filters (ImageMagick's Lanczos, our area filter) and a
    // second JPEG round trip on our side, over the same picture the same way up.
    long total = 0;
    for (size_t i = 0; i < ours.pixels.size(); ++i) total += std::abs(ours.pixels[i] - reference.pixels[i]);
    const double mean = static_cast<double>(total) / static_cast<double>(ours.pixels.size());
    CHECK_MESSAGE(mean < 3.0, "mean absolute difference " << mean);
    fs::remove(reference_path);
  }
}

TEST_CASE("a 24-megapixel ImageMagick JPEG (4:2:2, like many cameras): previews, time, memory") {
  if (!have_imagemagick()) return;
  const std::string jpeg = imagemagick_jpeg("camera-6000x4000-v3", 6000, 4000, 12, "-quality 94 -sampling-factor 2x1");
  // Every orientation natively; two under the sanitizers, where each call takes seconds.
  const std::vector<int> orientations = kSanitized ? std::vector<int>{1, 6} : std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8};
  camera_sized("24 MP 6000 x 4000", jpeg, 6000, 4000, 3, orientations, 64);
}

TEST_CASE("a 45-megapixel ImageMagick JPEG (4:2:0): previews, time, memory well under 128 MB") {
  if (!have_imagemagick()) return;
  const std::string jpeg = imagemagick_jpeg("camera-8192x5464-v3", 8192, 5464, 12, "-quality 94 -sampling-factor 2x2");
  // Under the sanitizers only the orientation that swaps sides (the 24 MP test runs both kinds there).
  camera_sized("45 MP 8192 x 5464", jpeg, 8192, 5464, 2, kSanitized ? std::vector<int>{6} : std::vector<int>{1, 6}, 64);
}
