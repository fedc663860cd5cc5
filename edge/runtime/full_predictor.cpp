// Predictor on the full TorchScript runtime (.pt, torch::jit::load): needed for CUDA (a Jetson's
// GPU); inputs move to the module's device, results stay there. On the CPU the module is frozen
// and optimised at load (inference_graphs.hpp).
#include <ATen/Context.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include "common/model/cpu_packing.hpp"
#include "common/util/torch_compat.hpp"
#include "edge/runtime/inference_graphs.hpp"
#include "edge/runtime/predictor_loading.hpp"

namespace foresight::runtime_detail {
namespace {

class FullPredictor final : public Predictor {
 public:
  FullPredictor(torch::jit::Module module, ModelMetadata metadata, at::Device device)
      : module_(std::move(module)),
        metadata_(std::move(metadata)),
        device_(device),
        has_observe_(module_.find_method("observe").has_value()) {}

  const ModelMetadata& metadata() const override { return metadata_; }
  std::string runtime() const override { return "full"; }

  RecurrentState init_state(int64_t batch) override {
    c10::InferenceMode inference;
    return module_.get_method("init_state")({c10::IValue(batch)}).toTensorVector();
  }

  std::pair<at::Tensor, RecurrentState> step(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                             const at::Tensor& conds, const RecurrentState& state,
                                             bool first, const at::Tensor& noise) override {
    c10::InferenceMode inference;
    RecurrentState on_device;
    on_device.reserve(state.size());
    for (const auto& t : state) on_device.push_back(t.to(device_));
    auto out =
        module_.get_method("step")({x_obs.to(device_), cond_prev.to(device_), conds.to(device_),
                                    c10::List<at::Tensor>(on_device), first, noise.to(device_)});
    auto tuple = out.toTuple();
    return {tuple->elements()[0].toTensor(), tuple->elements()[1].toTensorVector()};
  }

  RecurrentState observe(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                         const RecurrentState& state, bool first,
                         const at::Tensor& noise) override {
    if (!has_observe_) return Predictor::observe(x_obs, cond_prev, state, first, noise);
    c10::InferenceMode inference;
    RecurrentState on_device;
    on_device.reserve(state.size());
    for (const auto& t : state) on_device.push_back(t.to(device_));
    return module_
        .get_method("observe")({x_obs.to(device_), cond_prev.to(device_),
                                c10::List<at::Tensor>(on_device), first, noise.to(device_)})
        .toTensorVector();
  }

 private:
  torch::jit::Module module_;
  ModelMetadata metadata_;
  at::Device device_;
  bool has_observe_;
};

}  // namespace

std::unique_ptr<Predictor> make_full_predictor(const std::filesystem::path& file,
                                               ModelMetadata metadata, const std::string& device) {
  if (device == "cuda" && !at::hasCUDA()) {
    throw std::runtime_error(
        "--device cuda: this LibTorch has no CUDA support or no GPU is visible");
  }
  const at::Device dev = device == "cuda" ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  try {
    torch::jit::ExtraFilesMap extra;
    use_safe_cpu_kernels();  // torch_compat.hpp: some CPU kernels give NaN on some CPUs
    torch::jit::Module module = torch::jit::load(file.string(), dev, extra);
    for (const char* method : {"init_state", "step"}) {
      if (!module.find_method(method)) {
        throw ModelLoadError(file.string() + ": the model has no `" + method +
                             "` method (not an SVG export?)");
      }
    }
    module.eval();
    // On the CPU, the model's own prepacked convolutions where it has them (conv_packing), else
    // frozen graphs with oneDNN convolutions (inference_graphs.hpp: older exports, pose models,
    // models exported without packing); a GPU runs the module as exported (cuDNN picks its own
    // algorithms).
    if (!dev.is_cuda()) {
      const bool packable = module.find_method("prepare_for_cpu") && cpu_weight_packing_wanted();
      const bool packed = packable && prepare_for_cpu(module);
      if (packable) log_weight_packing(file, packed);
      if (!packed) module = optimize_for_cpu_inference(module);
    }
    return std::make_unique<FullPredictor>(std::move(module), std::move(metadata), dev);
  } catch (...) {
    rethrow_as_load_error(file);
  }
}

}  // namespace foresight::runtime_detail
