// The edge's model runtime. One interface hides whether an exported model runs on LibTorch's
// lite interpreter (.ptl, torch::jit::_load_for_mobile) or the full TorchScript runtime (.pt,
// torch::jit::load; needed for CUDA on a Jetson). Both call the module's `init_state`, `step` and
// (when present) `observe` methods, defined once per model family in common/model/script/
// (svg.torchscript, pose.torchscript); both families share the signature, so nothing here depends
// on the family.
#pragma once
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/model/model_metadata.hpp"

namespace foresight {

class ModelLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using RecurrentState = std::vector<at::Tensor>;

class Predictor {
 public:
  virtual ~Predictor() = default;
  virtual const ModelMetadata& metadata() const = 0;
  // "lite" or "full".
  virtual std::string runtime() const = 0;
  // Zero state for `batch` parallel streams (or latent samples).
  virtual RecurrentState init_state(int64_t batch) = 0;
  // Observes x_obs [B,3,H,W] (cond_prev [B,C] led to it; ignored when first) and predicts K
  // frames under conds [K,B,C] with noise [K+1,B,z]. Returns ([K,B,3,H,W], state after x_obs).
  // C = metadata().condition_dim(): action ++ position, or a flattened pose image.
  // Runs under c10::InferenceMode.
  virtual std::pair<at::Tensor, RecurrentState> step(const at::Tensor& x_obs,
                                                     const at::Tensor& cond_prev,
                                                     const at::Tensor& conds,
                                                     const RecurrentState& state, bool first,
                                                     const at::Tensor& noise) = 0;
  // Observes x_obs without predicting (a step skipped under load): the state `step` would return,
  // with noise [B,z] for the posterior. Models that have an `observe` method skip the decoder;
  // others (exported before it existed) run `step` for one frame and discard the prediction.
  virtual RecurrentState observe(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                 const RecurrentState& state, bool first, const at::Tensor& noise);
};

// Reads only the embedded metadata (fast: no weights loaded). Throws ModelLoadError naming the
// file when it is missing, not a Foresight model, or its metadata is invalid/unsupported.
ModelMetadata read_model_metadata(const std::filesystem::path& model_file);

// Loads a .ptl (lite) or .pt (full) model on `device` ("cpu" | "cuda"; cuda needs .pt).
// Throws ModelLoadError naming the file for a missing/corrupt file, an unsupported bytecode
// version (a .ptl written by a newer LibTorch), or metadata this build cannot serve.
std::unique_ptr<Predictor> load_predictor(const std::filesystem::path& model_file,
                                          const std::string& device = "cpu");

}  // namespace foresight
