// Metadata embedded in every exported model (extra file "foresight/metadata.json" inside the .pt
// and .ptl). The edge reads it before running anything and refuses a model it cannot feed.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace foresight {

constexpr int kModelFormatVersion = 1;
constexpr const char* kMetadataFile = "foresight/metadata.json";

struct ModelMetadata {
  int format_version = kModelFormatVersion;
  std::string family = "svg";                // "svg" (telemetry-conditioned) | "pose"
  std::string condition_kind = "telemetry";  // "telemetry" | "pose"
  int image_size = 64;   // frame width (and height, unless image_height says otherwise)
  int image_height = 0;  // frame height when frames are not square (pose: 32 x 64); 0 = image_size
  int channels = 3;
  int action_dim = 4;
  int position_dim = 3;
  std::vector<std::string> condition_names;
  int n_past = 2;
  // Frames per training sequence (n_past + n_future): the recurrent state never ran longer than
  // this in training, and drifts beyond it; the edge restarts it from the last observed frames
  // every `state_window` frames (see edge/session). 0: unknown (models written before the field).
  int train_sequence_length = 0;
  std::string prior = "fixed";  // "fixed" | "learned"
  int g_dim = 0, z_dim = 0, rnn_size = 0;
  std::string config_hash;      // FNV-1a of the training config JSON
  double val_psnr = 0.0;        // best validation PSNR when exported
  double noise_scale = 1.0;     // latent noise multiplier at test time (the run's, for pose)
  std::string torch_version;    // LibTorch that wrote the file
  nlohmann::json model_config;  // the full network config (SvgConfig for svg)

  int frame_width() const { return image_size; }
  int frame_height() const { return image_height > 0 ? image_height : image_size; }
  bool pose_conditioned() const { return condition_kind == "pose"; }
  // Numbers of one step's condition as `step` takes them: action ++ position for telemetry, the
  // flattened pose image (channels x height x width) for pose.
  int condition_dim() const {
    return pose_conditioned() ? channels * frame_height() * frame_width()
                              : action_dim + position_dim;
  }
  // Throws std::runtime_error("model metadata: <field> ...") when inconsistent or unsupported.
  void validate() const;
};

void to_json(nlohmann::json& j, const ModelMetadata& m);
void from_json(const nlohmann::json& j, ModelMetadata& m);

// 64-bit FNV-1a of a string, as 16 hex digits (stable across platforms, for config hashes).
std::string fnv1a_hex(const std::string& text);

}  // namespace foresight
