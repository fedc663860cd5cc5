#include "edge/runtime/warm_up.hpp"

#include <ATen/ATen.h>

#include <chrono>

namespace foresight {

double warm_up(Predictor& predictor, int64_t batch, int calls) {
  const ModelMetadata& m = predictor.metadata();
  const auto t0 = std::chrono::steady_clock::now();
  const at::Tensor x = at::zeros({batch, m.channels, m.frame_height(), m.frame_width()});
  const at::Tensor cond = at::zeros({batch, m.condition_dim()});
  const at::Tensor conds = at::zeros({1, batch, m.condition_dim()});
  const at::Tensor noise = at::zeros({2, batch, m.z_dim});
  RecurrentState state = predictor.init_state(batch);
  for (int i = 0; i < calls; ++i) {
    state = predictor.step(x, cond, conds, state, i == 0, noise).second;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace foresight
