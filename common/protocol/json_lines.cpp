#include "common/protocol/json_lines.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "common/protocol/base64.hpp"
#include "common/protocol/bounded_json.hpp"
#include "common/protocol/validation.hpp"

namespace foresight {

namespace {

using nlohmann::json;

// Reads the members of one line's object, naming the field in every error and remembering which
// members were read so that a misspelt one ("postion") is reported rather than silently ignored.
class Fields {
 public:
  Fields(const json& object, std::string context) : obj_(object), context_(std::move(context)) {}

  void set_context(std::string context) { context_ = std::move(context); }

  const json* find(const char* key) {
    used_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }

  const json& need(const char* key) {
    if (const json* v = find(key)) return *v;
    fail(key, "is missing");
  }

  uint64_t number(const char* key, uint64_t max, std::optional<uint64_t> fallback) {
    const json* v = fallback ? find(key) : &need(key);
    return v ? to_uint(*v, max, key) : *fallback;
  }

  bool boolean(const char* key, bool fallback) {
    const json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) fail(key, "must be true or false");
    return v->get<bool>();
  }

  std::string text(const char* key, std::optional<std::string> fallback) {
    const json* v = fallback ? find(key) : &need(key);
    if (!v) return *fallback;
    if (!v->is_string()) fail(key, "must be a string");
    return v->get<std::string>();
  }

  std::vector<float> floats(const json& v, const std::string& field) {
    if (!v.is_array()) fail(field, "must be an array of numbers");
    std::vector<float> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      out.push_back(to_float(v[i], field + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::vector<float> floats(const char* key) { return floats(need(key), key); }

  std::vector<uint8_t> base64(const char* key) {
    const std::string s = text(key, std::nullopt);
    auto bytes = base64_decode(s);
    if (!bytes) fail(key, "is not valid padded base64");
    return std::move(*bytes);
  }

  uint64_t to_uint(const json& v, uint64_t max, const std::string& field) {
    uint64_t u = 0;
    if (v.is_number_unsigned()) {
      u = v.get<uint64_t>();
    } else if (v.is_number_integer()) {
      fail(field, "must be >= 0");
    } else if (v.is_number_float()) {
      const double d = v.get<double>();
      // 0x1p64 is 2^64: the first double beyond uint64_t, so the cast below is defined.
      if (!(d >= 0 && d < 0x1p64 && std::floor(d) == d))
        fail(field, "must be a non-negative integer");
      u = static_cast<uint64_t>(d);
    } else {
      fail(field, "must be a number");
    }
    if (u > max) fail(field, "must be <= " + std::to_string(max));
    return u;
  }

  int64_t to_int(const json& v, const std::string& field) {
    if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
    return static_cast<int64_t>(to_uint(v, std::numeric_limits<int64_t>::max(), field));
  }

  float to_float(const json& v, const std::string& field) {
    if (!v.is_number()) fail(field, "must be a number");
    const double d = v.get<double>();
    // Converting an out-of-range double to float is undefined, so overflow is caught in double.
    // Decimal text of the largest float32 ("3.4028235e+38", the shortest that reads back) is a
    // little above it as a double: anything that rounds to FLT_MAX (below FLT_MAX + half its ulp,
    // 2^103) is FLT_MAX, as a float32 parser would read it.
    constexpr double kMax = std::numeric_limits<float>::max();
    constexpr double kRoundsToMax = kMax + 0x1p103;
    if (!std::isfinite(d) || std::fabs(d) >= kRoundsToMax)
      throw ProtocolError(ErrorCode::non_finite,
                          context_ + ": field '" + field + "' does not fit a finite float32");
    if (std::fabs(d) > kMax) return static_cast<float>(d > 0 ? kMax : -kMax);
    return static_cast<float>(d);
  }

  void reject_unknown() const {
    for (const auto& item : obj_.items())
      if (!used_.count(item.key()))
        throw ProtocolError(ErrorCode::malformed_payload,
                            context_ + ": unknown field '" + item.key() + "'");
  }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw ProtocolError(ErrorCode::malformed_payload, context_ + ": field '" + field + "' " + what);
  }

 private:
  const json& obj_;
  std::string context_;
  std::set<std::string> used_;
};

Image read_image(Fields& f) {
  Image image;
  const std::string enc = f.text("encoding", std::nullopt);
  const auto encoding = image_encoding_from_string(enc);
  if (!encoding)
    f.fail("encoding", "must be \"jpeg\", \"png\" or \"raw_rgb\", not \"" + enc + "\"");
  image.encoding = *encoding;
  image.width = static_cast<uint32_t>(f.number("width", UINT32_MAX, 0));
  image.height = static_cast<uint32_t>(f.number("height", UINT32_MAX, 0));
  image.bytes = f.base64("data");
  return image;
}

Message read_body(MessageType type, Fields& f) {
  switch (type) {
    case MessageType::hello: {
      Hello m;
      m.protocol_version = static_cast<uint16_t>(f.number("version", UINT16_MAX, kProtocolVersion));
      const std::string role = f.text("role", std::string("sender"));
      const auto parsed = client_role_from_string(role);
      if (!parsed) f.fail("role", "must be \"sender\" or \"viewer\", not \"" + role + "\"");
      m.role = *parsed;
      m.client_name = f.text("client", std::string());
      m.token = f.text("token", std::string());
      return m;
    }
    case MessageType::metadata: {
      Metadata m;
      m.model = f.need("metadata");
      if (!m.model.is_object()) f.fail("metadata", "must be a JSON object");
      return m;
    }
    case MessageType::telemetry: {
      Telemetry m;
      m.episode_id = static_cast<uint32_t>(f.number("episode", UINT32_MAX, 0));
      m.action = f.floats("action");
      m.position = f.floats("position");
      return m;
    }
    case MessageType::frame: {
      Frame m;
      const std::string kind = f.text("kind", std::string("camera"));
      const auto parsed = frame_kind_from_string(kind);
      if (!parsed) f.fail("kind", "must be \"camera\" or \"label\", not \"" + kind + "\"");
      m.kind = *parsed;
      m.image = read_image(f);
      return m;
    }
    case MessageType::plan: {
      const json& actions = f.need("actions");
      const json& positions = f.need("positions");
      if (!actions.is_array()) f.fail("actions", "must be an array of arrays of numbers");
      if (!positions.is_array()) f.fail("positions", "must be an array of arrays of numbers");
      if (actions.size() != positions.size())
        f.fail("positions", "has " + std::to_string(positions.size()) +
                                " steps but 'actions' has " + std::to_string(actions.size()));
      Plan m;
      m.steps.resize(actions.size());
      for (std::size_t i = 0; i < actions.size(); ++i) {
        const std::string at = "[" + std::to_string(i) + "]";
        m.steps[i].action = f.floats(actions[i], "actions" + at);
        m.steps[i].position = f.floats(positions[i], "positions" + at);
      }
      return m;
    }
    case MessageType::prediction: {
      Prediction m;
      m.frame_seq = f.number("frame_seq", UINT64_MAX, std::nullopt);
      m.k = static_cast<uint32_t>(f.number("k", UINT32_MAX, std::nullopt));
      const json& sample = f.need("sample");
      if (sample == "mean") {
        m.sample = Prediction::kMeanSample;
      } else if (sample == "std") {
        m.sample = Prediction::kStdSample;
      } else {
        const int64_t s = f.to_int(sample, "sample");
        if (s < Prediction::kStdSample || s > INT32_MAX)
          f.fail("sample", "must be a sample index >= 0, \"mean\" or \"std\"");
        m.sample = static_cast<int32_t>(s);
      }
      m.image = read_image(f);
      return m;
    }
    case MessageType::reset:
      return Reset{};
    case MessageType::subscribe: {
      Subscribe m;
      m.max_horizon = static_cast<uint32_t>(f.number("max_horizon", UINT32_MAX, 0));
      m.want_samples = f.boolean("samples", true);
      m.want_mean = f.boolean("mean", true);
      m.want_std = f.boolean("std", true);
      return m;
    }
    case MessageType::error: {
      ErrorMessage m;
      const json& code = f.need("code");
      if (code.is_string()) {
        const auto parsed = error_code_from_string(code.get<std::string>());
        if (!parsed) f.fail("code", "names no known error code");
        m.code = *parsed;
      } else {
        m.code = static_cast<ErrorCode>(f.to_uint(code, UINT16_MAX, "code"));
      }
      m.message = f.text("message", std::string());
      return m;
    }
    case MessageType::bye:
      return Bye{};
  }
  throw ProtocolError(ErrorCode::unknown_type, "unknown message type");
}

// The shortest decimal that reads back as the same float32, as a double: nlohmann then prints
// "0.1" rather than the double expansion "0.10000000149011612" of 0.1f.
double pretty(float v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  double d = v;
  std::from_chars(buf, end, d);
  return d;
}

json float_array(const std::vector<float>& values) {
  json out = json::array();
  for (float v : values) out.push_back(pretty(v));
  return out;
}

void write_image(json& j, const Image& image) {
  j["encoding"] = to_string(image.encoding);
  j["width"] = image.width;
  j["height"] = image.height;
  j["data"] = base64_encode(image.bytes);
}

struct BodyWriter {
  json& j;
  void operator()(const Hello& m) const {
    j["version"] = m.protocol_version;
    j["role"] = to_string(m.role);
    j["client"] = m.client_name;
    if (!m.token.empty()) j["token"] = m.token;
  }
  void operator()(const Metadata& m) const { j["metadata"] = m.model; }
  void operator()(const Telemetry& m) const {
    j["episode"] = m.episode_id;
    j["action"] = float_array(m.action);
    j["position"] = float_array(m.position);
  }
  void operator()(const Frame& m) const {
    j["kind"] = to_string(m.kind);
    write_image(j, m.image);
  }
  void operator()(const Plan& m) const {
    json actions = json::array(), positions = json::array();
    for (const PlanStep& s : m.steps) {
      actions.push_back(float_array(s.action));
      positions.push_back(float_array(s.position));
    }
    j["actions"] = std::move(actions);
    j["positions"] = std::move(positions);
  }
  void operator()(const Prediction& m) const {
    j["frame_seq"] = m.frame_seq;
    j["k"] = m.k;
    if (m.sample == Prediction::kMeanSample) {
      j["sample"] = "mean";
    } else if (m.sample == Prediction::kStdSample) {
      j["sample"] = "std";
    } else {
      j["sample"] = m.sample;
    }
    write_image(j, m.image);
  }
  void operator()(const Reset&) const {}
  void operator()(const Subscribe& m) const {
    j["max_horizon"] = m.max_horizon;
    j["samples"] = m.want_samples;
    j["mean"] = m.want_mean;
    j["std"] = m.want_std;
  }
  void operator()(const ErrorMessage& m) const {
    // A code this build has no name for travels as its number, so it survives the round trip.
    if (error_code_from_string(to_string(m.code))) {
      j["code"] = to_string(m.code);
    } else {
      j["code"] = static_cast<unsigned>(m.code);
    }
    j["message"] = m.message;
  }
  void operator()(const Bye&) const {}
};

}  // namespace

Envelope parse_json_line(std::string_view line, HeaderPresence* present) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const json j = parse_bounded_json(line, "JSON line");
  if (!j.is_object())
    throw ProtocolError(ErrorCode::malformed_payload, "JSON line: must be a JSON object");
  Fields f(j, "JSON line");
  const std::string type_name = f.text("type", std::nullopt);
  const auto type = message_type_from_string(type_name);
  if (!type)
    throw ProtocolError(ErrorCode::unknown_type,
                        "JSON line: field 'type' names no message type: \"" + type_name + "\"");
  f.set_context(type_name);

  Envelope env;
  const json* seq = f.find("seq");
  const json* ts = f.find("timestamp_ns");
  if (seq) env.header.seq = f.to_uint(*seq, UINT64_MAX, "seq");
  if (ts) env.header.timestamp_ns = f.to_uint(*ts, UINT64_MAX, "timestamp_ns");
  env.header.flags = static_cast<uint16_t>(f.number("flags", UINT16_MAX, 0));
  if (present) *present = HeaderPresence{seq != nullptr, ts != nullptr};

  try {
    env.body = read_body(*type, f);
    f.reject_unknown();
    validate(env.body);
  } catch (ProtocolError& e) {
    if (seq) e.set_seq(env.header.seq);  // the ERROR reply names the message
    throw;
  }
  return env;
}

std::string to_json_line(const Envelope& message) {
  validate(message.body);
  json j = json::object();
  j["seq"] = message.header.seq;
  j["timestamp_ns"] = message.header.timestamp_ns;
  if (message.header.flags != 0) j["flags"] = message.header.flags;
  std::visit(BodyWriter{j}, message.body);
  // nlohmann sorts members; splice "type" in front so a reader sees what the line is at once.
  // The replace handler only matters for text built in-process: decoded text is already UTF-8.
  const std::string members = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return "{\"type\":\"" + to_string(type_of(message.body)) + "\"," + members.substr(1) + "\n";
}

}  // namespace foresight
