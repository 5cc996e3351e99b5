#include "naming/magic.h"

#include <array>

namespace upgate::magic {

namespace {

bool starts_with(std::string_view head, std::string_view prefix) { return head.substr(0, prefix.size()) == prefix; }

bool is_tiff(std::string_view head) {
  return starts_with(head, std::string_view("II*\0", 4)) || starts_with(head, std::string_view("MM\0*", 4));
}

// ISO base media file: a box of type "ftyp" first, whose major brand is one of brands.
template <size_t N>
bool is_bmff_with_brand(std::string_view head, const std::array<std::string_view, N>& brands) {
  if (head.size() < 12 || head.substr(4, 4) != "ftyp") return false;
  const std::string_view major = head.substr(8, 4);
  for (std::string_view brand : brands) {
    if (major == brand) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 8> kHeifBrands = {"heic", "heix", "hevc", "hevx",
                                                         "heim", "heis", "mif1", "msf1"};
constexpr std::array<std::string_view, 1> kCr3Brands = {"crx "};

}  // namespace

bool matches_content_type(std::string_view type, std::string_view head) {
  if (type == "image/jpeg") return starts_with(head, "\xFF\xD8\xFF");
  if (type == "image/png") return starts_with(head, "\x89PNG\r\n\x1A\n");
  if (type == "image/webp") return head.size() >= 12 && starts_with(head, "RIFF") && head.substr(8, 4) == "WEBP";
  if (type == "image/heic") return is_bmff_with_brand(head, kHeifBrands);
  if (type == "image/tiff" || type == "image/x-adobe-dng" || type == "image/x-nikon-nef" ||
      type == "image/x-sony-arw") {
    return is_tiff(head);
  }
  if (type == "image/x-canon-cr2") return is_tiff(head) && head.size() >= 10 && head.substr(8, 2) == "CR";
  if (type == "image/x-canon-cr3") return is_bmff_with_brand(head, kCr3Brands);
  return false;
}

}  // namespace upgate::magic
