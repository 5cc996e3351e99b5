// JPEG previews (contract section 10): from one JPEG's bytes, smaller JPEGs for galleries, "thumb" (long edge 400)
// and "web" (long edge 2048), with the EXIF orientation applied. Pure: bytes in, bytes out, failures as values.
//
// The JPEG is decoded once, with libjpeg's DCT scaling (1/8 ... 8/8) chosen so the decoded image is the smallest
// whose longer side still reaches the largest preview's: a 45-megapixel camera JPEG decodes to a 2048 x 1366
// bitmap (8 MB), never to its full 180 MB. Each preview is then downscaled from the smallest image already made
// that is at least its size (web from the decode, thumb from web), with an area filter, oriented, and encoded
// (baseline, 4:2:0, quality 82). The source's ICC profile, if it has one, is copied; nothing else of its
// metadata is (EXIF, GPS and maker notes stay with the original).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/failure.h"

namespace upgate::previews {

struct PreviewSpec {
  std::string name;   // the caller's label ("thumb", "web"), returned with the preview
  int long_edge = 0;  // the preview's longer side in pixels; a smaller source keeps its size (never upscaled)
};

// The contract's two previews: thumb (long edge 400) and web (long edge 2048).
std::vector<PreviewSpec> standard_specs();

// What one call may cost, checked from the JPEG's headers before anything large is allocated.
struct Limits {
  size_t max_input_bytes = size_t{64} << 20;  // the JPEG itself
  int max_side = 65500;                       // source width or height (libjpeg's own limit)
  int64_t max_pixels = 100'000'000;           // source width x height
  // libjpeg's own memory. A progressive (or otherwise multi-scan) JPEG must hold all its DCT coefficients,
  // 3 bytes per pixel at 4:2:0 and 6 at 4:4:4, whatever the scale: 64 MB admits a 21-megapixel 4:2:0
  // progressive file and refuses a 45-megapixel one (135 MB), which baseline camera JPEGs never need.
  size_t max_decoder_bytes = size_t{64} << 20;
  int max_scans = 64;        // a progressive file has about 10; thousands of empty scans are a known CPU sink
  int max_long_edge = 8192;  // the largest preview a spec may ask for
};

struct Preview {
  std::string name;
  int width = 0;  // as displayed, after orientation
  int height = 0;
  std::string jpeg;
};

struct PreviewSet {
  std::vector<Preview> previews;  // one per spec, in the specs' order
  int source_width = 0;           // the JPEG's frame size, as stored (before orientation)
  int source_height = 0;
  int decoded_width = 0;  // the DCT-scaled decode every preview was made from
  int decoded_height = 0;
  int scale_eighths = 8;  // that decode's scale, in eighths
};

// JPEG encoding quality of every preview (libjpeg's scale, 1-100).
constexpr int kPreviewQuality = 82;

// One JPEG preview per spec, oriented by orientation (EXIF 1-8; any other value is taken as 1, as viewers do).
// Failure codes, each with a sentence in its message:
//   not_a_jpeg            the bytes do not start as a JPEG does
//   truncated_jpeg        the file ends before its image does
//   corrupt_jpeg          libjpeg found the data malformed (its reason is in the message)
//   unsupported_jpeg      CMYK/YCCK, 12-bit, arithmetic-coded, lossless or hierarchical JPEG
//   image_too_large       over Limits (pixels, sides, decoder memory, scans, input size)
//   invalid_preview_spec  no specs, or a long edge outside 1..Limits::max_long_edge
Outcome<PreviewSet> make_previews(std::string_view jpeg, int orientation, const std::vector<PreviewSpec>& specs,
                                  const Limits& limits = {});

}  // namespace upgate::previews
