#include "metadata/png_webp.h"

#include "metadata/tiff.h"

namespace upgate::metadata::detail {

namespace {

// An Exif block in a chunk: the TIFF structure, possibly after an "Exif\0\0" prefix some writers add.
bool chunk_exif(Context& cx, uint64_t pos, uint64_t length, const char* name, Found& out) {
  if (length > limits::kMaxExifBytes) {
    return cx.fail(std::string(name) + " is " + num(length) + " bytes (more than " + num(limits::kMaxExifBytes) +
                   " are not read)");
  }
  if (length >= 6) {
    auto prefix = cx.bytes(pos, 6);
    if (!prefix) return false;
    if (*prefix == std::string_view("Exif\0\0", 6)) {
      pos += 6;
      length -= 6;
    }
  }
  TiffResult tiff;
  if (!parse_tiff(cx, TiffWindow{pos, length, name}, TiffScope::Exif, tiff)) return false;
  out.exif = merge_exif(tiff);
  return true;
}

uint32_t le24(std::string_view b, size_t pos) {
  return le16(b, pos) | (static_cast<uint32_t>(static_cast<uint8_t>(b[pos + 2])) << 16);
}

}  // namespace

bool parse_png(Context& cx, Found& out) {
  out.format = Format::Png;
  out.no_preview_reason = "a PNG has no embedded JPEG preview, and Upgate makes previews only from JPEG";
  int chunks = 0;
  for (uint64_t pos = 8; pos < cx.file_size();) {
    if (!cx.count(chunks, limits::kMaxChunks, "PNG chunks before the image data")) return false;
    if (cx.file_size() - pos < 12)
      return cx.fail("the PNG chunk at offset " + num(pos) + " runs past the end of the file");
    auto head = cx.bytes(pos, 8);
    if (!head) return false;
    const uint32_t length = be32(*head, 0);
    const std::string_view type = head->substr(4, 4);
    if (length > 0x7FFFFFFF || length > cx.file_size() - pos - 12) {
      return cx.fail("the PNG chunk at offset " + num(pos) + " (" + num(length) +
                     " bytes) runs past the end of the file");
    }
    if (pos == 8) {
      if (type != "IHDR" || length < 8) return cx.fail("the PNG file does not start with its IHDR chunk");
      auto ihdr = cx.bytes(pos + 8, 8);
      if (!ihdr) return false;
      if (be32(*ihdr, 0) > 0 && be32(*ihdr, 4) > 0) {
        out.width = be32(*ihdr, 0);
        out.height = be32(*ihdr, 4);
      }
    } else if (type == "eXIf") {
      return chunk_exif(cx, pos + 8, length, "the PNG eXIf chunk", out);
    } else if (type == "IDAT" || type == "IEND") {
      return true;  // an eXIf chunk after the image data is not looked for
    }
    pos += 12 + static_cast<uint64_t>(length);
  }
  return true;
}

bool parse_webp(Context& cx, Found& out) {
  out.format = Format::Webp;
  out.no_preview_reason = "a WebP has no embedded JPEG preview, and Upgate makes previews only from JPEG";
  auto riff = cx.bytes(0, 12);
  if (!riff) return false;
  const uint64_t riff_end = 8 + static_cast<uint64_t>(le32(*riff, 4));
  if (riff_end > cx.file_size()) {
    return cx.fail("the WebP's RIFF size (" + num(riff_end) + " bytes) runs past the end of the file");
  }
  int chunks = 0;
  bool extended = false;
  for (uint64_t pos = 12; pos < riff_end;) {
    if (!cx.count(chunks, limits::kMaxChunks, "WebP chunks")) return false;
    if (riff_end - pos < 8)
      return cx.fail("the WebP chunk at offset " + num(pos) + " runs past the end of the RIFF data");
    auto head = cx.bytes(pos, 8);
    if (!head) return false;
    const std::string_view type = head->substr(0, 4);
    const uint64_t length = le32(*head, 4);
    if (length > riff_end - pos - 8) {
      return cx.fail("the WebP chunk at offset " + num(pos) + " (" + num(length) +
                     " bytes) runs past the end of the RIFF data");
    }
    const uint64_t body = pos + 8;
    if (type == "VP8X" && pos == 12) {
      if (length < 10) return cx.fail("the WebP VP8X chunk is too short");
      auto f = cx.bytes(body, 10);
      if (!f) return false;
      out.width = 1 + le24(*f, 4);
      out.height = 1 + le24(*f, 7);
      if ((static_cast<uint8_t>((*f)[0]) & 0x08) == 0) return true;  // no EXIF flag
      extended = true;
    } else if (type == "VP8 " && !out.width) {
      if (length < 10) return cx.fail("the WebP VP8 chunk is too short");
      auto f = cx.bytes(body, 10);
      if (!f) return false;
      if (f->substr(3, 3) != "\x9d\x01\x2a") return cx.fail("the WebP VP8 chunk has no frame start code");
      out.width = le16(*f, 6) & 0x3FFF;
      out.height = le16(*f, 8) & 0x3FFF;
    } else if (type == "VP8L" && !out.width) {
      if (length < 5) return cx.fail("the WebP VP8L chunk is too short");
      auto f = cx.bytes(body, 5);
      if (!f) return false;
      if (static_cast<uint8_t>((*f)[0]) != 0x2F) return cx.fail("the WebP VP8L chunk has no signature");
      const uint32_t bits = le32(*f, 1);
      out.width = (bits & 0x3FFF) + 1;
      out.height = ((bits >> 14) & 0x3FFF) + 1;
    } else if (type == "EXIF" && extended) {
      return chunk_exif(cx, body, length, "the WebP EXIF chunk", out);
    }
    if (!extended) return true;  // the simple formats hold one image chunk and nothing else
    pos = body + length + (length & 1);
  }
  return true;
}

}  // namespace upgate::metadata::detail
