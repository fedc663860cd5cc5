// `foresight eval`: per-step PSNR/SSIM (mean and best of N samples) beside copy-last-frame,
// printed as a table and written as CSV, JSON and pictures.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/util/atomic_file.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/cli/commands.hpp"
#include "trainer/config/enum_flag.hpp"
#include "trainer/eval/eval_report.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/eval/pose_rollout.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight::cli {

namespace fs = std::filesystem;

namespace {

struct Args {
  std::string checkpoint, data, split, json, out_dir;
  DeviceChoice device = DeviceChoice::kAuto;
  double noise_scale = -1;
  int frames = 0;
  int samples = 100, n_eval = 0, batch_size = 8, threads = 0, max_sequences = 0, workers = 2;
  uint64_t seed = 1;
  bool skip_bad = false;
  bool shuffled_conditions = false;
};

// The pose model's protocol: one autoregressive rollout of the split's first `frames` frames.
void eval_pose(const fs::path& ckpt_path, const Args& a) {
  auto [ckpt, model] = load_pose_checkpoint(ckpt_path);
  model.module().to(select_device(a.device));
  const PoseConfig& c = model.config();
  PoseRolloutOptions opt;
  opt.noise_scale = a.noise_scale >= 0 ? a.noise_scale : ckpt.config.noise_scale;
  opt.seed = a.seed;
  const PoseSplit split = open_pose_split(a.data, a.split);
  const int frames = a.frames > 0 ? a.frames : ckpt.config.val_len;
  if (frames > split.size()) {
    throw DatasetError(split.image_dir.string() + ": " + std::to_string(split.size()) +
                       " frames, the rollout needs " + std::to_string(frames) + " (--frames)");
  }
  spdlog::info("eval pose model {} on {} ({} frames from {}, noise scale {}, seed {})",
               ckpt_path.string(), split.image_dir.string(), frames, split.names.front(),
               opt.noise_scale, opt.seed);
  const PoseClip clip = load_pose_clip(split, 0, frames, c.height, c.width);
  PoseRollout r = rollout_pose(model, clip, opt);
  const fs::path out_dir =
      !a.out_dir.empty() ? fs::path(a.out_dir) : ckpt_path.parent_path() / ("eval_" + a.split);
  write_pose_rollout_report(out_dir, r, clip.labels);
  std::printf("rollout of %d frames: PSNR %.2f dB over frames 1..%d (copy first frame %.2f dB)\n",
              frames, r.psnr_mean, frames - 1, r.copy_first_psnr_mean);
  if (!a.json.empty()) {
    nlohmann::json j = to_json(r, opt);
    j["checkpoint"] = ckpt_path.string();
    j["split"] = a.split;
    write_file_atomically(a.json, j.dump(2) + "\n");
  }
  spdlog::info("wrote {} (psnr_per_frame.csv, psnr_per_frame.png, rollout.gif, rollout_strip.png)",
               out_dir.string());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval",
      "Evaluate a checkpoint: SVG per-step PSNR/SSIM (best of N) vs copy-last; pose: "
      "full-clip rollout PSNR vs copy-first");
  auto a = std::make_shared<Args>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file or run directory (its best)")
      ->required();
  cmd->add_option("--data", a->data, "Dataset root")->required();
  cmd->add_option("--split", a->split,
                  "svg: train | validate | test (default test); pose: train | val (default val)");
  cmd->add_option(
      "--noise-scale", a->noise_scale,
      "pose: latent noise scale of the rollout (default: the run's, 0.5 in the presets)");
  cmd->add_option(
      "--frames", a->frames,
      "pose: frames of the rollout from the split's first (default: the run's --val-len, 630)");
  cmd->add_option("--samples", a->samples, "Latent samples per sequence (best of N)")
      ->capture_default_str();
  cmd->add_option(
      "--n-eval", a->n_eval,
      "Frames per sequence window, conditioning included (0: the model's training n_eval; "
      "up to the sequence length for long rollouts)");
  cmd->add_option("--json", a->json, "Write a machine-readable summary here");
  cmd->add_option(
      "--out-dir", a->out_dir,
      "Folder for the CSV, plots and pictures (default: eval_<split> in the run directory)");
  cmd->add_option("--batch-size", a->batch_size, "Sequences per batch")->capture_default_str();
  cmd->add_option("--max-sequences", a->max_sequences, "Evaluate only the first N (0: all)");
  add_enum_flag(*cmd, "--device", a->device, "auto | cpu | cuda [auto]");
  cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)");
  cmd->add_option("--workers", a->workers, "Data-loading threads")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Latent noise seed")->capture_default_str();
  cmd->add_flag("--skip-bad", a->skip_bad, "Skip unreadable sequences with a warning");
  cmd->add_flag("--shuffled-conditions", a->shuffled_conditions,
                "svg: also roll out under another sequence's actions and positions (how much "
                "the prediction uses them)");
  cmd->callback([a] {
    set_threads(a->threads);
    const fs::path ckpt_path = resolve_checkpoint(a->checkpoint);
    if (checkpoint_family(ckpt_path) == ModelFamily::kPose) {
      if (a->split.empty()) a->split = "val";
      eval_pose(ckpt_path, *a);
      return;
    }
    if (a->split.empty()) a->split = "test";
    auto [ckpt, model] = load_checkpoint(ckpt_path);
    const c10::Device device = select_device(a->device);
    model.to(device);
    EvalOptions opt;
    opt.n_past = ckpt.config.n_past;
    opt.n_eval = a->n_eval > 0 ? a->n_eval : ckpt.config.n_eval;
    opt.samples = a->samples;
    opt.seed = a->seed;
    opt.shuffled_conditions = a->shuffled_conditions;
    LoaderOptions lo;
    lo.batch_size = a->batch_size;
    lo.seq_len = opt.n_eval;
    lo.shuffle = false;
    lo.drop_last = false;
    lo.workers = a->workers;
    lo.skip_bad = a->skip_bad;
    auto sequences = list_sequences(a->data, a->split);
    if (a->max_sequences > 0 && static_cast<int>(sequences.size()) > a->max_sequences) {
      sequences.resize(a->max_sequences);
    }
    spdlog::info("eval {} on {}/{} ({} sequences, {} samples, n_past {}, n_eval {}, device {})",
                 ckpt_path.string(), a->data, a->split, sequences.size(), opt.samples, opt.n_past,
                 opt.n_eval, device.str());
    BatchLoader loader(std::move(sequences), lo);
    EvalResult r = evaluate(model, loader, opt);
    const fs::path out_dir =
        !a->out_dir.empty() ? fs::path(a->out_dir) : ckpt_path.parent_path() / ("eval_" + a->split);
    write_eval_report(out_dir, r, opt);
    std::fputs(format_eval_table(r, opt).c_str(), stdout);
    if (!a->json.empty()) {
      nlohmann::json j = to_json(r);
      j["checkpoint"] = ckpt_path.string();
      j["split"] = a->split;
      j["n_past"] = opt.n_past;
      j["n_eval"] = opt.n_eval;
      write_file_atomically(a->json, j.dump(2) + "\n");
    }
    spdlog::info("wrote {}", out_dir.string());
  });
}

}  // namespace foresight::cli
