#include "previews/image.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace upgate::previews {

namespace {

// Filter weights are fixed point with kWeightBits fraction bits; each output pixel's weights sum to exactly 1.
constexpr int kWeightBits = 12;
constexpr int32_t kWeightOne = 1 << kWeightBits;

// For each output index, the run of source indices it covers and their weights.
struct Taps {
  std::vector<int> first;        // first source index of output i
  std::vector<int> offset;       // where output i's weights start in weights; offset[i + 1] ends them
  std::vector<int32_t> weights;  // one per covered source index
};

// Output pixel i covers source [i * source / target, (i + 1) * source / target); counted in units of
// 1 / target of a source pixel, so every bound is an integer: [i * source, (i + 1) * source).
Taps area_taps(int source, int target) {
  Taps taps;
  taps.first.resize(static_cast<size_t>(target));
  taps.offset.resize(static_cast<size_t>(target) + 1);
  taps.weights.reserve(static_cast<size_t>(source) + static_cast<size_t>(target));
  const int64_t s = source, t = target;
  for (int64_t i = 0; i < t; ++i) {
    const int64_t lo = i * s, hi = lo + s;
    const int64_t first = lo / t, last = (hi - 1) / t;
    taps.first[static_cast<size_t>(i)] = static_cast<int>(first);
    taps.offset[static_cast<size_t>(i)] = static_cast<int>(taps.weights.size());
    int32_t sum = 0;
    size_t largest = taps.weights.size();  // index of the heaviest tap so far
    for (int64_t j = first; j <= last; ++j) {
      const int64_t overlap = std::min(hi, (j + 1) * t) - std::max(lo, j * t);
      const auto weight = static_cast<int32_t>((overlap * kWeightOne + s / 2) / s);
      if (j == first || weight > taps.weights[largest]) largest = taps.weights.size();
      taps.weights.push_back(weight);
      sum += weight;
    }
    taps.weights[largest] += kWeightOne - sum;  // rounding leftovers go to the heaviest tap
  }
  taps.offset[static_cast<size_t>(target)] = static_cast<int>(taps.weights.size());
  return taps;
}

// One source row filtered horizontally: out[x] = sum of weighted samples, kept with 8 more bits than a sample.
template <int C>
void filter_row(const uint8_t* source, const Taps& taps, int width, uint16_t* out) {
  for (int x = 0; x < width; ++x) {
    const int32_t* w = taps.weights.data() + taps.offset[static_cast<size_t>(x)];
    const int count = taps.offset[static_cast<size_t>(x) + 1] - taps.offset[static_cast<size_t>(x)];
    const uint8_t* s = source + static_cast<ptrdiff_t>(taps.first[static_cast<size_t>(x)]) * C;
    uint32_t sum[C] = {};
    for (int k = 0; k < count; ++k) {
      for (int c = 0; c < C; ++c) sum[c] += static_cast<uint32_t>(s[c]) * static_cast<uint32_t>(w[k]);
      s += C;
    }
    // sum <= 255 << 12; >> 4 keeps 8 fraction bits: at most 65280, a uint16_t.
    for (int c = 0; c < C; ++c) out[x * C + c] = static_cast<uint16_t>((sum[c] + 8) >> 4);
  }
}

template <int C>
void resize_channels(const Image& source, Image& out) {
  const Taps columns = area_taps(source.width, out.width);
  const Taps rows = area_taps(source.height, out.height);
  const size_t samples = out.row_bytes();
  std::vector<uint16_t> filtered(samples);
  std::vector<uint32_t> sum(samples);
  int filtered_row = -1;  // the source row now in filtered: rows shared by two output rows are filtered once
  for (int y = 0; y < out.height; ++y) {
    std::fill(sum.begin(), sum.end(), 0U);
    const int first = rows.first[static_cast<size_t>(y)];
    const int begin = rows.offset[static_cast<size_t>(y)], end = rows.offset[static_cast<size_t>(y) + 1];
    for (int k = begin; k < end; ++k) {
      const int source_row = first + (k - begin);
      if (source_row != filtered_row) {
        filter_row<C>(source.row(source_row), columns, out.width, filtered.data());
        filtered_row = source_row;
      }
      const auto weight = static_cast<uint32_t>(rows.weights[static_cast<size_t>(k)]);
      for (size_t i = 0; i < samples; ++i) sum[i] += filtered[i] * weight;  // <= 65280 << 12, fits
    }
    uint8_t* target = out.row(y);
    constexpr int kShift = 8 + kWeightBits;
    for (size_t i = 0; i < samples; ++i) target[i] = static_cast<uint8_t>((sum[i] + (1U << (kShift - 1))) >> kShift);
  }
}

}  // namespace

Size fitted_size(Size source, int long_edge) {
  const int longer = std::max(source.width, source.height);
  if (longer <= long_edge) return source;
  const auto scale = [&](int side) {
    const int64_t scaled = (int64_t{side} * long_edge * 2 + longer) / (int64_t{longer} * 2);  // rounded
    return static_cast<int>(std::max<int64_t>(1, scaled));
  };
  if (source.width >= source.height) return {long_edge, scale(source.height)};
  return {scale(source.width), long_edge};
}

Size decoded_size(Size source, int eighths) {
  const auto side = [&](int length) { return static_cast<int>((int64_t{length} * eighths + 7) / 8); };
  return {side(source.width), side(source.height)};
}

int dct_scale_eighths(Size source, int long_edge) {
  const int longer = std::max(source.width, source.height);
  const int wanted = std::min(long_edge, longer);
  for (int eighths = 1; eighths < 8; ++eighths) {
    const Size decoded = decoded_size(source, eighths);
    if (std::max(decoded.width, decoded.height) >= wanted) return eighths;
  }
  return 8;
}

Image resize_area(const Image& source, Size size) {
  Image out;
  out.width = size.width;
  out.height = size.height;
  out.channels = source.channels;
  out.model = source.model;
  if (size.width == source.width && size.height == source.height) {
    out.pixels = source.pixels;
    return out;
  }
  out.pixels.resize(out.row_bytes() * static_cast<size_t>(out.height));
  if (source.channels == 1) {
    resize_channels<1>(source, out);
  } else {
    resize_channels<3>(source, out);
  }
  return out;
}

Size oriented_size(Size stored, int orientation) {
  if (orientation >= 5 && orientation <= 8) return {stored.height, stored.width};
  return stored;
}

bool changes_layout(int orientation) { return orientation >= 2 && orientation <= 8; }

Image apply_orientation(const Image& image, int orientation) {
  if (!changes_layout(orientation)) return image;
  const Size size = oriented_size({image.width, image.height}, orientation);
  const ptrdiff_t w = image.width, h = image.height;
  // Source pixel (x, y) goes to target pixel origin + x * dx + y * dy (counted in pixels).
  ptrdiff_t origin = 0, dx = 1, dy = w;
  switch (orientation) {
    case 2:
      origin = w - 1, dx = -1, dy = w;
      break;
    case 3:
      origin = (h - 1) * w + w - 1, dx = -1, dy = -w;
      break;
    case 4:
      origin = (h - 1) * w, dx = 1, dy = -w;
      break;
    case 5:
      origin = 0, dx = h, dy = 1;
      break;
    case 6:
      origin = h - 1, dx = h, dy = -1;
      break;
    case 7:
      origin = (w - 1) * h + h - 1, dx = -h, dy = -1;
      break;
    default:
      origin = (w - 1) * h, dx = -h, dy = 1;
      break;  // 8
  }
  Image out;
  out.width = size.width;
  out.height = size.height;
  out.channels = image.channels;
  out.model = image.model;
  out.pixels.resize(image.pixels.size());
  const ptrdiff_t c = image.channels;
  // In tiles, so that the quarter turns (whose writes stride a whole row apart) stay within the cache.
  constexpr ptrdiff_t kTile = 64;
  for (ptrdiff_t ty = 0; ty < h; ty += kTile) {
    for (ptrdiff_t tx = 0; tx < w; tx += kTile) {
      const ptrdiff_t y_end = std::min(h, ty + kTile), x_end = std::min(w, tx + kTile);
      for (ptrdiff_t y = ty; y < y_end; ++y) {
        const uint8_t* s = image.row(static_cast<int>(y)) + tx * c;
        ptrdiff_t d = origin + tx * dx + y * dy;
        for (ptrdiff_t x = tx; x < x_end; ++x, d += dx, s += c) {
          std::memcpy(out.pixels.data() + d * c, s, static_cast<size_t>(c));
        }
      }
    }
  }
  return out;
}

}  // namespace upgate::previews
