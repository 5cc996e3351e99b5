// Test images for the previews, made in code: synthetic pictures, encoded by libjpeg itself (through the
// engine's encoder, or directly for the kinds the engine never writes: CMYK, RGB-coded, progressive, 4:4:4),
// and decoded back to RGB for checking.
#pragma once
#include <doctest/doctest.h>

// jpeglib.h expects size_t and FILE to be declared before it.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "previews/image.h"
#include "previews/jpeg_codec.h"
#include "previews/previews.h"

namespace previews_test {

using upgate::previews::ColorModel;
using upgate::previews::Image;
using upgate::previews::Size;

struct Rgb {
  int r = 0, g = 0, b = 0;
};

inline Image make_rgb(int width, int height, const std::function<Rgb(int, int)>& colour) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = 3;
  image.model = ColorModel::Rgb;
  image.pixels.resize(image.row_bytes() * static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    uint8_t* row = image.row(y);
    for (int x = 0; x < width; ++x) {
      const Rgb c = colour(x, y);
      row[3 * x] = static_cast<uint8_t>(c.r);
      row[3 * x + 1] = static_cast<uint8_t>(c.g);
      row[3 * x + 2] = static_cast<uint8_t>(c.b);
    }
  }
  return image;
}

inline Image make_gray(int width, int height, const std::function<int(int, int)>& level) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = 1;
  image.model = ColorModel::Gray;
  image.pixels.resize(image.row_bytes() * static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) image.row(y)[x] = static_cast<uint8_t>(level(x, y));
  }
  return image;
}

// The corner colours of the orientation tests: the stored image's top-left quadrant red, top-right green,
// bottom-left blue, bottom-right white (saturated and far apart, so JPEG and resizing keep them recognisable).
constexpr Rgb kRed{255, 0, 0}, kGreen{0, 255, 0}, kBlue{0, 0, 255}, kWhite{255, 255, 255};

inline Rgb quadrant_colour(int x, int y, int width, int height) {
  const bool right = x >= width / 2, bottom = y >= height / 2;
  if (!bottom) return right ? kGreen : kRed;
  return right ? kWhite : kBlue;
}

inline Image quadrants(int width, int height) {
  return make_rgb(width, height, [&](int x, int y) { return quadrant_colour(x, y, width, height); });
}

// A smooth picture: a diagonal gradient (any resizer agrees on it closely).
inline Image gradient(int width, int height) {
  return make_rgb(width, height, [&](int x, int y) {
    return Rgb{255 * x / std::max(1, width - 1), 255 * y / std::max(1, height - 1),
               255 - 255 * (x + y) / std::max(1, width + height - 2)};
  });
}

inline std::string encode(const Image& image, int quality = 90) {
  auto encoded = upgate::previews::encode_jpeg(image, quality);
  REQUIRE_MESSAGE(encoded.ok(), (encoded.ok() ? "" : encoded.failure().message));
  return encoded.value();
}

// libjpeg directly, for what the engine's encoder never writes.
struct RawOptions {
  J_COLOR_SPACE stored = JCS_YCbCr;  // the JPEG's own colour space: JCS_YCbCr, JCS_RGB, JCS_CMYK, JCS_GRAYSCALE
  bool progressive = false;
  bool subsample = true;  // 4:2:0, else 4:4:4
  int quality = 90;
};

inline std::string encode_raw(const Image& rgb, const RawOptions& options) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(rgb.width);
  cinfo.image_height = static_cast<JDIMENSION>(rgb.height);
  const bool cmyk = options.stored == JCS_CMYK;
  cinfo.input_components = cmyk ? 4 : rgb.channels;
  cinfo.in_color_space = cmyk ? JCS_CMYK : rgb.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_colorspace(&cinfo, options.stored);
  if (!options.subsample || options.stored != JCS_YCbCr) {
    for (int i = 0; i < cinfo.num_components; ++i)
      cinfo.comp_info[i].h_samp_factor = cinfo.comp_info[i].v_samp_factor = 1;
  }
  jpeg_set_quality(&cinfo, options.quality, TRUE);
  if (options.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  std::string row;
  while (cinfo.next_scanline < cinfo.image_height) {
    const uint8_t* source = rgb.row(static_cast<int>(cinfo.next_scanline));
    if (cmyk) {  // inverted RGB as C, M, Y and no K: enough to be a CMYK file
      row.resize(static_cast<size_t>(rgb.width) * 4);
      for (int x = 0; x < rgb.width; ++x) {
        for (int c = 0; c < 3; ++c) row[4 * x + c] = static_cast<char>(255 - source[3 * x + c]);
        row[4 * x + 3] = 0;
      }
    } else {
      row.assign(reinterpret_cast<const char*>(source), rgb.row_bytes());
    }
    JSAMPROW pointer = reinterpret_cast<JSAMPROW>(row.data());
    jpeg_write_scanlines(&cinfo, &pointer, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string jpeg(reinterpret_cast<const char*>(buffer), size);
  jpeg_destroy_compress(&cinfo);
  std::free(buffer);  // jpeg_mem_dest's buffer is malloc'd
  return jpeg;
}

// A JPEG decoded whole, as RGB (or grey), by the engine's decoder.
inline Image decode_rgb(std::string_view jpeg) {
  auto decoded = upgate::previews::decode_jpeg(jpeg, 65500, upgate::previews::Limits{}, true);
  REQUIRE_MESSAGE(decoded.ok(), (decoded.ok() ? "" : decoded.failure().message));
  return decoded.value().image;
}

// The mean colour of a square of side 2 * radius + 1 around (x, y), clipped to the image.
inline Rgb mean_around(const Image& image, int cx, int cy, int radius) {
  long sum[3] = {0, 0, 0}, count = 0;
  for (int y = std::max(0, cy - radius); y <= std::min(image.height - 1, cy + radius); ++y) {
    for (int x = std::max(0, cx - radius); x <= std::min(image.width - 1, cx + radius); ++x) {
      for (int c = 0; c < image.channels; ++c) sum[c] += image.row(y)[x * image.channels + c];
      ++count;
    }
  }
  if (image.channels == 1)
    return {static_cast<int>(sum[0] / count), static_cast<int>(sum[0] / count), static_cast<int>(sum[0] / count)};
  return {static_cast<int>(sum[0] / count), static_cast<int>(sum[1] / count), static_cast<int>(sum[2] / count)};
}

inline bool near(Rgb a, Rgb b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}

inline std::string describe(Rgb c) {
  return "(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ")";
}

// Which of the four named colours c is (within a JPEG's error), or "?".
inline std::string colour_name(Rgb c) {
  if (near(c, kRed, 60)) return "red";
  if (near(c, kGreen, 60)) return "green";
  if (near(c, kBlue, 60)) return "blue";
  if (near(c, kWhite, 60)) return "white";
  return "?" + describe(c);
}

// The colours at the displayed image's four corners, read a little inside them: top-left, top-right,
// bottom-right, bottom-left.
inline std::string corners(const Image& image) {
  const int ix = std::max(1, image.width / 8), iy = std::max(1, image.height / 8);
  const int r = std::max(1, std::min(image.width, image.height) / 20);
  return colour_name(mean_around(image, ix, iy, r)) + " " +
         colour_name(mean_around(image, image.width - 1 - ix, iy, r)) + " " +
         colour_name(mean_around(image, image.width - 1 - ix, image.height - 1 - iy, r)) + " " +
         colour_name(mean_around(image, ix, image.height - 1 - iy, r));
}

}  // namespace previews_test
