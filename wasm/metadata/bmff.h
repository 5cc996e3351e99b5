// ISO base media files: CR3 (Canon's CMT1/CMT2 TIFF boxes and its JPEGs: THMB, PRVW, the full-size JPEG
// track) and HEIC (the primary item's ispe and the Exif item, through iinf, iloc, iprp).
#pragma once
#include "metadata/context.h"

namespace upgate::metadata::detail {

// The file starts with an ftyp box. Returns false when failed or incomplete.
bool parse_bmff(Context& cx, Found& out);

}  // namespace upgate::metadata::detail
