// The training schedules of both seed reports, as pure functions of progress:
// KL annealing (none / monotonic / cyclical, Fu et al. 2019), teacher-forcing decay and the
// cosine learning rate. Pure so that resuming at any iteration reproduces the same values.
#pragma once
#include <cstdint>
#include <string>

#include "common/util/enum_names.hpp"

namespace foresight {

enum class KlAnneal { kNone, kMonotonic, kCyclical };
template <>
struct EnumNames<KlAnneal> {
  static constexpr std::pair<KlAnneal, const char*> kNames[] = {{KlAnneal::kNone, "none"},
                                                                {KlAnneal::kMonotonic, "monotonic"},
                                                                {KlAnneal::kCyclical, "cyclical"}};
};
FORESIGHT_JSON_ENUM(KlAnneal)

// The learning rate over the run: constant, or cosine_lr below.
enum class LrSchedule { kNone, kCosine };
template <>
struct EnumNames<LrSchedule> {
  static constexpr std::pair<LrSchedule, const char*> kNames[] = {{LrSchedule::kNone, "none"},
                                                                  {LrSchedule::kCosine, "cosine"}};
};
FORESIGHT_JSON_ENUM(LrSchedule)

// "none" | "monotonic" | "cyclical"; throws std::invalid_argument otherwise.
KlAnneal parse_kl_anneal(const std::string& name);
std::string to_string(KlAnneal mode);

struct KlSchedule {
  KlAnneal mode = KlAnneal::kMonotonic;
  int cycles = 4;      // cyclical: number of cycles over the whole run
  double ratio = 0.5;  // fraction of each cycle (or of the run, monotonic) spent ramping 0 -> 1
  // Weight in [0, 1] that multiplies beta at `iteration` of `total` iterations.
  // none: 1. monotonic: one ramp over the first ratio * total iterations, then 1.
  // cyclical: the run is split into `cycles` equal cycles; each ramps linearly from 0 to 1 over
  // its first `ratio` fraction, then holds at 1.
  double weight(int64_t iteration, int64_t total) const;
};

struct TeacherForcingSchedule {
  double initial = 1.0;        // --tfr
  int start_decay_epoch = 10;  // --tfr-start-decay-epoch: epochs before this one use `initial`
  double decay_step = 0.1;     // --tfr-decay-step: subtracted per epoch from start_decay_epoch on
  double lower_bound = 0.0;    // --tfr-lower-bound
  // Probability that a sequence is teacher-forced in epoch `epoch` (0-based):
  // max(lower_bound, initial - decay_step * (epoch - start_decay_epoch + 1)) once decaying.
  double ratio(int epoch) const;
};

// Cosine annealing from base_lr to min_lr over total iterations (SGDR without restarts).
double cosine_lr(double base_lr, double min_lr, int64_t iteration, int64_t total);

// Factor on the learning rate of a linear warm-up over the first `warmup` iterations:
// (iteration + 1) / warmup, then 1 (0: no warm-up). Adam's first steps move every weight by about
// the learning rate whatever its gradient's size; a compositing head's mask can close for good in
// them (docs/results.md, pose training seed 2).
double warmup_factor(int64_t iteration, int64_t warmup);

}  // namespace foresight
