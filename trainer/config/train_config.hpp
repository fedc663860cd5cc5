// Every knob of `foresight train`: presets (paper = the seeds' BAIR settings, tiny = a narrow
// network that trains on 2 CPU cores in minutes), one CLI flag per field, JSON for config.json
// and checkpoints.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/model/model_family.hpp"
#include "common/model/output_head.hpp"
#include "common/model/pose_config.hpp"
#include "common/model/svg_config.hpp"
#include "common/util/enum_names.hpp"
#include "trainer/schedules/schedules.hpp"

namespace foresight {

// Where to train: the GPU when there is one (auto), or the one named.
enum class DeviceChoice { kAuto, kCpu, kCuda };
template <>
struct EnumNames<DeviceChoice> {
  static constexpr std::pair<DeviceChoice, const char*> kNames[] = {
      {DeviceChoice::kAuto, "auto"}, {DeviceChoice::kCpu, "cpu"}, {DeviceChoice::kCuda, "cuda"}};
};
FORESIGHT_JSON_ENUM(DeviceChoice)

// The arithmetic of the training forward pass: float32, or bfloat16 under autocast (weights,
// gradients, optimiser and validation stay float32; AutocastGuard in torch_compat.hpp).
enum class Precision { kFp32, kBf16 };
template <>
struct EnumNames<Precision> {
  static constexpr std::pair<Precision, const char*> kNames[] = {{Precision::kFp32, "fp32"},
                                                                 {Precision::kBf16, "bf16"}};
};
FORESIGHT_JSON_ENUM(Precision)

// SVG's prior over the latent: N(0, I) (SVG-FP) or an LSTM of the past frames (SVG-LP).
enum class Prior { kFixed, kLearned };
template <>
struct EnumNames<Prior> {
  static constexpr std::pair<Prior, const char*> kNames[] = {{Prior::kFixed, "fixed"},
                                                             {Prior::kLearned, "learned"}};
};
FORESIGHT_JSON_ENUM(Prior)

// A configuration that cannot run (flag values out of range or inconsistent): the command line's
// fault, so `foresight` exits with the usage code 2.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct TrainConfig {
  // Data and run.
  std::string data;  // dataset root
  std::string out;   // run directory
  ModelFamily model = ModelFamily::kSvg;
  std::string preset = "paper";
  DeviceChoice device = DeviceChoice::kAuto;
  Precision precision = Precision::kFp32;
  int threads = 0;  // 0: all cores
  uint64_t seed = 1;
  int workers = 2;
  bool skip_bad = false;
  int epochs = 300;
  int iters_per_epoch = 600;
  int batch_size = 12;
  int n_past = 2;
  int n_future = 10;
  int n_eval = 12;         // frames per validation/evaluation window
  int val_sequences = 64;  // validation sequences evaluated after each epoch (0: all)
  // Model.
  Prior prior = Prior::kFixed;
  double width = 1.0;
  int g_dim = 128, z_dim = 64, rnn_size = 256;
  int predictor_layers = 2, posterior_layers = 1, prior_layers = 1;
  bool last_frame_skip = false;
  DecoderHead decoder = DecoderHead::kAction;  // the action head is for svg only
  bool latent_motion = false;        // svg, action head: the displacement also reads the latent
  bool latent_shift = false;         // svg, action head: ... reads the latent sample itself
  bool normalize_conditions = true;  // svg: standardise actions/positions (train split statistics)
  // Pose model (--model pose): feature widths, frame size, clip lengths, rollout noise.
  int f_dim = 128, l_dim = 32, n_dim = 12, d_out = 192;
  bool previous_pose = false;    // pose: the label encoder also sees the previous frame's pose
  bool reference_frame = false;  // pose: the rollout's first frame is a source of pixels too
  int static_background = 0;     // pose: radius of the fixed camera's background rule (0: off)
  bool reference_warp = false;   // pose, with static_background: the first frame warped, gated in
  bool colour_augment = false;   // pose: training clips' RGB channels permuted (colour_augment.hpp)
  int frame_height = 32, frame_width = 64;
  int video_len = 16;        // frames per training clip
  int val_len = 630;         // frames of the validation rollout
  double noise_scale = 0.5;  // latent noise scale of the validation rollout
  // Objective and optimiser.
  double beta = 1e-4;
  double free_bits = 0.0;  // KL floor per latent dim and frame, nats (0: off)
  KlAnneal kl_anneal = KlAnneal::kMonotonic;
  int kl_cycles = 4;
  double kl_ratio = 0.5;
  double lr = 0.002;
  double beta1 = 0.9;
  LrSchedule lr_schedule = LrSchedule::kNone;
  double lr_min = 1e-5;
  int lr_warmup = 0;       // iterations of linear warm-up (0: off; schedules.hpp)
  double grad_clip = 1.0;  // max global gradient norm (0: off)
  double ema = 0.0;        // decay of the weights' moving average (0: off; weight_average.hpp)
  // Teacher forcing.
  double tfr = 1.0;
  int tfr_start_decay_epoch = 20;
  double tfr_decay_step = 0.01666;
  double tfr_lower_bound = 0.001;
  // BatchNorm: batch (train-mode statistics of each batch, per rank in a data-parallel run) |
  // frozen (the running statistics, never updated).
  std::string batchnorm = "batch";
  // Data parallel (docs/training.md, "Several GPUs and machines"); the machine's business like
  // device and threads: a resumed run takes them from its command line.
  std::string dist_backend = "auto";  // auto | gloo | nccl
  int dist_timeout = 600;             // seconds

  SvgConfig model_config() const;
  PoseConfig pose_config() const;
  // Throws std::invalid_argument naming the flag when a value is out of range.
  void validate() const;
};

// The named preset's values ("paper" | "tiny") for the model family; throws ConfigError for
// another name.
TrainConfig preset_config(const std::string& name, ModelFamily model = ModelFamily::kSvg);

void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);

// Registers one flag per TrainConfig field on `cmd`, bound to `parsed`. After parsing, call the
// returned function: it starts from the preset named by --preset (for --model) and copies over
// every flag the user gave, so flags override presets.
std::function<TrainConfig()> add_train_flags(CLI::App& cmd, TrainConfig& parsed);

}  // namespace foresight
