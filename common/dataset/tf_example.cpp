#include "common/dataset/tf_example.hpp"

#include <cstring>

namespace foresight {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A cursor over one message's bytes.
class Wire {
 public:
  explicit Wire(std::string_view bytes) : p_(bytes) {}
  bool done() const { return p_.empty(); }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_.empty()) throw std::runtime_error("truncated varint");
      const auto byte = static_cast<uint8_t>(p_.front());
      p_.remove_prefix(1);
      v |= uint64_t{byte & 0x7fu} << shift;
      if (!(byte & 0x80u)) return v;
    }
    throw std::runtime_error("varint longer than 10 bytes");
  }

  // (field number, wire type) of the next field.
  std::pair<uint32_t, uint32_t> tag() {
    const uint64_t t = varint();
    if (t >> 3 == 0 || t >> 3 > 0x1fffffff) throw std::runtime_error("invalid field number 0");
    return {static_cast<uint32_t>(t >> 3), static_cast<uint32_t>(t & 7)};
  }

  std::string_view bytes(std::size_t n) {
    if (n > p_.size()) throw std::runtime_error("a field runs past the end of its message");
    std::string_view out = p_.substr(0, n);
    p_.remove_prefix(n);
    return out;
  }
  std::string_view length_delimited() { return bytes(varint()); }

  float fixed32_float() {
    std::string_view b = bytes(4);
    uint32_t bits = static_cast<uint8_t>(b[0]) |
                    static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 8 |
                    static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 16 |
                    static_cast<uint32_t>(static_cast<uint8_t>(b[3])) << 24;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }

  void skip(uint32_t field, uint32_t wire_type) {
    switch (wire_type) {
      case kVarint:
        varint();
        return;
      case kFixed64:
        bytes(8);
        return;
      case kLengthDelimited:
        length_delimited();
        return;
      case kFixed32:
        bytes(4);
        return;
      default:
        throw std::runtime_error("field " + std::to_string(field) + " has wire type " +
                                 std::to_string(wire_type) + " (groups are not used by Example)");
    }
  }

 private:
  std::string_view p_;
};

void expect_type(uint32_t field, uint32_t got, uint32_t want, const char* what) {
  if (got != want) {
    throw std::runtime_error(std::string(what) + ": field " + std::to_string(field) +
                             " has wire type " + std::to_string(got) + ", expected " +
                             std::to_string(want));
  }
}

void parse_bytes_list(std::string_view msg, TfFeature& f) {
  f.kind = TfFeature::Kind::bytes;
  for (Wire w(msg); !w.done();) {
    auto [field, type] = w.tag();
    if (field != 1) {
      w.skip(field, type);
      continue;
    }
    expect_type(field, type, kLengthDelimited, "BytesList");
    f.bytes.emplace_back(w.length_delimited());
  }
}

void parse_float_list(std::string_view msg, TfFeature& f) {
  f.kind = TfFeature::Kind::floats;
  for (Wire w(msg); !w.done();) {
    auto [field, type] = w.tag();
    if (field != 1) {
      w.skip(field, type);
    } else if (type == kLengthDelimited) {  // packed
      std::string_view packed = w.length_delimited();
      if (packed.size() % 4 != 0) throw std::runtime_error("packed FloatList of odd length");
      for (Wire p(packed); !p.done();) f.floats.push_back(p.fixed32_float());
    } else {
      expect_type(field, type, kFixed32, "FloatList");
      f.floats.push_back(w.fixed32_float());
    }
  }
}

void parse_int64_list(std::string_view msg, TfFeature& f) {
  f.kind = TfFeature::Kind::int64s;
  for (Wire w(msg); !w.done();) {
    auto [field, type] = w.tag();
    if (field != 1) {
      w.skip(field, type);
    } else if (type == kLengthDelimited) {  // packed
      for (Wire p(w.length_delimited()); !p.done();) {
        f.int64s.push_back(static_cast<int64_t>(p.varint()));
      }
    } else {
      expect_type(field, type, kVarint, "Int64List");
      f.int64s.push_back(static_cast<int64_t>(w.varint()));
    }
  }
}

TfFeature parse_feature(std::string_view msg) {
  TfFeature f;
  for (Wire w(msg); !w.done();) {
    auto [field, type] = w.tag();
    if (field < 1 || field > 3) {
      w.skip(field, type);
      continue;
    }
    expect_type(field, type, kLengthDelimited, "Feature");
    f = TfFeature{};  // a oneof: the last member given wins
    std::string_view list = w.length_delimited();
    if (field == 1) parse_bytes_list(list, f);
    if (field == 2) parse_float_list(list, f);
    if (field == 3) parse_int64_list(list, f);
  }
  return f;
}

void parse_map_entry(std::string_view msg, TfExample& out) {
  std::string key;
  TfFeature value;
  for (Wire w(msg); !w.done();) {
    auto [field, type] = w.tag();
    if (field == 1) {
      expect_type(field, type, kLengthDelimited, "feature map key");
      key = std::string(w.length_delimited());
    } else if (field == 2) {
      expect_type(field, type, kLengthDelimited, "feature map value");
      value = parse_feature(w.length_delimited());
    } else {
      w.skip(field, type);
    }
  }
  out[key] = std::move(value);
}

}  // namespace

TfExample parse_tf_example(std::string_view bytes) {
  TfExample out;
  for (Wire example(bytes); !example.done();) {
    auto [field, type] = example.tag();
    if (field != 1) {
      example.skip(field, type);
      continue;
    }
    expect_type(field, type, kLengthDelimited, "Example");
    for (Wire features(example.length_delimited()); !features.done();) {
      auto [ffield, ftype] = features.tag();
      if (ffield != 1) {
        features.skip(ffield, ftype);
        continue;
      }
      expect_type(ffield, ftype, kLengthDelimited, "Features");
      parse_map_entry(features.length_delimited(), out);
    }
  }
  return out;
}

}  // namespace foresight
