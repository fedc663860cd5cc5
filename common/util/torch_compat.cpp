#include "common/util/torch_compat.hpp"

#include <ATen/Context.h>
#include <torch/optim/optimizer.h>

#include <sstream>
#include <type_traits>

namespace foresight {
namespace {

// The key Optimizer::state() files `impl` under; decided by the map's type, not by version
// numbers, so it follows whatever the headers say.
template <class Key>
Key state_key(c10::TensorImpl* impl) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream ss;  // what 1.13's c10::guts::to_string(impl) writes
    ss << static_cast<const void*>(impl);
    return ss.str();
  } else {
    return static_cast<Key>(impl);
  }
}

}  // namespace

torch::optim::OptimizerParamState* optimizer_param_state(torch::optim::Optimizer& optimizer,
                                                         const at::Tensor& param) {
  auto& state = optimizer.state();
  using Key = typename std::decay_t<decltype(state)>::key_type;
  const auto it = state.find(state_key<Key>(param.unsafeGetTensorImpl()));
  return it == state.end() ? nullptr : it->second.get();
}

void keep_cpu_fusion_off() { torch::jit::overrideCanFuseOnCPU(false); }

Float32MathGuard::Float32MathGuard()
    : cudnn_tf32_(at::globalContext().allowTF32CuDNN()),
      matmul_precision_(static_cast<int>(at::globalContext().float32MatmulPrecision())) {
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setFloat32MatmulPrecision(at::Float32MatmulPrecision::HIGHEST);
}

Float32MathGuard::~Float32MathGuard() {
  at::globalContext().setAllowTF32CuDNN(cudnn_tf32_);
  at::globalContext().setFloat32MatmulPrecision(
      static_cast<at::Float32MatmulPrecision>(matmul_precision_));
}

}  // namespace foresight
