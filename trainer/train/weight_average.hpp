// An exponential moving average of the weights (Polyak averaging), the copy of the model that
// validation, checkpoints and export see while Adam keeps training the live one. Small batches
// make the live weights wander from one iteration to the next, and a rollout fed back on itself
// for hundreds of steps amplifies where they happen to be (docs/results.md); the average is a
// steadier model at no training cost.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace foresight {

class WeightAverage {
 public:
  // Averages `tensors` (the model's parameters, then its buffers; they stay owned by the model)
  // with `decay` in (0, 1). The average starts as a copy of the tensors.
  WeightAverage(std::vector<at::Tensor> tensors, double decay);

  // After optimiser step `step` (0-based): average = average + (1 - d) (live - average), with
  // d = min(decay, (1 + step) / (10 + step)), so that early steps, far from where the run ends,
  // are forgotten quickly. Integer buffers (BatchNorm's batch counter) are copied.
  void update(int64_t step);

  // Exchanges the live tensors' values with the average's, in place: call once to look at the
  // averaged model, once more to go back to training.
  void swap();

 private:
  std::vector<at::Tensor> live_;
  std::vector<at::Tensor> average_;
  double decay_;
};

}  // namespace foresight
