// The one place where Foresight meets the differences between LibTorch releases. The project
// builds against any LibTorch from 1.13 (Debian 12) up: Debian 13's 2.6, the official archives,
// the one inside a Python torch install. Code elsewhere uses these names instead of testing
// versions itself, so a new release means editing this file and nothing else.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>
#include <torch/version.h>

#include <string>

// True when the LibTorch being compiled against is at least major.minor. Usable in #if.
#define FORESIGHT_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||            \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace torch::optim {
class Optimizer;
class OptimizerParamState;
}  // namespace torch::optim

// Declared in torch/csrc/jit/codegen/fuser/interface.h, which Debian's libtorch-dev leaves out;
// libtorch_cpu exports both in 1.13 and 2.x alike.
namespace torch::jit {
TORCH_API bool canFuseOnCPU();
TORCH_API void overrideCanFuseOnCPU(bool value);
}  // namespace torch::jit

namespace foresight {

// The optional type of LibTorch's signatures (e.g. the device of torch::jit::load): its own
// c10::optional class in 1.13, an alias of std::optional from 2.1 on. A std::optional does not
// convert to 1.13's, so arguments for those signatures are spelled TorchOptional.
template <class T>
using TorchOptional = c10::optional<T>;

// "No value" for a TorchOptional argument, whichever type that is.
inline constexpr auto kTorchNone = c10::nullopt;

// The version this binary was compiled against ("2.6.0"); what model files and logs record.
inline std::string torch_version() { return TORCH_VERSION; }

// An optimiser's state for one of its parameters (e.g. torch::optim::AdamParamState with Adam's
// moments), or nullptr before its first step. The map's key is the parameter's TensorImpl
// address as a string in 1.13 and the address itself in 2.x.
torch::optim::OptimizerParamState* optimizer_param_state(torch::optim::Optimizer& optimizer,
                                                         const at::Tensor& param);

// Keeps the CPU kernels Foresight runs to the ones that compute correctly on this machine, for
// the whole process. Called wherever models are built or loaded; cheap and idempotent.
// - TorchScript's CPU fusion is off. LibTorch 2.x built with LLVM (Debian 13's 2.6) fuses
//   elementwise chains on the CPU with NNC; 1.13 (Debian 12's) never does. On an AMD Zen 5 CPU
//   the generated kernels returned NaN from a method's second call on (the profiling executor's
//   first call runs unfused); with CPU fusion off, finite every time. GPU fusion is left alone.
// - oneDNN (at::globalContext().userEnabledMkldnn()) is off with LibTorch 2.x on AMD CPUs of
//   family 1Ah and later (Zen 5): there Debian 13's 2.6 (oneDNN 3.7) gave NaN gradients and
//   occasional crashes that capping oneDNN at AVX2 removed, while 1.13 and the same build on Zen 4
//   pass. Convolutions then run on ATen's own kernels (im2col and BLAS). FORESIGHT_ONEDNN=on or
//   off overrides the choice; the first call logs it when oneDNN ends up off.
// docs/performance.md, "LibTorch 2.6 run", has the measurements.
void use_safe_cpu_kernels();

// True on an AMD CPU of family 1Ah (Zen 5) or later; false on other vendors and architectures.
bool cpu_is_amd_zen5_or_later();

// Why use_safe_cpu_kernels turns oneDNN off, or "" to leave it on: `setting` is
// FORESIGHT_ONEDNN's value ("on", "off"; nullptr or anything else: decided by the CPU).
std::string onednn_off_reason(const char* setting, bool libtorch2, bool zen5_or_later);

// While alive, operations on `device` tensors run under LibTorch's autocast in `dtype` (e.g.
// at::kBFloat16): convolutions, matmuls and LSTM cells in the lower precision, reductions and
// losses in float32, as Python's torch.autocast. Parameters stay float32, so the gradients and
// the optimiser's state do too. Restores the previous settings when destroyed. Scripted methods
// follow it when run as plain graphs (the trainer's GraphOptimizerEnabledGuard(false)); the
// profiling executor's own autocast pass does not apply it to CPU code in 1.13. 1.13 has one
// setter per device type, 2.x one taking the device type.
class AutocastGuard {
 public:
  AutocastGuard(c10::DeviceType device, at::ScalarType dtype);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  c10::DeviceType device_;
  bool was_enabled_;
  at::ScalarType old_dtype_;
};

// While alive, CUDA convolutions and matmuls run in full float32: Ampere and later GPUs default
// to TF32 in cuDNN (a 10-bit mantissa), which training keeps for speed but which tests comparing
// against the CPU cannot bound. Restores both settings when destroyed. Nothing changes on the
// CPU. LibTorch 2.9 added a per-backend precision API and deprecated these settings (they still
// work, with a warning once per process); if one release removes them, only the .cpp changes.
class Float32MathGuard {
 public:
  Float32MathGuard();
  ~Float32MathGuard();
  Float32MathGuard(const Float32MathGuard&) = delete;
  Float32MathGuard& operator=(const Float32MathGuard&) = delete;

 private:
  bool cudnn_tf32_;
  int matmul_precision_;  // at::Float32MatmulPrecision, kept out of this header
};

}  // namespace foresight
