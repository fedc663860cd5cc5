// A tiny SVG model and a tiny pose model exported the way `foresight export` does (.ptl and .pt
// with metadata), made once per test process, plus writers for broken model files. Uses only
// foresight_common.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "common/model/model_metadata.hpp"

namespace foresight {
class SvgModel;
class PoseModel;
}  // namespace foresight

namespace foresight::testing {

struct TinyModelSpec {
  int n_past = 1;  // 1: every step is predicted from the first; 2 tests the warm-up
  bool learned_prior = false;
};

// The exported file (ext ".ptl" or ".pt") of the tiny model for `spec`; read-only.
std::filesystem::path tiny_model(const std::string& ext, TinyModelSpec spec = {});
// The module those files were exported from (eval mode), for parity checks.
SvgModel& tiny_svg_model(TinyModelSpec spec = {});
// The metadata embedded in tiny_model(spec).
ModelMetadata tiny_metadata(TinyModelSpec spec = {});

// A tiny pose-conditioned model (32 x 64 frames), exported the same way; and its module.
std::filesystem::path tiny_pose_model(const std::string& ext);
PoseModel& tiny_pose_module();

// Writes the tiny model to `out` (.ptl or .pt by extension) with `metadata_json` as its metadata
// file, or with no metadata file when nullopt.
void write_model_with_metadata(const std::filesystem::path& out,
                               const std::optional<std::string>& metadata_json);

}  // namespace foresight::testing
