#include "previews/previews.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "previews/image.h"
#include "previews/jpeg_codec.h"

namespace upgate::previews {

std::vector<PreviewSpec> standard_specs() { return {{"thumb", 400}, {"web", 2048}}; }

Outcome<PreviewSet> make_previews(std::string_view jpeg, int orientation, const std::vector<PreviewSpec>& specs,
                                  const Limits& limits) {
  if (specs.empty()) return Failure{"invalid_preview_spec", "no previews were asked for"};
  int largest = 0;
  for (const PreviewSpec& spec : specs) {
    if (spec.long_edge < 1 || spec.long_edge > limits.max_long_edge) {
      return Failure{"invalid_preview_spec", "preview \"" + spec.name + "\": a long edge of " +
                                                 std::to_string(spec.long_edge) + " is outside 1.." +
                                                 std::to_string(limits.max_long_edge)};
    }
    largest = std::max(largest, spec.long_edge);
  }

  Outcome<Decoded> decoded = decode_jpeg(jpeg, largest, limits);
  if (!decoded) return decoded.failure();
  Decoded& source = decoded.value();

  PreviewSet set;
  set.source_width = source.source.width;
  set.source_height = source.source.height;
  set.decoded_width = source.image.width;
  set.decoded_height = source.image.height;
  set.scale_eighths = source.eighths;
  set.previews.resize(specs.size());

  // Largest first, each from the smallest image made so far that is still at least its size: web from the
  // decode, thumb from web. Sizes come from the source's own proportions, not the decode's rounded ones.
  std::vector<size_t> order(specs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return specs[a].long_edge > specs[b].long_edge; });
  Image previous = std::move(source.image);
  for (size_t index : order) {
    const PreviewSpec& spec = specs[index];
    const Size size = fitted_size(source.source, spec.long_edge);
    // Never larger than what was decoded (only possible by a pixel's rounding when the decode is the source).
    const Size bounded{std::min(size.width, previous.width), std::min(size.height, previous.height)};
    if (bounded.width != previous.width || bounded.height != previous.height) {
      previous = resize_area(previous, bounded);
    }
    Image oriented;
    if (changes_layout(orientation)) oriented = apply_orientation(previous, orientation);
    const Image& image = changes_layout(orientation) ? oriented : previous;
    Outcome<std::string> encoded = encode_jpeg(image, kPreviewQuality, source.icc);
    if (!encoded) return encoded.failure();
    Preview& preview = set.previews[index];
    preview.name = spec.name;
    preview.width = image.width;
    preview.height = image.height;
    preview.jpeg = std::move(encoded.value());
  }
  return set;
}

}  // namespace upgate::previews
