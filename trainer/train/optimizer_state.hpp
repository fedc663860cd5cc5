// Adam's state as bytes for checkpoints (torch::serialize archive; same-LibTorch-version resume).
#pragma once
#include <torch/optim/adam.h>

#include <filesystem>
#include <string>

namespace foresight {

std::string optimizer_bytes(torch::optim::Adam& optimizer);

// Restores what optimizer_bytes wrote, with Adam's moments placed on `device` (the parameters'
// device, whichever device the run was saved from: a run saved on a GPU resumes on the CPU and
// the other way round). Bytes that do not load, or whose moments do not fit the parameters
// (LibTorch 2.x reading 1.13's bytes), are skipped with a warning naming `file` (weights still
// resume, Adam's moments restart from zero).
void restore_optimizer(torch::optim::Adam& optimizer, const std::string& bytes,
                       const std::filesystem::path& file, c10::Device device = c10::kCPU);

}  // namespace foresight
