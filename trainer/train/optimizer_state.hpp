// Adam's state as bytes for checkpoints (torch::serialize archive; same-LibTorch-version resume).
#pragma once
#include <torch/optim/adam.h>

#include <filesystem>
#include <string>

namespace foresight {

std::string optimizer_bytes(torch::optim::Adam& optimizer);

// Restores what optimizer_bytes wrote; bytes from another LibTorch version are skipped with a
// warning naming `file` (weights still resume, Adam's moments restart from zero).
void restore_optimizer(torch::optim::Adam& optimizer, const std::string& bytes,
                       const std::filesystem::path& file);

}  // namespace foresight
