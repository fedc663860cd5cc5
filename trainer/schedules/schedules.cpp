#include "trainer/schedules/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace foresight {

KlAnneal parse_kl_anneal(const std::string& name) {
  return parse_enum<KlAnneal>(name, "--kl-anneal");
}

std::string to_string(KlAnneal mode) { return name_of(mode); }

double KlSchedule::weight(int64_t iteration, int64_t total) const {
  if (mode == KlAnneal::kNone || total <= 0) return 1.0;
  const int n = mode == KlAnneal::kCyclical ? std::max(cycles, 1) : 1;
  const double period = static_cast<double>(total) / n;
  const double phase = std::fmod(static_cast<double>(iteration), period) / period;  // [0, 1)
  if (ratio <= 0) return 1.0;
  return std::min(1.0, phase / ratio);
}

double TeacherForcingSchedule::ratio(int epoch) const {
  if (epoch < start_decay_epoch) return initial;
  double r = initial - decay_step * (epoch - start_decay_epoch + 1);
  return std::clamp(r, lower_bound, 1.0);
}

double cosine_lr(double base_lr, double min_lr, int64_t iteration, int64_t total) {
  if (total <= 0) return base_lr;
  double t = std::clamp(static_cast<double>(iteration) / total, 0.0, 1.0);
  return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + std::cos(M_PI * t));
}

double warmup_factor(int64_t iteration, int64_t warmup) {
  if (iteration >= warmup) return 1.0;
  return static_cast<double>(std::max<int64_t>(iteration, 0) + 1) / static_cast<double>(warmup);
}

}  // namespace foresight
