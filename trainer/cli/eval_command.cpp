// `foresight eval`: per-step PSNR/SSIM (mean and best of N samples) beside copy-last-frame,
// printed as a table and written as CSV, JSON and pictures.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/util/atomic_file.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/cli/commands.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/eval/eval_report.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight::cli {

namespace fs = std::filesystem;

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval", "Evaluate a checkpoint: per-step PSNR/SSIM, mean and best of N samples, vs copy-last");
  struct Args {
    std::string checkpoint, data, split = "test", json, out_dir, device = "auto";
    int samples = 100, n_eval = 0, batch_size = 8, threads = 0, max_sequences = 0, workers = 2;
    uint64_t seed = 1;
    bool skip_bad = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint file or run directory (its best)")
      ->required();
  cmd->add_option("--data", a->data, "Dataset root")->required();
  cmd->add_option("--split", a->split, "train | validate | test")->capture_default_str();
  cmd->add_option("--samples", a->samples, "Latent samples per sequence (best of N)")
      ->capture_default_str();
  cmd->add_option("--n-eval", a->n_eval,
                  "Frames per sequence window, conditioning included (0: the model's training n_eval; "
                  "up to the sequence length for long rollouts)");
  cmd->add_option("--json", a->json, "Write a machine-readable summary here");
  cmd->add_option("--out-dir", a->out_dir,
                  "Folder for the CSV, plots and pictures (default: eval_<split> in the run directory)");
  cmd->add_option("--batch-size", a->batch_size, "Sequences per batch")->capture_default_str();
  cmd->add_option("--max-sequences", a->max_sequences, "Evaluate only the first N (0: all)");
  cmd->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  cmd->add_option("--threads", a->threads, "CPU threads (0: all cores)");
  cmd->add_option("--workers", a->workers, "Data-loading threads")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Latent noise seed")->capture_default_str();
  cmd->add_flag("--skip-bad", a->skip_bad, "Skip unreadable sequences with a warning");
  cmd->callback([a] {
    set_threads(a->threads);
    const fs::path ckpt_path = resolve_checkpoint(a->checkpoint);
    auto [ckpt, model] = load_checkpoint(ckpt_path);
    const c10::Device device = select_device(a->device);
    model.to(device);
    EvalOptions opt;
    opt.n_past = ckpt.config.n_past;
    opt.n_eval = a->n_eval > 0 ? a->n_eval : ckpt.config.n_eval;
    opt.samples = a->samples;
    opt.seed = a->seed;
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
    const fs::path out_dir = !a->out_dir.empty()
                                 ? fs::path(a->out_dir)
                                 : ckpt_path.parent_path() / ("eval_" + a->split);
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
