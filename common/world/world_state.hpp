// The state of the robot-pushing world, shared by its physics, planner and renderer, and the
// coordinate conventions of the synthetic dataset:
//   x to the right, y up the image, metres; the camera looks straight down on [-0.3, 0.3]^2, so a
//   64-pixel frame has 9.4 mm pixels. The end effector keeps x, y in [-0.25, 0.25]; z is the
//   fingertip height above the table, in [0.02, 0.16], and the fingers touch objects below 0.045.
//   Time is in frames (one frame is 0.1 s), so velocities are metres per frame. The action
//   (dx, dy, dz, gripper) moves the end effector by (dx, dy, dz) between two frames
//   (|(dx, dy)| <= 0.042, |dz| <= 0.03); gripper is +1 closed, -1 open.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace foresight {

struct Vec2 {
  double x = 0, y = 0;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(Vec2 a, double s) { return {a.x * s, a.y * s}; }
inline Vec2& operator+=(Vec2& a, Vec2 b) { return a = a + b; }
inline Vec2& operator-=(Vec2& a, Vec2 b) { return a = a - b; }
inline double dot(Vec2 a, Vec2 b) { return a.x * b.x + a.y * b.y; }
inline double cross(Vec2 a, Vec2 b) { return a.x * b.y - a.y * b.x; }
inline double norm(Vec2 a) { return std::sqrt(dot(a, a)); }
inline Vec2 perp(Vec2 a) { return {-a.y, a.x}; }  // rotated +90 degrees
inline Vec2 rotate(Vec2 a, double angle) {
  double c = std::cos(angle), s = std::sin(angle);
  return {c * a.x - s * a.y, s * a.x + c * a.y};
}

namespace world {
constexpr double kViewHalf = 0.3;        // the frame shows [-kViewHalf, kViewHalf]^2
constexpr double kWallHalf = 0.28;       // the bin walls keep objects inside this square
constexpr double kWorkspaceHalf = 0.25;  // the end effector's x, y stay inside this square
constexpr double kMinZ = 0.02, kMaxZ = 0.16;
constexpr double kPushZ = 0.02;           // the height at which the planner pushes
constexpr double kContactHeight = 0.045;  // the fingers touch objects below this height
constexpr double kGripperRadius = 0.025;  // the fingers' footprint, as a disc
constexpr double kGravity = 0.0981;       // 9.81 m/s^2 in metres per frame^2
}  // namespace world

enum class ShapeKind { kDisc, kSquare, kBar, kTriangle };

// A collision disc of an object, in the object's frame.
struct BodyDisc {
  Vec2 offset;
  double radius;
};

struct PushObject {
  ShapeKind shape = ShapeKind::kDisc;
  std::vector<Vec2> outline;        // polygon in the object's frame; empty for a disc
  std::vector<BodyDisc> discs;      // collision shape: a union of discs approximating the outline
  double bound_radius = 0;          // no part of the object lies farther from its centre
  double height = 0.03;             // for shadows and shading
  std::array<uint8_t, 3> colour{};  // RGB

  Vec2 pos, vel;  // metres, metres per frame
  double angle = 0, omega = 0;

  // Hidden per-sequence properties: nothing in the actions or the first frames reveals them.
  double mass = 1;            // kg
  double inertia = 1;         // kg m^2
  double friction = 0.2;      // Coulomb coefficient against the table
  double inertia_per_kg = 1;  // m^2: inertia / mass, from the shape
};

struct Gripper {
  Vec2 pos;  // metres
  double z = world::kPushZ;
  Vec2 vel;  // the last frame's motion (metres per frame)
  double vz = 0;
  double opening = 0;  // 0 closed .. 1 open (drawn; follows the gripper command)
};

// Hidden per-sequence contact properties.
struct PhysicsParams {
  double gripper_restitution = 0.2;  // how much objects bounce off the fingers
  double object_restitution = 0.3;   // object-object collisions
  double gripper_mass = 2.0;         // effective (compliant) mass of the arm at the fingertips
};

}  // namespace foresight
