// A command-line flag that takes one of a named enum's names (common/util/enum_names.hpp);
// anything else is a usage error (exit code 2) listing the names. `help` should name them too.
#pragma once
#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

#include "common/util/enum_names.hpp"

namespace foresight {

template <typename E>
CLI::Option* add_enum_flag(CLI::App& cmd, const std::string& flag, E& value,
                           const std::string& help) {
  return cmd
      .add_option_function<std::string>(
          flag,
          [&value, flag](const std::string& text) {
            try {
              value = parse_enum<E>(text, flag);
            } catch (const std::invalid_argument& e) {
              throw CLI::ValidationError(e.what());
            }
          },
          help)
      ->type_name("NAME");
}

}  // namespace foresight
