// TIFF structures: the IFDs of a TIFF file or TIFF-based raw, or of an Exif block inside another format.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metadata/context.h"

namespace upgate::metadata::detail {

// Where a TIFF structure lies: its header at base, every offset in it counted from there, none reaching past
// size. name says what it is in reasons ("the file", "the Exif segment", "CR3 box CMT1").
struct TiffWindow {
  uint64_t base = 0;
  uint64_t size = 0;
  std::string name = "the file";
};

enum class TiffScope {
  Exif,      // IFD0 and its Exif IFD: the EXIF inside JPEG, HEIC, PNG, WebP
  File,      // a TIFF file or TIFF-based raw: also the IFD chain, SubIFDs, their image sizes and JPEG candidates
  Ifd0Only,  // CR3's CMT1: IFD0's fields, no pointers followed
  ExifOnly,  // CR3's CMT2: its IFD0 is an Exif IFD
  // A Nikon maker note's own TIFF structure (File scope reads it from the Exif IFD): its PreviewIFD's JPEG.
  NikonMakerNote,
};

// An image IFD (File scope): what says which image it is.
struct ImageIfd {
  std::string name;                       // "IFD0", "IFD1", "SubIFD1 of IFD0"
  std::optional<uint32_t> subfile_type;   // NewSubfileType
  std::optional<uint32_t> width, height;  // ImageWidth, ImageLength
};

struct TiffResult {
  ExifFields ifd0;                    // what IFD0 holds (CMT1 for CR3)
  ExifFields exif;                    // what the Exif IFD holds (CMT2 for CR3)
  std::vector<ImageIfd> images;       // File scope: IFD0, its SubIFDs, IFD1 and so on, in reading order
  std::vector<Candidate> candidates;  // File scope: JPEGs the image IFDs point at
  bool dng = false;                   // IFD0 has DNGVersion
  bool cr2 = false;                   // "CR" after the TIFF header
};

// Reads the structure into out. Returns false when it failed or is incomplete (see Context).
bool parse_tiff(Context& cx, const TiffWindow& window, TiffScope scope, TiffResult& out);

// The Exif IFD's values first, IFD0's where it has none; Make, Model, Orientation and DateTime from IFD0.
ExifFields merge_exif(const TiffResult& tiff);

// Text as EXIF stores it made presentable: up to the first NUL, without trailing blanks, invalid UTF-8 and
// control characters replaced by U+FFFD; nullopt when nothing is left.
std::optional<std::string> clean_text(std::string_view raw);

}  // namespace upgate::metadata::detail
