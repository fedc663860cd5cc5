// Shared fixtures for the test binaries: scratch folders and a tiny synthetic dataset made once.
#pragma once
#include <filesystem>
#include <string>

namespace foresight::testing {

// A fresh, empty folder under the system temp dir, unique per call; removed at process exit.
std::filesystem::path scratch_dir(const std::string& tag);

}  // namespace foresight::testing
