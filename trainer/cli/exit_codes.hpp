// Exit codes of the foresight tools (documented in README.md).
#pragma once

namespace foresight {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // any other runtime error
  kExitUsage = 2,        // bad command line
  kExitBadData = 3,      // malformed dataset, checkpoint or model file
  kExitDiverged = 4,     // training stopped on a non-finite loss
  kExitInterrupted = 130 // SIGINT
};

}  // namespace foresight
