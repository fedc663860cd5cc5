// Every schedule's value at chosen iterations against its formula.
#include <gtest/gtest.h>

#include <cmath>

#include "trainer/schedules/schedules.hpp"

namespace foresight {
namespace {

TEST(KlSchedule, NoneIsAlwaysOne) {
  KlSchedule s{KlAnneal::kNone, 4, 0.5};
  EXPECT_EQ(s.weight(0, 100), 1.0);
  EXPECT_EQ(s.weight(57, 100), 1.0);
}

TEST(KlSchedule, MonotonicRampsOnceThenHolds) {
  KlSchedule s{KlAnneal::kMonotonic, 4, 0.5};
  EXPECT_DOUBLE_EQ(s.weight(0, 1000), 0.0);
  EXPECT_DOUBLE_EQ(s.weight(250, 1000), 0.5);
  EXPECT_DOUBLE_EQ(s.weight(500, 1000), 1.0);
  EXPECT_DOUBLE_EQ(s.weight(999, 1000), 1.0);
}

TEST(KlSchedule, CyclicalFollowsFuEtAl) {
  // 4 cycles of 250 iterations; each ramps 0 -> 1 over its first 125, then holds at 1.
  KlSchedule s{KlAnneal::kCyclical, 4, 0.5};
  EXPECT_DOUBLE_EQ(s.weight(0, 1000), 0.0);
  EXPECT_DOUBLE_EQ(s.weight(50, 1000), 50.0 / 125.0);
  EXPECT_DOUBLE_EQ(s.weight(125, 1000), 1.0);
  EXPECT_DOUBLE_EQ(s.weight(249, 1000), 1.0);
  EXPECT_DOUBLE_EQ(s.weight(250, 1000), 0.0);
  EXPECT_DOUBLE_EQ(s.weight(300, 1000), 50.0 / 125.0);
  EXPECT_DOUBLE_EQ(s.weight(875, 1000), 1.0);
  // Ratio 1: our pose preset's setting (the seed report's is 0.5), a ramp over the whole cycle.
  KlSchedule r1{KlAnneal::kCyclical, 10, 1.0};
  EXPECT_DOUBLE_EQ(r1.weight(50, 1000), 0.5);
  EXPECT_DOUBLE_EQ(r1.weight(100, 1000), 0.0);
}

TEST(KlSchedule, ParsesNamesAndRejectsOthers) {
  EXPECT_EQ(parse_kl_anneal("cyclical"), KlAnneal::kCyclical);
  EXPECT_EQ(to_string(parse_kl_anneal("monotonic")), "monotonic");
  EXPECT_THROW(parse_kl_anneal("linear"), std::invalid_argument);
}

TEST(TeacherForcing, HoldsThenDecaysToTheLowerBound) {
  // The seed report: from epoch 20 by 0.01666 per epoch down to 0.001.
  TeacherForcingSchedule s{1.0, 20, 0.01666, 0.001};
  EXPECT_DOUBLE_EQ(s.ratio(0), 1.0);
  EXPECT_DOUBLE_EQ(s.ratio(19), 1.0);
  EXPECT_NEAR(s.ratio(20), 1.0 - 0.01666, 1e-12);
  EXPECT_NEAR(s.ratio(29), 1.0 - 10 * 0.01666, 1e-12);
  EXPECT_DOUBLE_EQ(s.ratio(200), 0.001);
  // The pose report: 1.0 for 10 epochs, then -0.1 per epoch.
  TeacherForcingSchedule p{1.0, 10, 0.1, 0.0};
  EXPECT_NEAR(p.ratio(10), 0.9, 1e-12);
  EXPECT_NEAR(p.ratio(14), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(p.ratio(30), 0.0);
}

TEST(CosineLr, StartsAtBaseEndsAtMinHalfwayIsMidpoint) {
  EXPECT_DOUBLE_EQ(cosine_lr(2e-3, 1e-5, 0, 100), 2e-3);
  EXPECT_NEAR(cosine_lr(2e-3, 1e-5, 50, 100), (2e-3 + 1e-5) / 2, 1e-15);
  EXPECT_NEAR(cosine_lr(2e-3, 1e-5, 100, 100), 1e-5, 1e-15);
  EXPECT_NEAR(cosine_lr(1.0, 0.0, 25, 100), 0.5 * (1 + std::cos(M_PI / 4)), 1e-12);
}

TEST(WarmupFactor, RampsLinearlyToOneThenStaysThere) {
  EXPECT_DOUBLE_EQ(warmup_factor(0, 0), 1.0);  // off
  EXPECT_DOUBLE_EQ(warmup_factor(0, 4), 0.25);
  EXPECT_DOUBLE_EQ(warmup_factor(1, 4), 0.5);
  EXPECT_DOUBLE_EQ(warmup_factor(3, 4), 1.0);
  EXPECT_DOUBLE_EQ(warmup_factor(4, 4), 1.0);
  EXPECT_DOUBLE_EQ(warmup_factor(1000, 4), 1.0);
}

}  // namespace
}  // namespace foresight
