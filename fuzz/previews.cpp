// Fuzz target: JPEG previews (previews::make_previews) over hostile JPEG bytes.
//
// Input: the whole input is the JPEG (scripts/fuzz.sh bounds it at 4096 bytes); its last byte, modulo 9, is also
// the orientation asked for (a byte past the image's end changes nothing for libjpeg). Seeds in
// fuzz/corpus/previews: small baseline, progressive, 4:4:4, grey and restart-marker JPEGs.
//
// Limits are smaller than the defaults (4 megapixels, 16 MB of decoder memory, 16 scans), so one execution
// stays in milliseconds; the checks they drive are the same code as at the defaults.
//
// Invariants:
//  - the call returns, and a failure carries one of the documented codes and a message;
//  - on success there is one preview per spec, in order, named as asked; each preview's size is the source's
//    fitted to the spec's long edge (never larger than the source), with the sides swapped for orientations 5-8;
//  - each preview is itself a JPEG the engine decodes back to exactly that size.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "previews/image.h"
#include "previews/jpeg_codec.h"
#include "previews/previews.h"

using namespace upgate;
using namespace upgate::previews;

namespace {

const std::set<std::string> kCodes = {"not_a_jpeg",       "truncated_jpeg",  "corrupt_jpeg",
                                      "unsupported_jpeg", "image_too_large", "invalid_preview_spec"};

Limits fuzz_limits() {
  Limits limits;
  limits.max_pixels = 4'000'000;
  limits.max_decoder_bytes = size_t{16} << 20;
  limits.max_scans = 16;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view jpeg(reinterpret_cast<const char*>(data), size);
  const int orientation = size == 0 ? 1 : data[size - 1] % 9;
  static const std::vector<PreviewSpec> specs = {{"thumb", 40}, {"web", 160}};
  static const Limits limits = fuzz_limits();

  const Outcome<PreviewSet> made = make_previews(jpeg, orientation, specs, limits);
  if (!made.ok()) {
    FUZZ_CHECK(kCodes.count(made.failure().code) == 1, "unknown code " + made.failure().code);
    FUZZ_CHECK(!made.failure().message.empty(), made.failure().code);
    return 0;
  }
  const PreviewSet& set = made.value();
  FUZZ_CHECK(set.previews.size() == specs.size(), "preview count");
  FUZZ_CHECK(set.source_width >= 1 && set.source_height >= 1, "source size");
  FUZZ_CHECK(int64_t{set.source_width} * set.source_height <= limits.max_pixels, "pixel limit");
  for (size_t i = 0; i < specs.size(); ++i) {
    const Preview& preview = set.previews[i];
    const std::string where = preview.name + " of " + std::to_string(set.source_width) + "x" +
                              std::to_string(set.source_height) + " orientation " + std::to_string(orientation);
    FUZZ_CHECK(preview.name == specs[i].name, where);
    const Size expected =
        oriented_size(fitted_size({set.source_width, set.source_height}, specs[i].long_edge), orientation);
    FUZZ_CHECK(preview.width == expected.width && preview.height == expected.height,
               where + ": got " + std::to_string(preview.width) + "x" + std::to_string(preview.height));
    const Outcome<Decoded> back = decode_jpeg(preview.jpeg, 65500, Limits{});
    FUZZ_CHECK(back.ok(), where + ": the preview does not decode");
    FUZZ_CHECK(back.value().image.width == preview.width && back.value().image.height == preview.height, where);
  }
  return 0;
}
