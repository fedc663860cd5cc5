// Little-endian field readers/writers for the binary payload layouts (internal to the codec).
// Every multi-byte value is assembled byte by byte, so the wire format does not depend on the
// host's endianness, alignment or struct padding. The reader trusts no count: each length is
// checked against the bytes that remain, in 64-bit arithmetic, before anything is allocated.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace foresight::wire {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void f32(float v);  // IEEE-754 binary32, little-endian
  void raw(const uint8_t* data, std::size_t size) { out_.insert(out_.end(), data, data + size); }
  // u32 byte count + bytes. Throws ProtocolError(too_large) past 4 GiB - 1.
  void blob(const std::vector<uint8_t>& bytes);
  void str(const std::string& s);
  // u32 count + count f32 values.
  void floats(const std::vector<float>& values);

 private:
  std::vector<uint8_t>& out_;
};

// Reads one payload; `context` (the message type's name) prefixes every error message.
// All reads throw ProtocolError(malformed_payload) naming the field when the payload is too short.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, std::size_t size, std::string context)
      : p_(data), left_(size), context_(std::move(context)) {}
  uint8_t u8(const char* field);
  uint16_t u16(const char* field);
  uint32_t u32(const char* field);
  uint64_t u64(const char* field);
  int32_t i32(const char* field) { return static_cast<int32_t>(u32(field)); }
  float f32(const char* field);  // any bit pattern; finiteness is validate()'s job
  std::vector<uint8_t> blob(const char* field);
  std::string str(const char* field);
  std::vector<float> floats(const char* field);
  // Reads `count` floats with no count prefix (plan steps share one count).
  std::vector<float> floats_n(uint64_t count, const char* field);
  // Throws malformed_payload unless `count` items of `item_bytes` each fit in what is left.
  void require(uint64_t count, uint64_t item_bytes, const char* field) const;
  std::size_t remaining() const { return left_; }
  // Throws malformed_payload when bytes remain: version 1 layouts have no optional tail.
  void finish() const;

 private:
  [[noreturn]] void fail(const std::string& what) const;
  const uint8_t* take(std::size_t n, const char* field);
  const uint8_t* p_;
  std::size_t left_;
  std::string context_;
};

}  // namespace foresight::wire
