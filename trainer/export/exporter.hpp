// `foresight export`: saves the trained scripted module for the edge (common/model/model_file
// writes the file): `.ptl` for LibTorch's lite interpreter, `.pt` for the full TorchScript
// runtime, with ModelMetadata embedded as the extra file foresight/metadata.json. The file is
// written by the LibTorch this binary links, so export with a LibTorch no newer than the
// device's (a .ptl does not load in an older runtime).
#pragma once
#include <filesystem>

#include "common/model/model_metadata.hpp"
#include "common/model/pose_model.hpp"
#include "trainer/checkpoint/checkpoint.hpp"

namespace foresight {

// Metadata describing `model` trained with `config` (validation PSNR from the checkpoint).
ModelMetadata make_metadata(const Checkpoint& ckpt, const SvgModel& model);

// Metadata of a pose-conditioned model: family "pose", condition_kind "pose" (each step's
// condition is a pose image, flattened), no telemetry numbers; image_size is the width, the full
// size is in model_config (PoseConfig).
ModelMetadata make_pose_metadata(const PoseModel& model, double val_psnr,
                                 const std::string& config_hash);

// Writes `out` (.ptl or .pt, chosen by extension) atomically: a copy of the module switched to
// eval mode, on the CPU, gradients off. Throws std::invalid_argument for another extension.
void export_module(const torch::jit::Module& module, const ModelMetadata& metadata,
                   const std::filesystem::path& out);
inline void export_model(SvgModel& model, const ModelMetadata& metadata,
                         const std::filesystem::path& out) {
  export_module(model.module(), metadata, out);
}
inline void export_model(PoseModel& model, const ModelMetadata& metadata,
                         const std::filesystem::path& out) {
  export_module(model.module(), metadata, out);
}

}  // namespace foresight
