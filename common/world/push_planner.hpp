// The scripted "robot operator" of the pushing world: picks an object and a direction, moves
// behind the object (raising the gripper over obstacles), pushes it through, then picks again, with
// the odd wander or pause. Motion is smooth: velocity is acceleration-limited and carries low-pass
// filtered noise. Closed loop: each action is planned from the current state.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "common/world/rng.hpp"
#include "common/world/world_state.hpp"

namespace foresight {

class PushPlanner {
 public:
  // Draws the operator's style (speed, acceleration, noise) from `seed`.
  explicit PushPlanner(uint64_t seed);

  // The next action (dx, dy, dz, gripper) for the current state; keeps the end effector inside the
  // workspace and z inside [kMinZ, kMaxZ]. Call once per frame.
  std::array<double, 4> next_action(const std::vector<PushObject>& objects, const Gripper& gripper);

 private:
  enum class Mode { kApproach, kPush, kWander, kPause };

  void update_mode(const std::vector<PushObject>& objects, const Gripper& gripper);
  void start_approach(const std::vector<PushObject>& objects, const Gripper& gripper);
  void plan_route(const std::vector<PushObject>& objects, const Gripper& gripper);
  void choose_after_push(const std::vector<PushObject>& objects, const Gripper& gripper);
  Vec2 approach_point(const PushObject& o, Vec2 direction) const;  // where a push starts
  Vec2 via_point(const PushObject& o) const;  // beside the target, to get round it

  Rng rng_;
  double max_speed_, max_accel_, noise_sigma_;
  bool started_ = false;  // the first action picks the first target
  Mode mode_ = Mode::kApproach;
  int frames_in_mode_ = 0, mode_frames_ = 0, contact_frames_ = 0;
  int target_ = 0;    // object being approached or pushed
  Vec2 direction_;    // push direction (unit)
  Vec2 waypoint_;     // wander destination
  bool via_ = false;  // going round the target first
  double via_side_ = 1;
  bool raised_ = false;  // approach or wander with the gripper up
  double raise_z_ = 0.12;
  bool open_ = false;  // gripper open while raised
  Vec2 noise_;
};

}  // namespace foresight
