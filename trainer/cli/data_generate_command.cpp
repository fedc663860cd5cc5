// `foresight data generate`: writes a synthetic robot-pushing dataset (common/world/) in the
// converted-BAIR layout, so that every later stage can be tried without downloading BAIR.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <thread>

#include "common/world/dataset_writer.hpp"

namespace foresight::cli {

void add_data_generate_subcommand(CLI::App& data);

void add_data_generate_subcommand(CLI::App& data) {
  struct Config {
    SyntheticDatasetOptions options;
    std::string world = "pushing";
  };
  auto config = std::make_shared<Config>();
  SyntheticDatasetOptions& o = config->options;

  auto* cmd = data.add_subcommand("generate", "Write a synthetic robot-pushing dataset");
  cmd->add_option("--out", o.out, "Dataset root to write (created if missing)")->required();
  cmd->add_option("--train", o.train, "Training sequences")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--validate", o.validate, "Validation sequences")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--test", o.test, "Test sequences")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--frames", o.frames, "Frames per sequence")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed: the same seed writes the same bytes")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads,
                  "Worker threads (0: all cores); output does not depend on it")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--world", config->world, "Synthetic world: pushing")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (name == "pushing") return "";
            return "unknown world '" + name + "': only 'pushing' is available";
          },
          "WORLD"))
      ->capture_default_str();

  cmd->callback([config] {
    const SyntheticDatasetOptions& o = config->options;
    int threads = o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
    spdlog::info(
        "generating a '{}' world dataset in {}: train {}, validate {}, test {} sequences "
        "of {} frames ({}x{}), seed {}, {} threads",
        config->world, o.out.string(), o.train, o.validate, o.test, o.frames, o.image_size,
        o.image_size, o.seed, threads);
    write_synthetic_dataset(o);
    spdlog::info("wrote {} sequences to {}", o.train + o.validate + o.test, o.out.string());
  });
}

}  // namespace foresight::cli
