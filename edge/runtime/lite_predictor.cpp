// Predictor on LibTorch's lite interpreter (.ptl, torch::jit::_load_for_mobile): the runtime of
// small devices, CPU only.
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>

#include "common/model/cpu_packing.hpp"
#include "common/util/torch_compat.hpp"
#include "edge/runtime/predictor_loading.hpp"

namespace foresight::runtime_detail {
namespace {

class LitePredictor final : public Predictor {
 public:
  LitePredictor(torch::jit::mobile::Module module, ModelMetadata metadata)
      : module_(std::move(module)),
        metadata_(std::move(metadata)),
        has_observe_(module_.find_method("observe").has_value()) {}

  const ModelMetadata& metadata() const override { return metadata_; }
  std::string runtime() const override { return "lite"; }

  RecurrentState init_state(int64_t batch) override {
    c10::InferenceMode inference;
    return module_.get_method("init_state")({c10::IValue(batch)}).toTensorVector();
  }

  std::pair<at::Tensor, RecurrentState> step(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                             const at::Tensor& conds, const RecurrentState& state,
                                             bool first, const at::Tensor& noise) override {
    c10::InferenceMode inference;
    auto out = module_.get_method("step")(
        {x_obs, cond_prev, conds, c10::List<at::Tensor>(state), first, noise});
    auto tuple = out.toTuple();
    return {tuple->elements()[0].toTensor(), tuple->elements()[1].toTensorVector()};
  }

  RecurrentState observe(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                         const RecurrentState& state, bool first,
                         const at::Tensor& noise) override {
    if (!has_observe_) return Predictor::observe(x_obs, cond_prev, state, first, noise);
    c10::InferenceMode inference;
    return module_
        .get_method("observe")({x_obs, cond_prev, c10::List<at::Tensor>(state), first, noise})
        .toTensorVector();
  }

 private:
  torch::jit::mobile::Module module_;
  ModelMetadata metadata_;
  bool has_observe_;
};

}  // namespace

std::unique_ptr<Predictor> make_lite_predictor(const std::filesystem::path& file,
                                               ModelMetadata metadata) {
  try {
    torch::jit::ExtraFilesMap extra;
    use_safe_cpu_kernels();  // torch_compat.hpp: some CPU kernels give NaN on some CPUs
    auto module = torch::jit::_load_for_mobile(file.string(), at::Device(at::kCPU), extra);
    for (const char* method : {"init_state", "step"}) {
      if (!module.find_method(method)) {
        throw ModelLoadError(file.string() + ": the model has no `" + method +
                             "` method (not an SVG export?)");
      }
    }
    if (module.find_method("prepare_for_cpu") && cpu_weight_packing_wanted()) {
      c10::InferenceMode inference;
      log_weight_packing(file, module.get_method("prepare_for_cpu")({int64_t{1}}).toBool());
    }
    return std::make_unique<LitePredictor>(std::move(module), std::move(metadata));
  } catch (...) {
    rethrow_as_load_error(file);
  }
}

}  // namespace foresight::runtime_detail
