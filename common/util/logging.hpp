// Logging goes through spdlog (levels: trace, debug, info, warn, error, critical).
// setup_logging configures the default logger once per process from a level name.
#pragma once
#include <spdlog/spdlog.h>

#include <string>

namespace foresight {

// level: "trace" | "debug" | "info" | "warn" | "error" | "off". Throws std::invalid_argument
// otherwise.
void setup_logging(const std::string& level);

}  // namespace foresight
