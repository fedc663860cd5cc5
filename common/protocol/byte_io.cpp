#include "common/protocol/byte_io.hpp"

#include <cstring>
#include <limits>

#include "common/protocol/protocol_error.hpp"

namespace foresight::wire {

void ByteWriter::u16(uint16_t v) {
  u8(static_cast<uint8_t>(v));
  u8(static_cast<uint8_t>(v >> 8));
}

void ByteWriter::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}

void ByteWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}

void ByteWriter::f32(float v) {
  static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559,
                "the wire format needs IEEE-754 binary32 floats");
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);  // a scalar bit copy, not a struct layout
  u32(bits);
}

namespace {
uint32_t checked_count(std::size_t n, const char* what) {
  if (n > std::numeric_limits<uint32_t>::max())
    throw ProtocolError(ErrorCode::too_large, std::string(what) + " has more than 2^32-1 elements");
  return static_cast<uint32_t>(n);
}
}  // namespace

void ByteWriter::blob(const std::vector<uint8_t>& bytes) {
  u32(checked_count(bytes.size(), "byte field"));
  raw(bytes.data(), bytes.size());
}

void ByteWriter::str(const std::string& s) {
  u32(checked_count(s.size(), "string field"));
  raw(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void ByteWriter::floats(const std::vector<float>& values) {
  u32(checked_count(values.size(), "float vector"));
  for (float v : values) f32(v);
}

void ByteReader::fail(const std::string& what) const {
  throw ProtocolError(ErrorCode::malformed_payload, context_ + ": " + what);
}

void ByteReader::require(uint64_t count, uint64_t item_bytes, const char* field) const {
  // Division instead of multiplication: count * item_bytes may not fit in 64 bits.
  if (item_bytes != 0 && count > left_ / item_bytes)
    fail("'" + std::string(field) + "' claims " + std::to_string(count) + " items of " +
         std::to_string(item_bytes) + " bytes but only " + std::to_string(left_) +
         " payload bytes remain");
}

const uint8_t* ByteReader::take(std::size_t n, const char* field) {
  if (n > left_) fail("payload ends inside '" + std::string(field) + "'");
  const uint8_t* at = p_;
  p_ += n;
  left_ -= n;
  return at;
}

uint8_t ByteReader::u8(const char* field) { return *take(1, field); }

uint16_t ByteReader::u16(const char* field) {
  const uint8_t* b = take(2, field);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}

uint32_t ByteReader::u32(const char* field) {
  const uint8_t* b = take(4, field);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

uint64_t ByteReader::u64(const char* field) {
  const uint8_t* b = take(8, field);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

float ByteReader::f32(const char* field) {
  uint32_t bits = u32(field);
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::vector<uint8_t> ByteReader::blob(const char* field) {
  uint32_t n = u32(field);
  require(n, 1, field);
  const uint8_t* b = take(n, field);
  return {b, b + n};
}

std::string ByteReader::str(const char* field) {
  uint32_t n = u32(field);
  require(n, 1, field);
  const uint8_t* b = take(n, field);
  return {reinterpret_cast<const char*>(b), n};
}

std::vector<float> ByteReader::floats(const char* field) { return floats_n(u32(field), field); }

std::vector<float> ByteReader::floats_n(uint64_t count, const char* field) {
  require(count, 4, field);
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(count));
  for (uint64_t i = 0; i < count; ++i) out.push_back(f32(field));
  return out;
}

void ByteReader::finish() const {
  if (left_ != 0) fail(std::to_string(left_) + " unexpected bytes after the last field");
}

}  // namespace foresight::wire
