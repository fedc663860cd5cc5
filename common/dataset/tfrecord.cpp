#include "common/dataset/tfrecord.hpp"

#include <array>

#include "common/dataset/sequence_reader.hpp"

namespace foresight {
namespace {

// A record longer than this is taken for a corrupt length (a BAIR record is about 1.5 MB).
constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 30;

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
    table[i] = c;
  }
  return table;
}

uint32_t read_le32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

uint32_t crc32c(const void* data, std::size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = make_table();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
  return ~crc;
}

uint32_t masked_crc32c(const void* data, std::size_t size) {
  const uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

TfRecordReader::TfRecordReader(std::filesystem::path file)
    : file_(std::move(file)), in_(std::fopen(file_.c_str(), "rb"), &std::fclose) {
  if (!in_) throw DatasetError(file_.string() + ": cannot open");
}

void TfRecordReader::fail(const std::string& what) const {
  throw DatasetError(file_.string() + ": record " + std::to_string(index_) + ": " + what);
}

bool TfRecordReader::read_length(uint64_t& length) {
  unsigned char header[12];
  const std::size_t got = std::fread(header, 1, sizeof header, in_.get());
  if (got == 0 && std::feof(in_.get())) return false;
  if (got != sizeof header) fail("truncated (the file ends inside the length header)");
  length = 0;
  for (int i = 7; i >= 0; --i) length = length << 8 | header[i];
  if (read_le32(header + 8) != masked_crc32c(header, 8)) {
    fail("checksum mismatch of the length (a corrupt or truncated file)");
  }
  if (length > kMaxRecordBytes) fail("length " + std::to_string(length) + " is implausible");
  return true;
}

bool TfRecordReader::next(std::string& data) {
  uint64_t length = 0;
  if (!read_length(length)) return false;
  data.resize(length);
  unsigned char footer[4];
  if (std::fread(data.data(), 1, length, in_.get()) != length) {
    fail("truncated (the file ends inside the data: want " + std::to_string(length) + " bytes)");
  }
  if (std::fread(footer, 1, sizeof footer, in_.get()) != sizeof footer) {
    fail("truncated (the file ends before the data's checksum)");
  }
  if (read_le32(footer) != masked_crc32c(data.data(), data.size())) {
    fail("checksum mismatch of the data (a corrupt file)");
  }
  ++index_;
  return true;
}

bool TfRecordReader::skip() {
  uint64_t length = 0;
  if (!read_length(length)) return false;
  if (std::fseek(in_.get(), static_cast<long>(length + 4), SEEK_CUR) != 0) fail("cannot seek");
  ++index_;
  return true;
}

}  // namespace foresight
