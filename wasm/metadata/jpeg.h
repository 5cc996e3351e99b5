// JPEG marker segments: a JPEG file's Exif and frame header, and the frame header of an embedded JPEG.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "metadata/context.h"
#include "metadata/tiff.h"

namespace upgate::metadata::detail {

struct JpegFrame {
  uint8_t marker = 0;  // SOF0..SOF15
  uint32_t width = 0;
  uint32_t height = 0;  // 0 when the height comes later (a DNL marker)
  // Huffman baseline, extended or progressive, or arithmetic sequential/progressive: what libjpeg decodes.
  bool decodable() const {
    return marker == 0xC0 || marker == 0xC1 || marker == 0xC2 || marker == 0xC9 || marker == 0xCA;
  }
};

struct JpegScan {
  std::optional<JpegFrame> frame;
  std::optional<TiffWindow> exif;  // whole file: the first APP1 Exif segment's TIFF block
  std::string not_jpeg;            // set when the bytes are not a well-formed JPEG up to its frame header
};

// Walks the markers of the JPEG at [offset, offset + length) of the file. whole_file: a JPEG file, walked up
// to its scan (SOS) for its Exif segment and frame; otherwise an embedded JPEG, walked up to its frame.
// Returns false when bytes are missing (recorded in cx) or cx failed; otherwise out says what was found.
bool scan_jpeg(Context& cx, uint64_t offset, uint64_t length, bool whole_file, JpegScan& out);

}  // namespace upgate::metadata::detail
