#include "previews/jpeg_codec.h"

// jpeglib.h expects size_t and FILE to be declared before it.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>
// After jpeglib.h, whose types it uses.
#include <jerror.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>

namespace upgate::previews {

namespace {

// How a libjpeg error gets out. libjpeg reports a fatal error by calling err->error_exit, which must not return;
// the library's own examples longjmp out of it. In this build that is not an option: Emscripten 3.1.6 implements
// setjmp/longjmp with JavaScript helpers (a module using them imports env.invoke_*, env.getTempRet0 and
// env._emscripten_throw_longjmp, checked with a probe), which the standalone module the Worker instantiates does
// not have. The core is already built with -fwasm-exceptions, so error_exit throws a JpegAbort instead, and the
// call that started libjpeg catches it: the throw unwinds through libjpeg's C frames (natively they are compiled
// with -fexceptions for their unwind tables; wasm exception handling needs nothing from them), which hold no
// resources of their own, all of libjpeg's memory being in its pools. What is left is exactly what a longjmp
// leaves, so the catch site destroys the libjpeg object as the libjpeg manual prescribes after a longjmp. No
// JpegAbort leaves this file: each public function catches it.
struct JpegAbort {
  Failure failure;
};

// What libjpeg's callbacks need, reached through cinfo->client_data.
struct Session {
  bool saw_eof = false;  // the data ran out and libjpeg read an inserted end marker
  int max_scans = 0;     // decoder only
  const jpeg_decompress_struct* decompress = nullptr;
  std::string* output = nullptr;  // encoder only
};

Session& session_of(j_common_ptr cinfo) { return *static_cast<Session*>(cinfo->client_data); }

std::string message_of(j_common_ptr cinfo) {
  std::array<char, JMSG_LENGTH_MAX> text{};
  (*cinfo->err->format_message)(cinfo, text.data());
  return text.data();
}

// libjpeg's sentence for corrupt data, as a failure; its warnings already begin "Corrupt JPEG data: ".
Failure corrupt(const std::string& text) {
  if (text.rfind("Corrupt JPEG data: ", 0) == 0) return {"corrupt_jpeg", "c" + text.substr(1)};
  return {"corrupt_jpeg", "corrupt JPEG: " + text};
}

const Failure& truncated() {
  static const Failure failure{"truncated_jpeg", "truncated JPEG: the file ends before its image does"};
  return failure;
}

Failure failure_for(j_common_ptr cinfo) {
  const Session& session = session_of(cinfo);
  const int code = cinfo->err->msg_code;
  std::string text = message_of(cinfo);
  if (code == JERR_NO_SOI) return {"not_a_jpeg", "not a JPEG: " + text};
  // Once the data has run out, whatever libjpeg stumbles on next is a consequence of the missing bytes.
  if (session.saw_eof) return truncated();
  switch (code) {
    case JERR_ARITH_NOTIMPL:  // built without arithmetic decoding
      return {"unsupported_jpeg", "arithmetic-coded JPEG not supported"};
    case JERR_BAD_PRECISION:
      return {"unsupported_jpeg", "only 8-bit JPEG is supported: " + text};
    case JERR_SOF_UNSUPPORTED:
      return {"unsupported_jpeg", "lossless or hierarchical JPEG not supported: " + text};
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
      return {"image_too_large", "JPEG too large: " + text};
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
      return {"image_too_large", "JPEG needs more memory to decode than the limit allows"};
    default:
      return corrupt(text);
  }
}

[[noreturn]] void on_error_exit(j_common_ptr cinfo) { throw JpegAbort{failure_for(cinfo)}; }

// Warnings (level -1) are where libjpeg reports damaged data it would otherwise paper over with grey. Running out
// of data alone is noted, not fatal: a file that merely lacks its final EOI marker decodes completely. Entropy
// data that is missing or undecodable fails at once, which also stops a damaged file's work early.
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level != -1) return;  // trace messages
  Session& session = session_of(cinfo);
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
      session.saw_eof = true;
      return;
    case JWRN_HIT_MARKER:  // "premature end of data segment": the scan's data stops short
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
      throw JpegAbort{session.saw_eof ? truncated() : corrupt(message_of(cinfo))};
    default:
      return;  // e.g. extraneous bytes before a marker, which camera files have and libjpeg skips
  }
}

void on_output_message(j_common_ptr) {}  // nothing is printed

// Progressive files: bound the number of scans (each one is a pass over the whole coefficient buffer).
void on_progress(j_common_ptr cinfo) {
  const Session& session = session_of(cinfo);
  if (session.decompress != nullptr && session.decompress->input_scan_number > session.max_scans) {
    throw JpegAbort{
        Failure{"image_too_large", "progressive JPEG with more than " + std::to_string(session.max_scans) + " scans"}};
  }
}

jpeg_error_mgr* install_error_manager(jpeg_error_mgr& err) {
  jpeg_std_error(&err);
  err.error_exit = on_error_exit;
  err.emit_message = on_emit_message;
  err.output_message = on_output_message;
  return &err;
}

std::string megabytes(uint64_t bytes) { return std::to_string((bytes + (1U << 20) - 1) >> 20) + " MB"; }

// The whole-image coefficient buffer libjpeg allocates for a multi-scan file (jdcoefct.c): per component, its
// blocks rounded up to whole MCUs, 64 coefficients of 2 bytes each.
uint64_t coefficient_bytes(const jpeg_decompress_struct& cinfo) {
  uint64_t total = 0;
  for (int i = 0; i < cinfo.num_components; ++i) {
    const jpeg_component_info& c = cinfo.comp_info[i];
    const auto round_up = [](uint64_t n, uint64_t m) { return m == 0 ? n : (n + m - 1) / m * m; };
    total += round_up(c.width_in_blocks, static_cast<uint64_t>(c.h_samp_factor)) *
             round_up(c.height_in_blocks, static_cast<uint64_t>(c.v_samp_factor)) * sizeof(JBLOCK);
  }
  return total;
}

struct DecompressGuard {
  jpeg_decompress_struct* cinfo;
  explicit DecompressGuard(jpeg_decompress_struct* object) : cinfo(object) {}
  DecompressGuard(const DecompressGuard&) = delete;
  DecompressGuard& operator=(const DecompressGuard&) = delete;
  ~DecompressGuard() { jpeg_destroy_decompress(cinfo); }  // safe on a never-created (zeroed) object too
};

struct CompressGuard {
  jpeg_compress_struct* cinfo;
  explicit CompressGuard(jpeg_compress_struct* object) : cinfo(object) {}
  CompressGuard(const CompressGuard&) = delete;
  CompressGuard& operator=(const CompressGuard&) = delete;
  ~CompressGuard() { jpeg_destroy_compress(cinfo); }
};

Outcome<Decoded> decode(jpeg_decompress_struct& cinfo, Session& session, std::string_view jpeg, int long_edge,
                        const Limits& limits, bool rgb) {
  jpeg_create_decompress(&cinfo);
  session.decompress = &cinfo;
  // A backstop for libjpeg's big allocations (the coefficient buffer); checked below before it is requested.
  cinfo.mem->max_memory_to_use = static_cast<long>(limits.max_decoder_bytes);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(jpeg.data()), static_cast<unsigned long>(jpeg.size()));
  jpeg_read_header(&cinfo, TRUE);  // a file without an image fails inside (JERR_NO_IMAGE)

  Decoded decoded;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      decoded.image.model = ColorModel::Gray;
      break;
    case JCS_YCbCr:
      cinfo.out_color_space = rgb ? JCS_RGB : JCS_YCbCr;
      decoded.image.model = rgb ? ColorModel::Rgb : ColorModel::YCbCr;
      break;
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      decoded.image.model = ColorModel::Rgb;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      return Failure{"unsupported_jpeg", "CMYK JPEG not supported"};
    default:
      return Failure{"unsupported_jpeg",
                     "JPEG with " + std::to_string(cinfo.num_components) + " colour components not supported"};
  }

  const Size source{static_cast<int>(cinfo.image_width), static_cast<int>(cinfo.image_height)};
  decoded.source = source;
  const std::string dimensions = std::to_string(source.width) + " x " + std::to_string(source.height);
  if (source.width > limits.max_side || source.height > limits.max_side) {
    return Failure{"image_too_large",
                   "JPEG of " + dimensions + " pixels: a side is over " + std::to_string(limits.max_side)};
  }
  if (int64_t{source.width} * source.height > limits.max_pixels) {
    return Failure{"image_too_large", "JPEG of " + dimensions + " pixels is over the limit of " +
                                          std::to_string(limits.max_pixels / 1'000'000) + " megapixels"};
  }
  if (jpeg_has_multiple_scans(&cinfo)) {
    const uint64_t needed = coefficient_bytes(cinfo);
    if (needed > limits.max_decoder_bytes) {
      return Failure{"image_too_large", "progressive JPEG of " + dimensions + " pixels needs " + megabytes(needed) +
                                            " to decode, over the limit of " + megabytes(limits.max_decoder_bytes)};
    }
  }

  decoded.eighths = dct_scale_eighths(source, long_edge);
  cinfo.scale_num = static_cast<unsigned int>(decoded.eighths);
  cinfo.scale_denom = 8;
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
  jpeg_progress_mgr progress{};
  progress.progress_monitor = on_progress;
  cinfo.progress = &progress;
  jpeg_start_decompress(&cinfo);  // a multi-scan file is read whole here

  Image& image = decoded.image;
  image.width = static_cast<int>(cinfo.output_width);
  image.height = static_cast<int>(cinfo.output_height);
  image.channels = cinfo.output_components;
  image.pixels.resize(image.row_bytes() * static_cast<size_t>(image.height));
  constexpr JDIMENSION kRowsPerCall = 16;
  std::array<JSAMPROW, kRowsPerCall> rows{};
  while (cinfo.output_scanline < cinfo.output_height) {
    const JDIMENSION first = cinfo.output_scanline;
    const JDIMENSION count = std::min(kRowsPerCall, cinfo.output_height - first);
    for (JDIMENSION i = 0; i < count; ++i) rows[i] = image.row(static_cast<int>(first + i));
    if (jpeg_read_scanlines(&cinfo, rows.data(), count) == 0) {
      return corrupt("the decoder stopped producing rows");
    }
  }
  // Not jpeg_finish_decompress: whatever follows the last row (trailing markers, garbage) does not matter here.
  decoded.icc = read_icc_profile(jpeg);
  return decoded;
}

// The encoder's output grows in a std::string: libjpeg fills the buffer, empty_output_buffer doubles it.
void on_init_destination(j_compress_ptr cinfo) {
  std::string& out = *session_of(reinterpret_cast<j_common_ptr>(cinfo)).output;
  cinfo->dest->next_output_byte = reinterpret_cast<JOCTET*>(out.data());
  cinfo->dest->free_in_buffer = out.size();
}

boolean on_empty_output_buffer(j_compress_ptr cinfo) {
  std::string& out = *session_of(reinterpret_cast<j_common_ptr>(cinfo)).output;
  const size_t used = out.size();  // libjpeg calls this only when the whole buffer is full
  out.resize(used * 2);
  cinfo->dest->next_output_byte = reinterpret_cast<JOCTET*>(out.data()) + used;
  cinfo->dest->free_in_buffer = out.size() - used;
  return TRUE;
}

void on_term_destination(j_compress_ptr cinfo) {
  std::string& out = *session_of(reinterpret_cast<j_common_ptr>(cinfo)).output;
  out.resize(out.size() - cinfo->dest->free_in_buffer);
}

std::string encode(jpeg_compress_struct& cinfo, Session& session, const Image& image, int quality,
                   std::string_view icc) {
  jpeg_create_compress(&cinfo);
  std::string out;
  // A first guess of a tenth of the raw size (quality 82 at 4:2:0 is usually less), at least 16 KB.
  out.resize(std::max<size_t>(size_t{16} << 10, image.pixels.size() / 10));
  session.output = &out;
  jpeg_destination_mgr destination{};
  destination.init_destination = on_init_destination;
  destination.empty_output_buffer = on_empty_output_buffer;
  destination.term_destination = on_term_destination;
  cinfo.dest = &destination;

  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.model == ColorModel::Gray    ? JCS_GRAYSCALE
                         : image.model == ColorModel::YCbCr ? JCS_YCbCr
                                                            : JCS_RGB;
  jpeg_set_defaults(&cinfo);  // YCbCr (grey for grey) with 4:2:0, baseline, a JFIF header
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  if (!icc.empty()) {
    jpeg_write_icc_profile(&cinfo, reinterpret_cast<const JOCTET*>(icc.data()), static_cast<unsigned int>(icc.size()));
  }
  constexpr JDIMENSION kRowsPerCall = 16;
  std::array<JSAMPROW, kRowsPerCall> rows{};
  while (cinfo.next_scanline < cinfo.image_height) {
    const JDIMENSION first = cinfo.next_scanline;
    const JDIMENSION count = std::min(kRowsPerCall, cinfo.image_height - first);
    // libjpeg's row pointers are not const; it only reads them.
    for (JDIMENSION i = 0; i < count; ++i) rows[i] = const_cast<JSAMPROW>(image.row(static_cast<int>(first + i)));
    jpeg_write_scanlines(&cinfo, rows.data(), count);
  }
  jpeg_finish_compress(&cinfo);
  return out;
}

uint16_t be16(std::string_view bytes, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(bytes[at]) << 8) | static_cast<uint8_t>(bytes[at + 1]));
}

}  // namespace

Outcome<Decoded> decode_jpeg(std::string_view jpeg, int long_edge, const Limits& limits, bool rgb) {
  if (jpeg.size() < 3 || jpeg.substr(0, 3) != "\xFF\xD8\xFF") {
    return Failure{"not_a_jpeg", "not a JPEG: it does not start with the JPEG start-of-image marker"};
  }
  if (jpeg.size() > limits.max_input_bytes) {
    return Failure{"image_too_large",
                   "JPEG of " + megabytes(jpeg.size()) + " is over the limit of " + megabytes(limits.max_input_bytes)};
  }
  Session session;
  session.max_scans = limits.max_scans;
  jpeg_error_mgr err{};
  jpeg_decompress_struct cinfo{};
  cinfo.err = install_error_manager(err);
  cinfo.client_data = &session;
  const DecompressGuard guard{&cinfo};
  try {
    return decode(cinfo, session, jpeg, long_edge, limits, rgb);
  } catch (const JpegAbort& abort) {
    return abort.failure;
  } catch (const std::bad_alloc&) {
    return Failure{"image_too_large", "not enough memory to decode the JPEG"};
  }
}

Outcome<std::string> encode_jpeg(const Image& image, int quality, std::string_view icc) {
  Session session;
  jpeg_error_mgr err{};
  jpeg_compress_struct cinfo{};
  cinfo.err = install_error_manager(err);
  cinfo.client_data = &session;
  const CompressGuard guard{&cinfo};
  try {
    return encode(cinfo, session, image, quality, icc);
  } catch (const JpegAbort& abort) {
    return abort.failure;
  } catch (const std::bad_alloc&) {
    return Failure{"image_too_large", "not enough memory to encode the preview"};
  }
}

std::string read_icc_profile(std::string_view jpeg) {
  constexpr std::string_view kSignature("ICC_PROFILE\0", 12);
  std::array<std::string_view, 256> chunks{};  // by sequence number, 1-based
  int expected = 0, found = 0;
  size_t total = 0;
  size_t at = 2;  // after SOI
  while (at + 4 <= jpeg.size() && static_cast<uint8_t>(jpeg[at]) == 0xFF) {
    const auto marker = static_cast<uint8_t>(jpeg[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;                 // SOS, EOI: the profile comes before the image data
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // markers without a length
      at += 2;
      continue;
    }
    const size_t length = be16(jpeg, at + 2);
    if (length < 2 || at + 2 + length > jpeg.size()) break;
    const std::string_view payload = jpeg.substr(at + 4, length - 2);
    if (marker == 0xE2 && payload.size() > kSignature.size() + 2 &&
        payload.substr(0, kSignature.size()) == kSignature) {
      const int sequence = static_cast<uint8_t>(payload[12]), count = static_cast<uint8_t>(payload[13]);
      if (count == 0 || (expected != 0 && count != expected) || sequence == 0 || sequence > count ||
          !chunks[static_cast<size_t>(sequence)].empty()) {
        return {};  // inconsistent chunks: no profile rather than a wrong one
      }
      expected = count;
      chunks[static_cast<size_t>(sequence)] = payload.substr(14);
      total += chunks[static_cast<size_t>(sequence)].size();
      ++found;
    }
    at += 2 + length;
  }
  if (found == 0 || found != expected || total > kMaxIccBytes) return {};
  std::string profile;
  profile.reserve(total);
  for (int i = 1; i <= expected; ++i) profile += chunks[static_cast<size_t>(i)];
  return profile;
}

}  // namespace upgate::previews
