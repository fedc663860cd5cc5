#include "common/util/parallel_jobs.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/util/host.hpp"
#include "common/util/progress_bar.hpp"

namespace foresight {

void run_parallel_jobs(size_t count, int threads, const std::string& label, const std::string& unit,
                       const std::function<void(size_t)>& job) {
  if (count == 0) return;
  int n = thread_count(threads);
  n = std::clamp(n, 1, static_cast<int>(std::min<size_t>(count, 1024)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mu;
  {
    ProgressBar bar(static_cast<int64_t>(count), label, unit);
    auto work = [&] {
      for (size_t k = next++; k < count && !failed; k = next++) {
        try {
          job(k);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = std::current_exception();
          failed = true;
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        bar.tick();
      }
    };
    std::vector<std::thread> pool;
    for (int i = 1; i < n; ++i) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace foresight
