// "Its first bytes are a real file of the declared type" (contract section 5): file signatures per content type.
#pragma once
#include <string_view>

namespace upgate::magic {

// How many leading bytes matches_content_type needs to see.
constexpr int kHeadBytes = 16;

// True when head (the object's first bytes) starts like a file of content_type. JPEG, PNG, WebP, HEIC (ISO BMFF
// with a HEIF brand), TIFF and the TIFF-based raws (DNG, NEF, ARW; CR2 also carries "CR" at offset 8), and CR3
// (ISO BMFF with the "crx " brand). Unknown types never match.
bool matches_content_type(std::string_view content_type, std::string_view head);

}  // namespace upgate::magic
