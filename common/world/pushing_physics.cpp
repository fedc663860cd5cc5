#include "common/world/pushing_physics.hpp"

#include <algorithm>
#include <vector>

namespace foresight {
namespace {

constexpr int kSubsteps = 8;
constexpr int kContactPasses = 3;
// Approaches slower than this (metres per frame) do not bounce: a sustained push would otherwise
// jitter at the substep rate.
constexpr double kRestingSpeed = 0.004;
constexpr double kWallRestitution = 0.3;
constexpr double kFingerFriction = 0.3;  // tangential grip of the fingers on objects
constexpr double kObjectFriction = 0.2;  // object against object
// Pushing an object out of the fingers in one go would teleport it when the gripper comes down
// on top of it; a cap per substep turns that into a quick shove instead.
constexpr double kMaxCorrection = 0.01;

Vec2 point_velocity(const PushObject& o, Vec2 arm) { return o.vel + perp(arm) * o.omega; }

void apply_impulse(PushObject& o, Vec2 arm, Vec2 impulse) {
  o.vel += impulse * (1.0 / o.mass);
  o.omega += cross(arm, impulse) / o.inertia;
}

// What body A collides with: another object, or something kinematic (the fingers, a wall) moving
// at `velocity` whose effective inverse mass is `inv_mass` (0: immovable).
struct Other {
  PushObject* object = nullptr;
  Vec2 arm;
  Vec2 velocity;
  double inv_mass = 0;
};

double inverse_effective_mass(const PushObject& a, Vec2 arm_a, const Other& b, Vec2 dir) {
  double k = 1.0 / a.mass + std::pow(cross(arm_a, dir), 2) / a.inertia;
  if (b.object) {
    k += 1.0 / b.object->mass + std::pow(cross(b.arm, dir), 2) / b.object->inertia;
  } else {
    k += b.inv_mass;
  }
  return k;
}

// Impulse-based contact with Coulomb friction. `n` is the unit normal pointing from B into A.
void collide(PushObject& a, Vec2 arm_a, Other b, Vec2 n, double restitution, double mu) {
  auto relative = [&] {
    Vec2 vb = b.object ? point_velocity(*b.object, b.arm) : b.velocity;
    return point_velocity(a, arm_a) - vb;
  };
  double vn = dot(relative(), n);
  if (vn >= 0) return;  // already separating
  double e = vn < -kRestingSpeed ? restitution : 0.0;
  double jn = -(1 + e) * vn / inverse_effective_mass(a, arm_a, b, n);
  apply_impulse(a, arm_a, n * jn);
  if (b.object) apply_impulse(*b.object, b.arm, n * -jn);

  Vec2 t = perp(n);
  double vt = dot(relative(), t);
  double jt = std::clamp(-vt / inverse_effective_mass(a, arm_a, b, t), -mu * jn, mu * jn);
  apply_impulse(a, arm_a, t * jt);
  if (b.object) apply_impulse(*b.object, b.arm, t * -jt);
}

// Unit vector of `v`, or `fallback` when v is (nearly) zero.
Vec2 unit_or(Vec2 v, Vec2 fallback) {
  double l = norm(v);
  return l > 1e-12 ? v * (1.0 / l) : fallback;
}

// Returns whether the fingers touched the object.
bool push_by_gripper(PushObject& o, const Gripper& g, Vec2 gripper_vel, const PhysicsParams& p) {
  if (norm(o.pos - g.pos) > o.bound_radius + world::kGripperRadius) return false;
  bool touched = false;
  for (const BodyDisc& d : o.discs) {
    Vec2 delta = disc_centre(o, d) - g.pos;
    double pen = world::kGripperRadius + d.radius - norm(delta);
    if (pen <= 0) continue;
    touched = true;
    Vec2 n = unit_or(delta, unit_or(o.pos - g.pos, {1, 0}));
    Vec2 arm = g.pos + n * world::kGripperRadius - o.pos;
    collide(o, arm, Other{nullptr, {}, gripper_vel, 1.0 / p.gripper_mass}, n, p.gripper_restitution,
            kFingerFriction);
    // The fingers are position controlled: the object has to make way.
    o.pos += n * std::min(pen, kMaxCorrection);
  }
  return touched;
}

// `pinned`: the object is held in place by the fingers (directly or through other objects), so
// the other one has to make way entirely; a pin passes on to what it pushes.
void collide_objects(PushObject& a, PushObject& b, bool& pinned_a, bool& pinned_b,
                     const PhysicsParams& p) {
  if (norm(a.pos - b.pos) > a.bound_radius + b.bound_radius) return;
  for (const BodyDisc& da : a.discs) {
    for (const BodyDisc& db : b.discs) {
      Vec2 ca = disc_centre(a, da), cb = disc_centre(b, db);
      Vec2 delta = ca - cb;
      double pen = da.radius + db.radius - norm(delta);
      if (pen <= 0) continue;
      Vec2 n = unit_or(delta, unit_or(a.pos - b.pos, {1, 0}));
      Vec2 contact = cb + n * (db.radius - pen / 2);
      collide(a, contact - a.pos, Other{&b, contact - b.pos, {}, 0}, n, p.object_restitution,
              kObjectFriction);
      // Separate in proportion to inverse mass, leaving a little overlap for the next iteration
      // so that chains of contacts do not overshoot.
      double wa = pinned_a && !pinned_b ? 0.0 : 1.0 / a.mass;
      double wb = pinned_b && !pinned_a ? 0.0 : 1.0 / b.mass;
      double fix = 0.8 * pen / (wa + wb);
      a.pos += n * (fix * wa);
      b.pos -= n * (fix * wb);
      pinned_a = pinned_b = pinned_a || pinned_b;
    }
  }
}

void collide_walls(PushObject& o) {
  const double w = world::kWallHalf;
  for (const BodyDisc& d : o.discs) {
    for (int axis = 0; axis < 2; ++axis) {
      for (int side = -1; side <= 1; side += 2) {
        Vec2 c = disc_centre(o, d);
        double coord = axis == 0 ? c.x : c.y;
        double pen = side * coord + d.radius - w;
        if (pen <= 0) continue;
        Vec2 n = axis == 0 ? Vec2{-1.0 * side, 0} : Vec2{0, -1.0 * side};
        Vec2 contact = c - n * d.radius;
        collide(o, contact - o.pos, Other{}, n, kWallRestitution, kObjectFriction);
        o.pos += n * pen;
      }
    }
  }
}

void apply_table_friction(PushObject& o, double h) {
  double dv = o.friction * world::kGravity * h;
  double speed = norm(o.vel);
  o.vel = speed <= dv ? Vec2{} : o.vel * (1 - dv / speed);
  // A uniformly loaded disc: torque (2/3) mu m g R over inertia m R^2 / 2.
  double dw = 4.0 / 3.0 * o.friction * world::kGravity * h / o.bound_radius;
  o.omega = std::abs(o.omega) <= dw ? 0.0 : o.omega - std::copysign(dw, o.omega);
}

}  // namespace

void simulate_frame(std::vector<PushObject>& objects, Gripper& gripper, Vec2 target,
                    double target_z, const PhysicsParams& params) {
  const double h = 1.0 / kSubsteps;
  const Vec2 start = gripper.pos;
  const double start_z = gripper.z;
  const Vec2 gripper_vel = target - start;
  for (int s = 1; s <= kSubsteps; ++s) {
    gripper.pos = start + gripper_vel * (s * h);
    gripper.z = start_z + (target_z - start_z) * (s * h);
    for (PushObject& o : objects) {
      o.pos += o.vel * h;
      o.angle += o.omega * h;
      apply_table_friction(o, h);
    }
    std::vector<bool> pinned(objects.size(), false);
    if (gripper.z < world::kContactHeight) {
      for (size_t i = 0; i < objects.size(); ++i) {
        pinned[i] = push_by_gripper(objects[i], gripper, gripper_vel, params);
      }
    }
    // A few passes: pushing one object into another must not squeeze it back into the fingers.
    for (int pass = 0; pass < kContactPasses; ++pass) {
      for (size_t i = 0; i < objects.size(); ++i) {
        for (size_t j = i + 1; j < objects.size(); ++j) {
          bool pi = pinned[i], pj = pinned[j];
          collide_objects(objects[i], objects[j], pi, pj, params);
          pinned[i] = pi;
          pinned[j] = pj;
        }
      }
    }
    for (PushObject& o : objects) collide_walls(o);
  }
  gripper.pos = target;
  gripper.z = target_z;
  gripper.vel = gripper_vel;
  gripper.vz = target_z - start_z;
}

}  // namespace foresight
