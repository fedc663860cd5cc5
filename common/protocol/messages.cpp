#include "common/protocol/messages.hpp"

#include <array>
#include <utility>

namespace foresight {

namespace {

// One name table per enum; to_string and *_from_string both read it so they cannot disagree.
template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<MessageType, 10> kTypeNames = {{
    {MessageType::hello, "hello"},
    {MessageType::metadata, "metadata"},
    {MessageType::telemetry, "telemetry"},
    {MessageType::frame, "frame"},
    {MessageType::plan, "plan"},
    {MessageType::prediction, "prediction"},
    {MessageType::reset, "reset"},
    {MessageType::subscribe, "subscribe"},
    {MessageType::error, "error"},
    {MessageType::bye, "bye"},
}};
constexpr NameTable<ClientRole, 2> kRoleNames = {{
    {ClientRole::sender, "sender"},
    {ClientRole::viewer, "viewer"},
}};
constexpr NameTable<FrameKind, 2> kKindNames = {{
    {FrameKind::camera, "camera"},
    {FrameKind::label, "label"},
}};
constexpr NameTable<ImageEncoding, 3> kEncodingNames = {{
    {ImageEncoding::jpeg, "jpeg"},
    {ImageEncoding::png, "png"},
    {ImageEncoding::raw_rgb, "raw_rgb"},
}};

template <typename Enum, std::size_t N>
std::string name_of(const NameTable<Enum, N>& table, Enum value, const char* fallback) {
  for (const auto& [v, name] : table)
    if (v == value) return std::string(name);
  return fallback + std::to_string(static_cast<unsigned>(value));
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const NameTable<Enum, N>& table, std::string_view name) {
  for (const auto& [v, n] : table)
    if (n == name) return v;
  return std::nullopt;
}

}  // namespace

MessageType type_of(const Message& body) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kType; }, body);
}

std::string to_string(MessageType type) { return name_of(kTypeNames, type, "type_"); }
std::optional<MessageType> message_type_from_string(std::string_view name) {
  return value_of(kTypeNames, name);
}
bool is_known_message_type(uint8_t value) {
  for (const auto& entry : kTypeNames)
    if (static_cast<uint8_t>(entry.first) == value) return true;
  return false;
}

std::string to_string(ClientRole role) { return name_of(kRoleNames, role, "role_"); }
std::optional<ClientRole> client_role_from_string(std::string_view name) {
  return value_of(kRoleNames, name);
}
std::string to_string(FrameKind kind) { return name_of(kKindNames, kind, "kind_"); }
std::optional<FrameKind> frame_kind_from_string(std::string_view name) {
  return value_of(kKindNames, name);
}
std::string to_string(ImageEncoding encoding) {
  return name_of(kEncodingNames, encoding, "encoding_");
}
std::optional<ImageEncoding> image_encoding_from_string(std::string_view name) {
  return value_of(kEncodingNames, name);
}

bool operator==(const Image& a, const Image& b) {
  return a.encoding == b.encoding && a.width == b.width && a.height == b.height &&
         a.bytes == b.bytes;
}
bool operator==(const Hello& a, const Hello& b) {
  return a.protocol_version == b.protocol_version && a.role == b.role &&
         a.client_name == b.client_name && a.token == b.token;
}
bool operator==(const Metadata& a, const Metadata& b) { return a.model == b.model; }
bool operator==(const Telemetry& a, const Telemetry& b) {
  return a.episode_id == b.episode_id && a.action == b.action && a.position == b.position;
}
bool operator==(const Frame& a, const Frame& b) { return a.kind == b.kind && a.image == b.image; }
bool operator==(const PlanStep& a, const PlanStep& b) {
  return a.action == b.action && a.position == b.position;
}
bool operator==(const Plan& a, const Plan& b) { return a.steps == b.steps; }
bool operator==(const Prediction& a, const Prediction& b) {
  return a.frame_seq == b.frame_seq && a.k == b.k && a.sample == b.sample && a.image == b.image;
}
bool operator==(const Reset&, const Reset&) { return true; }
bool operator==(const Subscribe& a, const Subscribe& b) {
  return a.max_horizon == b.max_horizon && a.want_samples == b.want_samples &&
         a.want_mean == b.want_mean && a.want_std == b.want_std;
}
bool operator==(const ErrorMessage& a, const ErrorMessage& b) {
  return a.code == b.code && a.message == b.message;
}
bool operator==(const Bye&, const Bye&) { return true; }
bool operator==(const Header& a, const Header& b) {
  return a.seq == b.seq && a.timestamp_ns == b.timestamp_ns && a.flags == b.flags;
}
bool operator==(const Envelope& a, const Envelope& b) {
  return a.header == b.header && a.body == b.body;
}

}  // namespace foresight
