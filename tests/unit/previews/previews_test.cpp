#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "previews/image.h"
#include "previews/jpeg_codec.h"
#include "previews/previews.h"
#include "previews_support.h"

using namespace upgate::previews;
using namespace previews_test;
using upgate::Failure;

namespace {

const std::set<std::string> kFailureCodes = {"not_a_jpeg",       "truncated_jpeg",  "corrupt_jpeg",
                                             "unsupported_jpeg", "image_too_large", "invalid_preview_spec"};

PreviewSet previews_of(std::string_view jpeg, int orientation = 1,
                       const std::vector<PreviewSpec>& specs = standard_specs(), const Limits& limits = {}) {
  auto made = make_previews(jpeg, orientation, specs, limits);
  REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.failure().code + ": " + made.failure().message));
  return made.value();
}

Failure failure_of(std::string_view jpeg, const Limits& limits = {}, int orientation = 1,
                   const std::vector<PreviewSpec>& specs = standard_specs()) {
  auto made = make_previews(jpeg, orientation, specs, limits);
  REQUIRE_FALSE(made.ok());
  CHECK(kFailureCodes.count(made.failure().code) == 1);
  CHECK_FALSE(made.failure().message.empty());
  return made.failure();
}

const Preview& named(const PreviewSet& set, const std::string& name) {
  for (const Preview& preview : set.previews) {
    if (preview.name == name) return preview;
  }
  FAIL("no preview named " << name);
  return set.previews.front();
}

// The offset of a JPEG's first marker of this kind (0xC0 = SOF0, 0xDA = SOS), found by walking its segments.
size_t marker_offset(const std::string& jpeg, uint8_t kind) {
  size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    const auto marker = static_cast<uint8_t>(jpeg[at + 1]);
    if (marker == kind) return at;
    at += 2 + ((static_cast<uint8_t>(jpeg[at + 2]) << 8) | static_cast<uint8_t>(jpeg[at + 3]));
  }
  FAIL("marker not found");
  return 0;
}

// The same JPEG claiming another frame size (only its SOF0 header changed).
std::string with_frame_size(std::string jpeg, int width, int height) {
  const size_t sof = marker_offset(jpeg, 0xC0);
  jpeg[sof + 5] = static_cast<char>(height >> 8);
  jpeg[sof + 6] = static_cast<char>(height & 0xFF);
  jpeg[sof + 7] = static_cast<char>(width >> 8);
  jpeg[sof + 8] = static_cast<char>(width & 0xFF);
  return jpeg;
}

// Reference orientation, composed from two plain operations the way the EXIF table words it.
Image flip_left_right(const Image& image) {
  Image out = image;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        out.row(y)[x * image.channels + c] = image.row(y)[(image.width - 1 - x) * image.channels + c];
      }
    }
  }
  return out;
}

Image rotate_clockwise(const Image& image) {
  Image out = image;
  out.width = image.height;
  out.height = image.width;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      // The stored left column becomes the top row, read bottom to top.
      for (int c = 0; c < image.channels; ++c) {
        out.row(x)[(image.height - 1 - y) * image.channels + c] = image.row(y)[x * image.channels + c];
      }
    }
  }
  return out;
}

Image reference_orientation(const Image& image, int orientation) {
  const auto rotate = [](Image i, int quarter_turns) {
    for (int k = 0; k < quarter_turns; ++k) i = rotate_clockwise(i);
    return i;
  };
  switch (orientation) {
    case 2:
      return flip_left_right(image);  // mirror horizontal
    case 3:
      return rotate(image, 2);  // rotate 180
    case 4:
      return rotate(flip_left_right(image), 2);  // mirror vertical
    case 5:
      return rotate(flip_left_right(image), 3);  // mirror horizontal, rotate 270 CW
    case 6:
      return rotate(image, 1);  // rotate 90 CW
    case 7:
      return rotate(flip_left_right(image), 1);  // mirror horizontal, rotate 90 CW
    case 8:
      return rotate(image, 3);  // rotate 270 CW
    default:
      return image;
  }
}

Image labels(int width, int height) {
  return make_gray(width, height, [&](int x, int y) { return y * width + x; });
}

}  // namespace

TEST_CASE("fitted sizes keep the aspect ratio and never upscale") {
  CHECK(fitted_size({6000, 4000}, 2048) == Size{2048, 1365});
  CHECK(fitted_size({6000, 4000}, 400) == Size{400, 267});
  CHECK(fitted_size({4000, 6000}, 2048) == Size{1365, 2048});
  CHECK(fitted_size({8192, 5464}, 2048) == Size{2048, 1366});
  CHECK(fitted_size({2048, 1536}, 2048) == Size{2048, 1536});
  CHECK(fitted_size({2049, 1536}, 2048) == Size{2048, 1535});
  CHECK(fitted_size({320, 240}, 400) == Size{320, 240});
  CHECK(fitted_size({1, 1}, 400) == Size{1, 1});
  CHECK(fitted_size({4000, 3}, 400) == Size{400, 1});  // a side never rounds to nothing
  CHECK(fitted_size({3, 4000}, 2048) == Size{2, 2048});
  CHECK(fitted_size({500, 500}, 400) == Size{400, 400});
}

TEST_CASE("the DCT scale is the smallest whose decode still reaches the largest preview") {
  CHECK(dct_scale_eighths({8192, 5464}, 2048) == 2);  // 45 MP: 2048 x 1366, not 8192 x 5464
  CHECK(decoded_size({8192, 5464}, 2) == Size{2048, 1366});
  CHECK(dct_scale_eighths({6000, 4000}, 2048) == 3);  // 24 MP: 2250 x 1500
  CHECK(decoded_size({6000, 4000}, 3) == Size{2250, 1500});
  CHECK(dct_scale_eighths({6000, 4000}, 400) == 1);  // thumb only: 750 x 500
  CHECK(dct_scale_eighths({3000, 2000}, 2048) == 6);
  CHECK(dct_scale_eighths({2049, 1000}, 2048) == 8);
  CHECK(dct_scale_eighths({2048, 1536}, 2048) == 8);
  CHECK(dct_scale_eighths({320, 240}, 2048) == 8);  // smaller than asked: whole
  CHECK(dct_scale_eighths({65500, 1500}, 2048) == 1);
  CHECK(decoded_size({1, 1}, 1) == Size{1, 1});
  for (int longer : {401, 999, 2047, 2048, 2049, 3000, 4095, 4097, 5999, 16383, 16385, 65500}) {
    for (int edge : {400, 2048}) {
      const int n = dct_scale_eighths({longer, longer / 2 + 1}, edge);
      const Size at = decoded_size({longer, longer / 2 + 1}, n);
      CHECK(at.width >= std::min(edge, longer));                                                       // reaches
      if (n > 1) CHECK(decoded_size({longer, longer / 2 + 1}, n - 1).width < std::min(edge, longer));  // smallest
    }
  }
}

TEST_CASE("the area filter averages what each output pixel covers") {
  SUBCASE("a flat image stays flat") {
    const Image flat = make_rgb(333, 211, [](int, int) { return Rgb{10, 128, 250}; });
    const Image out = resize_area(flat, {97, 61});
    CHECK(out.width == 97);
    CHECK(out.height == 61);
    for (uint8_t value : {out.pixels[0], out.pixels[1], out.pixels[2]})
      CHECK((value == 10 || value == 128 || value == 250));
    CHECK(near(mean_around(out, 48, 30, 48), {10, 128, 250}, 0));
  }
  SUBCASE("halving averages 2 x 2 blocks exactly") {
    const Image checker = make_gray(4, 2, [](int x, int y) { return (x + y) % 2 == 0 ? 200 : 100; });
    const Image out = resize_area(checker, {2, 1});
    CHECK(out.pixels == std::vector<uint8_t>{150, 150});
  }
  SUBCASE("a fractional ratio weighs partial pixels") {
    // 3 -> 2: output 0 covers pixel 0 and half of pixel 1, output 1 the other half and pixel 2.
    const Image row = make_gray(3, 1, [](int x, int) { return x == 0 ? 0 : x == 1 ? 90 : 180; });
    const Image out = resize_area(row, {2, 1});
    CHECK(out.pixels == std::vector<uint8_t>{30, 150});
  }
  SUBCASE("down to one pixel is the mean") {
    const Image ramp = make_gray(256, 1, [](int x, int) { return x; });
    CHECK(resize_area(ramp, {1, 1}).pixels == std::vector<uint8_t>{128});  // 127.5 rounds up
  }
  SUBCASE("the same size is a copy") {
    const Image image = labels(5, 3);
    CHECK(resize_area(image, {5, 3}).pixels == image.pixels);
  }
}

TEST_CASE("orientation matches the EXIF table for all eight values") {
  const Image image = labels(5, 3);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    const Image ours = apply_orientation(image, orientation);
    const Image reference = reference_orientation(image, orientation);
    CHECK(ours.width == reference.width);
    CHECK(ours.height == reference.height);
    CHECK(ours.pixels == reference.pixels);
    CHECK(oriented_size({5, 3}, orientation) == Size{reference.width, reference.height});
  }
  // A stored top-left pixel (label 0) is displayed at: TL, TR, BR, BL, TL, TR, BR, BL.
  const std::vector<std::pair<int, int>> top_left = {{0, 0}, {4, 0}, {4, 2}, {0, 2}, {0, 0}, {2, 0}, {2, 4}, {0, 4}};
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const Image ours = apply_orientation(image, orientation);
    const auto [x, y] = top_left[static_cast<size_t>(orientation - 1)];
    CHECK_MESSAGE(ours.row(y)[x] == 0, "orientation " << orientation);
  }
  CHECK(apply_orientation(image, 0).pixels == image.pixels);  // out of range: as stored
  CHECK(apply_orientation(image, 9).pixels == image.pixels);
  const Image colour = quadrants(64, 48);
  CHECK(apply_orientation(colour, 6).pixels == reference_orientation(colour, 6).pixels);
  CHECK(apply_orientation(gradient(200, 130), 7).pixels == reference_orientation(gradient(200, 130), 7).pixels);
}

TEST_CASE("previews of a landscape JPEG: web and thumb at their long edges") {
  const std::string jpeg = encode(gradient(3000, 2000));
  const PreviewSet set = previews_of(jpeg);
  CHECK(set.source_width == 3000);
  CHECK(set.source_height == 2000);
  CHECK(set.scale_eighths == 6);  // decoded at 2250 x 1500, the smallest DCT scale at least 2048 wide
  CHECK(set.decoded_width == 2250);
  CHECK(set.decoded_height == 1500);
  REQUIRE(set.previews.size() == 2);
  CHECK(set.previews[0].name == "thumb");  // the specs' order
  CHECK(set.previews[1].name == "web");
  const Preview& web = named(set, "web");
  const Preview& thumb = named(set, "thumb");
  CHECK(web.width == 2048);
  CHECK(web.height == 1365);
  CHECK(thumb.width == 400);
  CHECK(thumb.height == 267);
  const Image web_pixels = decode_rgb(web.jpeg);
  CHECK(web_pixels.width == 2048);
  CHECK(web_pixels.height == 1365);
  // The gradient survives: corners as the source's.
  CHECK(near(mean_around(web_pixels, 4, 4, 3), {0, 0, 255}, 12));
  CHECK(near(mean_around(web_pixels, 2043, 1360, 3), {255, 255, 0}, 12));
  const Image thumb_pixels = decode_rgb(thumb.jpeg);
  CHECK(thumb_pixels.width == 400);
  CHECK(near(mean_around(thumb_pixels, 200, 133, 2), mean_around(web_pixels, 1024, 682, 8), 8));
  CHECK(thumb.jpeg.size() < web.jpeg.size());
}

TEST_CASE("previews of a portrait JPEG") {
  const PreviewSet set = previews_of(encode(gradient(1200, 1800)));
  CHECK(named(set, "web").width == 1200);  // smaller than 2048: kept
  CHECK(named(set, "web").height == 1800);
  CHECK(named(set, "thumb").width == 267);
  CHECK(named(set, "thumb").height == 400);
  CHECK(set.scale_eighths == 8);
}

TEST_CASE("a 4096-wide JPEG decodes at half size, straight to the web preview") {
  const PreviewSet set = previews_of(encode(gradient(4096, 2732)));
  CHECK(set.scale_eighths == 4);
  CHECK(set.decoded_width == 2048);
  CHECK(set.decoded_height == 1366);
  CHECK(named(set, "web").width == 2048);
  CHECK(named(set, "web").height == 1366);
}

TEST_CASE("exact and small sizes are never upscaled") {
  SUBCASE("long edge exactly 2048") {
    const PreviewSet set = previews_of(encode(gradient(2048, 1536)));
    CHECK(set.scale_eighths == 8);
    CHECK(named(set, "web").width == 2048);
    CHECK(named(set, "web").height == 1536);
    CHECK(named(set, "thumb").width == 400);
    CHECK(named(set, "thumb").height == 300);
  }
  SUBCASE("long edge exactly 400") {
    const PreviewSet set = previews_of(encode(gradient(300, 400)));
    CHECK(named(set, "web").width == 300);
    CHECK(named(set, "web").height == 400);
    CHECK(named(set, "thumb").width == 300);
    CHECK(named(set, "thumb").height == 400);
  }
  SUBCASE("smaller than a thumb") {
    const PreviewSet set = previews_of(encode(gradient(320, 240)));
    CHECK(named(set, "web").width == 320);
    CHECK(named(set, "thumb").width == 320);
    CHECK(named(set, "thumb").height == 240);
  }
  SUBCASE("one pixel, in every orientation") {
    const std::string jpeg = encode(make_rgb(1, 1, [](int, int) { return Rgb{200, 30, 60}; }));
    for (int orientation = 1; orientation <= 8; ++orientation) {
      const PreviewSet set = previews_of(jpeg, orientation);
      for (const Preview& preview : set.previews) {
        CHECK(preview.width == 1);
        CHECK(preview.height == 1);
        CHECK(near(mean_around(decode_rgb(preview.jpeg), 0, 0, 0), {200, 30, 60}, 24));
      }
    }
  }
  SUBCASE("extreme aspect ratios keep at least one pixel") {
    const PreviewSet wide = previews_of(encode(gradient(4000, 3)));
    CHECK(named(wide, "web").width == 2048);
    CHECK(named(wide, "web").height == 2);
    CHECK(named(wide, "thumb").height == 1);
    const PreviewSet tall = previews_of(encode(gradient(3, 4000)), 6);
    CHECK(named(tall, "web").width == 2048);  // 2 x 2048 stored, turned on its side
    CHECK(named(tall, "web").height == 2);
  }
}

TEST_CASE("orientation: sides swap for 5-8 and each stored corner lands where EXIF says") {
  const std::string jpeg = encode(quadrants(640, 480), 95);
  // The displayed corners (TL TR BR BL) come from the reference transform of the stored corner colours.
  Image corner_labels = make_gray(2, 2, [](int x, int y) { return y * 2 + x; });
  const char* names[] = {"red", "green", "blue", "white"};  // stored TL, TR, BL, BR
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    const Image expected_labels = reference_orientation(corner_labels, orientation);
    const std::string expected = std::string(names[expected_labels.row(0)[0]]) + " " +
                                 names[expected_labels.row(0)[1]] + " " + names[expected_labels.row(1)[1]] + " " +
                                 names[expected_labels.row(1)[0]];
    const PreviewSet set = previews_of(jpeg, orientation);
    const bool swapped = orientation >= 5;
    for (const Preview& preview : set.previews) {
      CAPTURE(preview.name);
      const int longer = preview.name == "thumb" ? 400 : 640;
      const int shorter = preview.name == "thumb" ? 300 : 480;
      CHECK(preview.width == (swapped ? shorter : longer));
      CHECK(preview.height == (swapped ? longer : shorter));
      const Image pixels = decode_rgb(preview.jpeg);
      CHECK(pixels.width == preview.width);
      CHECK(pixels.height == preview.height);
      CHECK(corners(pixels) == expected);
    }
  }
  // Spelled out for the stored top-left (red): TL, TR, BR, BL, TL, TR, BR, BL.
  const std::vector<std::string> red_at = {"red green white blue", "green red blue white", "white blue red green",
                                           "blue white green red", "red blue white green", "blue red green white",
                                           "white green red blue", "green white blue red"};
  for (int orientation = 1; orientation <= 8; ++orientation) {
    CAPTURE(orientation);
    CHECK(corners(decode_rgb(named(previews_of(jpeg, orientation), "thumb").jpeg)) ==
          red_at[static_cast<size_t>(orientation - 1)]);
  }
  for (int orientation : {0, 9, -1, 1000}) {
    CHECK(corners(decode_rgb(named(previews_of(jpeg, orientation), "thumb").jpeg)) == red_at[0]);
  }
}

TEST_CASE("colour spaces: grey stays grey, RGB-coded and 4:4:4 JPEGs decode, CMYK is refused") {
  SUBCASE("greyscale") {
    const std::string jpeg = encode(make_gray(900, 600, [](int x, int) { return x * 255 / 899; }));
    const PreviewSet set = previews_of(jpeg, 6);
    const Image thumb = decode_rgb(named(set, "thumb").jpeg);
    CHECK(thumb.channels == 1);  // a grey preview, one component
    CHECK(thumb.width == 267);
    CHECK(thumb.height == 400);
    // Rotated clockwise: the stored left edge (black) is now the top.
    CHECK(mean_around(thumb, 133, 2, 2).r < 12);
    CHECK(mean_around(thumb, 133, 397, 2).r > 243);
  }
  SUBCASE("an RGB-coded JPEG (no YCbCr)") {
    const std::string jpeg = encode_raw(quadrants(800, 600), {JCS_RGB, false, false, 95});
    CHECK(corners(decode_rgb(named(previews_of(jpeg), "thumb").jpeg)) == "red green white blue");
  }
  SUBCASE("4:4:4") {
    const std::string jpeg = encode_raw(quadrants(800, 600), {JCS_YCbCr, false, false, 95});
    CHECK(corners(decode_rgb(named(previews_of(jpeg, 3), "web").jpeg)) == "white blue red green");
  }
  SUBCASE("CMYK") {
    const Failure failure = failure_of(encode_raw(quadrants(64, 64), {JCS_CMYK, false, false, 90}));
    CHECK(failure.code == "unsupported_jpeg");
    CHECK(failure.message == "CMYK JPEG not supported");
  }
}

TEST_CASE("progressive JPEGs decode within the decoder's memory and scan limits") {
  const Image picture = quadrants(1600, 1200);
  const std::string progressive = encode_raw(picture, {JCS_YCbCr, true, true, 90});
  const PreviewSet set = previews_of(progressive, 8);
  CHECK(named(set, "web").width == 1200);
  CHECK(named(set, "web").height == 1600);
  CHECK(corners(decode_rgb(named(set, "thumb").jpeg)) == "green white blue red");

  Limits small;
  small.max_decoder_bytes = 1 << 20;  // its coefficients need 1600 * 1200 * 3 bytes = 5.5 MB
  Failure failure = failure_of(progressive, small);
  CHECK(failure.code == "image_too_large");
  CHECK(failure.message.find("progressive JPEG of 1600 x 1200 pixels needs 6 MB") != std::string::npos);

  Limits few_scans;
  few_scans.max_scans = 3;  // libjpeg's simple progression has 10
  failure = failure_of(progressive, few_scans);
  CHECK(failure.code == "image_too_large");
  CHECK(failure.message.find("scans") != std::string::npos);
}

TEST_CASE("a missing EOI is tolerated; missing image data is a truncated JPEG") {
  const std::string jpeg = encode(gradient(640, 480));
  REQUIRE(jpeg.substr(jpeg.size() - 2) == "\xFF\xD9");
  CHECK(make_previews(jpeg.substr(0, jpeg.size() - 2), 1, standard_specs()).ok());
  const size_t scan = marker_offset(jpeg, 0xDA);
  for (size_t cut : {jpeg.size() - 40, jpeg.size() / 2, scan + 20, scan, size_t{100}, size_t{20}, size_t{3}}) {
    CAPTURE(cut);
    const Failure failure = failure_of(jpeg.substr(0, cut));
    CHECK(failure.code == "truncated_jpeg");
    CHECK(failure.message == "truncated JPEG: the file ends before its image does");
  }
  const std::string progressive = encode_raw(gradient(640, 480), {JCS_YCbCr, true, true, 90});
  CHECK(failure_of(progressive.substr(0, progressive.size() / 3)).code == "truncated_jpeg");
}

TEST_CASE("not a JPEG, or a corrupt one: a failure with a reason, never a crash") {
  CHECK(failure_of("").code == "not_a_jpeg");
  CHECK(failure_of("hello, world").code == "not_a_jpeg");
  CHECK(failure_of("\x89PNG\r\n\x1A\n\0\0\0\rIHDR").code == "not_a_jpeg");
  CHECK(failure_of("\xFF\xD8").code == "not_a_jpeg");

  const std::string jpeg = encode(gradient(640, 480));
  SUBCASE("an end marker in the middle of the scan") {
    std::string broken = jpeg;
    broken.replace(broken.size() / 2, 2, "\xFF\xD9");
    const Failure failure = failure_of(broken);
    CHECK(failure.code == "corrupt_jpeg");
    CHECK(failure.message.find("premature end of data segment") != std::string::npos);
  }
  SUBCASE("a bogus segment length") {
    std::string broken = jpeg;
    const size_t sof = marker_offset(broken, 0xC0);
    broken[sof + 2] = 0;
    broken[sof + 3] = 1;
    CHECK(failure_of(broken).code == "corrupt_jpeg");
  }
  SUBCASE("a frame without components") {
    std::string broken = jpeg;
    broken[marker_offset(broken, 0xC0) + 9] = 0;
    CHECK(failure_of(broken).code == "corrupt_jpeg");
  }
  SUBCASE("tables only, no image") {
    const size_t sof = marker_offset(jpeg, 0xC0);
    CHECK(failure_of(jpeg.substr(0, sof) + "\xFF\xD9").code == "corrupt_jpeg");
  }
  SUBCASE("arithmetic coding (SOF9)") {
    std::string broken = jpeg;
    broken[marker_offset(broken, 0xC0) + 1] = '\xC9';
    const Failure failure = failure_of(broken);
    CHECK(failure.code == "unsupported_jpeg");
    CHECK(failure.message == "arithmetic-coded JPEG not supported");
  }
  SUBCASE("lossless (SOF3)") {
    std::string broken = jpeg;
    broken[marker_offset(broken, 0xC0) + 1] = '\xC3';
    CHECK(failure_of(broken).code == "unsupported_jpeg");
  }
  SUBCASE("random damage: every outcome is a preview set or a known failure") {
    std::mt19937 random(14);
    const std::string small = encode(quadrants(96, 64), 75);
    int failures = 0;
    for (int round = 0; round < 1500; ++round) {
      std::string damaged = small;
      const int edits = 1 + static_cast<int>(random() % 8);
      for (int k = 0; k < edits; ++k) damaged[random() % damaged.size()] = static_cast<char>(random() % 256);
      if (round % 5 == 0) damaged.resize(random() % damaged.size());
      auto made = make_previews(damaged, static_cast<int>(random() % 10), standard_specs());
      if (!made.ok()) {
        ++failures;
        CHECK(kFailureCodes.count(made.failure().code) == 1);
      } else {
        for (const Preview& preview : made.value().previews) CHECK(decode_rgb(preview.jpeg).width == preview.width);
      }
    }
    MESSAGE(failures << " of 1500 damaged JPEGs failed, the rest decoded");
  }
}

TEST_CASE("limits are checked from the header, before the decode allocates") {
  const std::string jpeg = encode(gradient(64, 48));
  SUBCASE("over 100 megapixels") {
    const Failure failure = failure_of(with_frame_size(jpeg, 20000, 20000));
    CHECK(failure.code == "image_too_large");
    CHECK(failure.message == "JPEG of 20000 x 20000 pixels is over the limit of 100 megapixels");
  }
  SUBCASE("a side over 65500") {
    const Failure failure = failure_of(with_frame_size(jpeg, 65535, 8));
    CHECK(failure.code == "image_too_large");
  }
  SUBCASE("a smaller configured limit") {
    Limits limits;
    limits.max_pixels = 1000;
    CHECK(failure_of(jpeg, limits).code == "image_too_large");
    limits = Limits{};
    limits.max_input_bytes = 100;
    CHECK(failure_of(jpeg, limits).code == "image_too_large");
  }
  SUBCASE("a header claiming 10000 x 10000 over a few bytes of data stops at the data's end") {
    const Failure failure = failure_of(with_frame_size(jpeg, 10000, 10000));
    CHECK(failure.code == "corrupt_jpeg");  // the scan ends (at its EOI) long before the frame is full
    CHECK(failure.message.find("premature end of data segment") != std::string::npos);
  }
}

TEST_CASE("preview specs are checked") {
  const std::string jpeg = encode(gradient(64, 48));
  CHECK(failure_of(jpeg, {}, 1, {}).code == "invalid_preview_spec");
  CHECK(failure_of(jpeg, {}, 1, {{"zero", 0}}).code == "invalid_preview_spec");
  CHECK(failure_of(jpeg, {}, 1, {{"huge", 9000}}).code == "invalid_preview_spec");
  // Any set of sizes, each from the smallest image already made that is at least its size.
  const PreviewSet set = previews_of(encode(gradient(1000, 800)), 1, {{"a", 100}, {"b", 999}, {"c", 1000}, {"d", 5}});
  CHECK(set.previews[0].width == 100);
  CHECK(set.previews[1].width == 999);
  CHECK(set.previews[2].width == 1000);
  CHECK(set.previews[3].width == 5);
  CHECK(set.previews[3].height == 4);
}

TEST_CASE("the ICC profile is carried over, other metadata is not") {
  std::string profile(100000, '\0');  // over one APP2 segment: two chunks
  for (size_t i = 0; i < profile.size(); ++i) profile[i] = static_cast<char>(i * 7 % 251);
  auto encoded = encode_jpeg(quadrants(500, 400), 90, profile);
  REQUIRE(encoded.ok());
  CHECK(read_icc_profile(encoded.value()) == profile);
  const PreviewSet set = previews_of(encoded.value());
  for (const Preview& preview : set.previews) CHECK(read_icc_profile(preview.jpeg) == profile);
  CHECK(read_icc_profile(encode(gradient(8, 8))).empty());
  // Chunks that do not add up give no profile.
  std::string damaged = encoded.value();
  const size_t chunk = damaged.find("ICC_PROFILE");
  damaged[chunk + 13] = 3;  // claims three chunks
  CHECK(read_icc_profile(damaged).empty());
}

TEST_CASE("the same JPEG gives the same preview bytes") {
  const std::string jpeg = encode(quadrants(1500, 1000));
  const PreviewSet a = previews_of(jpeg, 6), b = previews_of(jpeg, 6);
  CHECK(named(a, "web").jpeg == named(b, "web").jpeg);
  CHECK(named(a, "thumb").jpeg == named(b, "thumb").jpeg);
}
