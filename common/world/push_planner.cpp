#include "common/world/push_planner.hpp"

#include <algorithm>

namespace foresight {
namespace {

constexpr double kMaxDz = 0.03;    // metres per frame
constexpr double kMaxDdz = 0.015;  // metres per frame^2: raising and lowering look eased
constexpr double kApproachMargin = 0.012;

Vec2 clamp_workspace(Vec2 p) {
  const double w = world::kWorkspaceHalf;
  return {std::clamp(p.x, -w, w), std::clamp(p.y, -w, w)};
}

Vec2 unit(Vec2 v) {
  double n = norm(v);
  return n > 1e-12 ? v * (1.0 / n) : Vec2{1, 0};
}

Vec2 limit(Vec2 v, double max_norm) {
  double n = norm(v);
  return n > max_norm ? v * (max_norm / n) : v;
}

// How far the object reaches from its centre in direction d (unit).
double extent(const PushObject& o, Vec2 d) {
  double e = 0;
  for (const BodyDisc& disc : o.discs)
    e = std::max(e, dot(rotate(disc.offset, o.angle), d) + disc.radius);
  return e;
}

bool in_workspace(Vec2 p) {
  return std::abs(p.x) <= world::kWorkspaceHalf && std::abs(p.y) <= world::kWorkspaceHalf;
}

double distance_to_segment(Vec2 c, Vec2 a, Vec2 b) {
  Vec2 ab = b - a;
  double len2 = dot(ab, ab);
  double t = len2 > 0 ? std::clamp(dot(c - a, ab) / len2, 0.0, 1.0) : 0.0;
  return norm(c - (a + ab * t));
}

}  // namespace

PushPlanner::PushPlanner(uint64_t seed) : rng_(seed) {
  max_speed_ = rng_.uniform(0.02, 0.035);
  max_accel_ = rng_.uniform(0.006, 0.012);
  noise_sigma_ = rng_.uniform(0.0005, 0.0025);
}

Vec2 PushPlanner::via_point(const PushObject& o) const {
  double side = o.bound_radius + world::kGripperRadius + 0.02;
  return o.pos + perp(direction_) * (via_side_ * side) - direction_ * (0.3 * o.bound_radius);
}

Vec2 PushPlanner::approach_point(const PushObject& o, Vec2 direction) const {
  double behind = extent(o, direction * -1.0) + world::kGripperRadius + kApproachMargin;
  return o.pos - direction * behind;
}

void PushPlanner::start_approach(const std::vector<PushObject>& objects, const Gripper& g) {
  mode_ = Mode::kApproach;
  frames_in_mode_ = 0;
  target_ = rng_.index(static_cast<int>(objects.size()));
  const PushObject& o = objects[target_];
  Vec2 from_gripper = unit(o.pos - g.pos);
  bool chosen = false;
  if (rng_.chance(0.35)) {
    // Push it on, away from where the gripper is (give or take 30 degrees): a short approach.
    Vec2 d = rotate(from_gripper, rng_.uniform(-0.5, 0.5));
    chosen = in_workspace(approach_point(o, d));
    if (chosen) direction_ = d;
  }
  // Otherwise towards a point in the middle of the bin (objects stuck at a wall make dull
  // sequences), from a side the gripper can reach; of two such directions, prefer the one that
  // needs the shorter way round the object.
  double best = -1e9;
  for (int k = 0, found = 0; !chosen && k < 8 && found < 2; ++k) {
    Vec2 goal{rng_.uniform(-0.16, 0.16), rng_.uniform(-0.16, 0.16)};
    Vec2 d = goal - o.pos;
    if (norm(d) < 0.06) {
      double a = rng_.uniform(0, 6.283185307179586);
      d = {std::cos(a), std::sin(a)};
    }
    d = d * (1.0 / norm(d));
    bool reachable = in_workspace(approach_point(o, d));
    found += reachable;
    double score = dot(d, from_gripper) + (reachable ? 10 : 0);
    if (score > best) {
      best = score;
      direction_ = d;
    }
  }
  plan_route(objects, g);
}

void PushPlanner::plan_route(const std::vector<PushObject>& objects, const Gripper& g) {
  const PushObject& o = objects[target_];
  // Go round the target when it is in the way: via a point beside it, on the gripper's side.
  Vec2 a = approach_point(o, direction_);
  via_ = distance_to_segment(o.pos, g.pos, a) < o.bound_radius + world::kGripperRadius;
  via_side_ = cross(direction_, g.pos - o.pos) >= 0 ? 1.0 : -1.0;
  Vec2 start = via_ ? via_point(o) : g.pos;
  // Go over other objects in the way instead of knocking them about (and sometimes just because).
  raised_ = rng_.chance(0.1);
  for (size_t i = 0; i < objects.size(); ++i) {
    const PushObject& other = objects[i];
    double clearance = other.bound_radius + world::kGripperRadius;
    if (static_cast<int>(i) != target_ &&
        (distance_to_segment(other.pos, g.pos, start) < clearance ||
         distance_to_segment(other.pos, start, a) < clearance)) {
      raised_ = true;
    }
  }
  raise_z_ = rng_.uniform(0.09, 0.15);
  open_ = raised_ && rng_.chance(0.3);
}

void PushPlanner::choose_after_push(const std::vector<PushObject>& objects, const Gripper& g) {
  double r = rng_.uniform();
  if (r < 0.6) {
    start_approach(objects, g);
  } else if (r < 0.85) {
    mode_ = Mode::kWander;
    frames_in_mode_ = 0;
    mode_frames_ = 4 + rng_.index(6);
    const double w = 0.8 * world::kWorkspaceHalf;
    waypoint_ = {rng_.uniform(-w, w), rng_.uniform(-w, w)};
    raised_ = rng_.chance(0.4);
    raise_z_ = rng_.uniform(0.09, 0.15);
    open_ = raised_ && rng_.chance(0.5);
  } else {
    mode_ = Mode::kPause;
    frames_in_mode_ = 0;
    mode_frames_ = 2 + rng_.index(3);
  }
}

void PushPlanner::update_mode(const std::vector<PushObject>& objects, const Gripper& g) {
  switch (mode_) {
    case Mode::kApproach: {
      double d = norm(approach_point(objects[target_], direction_) - g.pos);
      const PushObject& o = objects[target_];
      bool behind = dot(unit(o.pos - g.pos), direction_) > 0.5;
      if (frames_in_mode_ > 16 && !behind) {
        // Taking too long to get round: push it from where the gripper is instead.
        direction_ = unit(o.pos - g.pos);
        frames_in_mode_ = 0;
        plan_route(objects, g);
        break;
      }
      // Give up perfection after a while: pushing from slightly off still pushes.
      if ((d < 0.02 && g.z < world::kContactHeight) || frames_in_mode_ > 16) {
        mode_ = Mode::kPush;
        frames_in_mode_ = 0;
        contact_frames_ = 0;
        mode_frames_ = 5 + rng_.index(10);
      }
      break;
    }
    case Mode::kPush: {
      // The push lasts mode_frames_ frames of contact (or gives up when the object got away).
      const PushObject& o = objects[target_];
      double gap = norm(o.pos - g.pos) - extent(o, unit(g.pos - o.pos)) - world::kGripperRadius;
      if (gap < 0.01) ++contact_frames_;
      Vec2 front = o.pos + direction_ * (extent(o, direction_) + 0.02);
      bool at_wall = std::abs(front.x) > world::kWallHalf || std::abs(front.y) > world::kWallHalf;
      bool ahead = dot(o.pos - g.pos, direction_) < 0;  // the gripper went past it
      bool lost = gap > 0.12 || ahead || frames_in_mode_ > mode_frames_ + 8;
      if (contact_frames_ >= mode_frames_ || at_wall || lost) choose_after_push(objects, g);
      break;
    }
    case Mode::kWander:
      if (frames_in_mode_ >= mode_frames_ || norm(waypoint_ - g.pos) < 0.02) {
        start_approach(objects, g);
      }
      break;
    case Mode::kPause:
      if (frames_in_mode_ >= mode_frames_) start_approach(objects, g);
      break;
  }
}

std::array<double, 4> PushPlanner::next_action(const std::vector<PushObject>& objects,
                                               const Gripper& g) {
  if (objects.empty()) {
    mode_ = Mode::kPause;  // nothing to push: hold still
  } else if (!started_) {
    started_ = true;
    start_approach(objects, g);
  } else {
    ++frames_in_mode_;
    update_mode(objects, g);
  }

  Vec2 goal = g.pos;
  double goal_z = g.z, speed = max_speed_;
  switch (mode_) {
    case Mode::kApproach: {
      const PushObject& o = objects[target_];
      if (via_ && norm(via_point(o) - g.pos) < 0.03) via_ = false;
      goal = via_ ? via_point(o) : approach_point(o, direction_);
      // Come down early enough to arrive low, and stay down from then on.
      if (!via_ && norm(goal - g.pos) < 0.04 + 1.2 * (g.z - world::kPushZ)) raised_ = false;
      goal_z = raised_ ? raise_z_ : world::kPushZ;
      break;
    }
    case Mode::kPush: {
      // Track a point ahead of the object: the push stays on it when it slides sideways.
      const PushObject& o = objects[target_];
      goal = o.pos + direction_ * (extent(o, direction_) + 0.06);
      goal_z = world::kPushZ;
      speed = 0.8 * max_speed_;
      break;
    }
    case Mode::kWander:
      goal = waypoint_;
      goal_z = raised_ ? raise_z_ : world::kPushZ;
      break;
    case Mode::kPause:
      break;
  }

  Vec2 to = goal - g.pos;
  double dist = norm(to);
  // Slow down when arriving, but not at a via point.
  double arrive = mode_ == Mode::kApproach && via_ ? speed : std::min(speed, 0.5 * dist);
  Vec2 wanted = dist > 1e-9 ? to * (arrive / dist) : Vec2{};
  // The wobble rides on top of the controlled velocity; it must not accumulate into it.
  Vec2 base = g.vel - noise_;
  base += limit(wanted - base, max_accel_);
  noise_ = noise_ * 0.7 + Vec2{rng_.normal(), rng_.normal()} * noise_sigma_;
  Vec2 v = limit(base + noise_, 1.2 * max_speed_);
  Vec2 next = clamp_workspace(g.pos + v);

  double wanted_dz = std::clamp(0.5 * (goal_z - g.z), -kMaxDz, kMaxDz);
  double dz = g.vz + std::clamp(wanted_dz - g.vz, -kMaxDdz, kMaxDdz);
  double next_z = std::clamp(g.z + dz, world::kMinZ, world::kMaxZ);

  // Open only up in the air; fingers close again before coming down.
  double gripper = open_ && goal_z > world::kContactHeight && g.z > 0.06 ? -1.0 : 1.0;
  return {next.x - g.pos.x, next.y - g.pos.y, next_z - g.z, gripper};
}

}  // namespace foresight
