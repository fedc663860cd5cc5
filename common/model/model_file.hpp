// Writing exported model files: the scripted module plus foresight/metadata.json inside, as
// `.ptl` (lite interpreter) or `.pt` (full TorchScript). Shared by `foresight export` and the
// edge's test fixtures, so both write files the same way. A file is written by the LibTorch this
// binary links: a .ptl does not load in an older runtime.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <filesystem>
#include <optional>
#include <string>

#include "common/model/model_metadata.hpp"
#include "common/model/pose_config.hpp"
#include "common/model/svg_config.hpp"

namespace foresight {

// The metadata of an SVG model of shape `config` conditioned on the dataset's telemetry layout
// (action ++ end-effector position); config_hash is of `config`, val_psnr 0, torch_version this
// build's. Callers with more to say (the trainer's checkpoint) overwrite those fields.
ModelMetadata svg_model_metadata(const SvgConfig& config);

// The metadata of a pose-conditioned model of shape `config`: family and condition_kind "pose"
// (each step's condition is a pose image, flattened), no telemetry numbers, frames
// image_height x image_size = config.height x config.width, z_dim = the noise numbers per step.
ModelMetadata pose_model_metadata(const PoseConfig& config);

// Writes `out` (.ptl or .pt, by extension) atomically from a copy of `module` switched to eval
// mode, on the CPU, gradients off; `metadata_json` becomes the metadata file (none when nullopt,
// which only tests want). Throws std::invalid_argument for another extension.
void save_model_file(const torch::jit::Module& module,
                     const std::optional<std::string>& metadata_json,
                     const std::filesystem::path& out);

// Validates `metadata` (std::runtime_error naming the field) and saves it with `module`.
void export_model_file(const torch::jit::Module& module, const ModelMetadata& metadata,
                       const std::filesystem::path& out);

}  // namespace foresight
