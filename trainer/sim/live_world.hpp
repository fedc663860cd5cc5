// The synthetic worlds as live robots for `foresight sim`: each step is the messages a real sender
// would put on the wire (docs/protocol.md, section 6) and the frame it shows. The pushing world
// sends a camera FRAME and TELEMETRY (plus a PLAN of its scripted future when asked); the dance
// world sends a camera FRAME and a label FRAME holding the pose image of the frame that follows.
#pragma once
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/protocol/messages.hpp"

namespace foresight {

class LiveWorld {
 public:
  virtual ~LiveWorld() = default;
  // The current frame, CV_8UC3 RGB, at the model's size.
  virtual cv::Mat frame() const = 0;
  // The messages of the current step, seq and timestamp left to the caller; `plan` > 0 adds the
  // next `plan` conditions where the world has them (pushing only).
  virtual std::vector<Message> step_messages(int plan) const = 0;
  // Advances one frame.
  virtual void advance() = 0;
};

// What the model's METADATA says about the step it wants.
struct LiveWorldShape {
  std::string condition_kind = "telemetry";  // "telemetry" | "pose"
  int height = 64, width = 64;
  int action_dim = 4, position_dim = 3;
};

// The world that fits `shape`, seeded by `seed` (also the pushing world's episode id);
// actuation_noise is the pushing world's (PushingWorld), whose PLAN then says what the operator
// expects (commands followed exactly), not what will happen. Throws std::runtime_error when no
// synthetic world can feed the model (other telemetry sizes, a non-square pushing model).
std::unique_ptr<LiveWorld> make_live_world(const LiveWorldShape& shape, uint64_t seed,
                                           double actuation_noise = 0);

// A PNG image of an RGB frame with its size declared.
Image png_image(const cv::Mat& rgb);

}  // namespace foresight
