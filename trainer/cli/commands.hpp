// Subcommands of the `foresight` desktop tool. Each add_* registers one CLI11 subcommand whose
// callback does the work and throws on failure; app/main.cpp maps exceptions to exit codes.
#pragma once
#include <CLI/CLI.hpp>

namespace foresight::cli {

void add_data_command(CLI::App& app);    // data generate | convert-bair | check
void add_train_command(CLI::App& app);   // train
void add_eval_command(CLI::App& app);    // eval
void add_export_command(CLI::App& app);  // export
void add_sim_command(CLI::App& app);     // sim (robot simulator client of foresight-edge)

}  // namespace foresight::cli
