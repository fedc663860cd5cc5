// `foresight export`: checkpoint (or run directory) -> scripted model with metadata.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "trainer/cli/commands.hpp"
#include "trainer/export/exporter.hpp"

namespace foresight::cli {

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export a trained model for the edge (.ptl or .pt)");
  auto checkpoint = std::make_shared<std::string>();
  auto out = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--checkpoint", *checkpoint, "Checkpoint file or run directory (its best)")
      ->required();
  cmd->add_option("--out", *out, "Output file(s): FILE.ptl (lite interpreter) and/or FILE.pt")
      ->required();
  cmd->callback([checkpoint, out] {
    auto path = resolve_checkpoint(*checkpoint);
    auto report = [&](const Checkpoint& ckpt, const std::string& file) {
      spdlog::info("exported {} model {} (epoch {}, val PSNR {:.2f} dB) -> {} ({} bytes)",
                   name_of(ckpt.family), path.string(), ckpt.epoch, ckpt.val_psnr, file,
                   std::filesystem::file_size(file));
    };
    if (checkpoint_family(path) == ModelFamily::kPose) {
      auto [ckpt, model] = load_pose_checkpoint(path);
      ModelMetadata meta =
          make_pose_metadata(model, ckpt.val_psnr, fnv1a_hex(nlohmann::json(ckpt.config).dump()));
      meta.noise_scale = ckpt.config.noise_scale;  // the edge samples as the evaluation did
      for (const auto& file : *out) {
        export_model(model, meta, file);
        report(ckpt, file);
      }
      return;
    }
    auto [ckpt, model] = load_checkpoint(path);
    ModelMetadata meta = make_metadata(ckpt, model);
    for (const auto& file : *out) {
      export_model(model, meta, file);
      report(ckpt, file);
    }
  });
}

}  // namespace foresight::cli
