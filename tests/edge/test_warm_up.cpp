// Start-up warm-up: it runs the serving shapes through both runtimes and leaves no trace in the
// predictions that follow (same outputs as a predictor that was never warmed up).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "edge/runtime/predictor.hpp"
#include "edge/runtime/warm_up.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {

at::Tensor two_steps(Predictor& p, int64_t batch) {
  at::manual_seed(5);
  const ModelMetadata& m = p.metadata();
  const at::Tensor x = at::rand({batch, 3, m.image_size, m.image_size});
  const at::Tensor cond = at::rand({batch, m.condition_dim()});
  const at::Tensor conds = at::rand({1, batch, m.condition_dim()});
  const at::Tensor noise = at::randn({2, batch, m.z_dim});
  auto first = p.step(x, cond, conds, p.init_state(batch), true, noise);
  return p.step(x * 0.5, cond, conds, first.second, false, noise).first;
}

class WarmUp : public ::testing::TestWithParam<const char*> {};

TEST_P(WarmUp, RunsAndChangesNoPrediction) {
  auto cold = load_predictor(testing::tiny_model(GetParam()));
  auto warmed = load_predictor(testing::tiny_model(GetParam()));
  for (int64_t batch : {1, 3}) {
    EXPECT_GT(warm_up(*warmed, batch), 0.0);
    const at::Tensor want = two_steps(*cold, batch);
    const at::Tensor got = two_steps(*warmed, batch);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-6) << "batch " << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(Runtimes, WarmUp, ::testing::Values(".ptl", ".pt"),
                         [](const auto& info) { return std::string(info.param + 1); });

}  // namespace
}  // namespace foresight
