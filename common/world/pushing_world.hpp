// The synthetic robot-pushing world, stepped live one frame at a time: a bin seen from above with
// 1-3 objects (random shape, colour, size, and hidden mass and friction) and a robot arm whose
// scripted operator pushes them about. Coordinates and action units: see world_state.hpp.
// Convention: action() is applied between this frame and the next; position() is where the end
// effector is in this frame. Deterministic: the same seed gives the same frames byte for byte.
// With actuation noise the end effector misses each commanded move by a random amount, as a real
// arm does: the recorded action is what was commanded, the recorded position where the arm went,
// so the next frame is no longer a function of what the model is told (a latent has work).
#pragma once
#include <array>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "common/world/push_planner.hpp"
#include "common/world/pushing_renderer.hpp"
#include "common/world/rng.hpp"
#include "common/world/world_state.hpp"

namespace foresight {

class PushingWorld {
 public:
  // Samples a scene from `seed`; image_size is the side of render()'s square frames.
  // actuation_noise: each step's horizontal move is off by a Gaussian per axis whose standard
  // deviation is this fraction of the commanded move's length (0: exact, the same frames as a
  // world made without it). Throws std::invalid_argument unless image_size > 0 and
  // 0 <= actuation_noise <= 1.
  explicit PushingWorld(uint64_t seed, int image_size = 64, double actuation_noise = 0);

  // The current frame: image_size x image_size, CV_8UC3, RGB order.
  cv::Mat render() const;
  // The planned action (dx, dy, dz, gripper) that step() applies next.
  std::array<float, 4> action() const;
  // The end effector (x, y, z) in the current frame.
  std::array<float, 3> position() const;
  // Applies action() and advances one frame.
  void step();
  // Applies an outside action instead (e.g. a person driving the robot); the end effector is kept
  // inside the workspace, and the scripted operator carries on from wherever it ends up.
  void step(const std::array<float, 4>& action);

  // Draws new hidden properties (each object's mass and friction, the restitutions) from `seed`,
  // from the same ranges as a new scene, and a new stream of actuation noise: the same frames so
  // far, another possible future under the same actions. What a perfect stochastic model would
  // sample (bench/world_uncertainty.cpp).
  void resample_hidden(uint64_t seed);

  int frame_index() const { return frame_; }
  const std::vector<PushObject>& objects() const { return objects_; }  // incl. hidden properties
  const Gripper& gripper() const { return gripper_; }
  const PhysicsParams& physics() const { return physics_; }
  double actuation_noise() const { return actuation_noise_; }
  // Changes it from the next step on (same range as the constructor's); 0 makes a copy of a
  // noisy world into what its operator expects to happen (a plan).
  void set_actuation_noise(double actuation_noise);
  // Where a world point (metres) lands in the frame, in pixels (x right, y down).
  cv::Point2d to_pixel(Vec2 p) const { return renderer_.to_pixel(p); }

 private:
  void plan();

  PushingRenderer renderer_;
  PushPlanner planner_;
  std::vector<PushObject> objects_;
  Gripper gripper_;
  PhysicsParams physics_;
  double actuation_noise_ = 0;
  Rng actuation_rng_;
  std::array<double, 4> action_{};
  int frame_ = 0;
};

// One object of the given shape with its collision discs, inertia and looks; pos = (0, 0).
PushObject make_push_object(ShapeKind shape, Rng& rng);
// The hidden properties, drawn as for a new scene: an object's mass (and inertia) and friction;
// the contacts' restitutions.
void draw_hidden(PushObject& o, Rng& rng);
void draw_hidden(PhysicsParams& p, Rng& rng);

}  // namespace foresight
