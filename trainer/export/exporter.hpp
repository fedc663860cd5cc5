// `foresight export`: saves the trained scripted module for the edge (common/model/model_file
// writes the file): `.ptl` for LibTorch's lite interpreter, `.pt` for the full TorchScript
// runtime, with ModelMetadata embedded as the extra file foresight/metadata.json. The file is
// written by the LibTorch this binary links, so export with a LibTorch no newer than the
// device's (a .ptl does not load in an older runtime).
#pragma once
#include <filesystem>

#include "common/model/model_metadata.hpp"
#include "trainer/checkpoint/checkpoint.hpp"

namespace foresight {

// Metadata describing `model` trained with `config` (validation PSNR from the checkpoint).
ModelMetadata make_metadata(const Checkpoint& ckpt, const SvgModel& model);

// Writes `out` (.ptl or .pt, chosen by extension) atomically: the module switched to eval mode,
// on the CPU, gradients off. Throws std::invalid_argument for another extension.
void export_model(SvgModel& model, const ModelMetadata& metadata, const std::filesystem::path& out);

}  // namespace foresight
