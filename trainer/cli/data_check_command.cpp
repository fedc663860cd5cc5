// `foresight data check DIR [--skip-bad] [--json OUT] [--threads N]`: validates every sequence of
// every split, prints counts per split and the copy-last-frame PSNR baseline. Bad data throws
// DatasetError (exit code kExitBadData) unless --skip-bad, which counts and warns instead.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "common/dataset/dataset_check.hpp"
#include "common/util/atomic_file.hpp"
#include "common/util/progress_bar.hpp"

namespace foresight::cli {

void add_data_check_subcommand(CLI::App& data);

namespace {

struct CheckArgs {
  std::string dir;
  bool skip_bad = false;
  std::string json;
  int threads = 0;
};

void print_report(const DatasetReport& report) {
  std::printf("dataset %s\n", report.root.string().c_str());
  std::printf("%-9s %10s %9s %6s  %s\n", "split", "sequences", "frames", "bad",
              "copy-last PSNR, frames 3-12 (1-based)");
  for (const SplitReport& s : report.splits) {
    std::string frames = std::to_string(s.min_frames);
    if (s.max_frames != s.min_frames) frames += "-" + std::to_string(s.max_frames);
    std::string baseline = "n/a (no sequence has 12 frames)";
    if (!std::isnan(s.copy_last_psnr)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f dB over %lld sequences", s.copy_last_psnr,
                    static_cast<long long>(s.baseline_sequences));
      baseline = buf;
    }
    std::printf("%-9s %10lld %9s %6lld  %s\n", s.split.c_str(), static_cast<long long>(s.sequences),
                frames.c_str(), static_cast<long long>(s.bad), baseline.c_str());
  }
  std::fflush(stdout);
}

void run_check(const CheckArgs& args) {
  std::unique_ptr<ProgressBar> bar;
  std::string bar_split;
  auto progress = [&](const std::string& split, int64_t /*done*/, int64_t total) {
    if (split != bar_split) {
      bar.reset();  // finishes the previous split's bar first
      bar = std::make_unique<ProgressBar>(total, "check " + split, "seq");
      bar_split = split;
    }
    bar->tick();
  };
  DatasetReport report = check_dataset(args.dir, args.skip_bad, args.threads, progress);
  bar.reset();
  print_report(report);
  int64_t bad = 0;
  for (const SplitReport& s : report.splits) bad += s.bad;
  if (bad > 0) spdlog::warn("{} bad sequence(s) skipped (--skip-bad)", bad);
  if (!args.json.empty()) {
    write_file_atomically(args.json, dataset_report_json(report));
    spdlog::info("report written to {}", args.json);
  }
}

}  // namespace

void add_data_check_subcommand(CLI::App& data) {
  auto args = std::make_shared<CheckArgs>();
  auto* cmd = data.add_subcommand(
      "check", "Validate every sequence of a dataset and report counts and the copy-last baseline");
  cmd->add_option("dir", args->dir, "Dataset root holding train/, validate/ and/or test/")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--skip-bad", args->skip_bad,
                "Count and warn about bad sequences instead of failing on the first");
  cmd->add_option("--json", args->json, "Also write the report as JSON to this file");
  cmd->add_option("--threads", args->threads, "Decoding threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_check(*args); });
}

}  // namespace foresight::cli
