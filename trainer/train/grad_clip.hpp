// Gradient clipping by the global norm, without a host synchronisation.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace foresight {

// Scales the gradients of `parameters` so that their global 2-norm is at most `max_norm`, as
// torch::nn::utils::clip_grad_norm_ does (coefficient max_norm / (norm + 1e-6), applied only when
// below 1), but with the coefficient kept in a tensor: LibTorch's version reads the norm back to
// the host, which stalls a GPU run once per iteration. Returns the norm before clipping (0-dim
// tensor on the gradients' device). Parameters without a gradient are skipped.
at::Tensor clip_grad_norm(const std::vector<at::Tensor>& parameters, double max_norm);

}  // namespace foresight
