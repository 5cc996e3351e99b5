// Byte/text encodings the core parses and produces: hex, strict base64url, and percent-encoding as S3 does it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace upgate::encoding {

std::string hex_encode(std::string_view bytes);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view hex);

// base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, characters outside the url-safe alphabet, a length of 1 mod 4, and non-zero
// trailing bits, so every token has exactly one accepted spelling.
std::optional<std::string> base64url_decode(std::string_view text);

// Standard base64 with padding, for the checksum header values S3 uses (x-amz-checksum-sha256).
std::string base64_encode(std::string_view bytes);
// Strict standard base64: padding required to a multiple of 4, no stray characters.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 3986 percent-encoding as SigV4 requires: unreserved characters (A-Z a-z 0-9 - . _ ~) stay, every
// other byte becomes %XX in upper case. When keep_slash is true, '/' stays (object key paths).
std::string uri_encode(std::string_view text, bool keep_slash);
// Decodes %XX; nullopt on a malformed escape. '+' stays '+' (S3 does not treat it as a space in paths).
std::optional<std::string> uri_decode(std::string_view text);

// Appends the UTF-8 encoding of a code point (up to U+10FFFF; the caller rules out surrogates if it must).
void append_utf8(std::string& out, uint32_t code_point);

// The UTF-8 sequence that starts at text[at], a byte of 0x80 or more (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF): its length and whether it is complete. An ill-formed one covers its
// maximal valid prefix, at least the lead byte (what one U+FFFD replaces, in Unicode's practice).
struct Utf8Sequence {
  size_t length;
  bool valid;
};
Utf8Sequence utf8_sequence_at(std::string_view text, size_t at);

}  // namespace upgate::encoding
