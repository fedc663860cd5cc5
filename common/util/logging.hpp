// Logging goes through spdlog (levels: trace, debug, info, warn, error, critical).
// setup_logging configures the default logger once per process from a level name.
#pragma once
#include <spdlog/spdlog.h>

#include <string>

namespace foresight {

// level: "trace" | "debug" | "info" | "warn" | "error" | "off". Throws std::invalid_argument
// otherwise.
void setup_logging(const std::string& level);

// Adds `tag` (e.g. "[rank 1/2]") before every later message, after the level.
void set_log_tag(const std::string& tag);

}  // namespace foresight
