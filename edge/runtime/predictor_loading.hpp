// Internal to edge/runtime: what the lite and full predictors share while loading a file —
// reading and checking the embedded metadata, and turning LibTorch's loader exceptions into
// ModelLoadError messages that name the file and say what to do.
#pragma once
#include <exception>
#include <filesystem>
#include <memory>
#include <string>

#include "edge/runtime/predictor.hpp"

namespace foresight::runtime_detail {

// Parses and checks `json_text` (the metadata extra file of `file`). Throws ModelLoadError naming
// the file when it is empty (not a Foresight model), not JSON, invalid, or not servable here.
ModelMetadata parse_metadata(const std::filesystem::path& file, const std::string& json_text);

// Rethrows the exception in flight while loading `file` as ModelLoadError with a hint (for example
// a .ptl written by a newer LibTorch). Call only inside a catch block.
[[noreturn]] void rethrow_as_load_error(const std::filesystem::path& file);

// Logs what the model's prepare_for_cpu reported for `file` (common/model/cpu_packing.hpp).
void log_weight_packing(const std::filesystem::path& file, bool packed);

// Loaders for the two runtimes; the file exists and `metadata` was read from it.
std::unique_ptr<Predictor> make_lite_predictor(const std::filesystem::path& file,
                                               ModelMetadata metadata);
std::unique_ptr<Predictor> make_full_predictor(const std::filesystem::path& file,
                                               ModelMetadata metadata, const std::string& device);

}  // namespace foresight::runtime_detail
