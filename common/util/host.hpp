// Two questions every tool asks its machine, answered once: the wall clock as the protocol's
// timestamps want it, and how many threads "0 = all cores" means.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

namespace foresight {

// Nanoseconds since the Unix epoch (system clock): the protocol's timestamp_ns.
inline uint64_t wall_clock_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// `requested` threads, or every core for 0 (at least 1 when the count is unknown).
inline int thread_count(int requested) {
  return requested > 0 ? requested
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace foresight
