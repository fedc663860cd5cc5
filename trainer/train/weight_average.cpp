#include "trainer/train/weight_average.hpp"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace foresight {

WeightAverage::WeightAverage(std::vector<at::Tensor> tensors, double decay)
    : live_(std::move(tensors)), decay_(decay) {
  if (!(decay > 0 && decay < 1)) {
    throw std::invalid_argument("weight average: decay must be in (0, 1), not " +
                                std::to_string(decay));
  }
  at::NoGradGuard no_grad;
  average_.reserve(live_.size());
  for (const at::Tensor& t : live_) average_.push_back(t.detach().clone());
}

void WeightAverage::update(int64_t step) {
  const double d = std::min(decay_, (1.0 + static_cast<double>(step)) / (10.0 + step));
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    if (at::isFloatingType(live_[i].scalar_type())) {
      // lerp leaves a tensor that does not change (normalisation statistics) bit for bit as is.
      average_[i].lerp_(live_[i].detach(), 1.0 - d);
    } else {
      average_[i].copy_(live_[i]);
    }
  }
}

void WeightAverage::swap() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live_.size(); ++i) {
    at::Tensor held = live_[i].detach().clone();
    live_[i].detach().copy_(average_[i]);
    average_[i].copy_(held);
  }
}

}  // namespace foresight
