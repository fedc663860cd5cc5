#include "bench_support.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>

#include "common/util/host.hpp"

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
    const int t = thread_count(env ? std::atoi(env) : 0);
    at::set_num_threads(t);
    return t;
  }();
  return n;
}

}  // namespace foresight::bench
