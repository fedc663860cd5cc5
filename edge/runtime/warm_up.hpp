// Start-up warm-up of a predictor. The full TorchScript runtime profiles and then compiles its
// graph during the first calls (~150-200 ms each for the full-size model on a 2-core CPU, against
// ~30 ms afterwards); done while serving, those stalls make the daemon drop the first live
// steps. The lite interpreter has no such phase, but its first call still allocates.
#pragma once
#include <cstdint>

#include "edge/runtime/predictor.hpp"

namespace foresight {

// Runs `calls` steps (the first with first=true) of zero inputs at `batch` streams, the shapes
// the session will use for 1-step predictions. Returns the milliseconds it took.
double warm_up(Predictor& predictor, int64_t batch, int calls = 3);

}  // namespace foresight
