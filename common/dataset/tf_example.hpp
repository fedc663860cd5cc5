// tf.train.Example decoded from the protobuf wire format, without protobuf or TensorFlow:
//   Example { Features features = 1; }  Features { map<string, Feature> feature = 1; }
//   Feature { oneof { BytesList bytes_list = 1; FloatList float_list = 2;
//                     Int64List int64_list = 3; } }
//   BytesList { repeated bytes value = 1; }  FloatList { repeated float value = 1 [packed]; }
//   Int64List { repeated int64 value = 1 [packed]; }
// (tensorflow/core/example/{example,feature}.proto). Map entries may come in any order (key and
// value too; a repeated key: the last wins), packed and unpacked lists are both read, unknown
// fields are skipped by their wire type.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace foresight {

struct TfFeature {
  enum class Kind { none, bytes, floats, int64s } kind = Kind::none;
  std::vector<std::string> bytes;
  std::vector<float> floats;
  std::vector<int64_t> int64s;
};

using TfExample = std::map<std::string, TfFeature, std::less<>>;

// Throws std::runtime_error with a one-line reason ("truncated varint", "field 1 has wire type 3")
// when the bytes are not a well-formed Example; the caller adds the file and record.
TfExample parse_tf_example(std::string_view bytes);

}  // namespace foresight
