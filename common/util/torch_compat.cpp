#include "common/util/torch_compat.hpp"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>
#include <torch/optim/optimizer.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

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

bool cpu_is_amd_zen5_or_later() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return false;
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  if (std::strcmp(vendor, "AuthenticAMD") != 0) return false;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  unsigned family = (eax >> 8) & 0xf;
  if (family == 0xf) family += (eax >> 20) & 0xff;
  return family >= 0x1a;
#else
  return false;
#endif
}

std::string onednn_off_reason(const char* setting, bool libtorch2, bool zen5_or_later) {
  const std::string choice = setting != nullptr ? setting : "";
  if (choice == "off") return "FORESIGHT_ONEDNN=off";
  if (choice == "on") return "";
  if (libtorch2 && zen5_or_later) return "LibTorch 2.x on an AMD Zen 5 or later CPU";
  return "";
}

void use_safe_cpu_kernels() {
  torch::jit::overrideCanFuseOnCPU(false);
  static std::once_flag once;
  std::call_once(once, [] {
    const char* setting = std::getenv("FORESIGHT_ONEDNN");
    // onednn_off_reason decides by the CPU for any other value; say so.
    if (setting != nullptr && std::strcmp(setting, "on") != 0 && std::strcmp(setting, "off") != 0) {
      spdlog::warn("FORESIGHT_ONEDNN={}: expected on or off; deciding by the CPU", setting);
    }
    const std::string why =
        onednn_off_reason(setting, FORESIGHT_TORCH_AT_LEAST(2, 0), cpu_is_amd_zen5_or_later());
    if (!why.empty() && at::globalContext().userEnabledMkldnn()) {
      at::globalContext().setUserEnabledMkldnn(false);
      spdlog::info("oneDNN off ({}): convolutions run on ATen's own CPU kernels", why);
    }
  });
}

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

namespace {

bool autocast_enabled(c10::DeviceType device) {
#if FORESIGHT_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled()
                                        : at::autocast::is_enabled();
#endif
}

at::ScalarType autocast_dtype(c10::DeviceType device) {
#if FORESIGHT_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype()
                                        : at::autocast::get_autocast_gpu_dtype();
#endif
}

void set_autocast(c10::DeviceType device, bool enabled, at::ScalarType dtype) {
#if FORESIGHT_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CPU) {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  } else {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  }
#endif
}

// Checked before LibTorch is asked anything: 2.x throws its own runtime_error for other types.
c10::DeviceType autocast_device(c10::DeviceType device) {
  if (device != c10::DeviceType::CPU && device != c10::DeviceType::CUDA) {
    throw std::invalid_argument("autocast: only CPU and CUDA devices, not " +
                                c10::DeviceTypeName(device));
  }
  return device;
}

}  // namespace

AutocastGuard::AutocastGuard(c10::DeviceType device, at::ScalarType dtype)
    : device_(autocast_device(device)),
      was_enabled_(autocast_enabled(device_)),
      old_dtype_(autocast_dtype(device_)) {
  set_autocast(device_, true, dtype);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  // As torch.autocast's exit: the cached lower-precision copies of the weights go with the
  // outermost region.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(device_, was_enabled_, old_dtype_);
}

}  // namespace foresight
