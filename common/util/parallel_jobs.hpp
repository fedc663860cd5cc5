// Runs independent jobs on a small thread pool with a progress bar: the dataset writers' loop.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace foresight {

// Calls job(k) for k in [0, count) on `threads` threads (0: all cores; never more than count), one
// progress-bar tick per finished job. The first exception stops the remaining jobs (those running
// finish) and is rethrown here, so a failed run reports the first file that went wrong.
void run_parallel_jobs(size_t count, int threads, const std::string& label, const std::string& unit,
                       const std::function<void(size_t)>& job);

}  // namespace foresight
