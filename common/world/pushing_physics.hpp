// 2D pushing physics of the synthetic world: objects are rigid unions of discs that slide on the
// table with Coulomb friction, collide with each other and with the bin walls, and are pushed by
// the kinematic gripper when it is low. Simple impulse-based contacts, a few substeps per frame.
#pragma once
#include <vector>

#include "common/world/world_state.hpp"

namespace foresight {

// Advances one frame: the gripper moves in a straight line to (target, target_z) while the objects
// respond. Sets gripper.vel / vz to the motion made. Deterministic (no randomness).
void simulate_frame(std::vector<PushObject>& objects, Gripper& gripper, Vec2 target,
                    double target_z, const PhysicsParams& params);

// The centre of an object's collision disc in world coordinates.
inline Vec2 disc_centre(const PushObject& o, const BodyDisc& d) {
  return o.pos + rotate(d.offset, o.angle);
}

}  // namespace foresight
