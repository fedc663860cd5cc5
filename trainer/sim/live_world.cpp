#include "trainer/sim/live_world.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "common/world/dance_world.hpp"
#include "common/world/pushing_world.hpp"

namespace foresight {
namespace {

class LivePushing final : public LiveWorld {
 public:
  LivePushing(uint64_t seed, int size, double actuation_noise)
      : world_(seed, size, actuation_noise), episode_(static_cast<uint32_t>(seed)) {}

  cv::Mat frame() const override { return world_.render(); }

  std::vector<Message> step_messages(int plan) const override {
    std::vector<Message> out;
    if (plan > 0) {
      // The scripted operator is deterministic: stepping a copy gives its next K steps, exactly
      // when the arm follows its commands, as the operator expects them when it does not.
      Plan p;
      PushingWorld future = world_;
      future.set_actuation_noise(0);
      for (int k = 0; k < plan; ++k) {
        future.step();
        const auto a = future.action();
        const auto pos = future.position();
        p.steps.push_back({{a.begin(), a.end()}, {pos.begin(), pos.end()}});
      }
      out.emplace_back(std::move(p));
    }
    Frame f;
    f.image = png_image(world_.render());
    out.emplace_back(std::move(f));
    Telemetry t;
    t.episode_id = episode_;
    const auto a = world_.action();
    const auto pos = world_.position();
    t.action.assign(a.begin(), a.end());
    t.position.assign(pos.begin(), pos.end());
    out.emplace_back(std::move(t));
    return out;
  }

  void advance() override { world_.step(); }

 private:
  PushingWorld world_;
  uint32_t episode_;
};

class LiveDance final : public LiveWorld {
 public:
  LiveDance(uint64_t seed, int height, int width) : world_(seed, height, width) {}

  cv::Mat frame() const override { return world_.render_frame(); }

  std::vector<Message> step_messages(int /*plan*/) const override {
    Frame camera;
    camera.image = png_image(world_.render_frame());
    // The condition of predicting the next frame is that frame's pose (a choreography the dancer
    // follows, known ahead like a robot's planned action).
    DanceWorld next = world_;
    next.step();
    Frame label;
    label.kind = FrameKind::label;
    label.image = png_image(next.render_label());
    return {Message{std::move(camera)}, Message{std::move(label)}};
  }

  void advance() override { world_.step(); }

 private:
  DanceWorld world_;
};

}  // namespace

Image png_image(const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  Image img;
  img.encoding = ImageEncoding::png;
  img.width = static_cast<uint32_t>(rgb.cols);
  img.height = static_cast<uint32_t>(rgb.rows);
  if (!cv::imencode(".png", bgr, img.bytes)) throw std::runtime_error("sim: cannot encode PNG");
  return img;
}

std::unique_ptr<LiveWorld> make_live_world(const LiveWorldShape& s, uint64_t seed,
                                           double actuation_noise) {
  if (s.condition_kind == "pose") return std::make_unique<LiveDance>(seed, s.height, s.width);
  if (s.condition_kind != "telemetry") {
    throw std::runtime_error("sim: no synthetic world for condition kind '" + s.condition_kind +
                             "'");
  }
  if (s.action_dim != 4 || s.position_dim != 3) {
    throw std::runtime_error("sim: the model wants " + std::to_string(s.action_dim) +
                             " action and " + std::to_string(s.position_dim) +
                             " position values; the pushing world has 4 and 3");
  }
  if (s.height != s.width) {
    throw std::runtime_error("sim: the pushing world renders square frames; the model wants " +
                             std::to_string(s.width) + "x" + std::to_string(s.height));
  }
  return std::make_unique<LivePushing>(seed, s.width, actuation_noise);
}

}  // namespace foresight
