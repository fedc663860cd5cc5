// `foresight train`: flags -> TrainConfig -> train().
#include <spdlog/spdlog.h>

#include "trainer/cli/commands.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight::cli {

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "train", "Train the SVG conditional VAE or (--model pose) the pose CVAE (CUDA when present)");
  auto parsed = std::make_shared<TrainConfig>();
  auto resume = std::make_shared<std::string>();
  auto build = add_train_flags(*cmd, *parsed);
  cmd->add_option("--resume", *resume,
                  "Continue the run in RUN_DIR (its config; --epochs may extend it)");
  cmd->callback([build, parsed, resume, cmd] {
    TrainConfig config = build();
    std::optional<std::filesystem::path> resume_dir;
    if (!resume->empty()) {
      resume_dir = *resume;
      if (cmd->get_option("--epochs")->count() == 0) config.epochs = 0;  // keep the run's
    } else if (config.data.empty() || config.out.empty()) {
      throw CLI::ValidationError("train", "--data and --out are required (or --resume RUN_DIR)");
    }
    TrainSummary s = train(config, resume_dir);
    spdlog::info("trained {} epochs; best validation PSNR {:.2f} dB ({} {:.2f} dB); run in {}",
                 s.epochs, s.best_val_psnr,
                 config.model == ModelFamily::kPose ? "copy-first" : "copy-last", s.copy_last_psnr,
                 s.run_dir.string());
  });
}

}  // namespace foresight::cli
