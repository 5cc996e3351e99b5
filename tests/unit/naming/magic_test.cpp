#include <doctest/doctest.h>

#include <string>

#include "naming/magic.h"

using upgate::magic::matches_content_type;

namespace {
std::string bytes(const char* data, size_t size) { return std::string(data, size); }
const std::string kJpeg = bytes("\xFF\xD8\xFF\xE0\0\x10JFIF\0", 11);
const std::string kPng = bytes("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16);
const std::string kWebp = bytes("RIFF\x24\0\0\0WEBPVP8 ", 16);
const std::string kHeic = bytes(
    "\0\0\0\x18"
    "ftypheic\0\0\0\0",
    16);
const std::string kTiffLe = bytes("II*\0\x08\0\0\0", 8);
const std::string kTiffBe = bytes("MM\0*\0\0\0\x08", 8);
const std::string kCr2 = bytes("II*\0\x10\0\0\0CR\x02\0", 12);
const std::string kCr3 = bytes(
    "\0\0\0\x18"
    "ftypcrx \0\0\0\x01",
    16);
}  // namespace

TEST_CASE("each declared type accepts its own signature") {
  CHECK(matches_content_type("image/jpeg", kJpeg));
  CHECK(matches_content_type("image/png", kPng));
  CHECK(matches_content_type("image/webp", kWebp));
  CHECK(matches_content_type("image/heic", kHeic));
  CHECK(matches_content_type("image/tiff", kTiffLe));
  CHECK(matches_content_type("image/tiff", kTiffBe));
  CHECK(matches_content_type("image/x-adobe-dng", kTiffLe));
  CHECK(matches_content_type("image/x-nikon-nef", kTiffBe));
  CHECK(matches_content_type("image/x-sony-arw", kTiffLe));
  CHECK(matches_content_type("image/x-canon-cr2", kCr2));
  CHECK(matches_content_type("image/x-canon-cr3", kCr3));
}

TEST_CASE("a signature of another type, text, or too few bytes is refused") {
  CHECK_FALSE(matches_content_type("image/jpeg", kPng));
  CHECK_FALSE(matches_content_type("image/png", kJpeg));
  CHECK_FALSE(matches_content_type("image/webp", bytes("RIFF\x24\0\0\0WAVEfmt ", 16)));
  CHECK_FALSE(matches_content_type("image/heic", kCr3));
  CHECK_FALSE(matches_content_type("image/x-canon-cr3", kHeic));
  CHECK_FALSE(matches_content_type("image/x-canon-cr2", kTiffLe));  // TIFF without the CR marker
  CHECK_FALSE(matches_content_type("image/tiff", "not an image at all"));
  CHECK_FALSE(matches_content_type("image/jpeg", "\xFF\xD8"));
  CHECK_FALSE(matches_content_type("image/jpeg", ""));
  CHECK_FALSE(matches_content_type("application/pdf", "%PDF-1.7"));
}
