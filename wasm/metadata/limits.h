// The caps that bound one answer's work and memory, whatever the file says. A file past one of them fails
// with a reason naming it; real camera files stay far below each.
#pragma once
#include <cstdint>

namespace upgate::metadata::limits {

// TIFF/EXIF.
constexpr int kMaxIfds = 64;                 // IFDs read in one TIFF structure (IFD chain, SubIFDs, Exif IFD)
constexpr uint32_t kMaxIfdEntries = 1000;    // entries in one IFD
constexpr int kMaxIfdDepth = 4;              // SubIFDs within SubIFDs
constexpr uint32_t kMaxSubIfds = 16;         // offsets in one SubIFDs tag
constexpr uint32_t kMaxTextBytes = 256;      // bytes of a text value kept (Make, Model, LensModel, dates)
constexpr uint64_t kMaxExifBytes = 1 << 20;  // an Exif block that is not part of a TIFF file (HEIC, PNG, WebP)

// JPEG.
constexpr int kMaxJpegSegments = 512;            // marker segments (and fill bytes) before the scan (SOS)
constexpr uint64_t kJpegReadAhead = 256 * 1024;  // a JPEG file's segments: at least three of the largest per fetch

// ISO BMFF.
constexpr int kMaxBoxDepth = 10;
constexpr int kMaxBoxes = 4096;                 // boxes looked at in one file
constexpr uint64_t kMaxMetaBoxBytes = 4 << 20;  // HEIC meta, CR3 moov: read whole

// PNG and WebP.
constexpr int kMaxChunks = 1024;

// Preview candidates probed for their frame header.
constexpr int kMaxPreviewCandidates = 16;

// How far past a needed structure a fetch reaches, so neighbouring structures come in the same round.
constexpr uint64_t kReadAhead = 64 * 1024;

}  // namespace upgate::metadata::limits
