// libjpeg-turbo behind value-returning calls: a DCT-scaled decode and a baseline encode. No libjpeg error ever
// leaves this pair as anything but a Failure (jpeg_codec.cpp explains how its error_exit unwinds).
#pragma once
#include <string>
#include <string_view>

#include "previews/image.h"
#include "previews/previews.h"
#include "util/failure.h"

namespace upgate::previews {

struct Decoded {
  Image image;
  Size source;      // the frame's size as stored
  int eighths = 8;  // the DCT scale the image was decoded at
  std::string icc;  // the source's ICC profile (APP2 chunks joined), empty when it has none
};

// Decodes at the DCT scale dct_scale_eighths(source, long_edge) picks. A YCbCr JPEG stays YCbCr unless rgb is
// set; grey stays grey; an RGB JPEG is RGB. Limits are checked from the headers before the decode allocates.
Outcome<Decoded> decode_jpeg(std::string_view jpeg, int long_edge, const Limits& limits, bool rgb = false);

// Baseline JPEG, 4:2:0 (or grey), optimised Huffman tables, the given quality; icc (if any) written as APP2.
Outcome<std::string> encode_jpeg(const Image& image, int quality, std::string_view icc = {});

// The ICC profile a JPEG carries in its APP2 "ICC_PROFILE" chunks before the first scan, joined in sequence
// order; empty when there is none, when the chunks are inconsistent, or when it is over kMaxIccBytes.
constexpr size_t kMaxIccBytes = size_t{1} << 20;
std::string read_icc_profile(std::string_view jpeg);

}  // namespace upgate::previews
