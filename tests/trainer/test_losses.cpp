// KL terms against the closed form computed by hand, and the reparameterisation's statistics.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/model/svg_model.hpp"
#include "trainer/losses/losses.hpp"

namespace foresight {
namespace {

TEST(KlGaussian, MatchesClosedFormForOneDimension) {
  // KL(N(1, 2^2) || N(0, 1)) = log(1/2) + (4 + 1) / 2 - 1/2 = 2 - log 2
  auto mu1 = at::full({1, 1}, 1.0), lv1 = at::full({1, 1}, std::log(4.0));
  auto zero = at::zeros({1, 1});
  EXPECT_NEAR(kl_gaussian(mu1, lv1, zero, zero).item<double>(), 2.0 - std::log(2.0), 1e-6);
  // KL(N(0, 1) || N(2, 3^2)) = log 3 + (1 + 4) / 18 - 1/2
  auto mu2 = at::full({1, 1}, 2.0), lv2 = at::full({1, 1}, std::log(9.0));
  EXPECT_NEAR(kl_gaussian(zero, zero, mu2, lv2).item<double>(), std::log(3.0) + 5.0 / 18 - 0.5,
              1e-6);
}

TEST(KlGaussian, SumsOverDimsAndAveragesOverBatch) {
  auto mu = at::ones({4, 8}), lv = at::zeros({4, 8});
  auto zero = at::zeros({4, 8});
  // Each dim contributes 0.5 * mu^2 = 0.5; 8 dims; batch mean unchanged.
  EXPECT_NEAR(kl_gaussian(mu, lv, zero, zero).item<double>(), 4.0, 1e-6);
  EXPECT_NEAR(kl_gaussian(mu, lv, mu, lv).item<double>(), 0.0, 1e-7);
}

TEST(KlGaussian, FreeBitsRaiseEachDimToTheFloorAndKeepLargerOnes) {
  // Dim 0 carries 0.5 * 2^2 = 2 nats, dim 1 nothing; with a floor of 0.25 the sum is 2.25.
  auto mu = at::tensor({2.0f, 0.0f}).expand({3, 2}), lv = at::zeros({3, 2}),
       zero = at::zeros({3, 2});
  EXPECT_NEAR(kl_gaussian_free_bits(mu, lv, zero, zero, 0.25).item<double>(), 2.25, 1e-6);
  EXPECT_NEAR(kl_gaussian_free_bits(mu, lv, zero, zero, 0.0).item<double>(),
              kl_gaussian(mu, lv, zero, zero).item<double>(), 1e-6);
  // Below the floor the loss does not push the dim's information down: no gradient.
  auto m = at::full({3, 2}, 0.1).set_requires_grad(true);
  kl_gaussian_free_bits(m, lv, zero, zero, 0.25).backward();
  EXPECT_EQ(m.grad().abs().sum().item<double>(), 0.0);
}

TEST(Mse, IsTheMeanOfSquares) {
  auto a = at::zeros({2, 3, 4, 4}), b = at::full({2, 3, 4, 4}, 0.5);
  EXPECT_NEAR(mse(a, b).item<double>(), 0.25, 1e-7);
}

TEST(Reparameterisation, SamplesHaveTheRequestedMoments) {
  at::manual_seed(3);
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 8;
  c.z_dim = 2;
  c.rnn_size = 8;
  auto model = SvgModel::create(c);
  const int64_t n = 200000;
  auto mu = at::tensor({1.5f, -2.0f}).expand({n, 2});
  auto logvar = at::tensor({std::log(0.25f), std::log(4.0f)}).expand({n, 2});
  auto z = model.sample(mu, logvar, at::randn({n, 2}));
  auto mean = z.mean(0), std = z.std(0);
  EXPECT_NEAR(mean[0].item<double>(), 1.5, 0.01);
  EXPECT_NEAR(mean[1].item<double>(), -2.0, 0.02);
  EXPECT_NEAR(std[0].item<double>(), 0.5, 0.01);
  EXPECT_NEAR(std[1].item<double>(), 2.0, 0.02);
}

TEST(KlPerElement, IsTheClosedFormAveragedOverEveryElement) {
  // Per element KL(N(1, 2^2) || N(0, 1)) = 2 - log 2, whatever the tensor's shape.
  auto mu = at::ones({2, 12, 4, 8}), lv = at::full({2, 12, 4, 8}, std::log(4.0));
  EXPECT_NEAR(kl_standard_normal_per_element(mu, lv).item<double>(), 2.0 - std::log(2.0), 1e-6);
  // Doubling the latent doubles nothing: the term is normalised per element.
  auto mu2 = at::ones({2, 24, 4, 8}), lv2 = at::full({2, 24, 4, 8}, std::log(4.0));
  EXPECT_NEAR(kl_standard_normal_per_element(mu2, lv2).item<double>(),
              kl_standard_normal_per_element(mu, lv).item<double>(), 1e-6);  // float32 sums
  EXPECT_NEAR(kl_standard_normal_per_element(at::zeros({3, 5}), at::zeros({3, 5})).item<double>(),
              0.0, 1e-7);
  // Half the elements at KL 0.5 (mu 1), half at 0: the mean is 0.25.
  auto half = at::cat({at::ones({1, 4}), at::zeros({1, 4})}, 1);
  EXPECT_NEAR(kl_standard_normal_per_element(half, at::zeros({1, 8})).item<double>(), 0.25, 1e-7);
}

}  // namespace
}  // namespace foresight
