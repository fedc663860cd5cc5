// `foresight data convert-bair SRC --out ROOT [--validate N] [--camera aux1|main] [--threads N]
// [--skip-bad]`: the real BAIR TFRecords into the layout `foresight train` reads
// (common/dataset/bair_tfrecord.hpp), restartable, with a progress bar and a closing summary.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "common/dataset/bair_tfrecord.hpp"
#include "common/dataset/dataset_format.hpp"

namespace foresight::cli {

void add_data_convert_subcommand(CLI::App& data);

void add_data_convert_subcommand(CLI::App& data) {
  auto o = std::make_shared<BairConvertOptions>();
  auto* cmd = data.add_subcommand(
      "convert-bair",
      "Convert BAIR robot pushing (softmotion30_44k TFRecords) into the dataset layout; "
      "restartable: finished sequences are kept");
  cmd->add_option("src", o->src, "The unpacked softmotion30_44k folder (train/ and test/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", o->out, "Dataset root to write (train/, validate/, test/)")->required();
  cmd->add_option("--validate", o->validate,
                  "Train sequences moved to validate/: the last N in file and record order")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--camera", o->camera, "Which camera's frames: aux1 (as SVG) or main")
      ->capture_default_str()
      ->check(CLI::IsMember({"aux1", "main"}));
  cmd->add_option("--threads", o->threads, "Files converted in parallel (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--skip-bad", o->skip_bad,
                "Count and skip bad records (the rest of a file whose framing broke) instead of "
                "stopping at the first");
  cmd->callback([o] {
    const BairConvertSummary s = convert_bair(*o);
    std::printf("converted %s -> %s in %.1f s (%.1f sequences/s)\n", o->src.c_str(), o->out.c_str(),
                s.seconds, s.converted / std::max(s.seconds, 1e-9));
    for (int split = 0; split < 3; ++split) {
      std::printf("  %-9s %7lld sequences\n", kSplits[static_cast<std::size_t>(split)].c_str(),
                  static_cast<long long>(s.sequences[split]));
    }
    std::printf("  written now %lld, already there %lld, bad %lld\n",
                static_cast<long long>(s.converted), static_cast<long long>(s.already_there),
                static_cast<long long>(s.bad));
    std::fflush(stdout);
    if (s.bad > 0) spdlog::warn("{} bad record(s) skipped (--skip-bad)", s.bad);
  });
}

}  // namespace foresight::cli
