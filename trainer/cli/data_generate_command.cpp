// `foresight data generate`: writes a synthetic robot-pushing dataset (common/world/) in the
// converted-BAIR layout, so that every later stage can be tried without downloading BAIR.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <thread>

#include "common/util/host.hpp"
#include "common/world/dance_dataset_writer.hpp"
#include "common/world/dataset_writer.hpp"

namespace foresight::cli {

void add_data_generate_subcommand(CLI::App& data);

void add_data_generate_subcommand(CLI::App& data) {
  struct Config {
    SyntheticDatasetOptions options;
    DanceDatasetOptions dance;
    std::string world = "pushing";
  };
  auto config = std::make_shared<Config>();
  SyntheticDatasetOptions& o = config->options;

  auto* cmd = data.add_subcommand(
      "generate", "Write a synthetic dataset: robot pushing (default) or dance (--world dance)");
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
  cmd->add_option("--actuation-noise", o.actuation_noise,
                  "pushing: the arm misses each commanded move by a Gaussian of this fraction of "
                  "its length per axis (recorded: the command and where the arm went); 0 is exact")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--train-frames", config->dance.train_frames,
                  "dance: training frames (dancers of --dancer-frames, one after the other)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--dancer-frames", config->dance.dancer_frames,
                  "dance: frames per training dancer (a multiple of the clip length keeps clips "
                  "inside one dancer; the validation video is one dancer)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--val-frames", config->dance.val_frames, "dance: validation frames")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--frame-height", config->dance.height, "dance: frame height")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  cmd->add_option("--frame-width", config->dance.width, "dance: frame width")
      ->check(CLI::Range(8, 4096))
      ->capture_default_str();
  cmd->add_option("--world", config->world, "Synthetic world: pushing | dance")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (name == "pushing" || name == "dance") return "";
            return "unknown world '" + name + "': expected pushing or dance";
          },
          "WORLD"))
      ->capture_default_str();

  cmd->callback([config] {
    if (config->world == "dance") {
      DanceDatasetOptions d = config->dance;
      d.out = config->options.out;
      d.seed = config->options.seed;
      d.threads = config->options.threads;
      spdlog::info(
          "generating a 'dance' world dataset in {}: train {} frames, val {} frames, "
          "dancers of {} frames ({}x{} HxW), seed {}",
          d.out.string(), d.train_frames, d.val_frames, d.dancer_frames, d.height, d.width, d.seed);
      write_dance_dataset(d);
      spdlog::info("wrote {} frames to {}", d.train_frames + d.val_frames, d.out.string());
      return;
    }
    const SyntheticDatasetOptions& o = config->options;
    int threads = thread_count(o.threads);
    spdlog::info(
        "generating a '{}' world dataset in {}: train {}, validate {}, test {} sequences "
        "of {} frames ({}x{}), seed {}, actuation noise {}, {} threads",
        config->world, o.out.string(), o.train, o.validate, o.test, o.frames, o.image_size,
        o.image_size, o.seed, o.actuation_noise, threads);
    write_synthetic_dataset(o);
    spdlog::info("wrote {} sequences to {}", o.train + o.validate + o.test, o.out.string());
  });
}

}  // namespace foresight::cli
