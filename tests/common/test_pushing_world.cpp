// PushingWorld: determinism, frame format, the action/position convention, pushes that move
// objects, hidden properties that change the outcome, and a copy-last-frame baseline that leaves
// something to predict.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "common/world/pushing_physics.hpp"
#include "common/world/pushing_world.hpp"
#include "common/world/rng.hpp"

namespace foresight {
namespace {

constexpr int kFrames = 30;

TEST(PushingWorld, SameSeedGivesIdenticalFramesAndConditions) {
  PushingWorld a(42), b(42);
  for (int t = 0; t < 12; ++t) {
    if (t > 0) {
      a.step();
      b.step();
    }
    ASSERT_EQ(cv::norm(a.render(), b.render(), cv::NORM_INF), 0) << "frame " << t;
    ASSERT_EQ(a.action(), b.action()) << "frame " << t;
    ASSERT_EQ(a.position(), b.position()) << "frame " << t;
  }
}

TEST(PushingWorld, DifferentSeedsGiveDifferentScenes) {
  PushingWorld a(1), b(2);
  EXPECT_GT(cv::norm(a.render(), b.render(), cv::NORM_L1), 0);
  EXPECT_NE(a.position(), b.position());
}

TEST(PushingWorld, RendersRgbFramesOfTheRequestedSize) {
  for (int size : {64, 32}) {
    cv::Mat frame = PushingWorld(3, size).render();
    EXPECT_EQ(frame.type(), CV_8UC3);
    EXPECT_EQ(frame.rows, size);
    EXPECT_EQ(frame.cols, size);
  }
  EXPECT_THROW(PushingWorld(3, 0), std::invalid_argument);
}

TEST(PushingWorld, ActionMovesTheEndEffectorToTheNextPosition) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    PushingWorld world(seed);
    for (int t = 0; t + 1 < kFrames; ++t) {
      auto p = world.position();
      auto a = world.action();
      EXPECT_LE(std::abs(p[0]), world::kWorkspaceHalf + 1e-6);
      EXPECT_LE(std::abs(p[1]), world::kWorkspaceHalf + 1e-6);
      EXPECT_GE(p[2], world::kMinZ - 1e-6);
      EXPECT_LE(p[2], world::kMaxZ + 1e-6);
      EXPECT_LE(std::hypot(a[0], a[1]), 0.045);
      EXPECT_LE(std::abs(a[2]), 0.031);
      EXPECT_TRUE(a[3] == 1.0f || a[3] == -1.0f) << a[3];
      world.step();
      auto next = world.position();
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(next[k], p[k] + a[k], 1e-6) << "seed " << seed;
    }
  }
}

TEST(PushingWorld, OutsideActionsAreAppliedAndClampedToTheWorkspace) {
  PushingWorld world(5);
  for (int t = 0; t < 20; ++t) world.step({0.05f, 0.0f, 0.05f, -1.0f});
  EXPECT_NEAR(world.position()[0], world::kWorkspaceHalf, 1e-6);
  EXPECT_NEAR(world.position()[2], world::kMaxZ, 1e-6);
  EXPECT_NEAR(world.gripper().opening, 1.0, 1e-9);
  EXPECT_EQ(world.frame_index(), 20);
}

// With actuation noise the arm misses each commanded move by the stated fraction of its length
// (per axis, zero mean); height and gripper follow the command; the same seed repeats itself.
TEST(PushingWorld, ActuationNoiseMissesTheCommandedMoveByItsFraction) {
  constexpr double kNoise = 0.3;
  double sum_sq = 0, sum_err = 0, sum_len_sq = 0;
  int moves = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PushingWorld world(seed, 64, kNoise), twin(seed, 64, kNoise);
    for (int t = 0; t + 1 < kFrames; ++t) {
      const auto p = world.position();
      const auto a = world.action();
      world.step();
      twin.step();
      const auto next = world.position();
      ASSERT_EQ(next, twin.position()) << "seed " << seed << " frame " << t;
      EXPECT_NEAR(next[2], std::clamp(p[2] + a[2], float(world::kMinZ), float(world::kMaxZ)), 1e-6);
      const bool clamped = std::abs(next[0]) > world::kWorkspaceHalf - 1e-6 ||
                           std::abs(next[1]) > world::kWorkspaceHalf - 1e-6;
      const double len = std::hypot(a[0], a[1]);
      if (clamped || len < 1e-4) continue;
      for (int k = 0; k < 2; ++k) {
        const double err = next[k] - (p[k] + a[k]);
        sum_err += err / len;
        sum_sq += err * err;
      }
      sum_len_sq += 2 * len * len;
      ++moves;
    }
  }
  ASSERT_GT(moves, 200);
  EXPECT_NEAR(std::sqrt(sum_sq / sum_len_sq), kNoise, 0.05);
  EXPECT_NEAR(sum_err / (2 * moves), 0.0, 0.05);
}

TEST(PushingWorld, NoActuationNoiseIsTheExactWorldAndOutOfRangeIsRefused) {
  PushingWorld exact(7), zero(7, 64, 0.0), noisy(7, 64, 0.5);
  for (int t = 0; t < 12; ++t) {
    exact.step();
    zero.step();
    noisy.step();
  }
  EXPECT_EQ(cv::norm(exact.render(), zero.render(), cv::NORM_INF), 0);
  EXPECT_EQ(exact.position(), zero.position());
  EXPECT_NE(exact.position(), noisy.position());
  EXPECT_THROW(PushingWorld(7, 64, -0.1), std::invalid_argument);
  EXPECT_THROW(PushingWorld(7, 64, 1.5), std::invalid_argument);
  EXPECT_THROW(PushingWorld(7, 64, std::nan("")), std::invalid_argument);
}

// The noise still to come is hidden too: resampling redraws it, so the arm of a resampled world
// ends up elsewhere under the same commands, while the past stays as it was.
TEST(PushingWorld, ResamplingRedrawsTheActuationNoiseStillToCome) {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    PushingWorld truth(seed, 64, 0.3), other(seed, 64, 0.3);
    for (int t = 0; t < 3; ++t) {
      truth.step();
      other.step();
    }
    ASSERT_EQ(truth.position(), other.position());
    other.resample_hidden(99);
    bool differs = false;
    for (int t = 0; t < 10; ++t) {
      const auto a = truth.action();
      truth.step();
      other.step(a);
      differs |= truth.position() != other.position();
    }
    EXPECT_TRUE(differs) << "seed " << seed;
  }
}

// Largest distance (output pixels) any object travelled over a sequence.
double max_object_displacement(uint64_t seed) {
  PushingWorld world(seed);
  std::vector<cv::Point2d> start;
  for (const PushObject& o : world.objects()) start.push_back(world.to_pixel(o.pos));
  for (int t = 1; t < kFrames; ++t) world.step();
  double moved = 0;
  for (size_t i = 0; i < start.size(); ++i) {
    moved = std::max(moved, cv::norm(world.to_pixel(world.objects()[i].pos) - start[i]));
  }
  return moved;
}

TEST(PushingWorld, PushesMoveObjectsInMostSequences) {
  int moved = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) moved += max_object_displacement(seed) > 3.0;
  EXPECT_GE(moved, 28) << "of 40 sequences";
}

TEST(PushingWorld, GripperIsRaisedNowAndThen) {
  int raised_sequences = 0, raised_frames = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    PushingWorld world(seed);
    bool raised = false;
    for (int t = 0; t < kFrames; ++t) {
      if (t > 0) world.step();
      bool up = world.position()[2] > 0.06f;
      raised |= up;
      raised_frames += up;
    }
    raised_sequences += raised;
  }
  EXPECT_GE(raised_sequences, 8);
  EXPECT_LT(raised_frames, 40 * kFrames / 2);  // mostly pushing, not flying about
}

TEST(PushingWorld, HiddenPropertiesVaryAcrossSequences) {
  double min_mass = 1e9, max_mass = 0, min_friction = 1e9, max_friction = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PushingWorld world(seed);
    for (const PushObject& o : world.objects()) {
      min_mass = std::min(min_mass, o.mass);
      max_mass = std::max(max_mass, o.mass);
      min_friction = std::min(min_friction, o.friction);
      max_friction = std::max(max_friction, o.friction);
    }
  }
  EXPECT_GT(max_mass / min_mass, 3);
  EXPECT_GT(max_friction / min_friction, 3);
}

PushObject test_disc(double mass, double friction) {
  Rng rng(7);
  PushObject disc = make_push_object(ShapeKind::kDisc, rng);
  disc.inertia *= mass / disc.mass;
  disc.mass = mass;
  disc.friction = friction;
  return disc;
}

// Pushes a row of discs (given left to right) rightwards with the fingers for `frames` frames at
// 3 cm a frame, stops, lets everything come to rest, and returns where the last disc ends up.
double push_row(std::vector<PushObject> row, int frames) {
  double x = -0.15;
  for (PushObject& o : row) {
    o.pos = {x, 0};
    x += 2 * o.bound_radius + 0.01;
  }
  Gripper gripper;
  gripper.pos = {row.front().pos.x - row.front().bound_radius - world::kGripperRadius - 0.01, 0};
  PhysicsParams physics;
  for (int t = 0; t < frames; ++t) {
    simulate_frame(row, gripper, gripper.pos + Vec2{0.03, 0}, gripper.z, physics);
  }
  for (int t = 0; t < 30; ++t) simulate_frame(row, gripper, gripper.pos, gripper.z, physics);
  return row.back().pos.x;
}

TEST(PushingWorld, HiddenPropertiesChangeTheOutcomeOfTheSamePush) {
  // Same actions, different futures: a slippery object slides on after the push...
  EXPECT_GT(push_row({test_disc(1.0, 0.04)}, 6), push_row({test_disc(1.0, 0.5)}, 6) + 0.05);
  // ...and a heavy object knocked by another slides less far than a light one.
  EXPECT_GT(push_row({test_disc(0.1, 0.2), test_disc(0.1, 0.2)}, 4),
            push_row({test_disc(0.1, 0.2), test_disc(2.0, 0.2)}, 4) + 0.01);
}

// resample_hidden keeps the scene and the frame, and changes only what is hidden: under the same
// actions, the futures of sequences that push something then differ.
TEST(PushingWorld, ResampledHiddenPropertiesKeepTheSceneAndChangeSomeFutures) {
  int differing = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    PushingWorld truth(seed), other(seed);
    other.resample_hidden(99);
    ASSERT_EQ(truth.objects().size(), other.objects().size());
    bool changed_hidden = false;
    for (size_t i = 0; i < truth.objects().size(); ++i) {
      EXPECT_EQ(truth.objects()[i].pos.x, other.objects()[i].pos.x);
      EXPECT_EQ(truth.objects()[i].colour, other.objects()[i].colour);
      changed_hidden |= truth.objects()[i].mass != other.objects()[i].mass;
      EXPECT_DOUBLE_EQ(truth.objects()[i].inertia / truth.objects()[i].mass,
                       other.objects()[i].inertia / other.objects()[i].mass);
    }
    EXPECT_TRUE(changed_hidden) << seed;
    EXPECT_EQ(cv::norm(truth.render(), other.render(), cv::NORM_L1), 0.0) << seed;
    bool differs = false;
    for (int t = 0; t < kFrames; ++t) {
      const auto a = truth.action();
      truth.step();
      other.step(a);
      differs |= cv::norm(truth.render(), other.render(), cv::NORM_L1) > 0;
    }
    differing += differs;
  }
  EXPECT_GT(differing, 2);
}

TEST(PushingWorld, PushedObjectsDoNotOverlapTheFingersOrEachOther) {
  // A light object pushed into a heavy one must not be squeezed through the fingers.
  std::vector<PushObject> row{test_disc(0.1, 0.2), test_disc(2.0, 0.2)};
  row[0].pos = {-0.15, 0};
  row[1].pos = {-0.15 + 2 * row[0].bound_radius + 0.01, 0};
  Gripper gripper;
  gripper.pos = {-0.15 - row[0].bound_radius - world::kGripperRadius - 0.01, 0};
  for (int t = 0; t < 6; ++t) {
    simulate_frame(row, gripper, gripper.pos + Vec2{0.03, 0}, gripper.z, PhysicsParams{});
    double r = row[0].bound_radius;
    EXPECT_GT(norm(row[0].pos - gripper.pos), r + world::kGripperRadius - 0.002) << "frame " << t;
    EXPECT_GT(norm(row[1].pos - row[0].pos), 2 * r - 0.002) << "frame " << t;
  }
}

TEST(PushingWorld, CopyLastFrameBaselineIsFiniteAndBelow40dB) {
  for (uint64_t seed = 0; seed < 8; ++seed) {
    PushingWorld world(seed);
    cv::Mat previous, current;
    double mse = 0;
    for (int t = 0; t <= 12; ++t) {
      if (t > 0) world.step();
      world.render().convertTo(current, CV_64FC3, 1.0 / 255);
      if (t >= 3) {
        cv::Mat diff = current - previous;
        cv::Scalar squared = cv::sum(diff.mul(diff));
        mse += (squared[0] + squared[1] + squared[2]) / (3.0 * static_cast<double>(diff.total()));
      }
      std::swap(previous, current);
    }
    double psnr = 10 * std::log10(1 / (mse / 10));
    EXPECT_TRUE(std::isfinite(psnr)) << "seed " << seed;
    EXPECT_LT(psnr, 40) << "seed " << seed;
  }
}

}  // namespace
}  // namespace foresight
