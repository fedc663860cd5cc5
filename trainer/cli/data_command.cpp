// `foresight data`: dataset tools (generate a synthetic world, convert BAIR, check a dataset).
#include "trainer/cli/commands.hpp"

namespace foresight::cli {

void add_data_generate_subcommand(CLI::App& data);  // data_generate_command.cpp
void add_data_check_subcommand(CLI::App& data);     // data_check_command.cpp
void add_data_convert_subcommand(CLI::App& data);   // data_convert_command.cpp

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Generate, convert or check a robot-pushing dataset");
  data->require_subcommand(1);
  add_data_generate_subcommand(*data);
  add_data_convert_subcommand(*data);
  add_data_check_subcommand(*data);
}

}  // namespace foresight::cli
