// `foresight`: the desktop tool. Parses the command line and maps failures to exit codes;
// the work lives in trainer/ and common/.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "common/dataset/sequence_reader.hpp"
#include "common/util/allocator.hpp"
#include "common/util/exit_codes.hpp"
#include "common/util/logging.hpp"
#include "common/util/torch_compat.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/cli/commands.hpp"
#include "trainer/config/train_config.hpp"
#include "trainer/distributed/dist_group.hpp"
#include "trainer/train/trainer.hpp"

int main(int argc, char** argv) {
  foresight::keep_tensor_memory_in_the_heap();
  foresight::use_huge_pages_for_large_tensors();
  foresight::use_safe_cpu_kernels();
  CLI::App app{
      "foresight: action-conditioned video prediction (synthetic data, training, evaluation, "
      "export, robot simulator)"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  app.parse_complete_callback([&] { foresight::setup_logging(log_level); });
  foresight::cli::add_data_command(app);
  foresight::cli::add_train_command(app);
  foresight::cli::add_eval_command(app);
  foresight::cli::add_export_command(app);
  foresight::cli::add_sim_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? foresight::kExitOk : foresight::kExitUsage;
  } catch (const foresight::ConfigError& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitUsage;
  } catch (const foresight::DatasetError& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitBadData;
  } catch (const foresight::CheckpointError& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitBadData;
  } catch (const foresight::TrainingDiverged& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitDiverged;
  } catch (const foresight::DistributedError& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitPeerLost;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return foresight::kExitFailure;
  }
  return foresight::kExitOk;
}
