// Pixels in memory and what the previews do to them after decoding: fitting a size, area-filter downscaling and
// EXIF orientation. Pure and independent of libjpeg, so the unit tests check them on their own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace upgate::previews {

// How the channels of an Image are to be read. The decoder keeps a YCbCr JPEG's samples as YCbCr (both colour
// conversions are skipped; area averaging is linear, so it commutes with the fixed YCbCr<->RGB transform).
enum class ColorModel { Gray, YCbCr, Rgb };

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (Gray) or 3 (YCbCr, Rgb)
  ColorModel model = ColorModel::Rgb;
  std::vector<uint8_t> pixels;  // row-major, width * channels bytes per row, no padding

  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * row_bytes(); }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * row_bytes(); }
  size_t row_bytes() const { return static_cast<size_t>(width) * static_cast<size_t>(channels); }
};

struct Size {
  int width = 0;
  int height = 0;
  bool operator==(const Size&) const = default;
};

// The size whose longer side is long_edge, keeping the aspect ratio (the shorter side rounded to the nearest
// pixel, at least 1). A source whose longer side is already at most long_edge keeps its size: never upscaled.
Size fitted_size(Size source, int long_edge);

// libjpeg's DCT scaling: the smallest n in 1..8 for which decoding at n/8 still gives a longer side of at least
// long_edge (or of the whole source when that is smaller), so no later step upscales. decoded_size is what
// libjpeg makes of a source at n/8: each side n/8 of the source's, rounded up.
int dct_scale_eighths(Size source, int long_edge);
Size decoded_size(Size source, int eighths);

// The image downscaled to size with an area (box) filter: each output pixel is the mean of the source area it
// covers, partial source pixels weighted by their overlap. size must not exceed the source's in either
// dimension; an equal size returns a copy.
Image resize_area(const Image& source, Size size);

// The image as it is to be displayed, per the EXIF orientation it was stored with:
//   1 as stored   2 mirrored left-right   3 rotated 180°   4 mirrored top-bottom
//   5 transposed  6 rotated 90° clockwise 7 transversed    8 rotated 90° counter-clockwise
// 5 to 8 swap width and height. Anything else is treated as 1, as viewers do.
Image apply_orientation(const Image& image, int orientation);

// Whether apply_orientation changes anything (orientation 2-8).
bool changes_layout(int orientation);

// The displayed size of a stored size under an orientation (5-8 swap the sides).
Size oriented_size(Size stored, int orientation);

}  // namespace upgate::previews
