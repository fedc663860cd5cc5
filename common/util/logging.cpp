#include "common/util/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <stdexcept>

namespace foresight {
namespace {
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v";
}

void setup_logging(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level +
                                "' (trace|debug|info|warn|error|off)");
  }
  auto logger = spdlog::get("foresight");
  if (!logger) logger = spdlog::stderr_color_mt("foresight");
  logger->set_pattern(kPattern);
  spdlog::set_default_logger(logger);
  spdlog::set_level(lvl);
}

void set_log_tag(const std::string& tag) {
  spdlog::default_logger()->set_pattern(
      std::string(kPattern).insert(std::string(kPattern).size() - 2, tag + " "));
}

}  // namespace foresight
