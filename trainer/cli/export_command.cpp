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
    auto [ckpt, model] = load_checkpoint(path);
    ModelMetadata meta = make_metadata(ckpt, model);
    for (const auto& file : *out) {
      export_model(model, meta, file);
      spdlog::info("exported {} (epoch {}, val PSNR {:.2f} dB) -> {} ({} bytes)", path.string(),
                   ckpt.epoch, ckpt.val_psnr, file, std::filesystem::file_size(file));
    }
  });
}

}  // namespace foresight::cli
