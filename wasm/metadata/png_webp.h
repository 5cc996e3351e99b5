// PNG (IHDR, and an eXIf chunk before the image data) and WebP (VP8X, VP8 or VP8L, and an EXIF chunk).
#pragma once
#include "metadata/context.h"

namespace upgate::metadata::detail {

// Each returns false when failed or incomplete.
bool parse_png(Context& cx, Found& out);
bool parse_webp(Context& cx, Found& out);

}  // namespace upgate::metadata::detail
