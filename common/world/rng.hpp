// Deterministic random numbers for the synthetic worlds: the same seed gives the same numbers on
// every standard library. std::mt19937_64 is fully specified by the standard, but
// std::*_distribution is not, so its raw output is mapped to uniform/normal values here.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

namespace foresight {

// SplitMix64 finaliser: derives well-spread independent seeds from (seed, stream) pairs.
constexpr uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // exp(uniform(log lo, log hi)): for scale-like quantities (mass, friction).
  double log_uniform(double lo, double hi) { return std::exp(uniform(std::log(lo), std::log(hi))); }
  // Standard normal (Box-Muller; one value per call keeps the stream stateless).
  double normal() {
    double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Uniform integer in [0, n), n > 0.
  int index(int n) {
    int i = static_cast<int>(uniform() * n);
    return i < n ? i : n - 1;
  }
  // True with probability p.
  bool chance(double p) { return uniform() < p; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace foresight
