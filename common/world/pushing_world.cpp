#include "common/world/pushing_world.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/world/pushing_physics.hpp"
#include "common/world/rng.hpp"

namespace foresight {
namespace {

constexpr double kTwoPi = 6.283185307179586;

std::array<uint8_t, 3> hsv_to_rgb(double h, double s, double v) {
  double r = 0, g = 0, b = 0;
  double x = h * 6;
  int sector = std::min(static_cast<int>(x), 5);
  double f = x - sector, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (sector) {
    case 0:
      r = v, g = t, b = p;
      break;
    case 1:
      r = q, g = v, b = p;
      break;
    case 2:
      r = p, g = v, b = t;
      break;
    case 3:
      r = p, g = q, b = v;
      break;
    case 4:
      r = t, g = p, b = v;
      break;
    default:
      r = v, g = p, b = q;
      break;
  }
  auto byte = [](double c) {
    return static_cast<uint8_t>(std::lround(std::clamp(c, 0.0, 1.0) * 255));
  };
  return {byte(r), byte(g), byte(b)};
}

Vec2 clamp_workspace(Vec2 p) {
  const double w = world::kWorkspaceHalf;
  return {std::clamp(p.x, -w, w), std::clamp(p.y, -w, w)};
}

}  // namespace

PushObject make_push_object(ShapeKind shape, Rng& rng) {
  PushObject o;
  o.shape = shape;
  double inertia_per_kg = 0;
  switch (shape) {
    case ShapeKind::kDisc: {
      double r = rng.uniform(0.028, 0.055);
      o.discs = {{{0, 0}, r}};
      inertia_per_kg = r * r / 2;
      break;
    }
    case ShapeKind::kSquare: {
      double h = rng.uniform(0.025, 0.045);
      o.outline = {{h, h}, {-h, h}, {-h, -h}, {h, -h}};
      o.discs = {{{0, 0}, h}};
      // Corner discs make the square hit like a square, not like its inscribed circle.
      for (Vec2 c : o.outline) o.discs.push_back({c * 0.62, 0.38 * h});
      inertia_per_kg = 2 * h * h / 3;
      break;
    }
    case ShapeKind::kBar: {
      double l = rng.uniform(0.05, 0.08), w = rng.uniform(0.016, 0.024);
      o.outline = {{l, w}, {-l, w}, {-l, -w}, {l, -w}};
      int count = static_cast<int>(std::ceil((l - w) / (0.8 * w))) + 1;
      for (int i = 0; i < count; ++i) {
        o.discs.push_back({{-(l - w) + 2 * (l - w) * i / (count - 1), 0}, w});
      }
      inertia_per_kg = (l * l + w * w) / 3;
      break;
    }
    case ShapeKind::kTriangle: {
      double r = rng.uniform(0.038, 0.06);  // circumradius
      o.discs = {{{0, 0}, r / 2}};
      for (int k = 0; k < 3; ++k) {
        double a = kTwoPi / 4 + k * kTwoPi / 3;
        Vec2 v{r * std::cos(a), r * std::sin(a)};
        o.outline.push_back(v);
        // Largest disc that fits the corner (60 degrees) halfway out.
        o.discs.push_back({v * 0.5, r / 4});
      }
      inertia_per_kg = r * r / 4;
      break;
    }
  }
  for (const BodyDisc& d : o.discs)
    o.bound_radius = std::max(o.bound_radius, norm(d.offset) + d.radius);
  for (Vec2 v : o.outline) o.bound_radius = std::max(o.bound_radius, norm(v));
  o.height = rng.uniform(0.025, 0.05);
  o.colour = hsv_to_rgb(rng.uniform(), rng.uniform(0.55, 0.95), rng.uniform(0.55, 0.95));
  o.angle = rng.uniform(0, kTwoPi);
  o.inertia_per_kg = inertia_per_kg;
  draw_hidden(o, rng);
  return o;
}

void draw_hidden(PushObject& o, Rng& rng) {
  // Independent of looks and size: the frames must not give them away.
  o.mass = rng.log_uniform(0.1, 2.0);
  o.inertia = o.mass * o.inertia_per_kg;
  o.friction = rng.log_uniform(0.04, 0.5);
}

void draw_hidden(PhysicsParams& p, Rng& rng) {
  p.gripper_restitution = rng.uniform(0.0, 0.5);
  p.object_restitution = rng.uniform(0.1, 0.6);
}

PushingWorld::PushingWorld(uint64_t seed, int image_size, double actuation_noise)
    : renderer_(mix_seed(seed, 1), image_size),
      planner_(mix_seed(seed, 2)),
      actuation_rng_(mix_seed(seed, 4)) {
  set_actuation_noise(actuation_noise);
  Rng rng(mix_seed(seed, 0));
  draw_hidden(physics_, rng);

  int count = 1 + rng.index(3);
  for (int i = 0; i < count; ++i) {
    PushObject o = make_push_object(static_cast<ShapeKind>(rng.index(4)), rng);
    for (int attempt = 0; attempt < 100; ++attempt) {
      o.pos = {rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)};
      bool clear = std::all_of(objects_.begin(), objects_.end(), [&](const PushObject& other) {
        return norm(o.pos - other.pos) > o.bound_radius + other.bound_radius + 0.015;
      });
      if (clear) {
        objects_.push_back(o);
        break;
      }
    }
  }

  for (int attempt = 0; attempt < 100; ++attempt) {
    gripper_.pos = {rng.uniform(-0.22, 0.22), rng.uniform(-0.22, 0.22)};
    bool clear = std::all_of(objects_.begin(), objects_.end(), [&](const PushObject& o) {
      return norm(o.pos - gripper_.pos) > o.bound_radius + world::kGripperRadius + 0.01;
    });
    if (clear) break;
  }
  gripper_.z = rng.chance(0.35) ? rng.uniform(0.08, 0.15) : world::kPushZ;
  plan();
}

void PushingWorld::set_actuation_noise(double actuation_noise) {
  if (!(actuation_noise >= 0 && actuation_noise <= 1)) {
    throw std::invalid_argument("actuation noise must be in [0, 1], got " +
                                std::to_string(actuation_noise));
  }
  actuation_noise_ = actuation_noise;
}

void PushingWorld::resample_hidden(uint64_t seed) {
  Rng rng(mix_seed(seed, 3));
  draw_hidden(physics_, rng);
  for (PushObject& o : objects_) draw_hidden(o, rng);
  actuation_rng_ = Rng(mix_seed(seed, 5));
}

cv::Mat PushingWorld::render() const { return renderer_.render(objects_, gripper_); }

std::array<float, 4> PushingWorld::action() const {
  return {static_cast<float>(action_[0]), static_cast<float>(action_[1]),
          static_cast<float>(action_[2]), static_cast<float>(action_[3])};
}

std::array<float, 3> PushingWorld::position() const {
  return {static_cast<float>(gripper_.pos.x), static_cast<float>(gripper_.pos.y),
          static_cast<float>(gripper_.z)};
}

void PushingWorld::step() { step(action()); }

void PushingWorld::step(const std::array<float, 4>& a) {
  Vec2 move{a[0], a[1]};
  if (actuation_noise_ > 0) {
    // Both draws always happen, so the noise stream stays aligned with the frame index.
    const double sd = actuation_noise_ * norm(move);
    const double nx = actuation_rng_.normal(), ny = actuation_rng_.normal();
    move += Vec2{sd * nx, sd * ny};
  }
  Vec2 target = clamp_workspace(gripper_.pos + move);
  double target_z = std::clamp(gripper_.z + a[2], world::kMinZ, world::kMaxZ);
  simulate_frame(objects_, gripper_, target, target_z, physics_);
  // The fingers take two frames to open or close fully.
  double wanted = a[3] < 0 ? 1.0 : 0.0;
  gripper_.opening += std::clamp(wanted - gripper_.opening, -0.5, 0.5);
  ++frame_;
  plan();
}

void PushingWorld::plan() { action_ = planner_.next_action(objects_, gripper_); }

}  // namespace foresight
