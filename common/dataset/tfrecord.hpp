// TFRecord files (TensorFlow's record container) read without TensorFlow: each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of the length | data | uint32 masked
//   CRC-32C of the data
// (tensorflow/core/lib/io/record_writer.cc). Both checksums are verified.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace foresight {

// CRC-32C (Castagnoli) of data, and TFRecord's masking of it: rotate right by 15, add 0xa282ead8.
uint32_t crc32c(const void* data, std::size_t size, uint32_t crc = 0);
uint32_t masked_crc32c(const void* data, std::size_t size);

class TfRecordReader {
 public:
  // Opens `file`; throws DatasetError naming it when it cannot be read.
  explicit TfRecordReader(std::filesystem::path file);

  // Reads the next record into `data`; false at the clean end of the file. Throws DatasetError
  // "FILE: record N: ..." for a truncated record or a checksum mismatch (length or data).
  bool next(std::string& data);
  // Skips the next record without reading or checking its data (the length's checksum is
  // checked); false at the end. For counting records quickly.
  bool skip();
  // Index of the record the last next()/skip() returned (0-based).
  int64_t index() const { return index_ - 1; }
  const std::filesystem::path& file() const { return file_; }

 private:
  // Reads the length header; false at a clean end.
  bool read_length(uint64_t& length);
  [[noreturn]] void fail(const std::string& what) const;

  std::filesystem::path file_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in_;
  int64_t index_ = 0;
};

}  // namespace foresight
