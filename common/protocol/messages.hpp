// The messages of the Foresight telemetry/prediction protocol, independent of how they travel
// (binary frames: binary_codec.hpp; JSON lines: json_lines.hpp). docs/protocol.md is the normative
// description; this header mirrors it field by field. No LibTorch here: plain bytes and floats, so
// clients and tools can link the codec without the model runtime.
#pragma once
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/protocol/protocol_error.hpp"

namespace foresight {

constexpr uint8_t kProtocolVersion = 1;
constexpr std::size_t kDefaultMaxMessageBytes = std::size_t{8} << 20;  // 8 MiB, header included

// Values are the header's type byte: never renumber, only append (docs/protocol.md).
enum class MessageType : uint8_t {
  hello = 1,       // client -> daemon: version, name, role, token
  metadata = 2,    // daemon -> client: the model's metadata (answers HELLO)
  telemetry = 3,   // sender -> daemon: action[A], position[P], episode id
  frame = 4,       // sender -> daemon: a camera (or label) image
  plan = 5,        // sender -> daemon: K future conditions for K-step rollouts
  prediction = 6,  // daemon -> client: one predicted image
  reset = 7,       // either way: forget the recurrent state
  subscribe = 8,   // viewer -> daemon: which predictions to stream
  error = 9,       // either way: code + message
  bye = 10,        // either way: orderly close
};

enum class ClientRole : uint8_t { sender = 0, viewer = 1 };
enum class FrameKind : uint8_t {
  camera = 0,
  label = 1
};  // label: pose image for pose-conditioned models
enum class ImageEncoding : uint8_t {
  jpeg = 0,
  png = 1,
  raw_rgb = 2
};  // raw_rgb: HxWx3 bytes, row-major

// An encoded image. width/height are required for raw_rgb (bytes.size() == width*height*3) and
// informational for jpeg/png, where 0 means "read it from the file".
struct Image {
  ImageEncoding encoding = ImageEncoding::png;
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> bytes;
};

struct Hello {
  static constexpr MessageType kType = MessageType::hello;
  uint16_t protocol_version = kProtocolVersion;
  ClientRole role = ClientRole::sender;
  std::string client_name;
  std::string token;  // shared secret; empty = none
};

struct Metadata {
  static constexpr MessageType kType = MessageType::metadata;
  nlohmann::json model = nlohmann::json::object();  // always a JSON object
};

struct Telemetry {
  static constexpr MessageType kType = MessageType::telemetry;
  uint32_t episode_id = 0;      // a change of episode resets the recurrent state
  std::vector<float> action;    // A values (model metadata "action_dim")
  std::vector<float> position;  // P values (model metadata "position_dim")
};

struct Frame {
  static constexpr MessageType kType = MessageType::frame;
  FrameKind kind = FrameKind::camera;
  Image image;
};

struct PlanStep {
  std::vector<float> action;
  std::vector<float> position;
};

// Conditions for the K steps after the step named by the header's seq; every step has the same
// A and P, and a plan with steps has A + P >= 1.
struct Plan {
  static constexpr MessageType kType = MessageType::plan;
  std::vector<PlanStep> steps;
};

struct Prediction {
  static constexpr MessageType kType = MessageType::prediction;
  static constexpr int32_t kMeanSample = -1;  // per-pixel mean over the samples
  static constexpr int32_t kStdSample = -2;   // per-pixel standard deviation over the samples
  uint64_t frame_seq = 0;                     // seq of the observed frame this prediction follows
  uint32_t k = 1;      // horizon: 1 = the next frame, up to the rollout length K
  int32_t sample = 0;  // >= 0: sample index; or kMeanSample / kStdSample
  Image image;
};

struct Reset {
  static constexpr MessageType kType = MessageType::reset;
};

// What a viewer wants streamed; by default everything the daemon computes.
struct Subscribe {
  static constexpr MessageType kType = MessageType::subscribe;
  uint32_t max_horizon = 0;  // 0 = every horizon
  bool want_samples = true;
  bool want_mean = true;
  bool want_std = true;
};

struct ErrorMessage {
  static constexpr MessageType kType = MessageType::error;
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

struct Bye {
  static constexpr MessageType kType = MessageType::bye;
};

using Message = std::variant<Hello, Metadata, Telemetry, Frame, Plan, Prediction, Reset, Subscribe,
                             ErrorMessage, Bye>;

// The per-message header fields a sender chooses; the codec derives version, type and length.
struct Header {
  uint64_t seq = 0;           // step number: FRAME and TELEMETRY of one step share it
  uint64_t timestamp_ns = 0;  // sender's clock (capture time); informational
  uint16_t flags = 0;         // none defined in version 1: send 0, ignore on receipt
};

struct Envelope {
  Header header;
  Message body;
};

// Returns the wire type of the message held by `body`.
MessageType type_of(const Message& body);

// Returns the snake_case name of `type` ("telemetry"), or "type_<n>" for an undefined value.
std::string to_string(MessageType type);
// Returns the type named `name`; nullopt for an unknown name.
std::optional<MessageType> message_type_from_string(std::string_view name);
// Returns true when `value` is a type byte defined in this protocol version.
bool is_known_message_type(uint8_t value);

std::string to_string(ClientRole role);
std::optional<ClientRole> client_role_from_string(std::string_view name);
std::string to_string(FrameKind kind);
std::optional<FrameKind> frame_kind_from_string(std::string_view name);
std::string to_string(ImageEncoding encoding);
std::optional<ImageEncoding> image_encoding_from_string(std::string_view name);

// Field-by-field equality (used by round-trip tests and the fuzzer).
bool operator==(const Image& a, const Image& b);
bool operator==(const Hello& a, const Hello& b);
bool operator==(const Metadata& a, const Metadata& b);
bool operator==(const Telemetry& a, const Telemetry& b);
bool operator==(const Frame& a, const Frame& b);
bool operator==(const PlanStep& a, const PlanStep& b);
bool operator==(const Plan& a, const Plan& b);
bool operator==(const Prediction& a, const Prediction& b);
bool operator==(const Reset& a, const Reset& b);
bool operator==(const Subscribe& a, const Subscribe& b);
bool operator==(const ErrorMessage& a, const ErrorMessage& b);
bool operator==(const Bye& a, const Bye& b);
bool operator==(const Header& a, const Header& b);
bool operator==(const Envelope& a, const Envelope& b);

}  // namespace foresight
