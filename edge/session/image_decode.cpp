#include "edge/session/image_decode.hpp"

#include <jpeglib.h>
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <string>

#include "common/protocol/protocol_error.hpp"

namespace foresight {
namespace {

// A library's message, printable ASCII only and short: it may quote bytes of the input.
std::string clean(const char* text) {
  std::string out;
  for (const char* p = text; *p && out.size() < 80; ++p) {
    out += (*p >= 0x20 && *p < 0x7f) ? *p : '?';
  }
  return out;
}

[[noreturn]] void refuse(const std::string& what) {
  throw ProtocolError(ErrorCode::malformed_payload, "frame: " + what);
}

void check_pixels(const char* format, uint64_t width, uint64_t height, uint64_t max_pixels) {
  if (width == 0 || height == 0) refuse(std::string(format) + " header has a zero size");
  if (width * height > max_pixels) {
    refuse(std::string(format) + " of " + std::to_string(width) + "x" + std::to_string(height) +
           " is more than the " + std::to_string(max_pixels) +
           " pixels accepted (--max-frame-pixels)");
  }
}

// libjpeg reports errors through callbacks: error_exit must not return, so it longjmps back to
// decode_into; messages (warnings about corrupt data included) are kept, never printed.
struct QuietJpegErrors {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<QuietJpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpeg_quiet(j_common_ptr /*cinfo*/) {}  // warnings: libjpeg recovers, the frame is usable

struct JpegResult {
  cv::Mat rgb;
  uint64_t width = 0, height = 0;
  bool too_large = false;
};

// Only plain C state lives in this frame across setjmp; the image lives in *out.
bool decode_into(const uint8_t* data, std::size_t size, uint64_t max_pixels, JpegResult* out,
                 QuietJpegErrors* err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->pub);
  err->pub.error_exit = jpeg_fail;
  err->pub.output_message = jpeg_quiet;
  err->message[0] = '\0';
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  out->width = cinfo.image_width;
  out->height = cinfo.image_height;
  if (out->width == 0 || out->height == 0 || out->width * out->height > max_pixels) {
    out->too_large = true;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out->rgb.create(static_cast<int>(cinfo.output_height), static_cast<int>(cinfo.output_width),
                  CV_8UC3);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->rgb.ptr<uint8_t>(static_cast<int>(cinfo.output_scanline));
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

cv::Mat decode_png_rgb(const uint8_t* data, std::size_t size, uint64_t max_pixels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  // The simplified API reports through image.message and never prints.
  if (!png_image_begin_read_from_memory(&image, data, size)) {
    refuse("the png does not decode (" + clean(image.message) + ")");
  }
  try {
    check_pixels("png", image.width, image.height, max_pixels);
  } catch (...) {
    png_image_free(&image);
    throw;
  }
  image.format = PNG_FORMAT_RGB;
  cv::Mat rgb(static_cast<int>(image.height), static_cast<int>(image.width), CV_8UC3);
  if (!png_image_finish_read(&image, nullptr, rgb.data, static_cast<png_int_32>(rgb.step[0]),
                             nullptr)) {
    const std::string why = clean(image.message);
    png_image_free(&image);
    refuse("the png does not decode (" + why + ")");
  }
  return rgb;
}

cv::Mat decode_jpeg_rgb(const uint8_t* data, std::size_t size, uint64_t max_pixels) {
  JpegResult out;
  QuietJpegErrors err;
  if (decode_into(data, size, max_pixels, &out, &err)) return out.rgb;
  if (out.too_large) check_pixels("jpeg", out.width, out.height, max_pixels);
  refuse("the jpeg does not decode (" + clean(err.message) + ")");
}

}  // namespace foresight
