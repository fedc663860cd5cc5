// Shared pieces of the benchmarks: latency percentiles reported as Google Benchmark counters,
// and the thread count taken from FORESIGHT_THREADS (default: all cores).
#pragma once
#include <benchmark/benchmark.h>

#include <vector>

namespace foresight::bench {

// Sets counters p50_ms, p99_ms, per_s from per-iteration latencies in seconds.
void report_latencies(benchmark::State& state, std::vector<double> seconds);
// Calls at::set_num_threads once from FORESIGHT_THREADS (default: hardware concurrency).
int configure_threads();

}  // namespace foresight::bench
