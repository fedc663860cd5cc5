// The weights' moving average (trainer/train/weight_average.hpp): its arithmetic, the warm-up,
// swapping in and out, and what it leaves alone.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "trainer/train/weight_average.hpp"

namespace foresight {
namespace {

TEST(WeightAverage, MovesTowardTheLiveWeightsByOneMinusTheDecay) {
  at::Tensor w = at::zeros({3});
  WeightAverage avg({w}, 0.9);
  w.fill_(1.0);
  avg.update(1000);  // past the warm-up: d = 0.9
  avg.swap();
  EXPECT_TRUE(at::allclose(w, at::full({3}, 0.1))) << w;
  avg.swap();
  EXPECT_TRUE(at::equal(w, at::ones({3})));  // the live weights come back as they were
  avg.update(1000);                          // 0.1 + 0.1 * (1 - 0.1)
  avg.swap();
  EXPECT_TRUE(at::allclose(w, at::full({3}, 0.19))) << w;
}

TEST(WeightAverage, EarlyStepsAreForgottenQuickly) {
  // Step 0: d = min(0.999, 1/10), so the average jumps 90% of the way to the live weights
  // instead of keeping 99.9% of the random initialisation.
  at::Tensor w = at::zeros({2});
  WeightAverage avg({w}, 0.999);
  w.fill_(1.0);
  avg.update(0);
  avg.swap();
  EXPECT_TRUE(at::allclose(w, at::full({2}, 0.9))) << w;
}

TEST(WeightAverage, UnchangedTensorsStayBitForBitAndIntegersAreCopied) {
  // Normalisation statistics that never change (the condition scaler's) must not pick up
  // rounding from the average; BatchNorm's batch counter is an integer and is copied.
  at::Tensor stats = at::randn({5}, at::kDouble).to(at::kFloat) * 1e-3 + 0.1234567f;
  const at::Tensor original = stats.clone();
  at::Tensor counter = at::zeros({}, at::kLong);
  WeightAverage avg({stats, counter}, 0.99);
  counter.fill_(7);
  for (int step = 0; step < 50; ++step) avg.update(step);
  avg.swap();
  EXPECT_TRUE(at::equal(stats, original));
  EXPECT_EQ(counter.item<int64_t>(), 7);
}

TEST(WeightAverage, RejectsADecayOutsideZeroOne) {
  EXPECT_THROW(WeightAverage({at::zeros({1})}, 1.0), std::invalid_argument);
  EXPECT_THROW(WeightAverage({at::zeros({1})}, 0.0), std::invalid_argument);
}

}  // namespace
}  // namespace foresight
