#include "common/protocol/validation.hpp"

#include <cmath>
#include <string>

namespace foresight {

namespace {

[[noreturn]] void malformed(MessageType type, const std::string& what) {
  throw ProtocolError(ErrorCode::malformed_payload, to_string(type) + ": " + what);
}

void check_finite(MessageType type, const std::vector<float>& values, const std::string& field) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw ProtocolError(ErrorCode::non_finite, to_string(type) + ": field '" + field + "[" +
                                                     std::to_string(i) + "]' is not finite");
}

void check_text(MessageType type, const std::string& text, const char* field) {
  if (!is_valid_utf8(text)) malformed(type, std::string("field '") + field + "' is not UTF-8");
}

void check_image(MessageType type, const Image& image) {
  if (!image_encoding_from_string(to_string(image.encoding)))
    malformed(type, "field 'encoding' has unknown value " +
                        std::to_string(static_cast<unsigned>(image.encoding)));
  if (image.bytes.empty()) malformed(type, "field 'data' is empty");
  if (image.encoding != ImageEncoding::raw_rgb) return;
  if (image.width == 0 || image.height == 0)
    malformed(type, "raw_rgb needs 'width' and 'height' > 0");
  // width*height*3 can exceed 64 bits for hostile values; compare by division instead.
  const uint64_t n = image.bytes.size();
  if (n % 3 != 0 || (n / 3) % image.width != 0 || (n / 3) / image.width != image.height)
    malformed(type, "raw_rgb 'data' has " + std::to_string(n) +
                        " bytes, expected width*height*3 = " + std::to_string(image.width) + "*" +
                        std::to_string(image.height) + "*3");
}

struct Validator {
  void operator()(const Hello& m) const {
    if (!client_role_from_string(to_string(m.role)))
      malformed(m.kType,
                "field 'role' has unknown value " + std::to_string(static_cast<unsigned>(m.role)));
    check_text(m.kType, m.client_name, "client");
    check_text(m.kType, m.token, "token");
  }
  void operator()(const Metadata& m) const {
    if (!m.model.is_object()) malformed(m.kType, "field 'metadata' must be a JSON object");
  }
  void operator()(const Telemetry& m) const {
    check_finite(m.kType, m.action, "action");
    check_finite(m.kType, m.position, "position");
  }
  void operator()(const Frame& m) const {
    if (!frame_kind_from_string(to_string(m.kind)))
      malformed(m.kType,
                "field 'kind' has unknown value " + std::to_string(static_cast<unsigned>(m.kind)));
    check_image(m.kType, m.image);
  }
  void operator()(const Plan& m) const {
    if (m.steps.empty()) return;
    const std::size_t a = m.steps.front().action.size();
    const std::size_t p = m.steps.front().position.size();
    // Zero-width steps would let a tiny payload claim billions of steps.
    if (a + p == 0) malformed(m.kType, "steps have neither 'actions' nor 'positions' values");
    for (std::size_t i = 0; i < m.steps.size(); ++i) {
      const PlanStep& s = m.steps[i];
      const std::string at = "[" + std::to_string(i) + "]";
      if (s.action.size() != a)
        malformed(m.kType, "field 'actions" + at + "' has " + std::to_string(s.action.size()) +
                               " values, step 0 has " + std::to_string(a));
      if (s.position.size() != p)
        malformed(m.kType, "field 'positions" + at + "' has " + std::to_string(s.position.size()) +
                               " values, step 0 has " + std::to_string(p));
      check_finite(m.kType, s.action, "actions" + at);
      check_finite(m.kType, s.position, "positions" + at);
    }
  }
  void operator()(const Prediction& m) const {
    if (m.k == 0) malformed(m.kType, "field 'k' must be >= 1");
    if (m.sample < Prediction::kStdSample)
      malformed(m.kType, "field 'sample' must be >= 0, mean (-1) or std (-2)");
    check_image(m.kType, m.image);
  }
  void operator()(const Reset&) const {}
  void operator()(const Subscribe&) const {}
  void operator()(const ErrorMessage& m) const { check_text(m.kType, m.message, "message"); }
  void operator()(const Bye&) const {}
};

}  // namespace

void validate(const Message& body) { std::visit(Validator{}, body); }

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string printable_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c >= 0x80 && i + len <= text.size() && is_valid_utf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
    } else if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
      len = 1;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      len = 1;
    }
    i += len;
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace foresight
