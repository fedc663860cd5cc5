#include "bench_support.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace foresight::bench {

void report_latencies(benchmark::State& state, std::vector<double> s) {
  if (s.empty()) return;
  std::sort(s.begin(), s.end());
  auto pct = [&](double p) { return s[std::min(s.size() - 1, static_cast<size_t>(p * s.size()))]; };
  state.counters["p50_ms"] = pct(0.50) * 1e3;
  state.counters["p99_ms"] = pct(0.99) * 1e3;
  state.counters["per_s"] = 1.0 / pct(0.50);
}

int configure_threads() {
  static const int n = [] {
    const char* env = std::getenv("FORESIGHT_THREADS");
    int t = env ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
    at::set_num_threads(std::max(t, 1));
    return std::max(t, 1);
  }();
  return n;
}

}  // namespace foresight::bench
