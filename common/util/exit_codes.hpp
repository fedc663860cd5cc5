// Exit codes of both binaries, `foresight` and `foresight-edge` (README.md, docs/edge.md): scripts
// and systemd units (RestartPreventExitStatus) rely on them, so values never change.
#pragma once

namespace foresight {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // any other runtime error
  kExitUsage = 2,     // bad command line or flag value
  kExitBadData = 3,   // malformed dataset, checkpoint or model file (the message names it)
  kExitDiverged = 4,  // training stopped on a non-finite loss (the last good checkpoint is kept)
  kExitPeerLost = 5,  // data-parallel training lost a rank (died, hung past --dist-timeout or
                      // unreachable; the message names it; the last checkpoint is kept)
};

}  // namespace foresight
