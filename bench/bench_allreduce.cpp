// The all-reduce alone: two ranks as two threads of this process (TCPStore and Gloo on loopback,
// as a 2-rank training run uses them), each all-reducing a float32 buffer the size of a model's
// gradients: the toy test network, the tiny and the paper presets. Prints the median time per
// all-reduce and the bytes each rank sends per second (a 2-rank ring sends each buffer once).
// Usage: bench_allreduce [REPEATS]   (default 20; docs/performance.md has the figures)
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "trainer/distributed/dist_group.hpp"

namespace {
using foresight::DistEnv;
using foresight::DistGroup;

int free_port() {
  return 20000 +
         static_cast<int>(std::chrono::steady_clock::now().time_since_epoch().count() % 20000);
}

}  // namespace

int main(int argc, char** argv) {
  if (!foresight::distributed_support()) {
    std::fprintf(stderr, "built without distributed support\n");
    return 1;
  }
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  at::set_num_threads(1);
  const std::vector<std::pair<const char*, int64_t>> sizes = {
      {"toy test network", 100'000}, {"tiny preset", 995'000}, {"paper preset", 22'838'000}};
  const int port = free_port();
  std::vector<std::vector<double>> times(sizes.size());
  auto rank = [&](int r) {
    DistEnv env;
    env.launcher = "bench";
    env.rank = r;
    env.world_size = 2;
    env.master_addr = "127.0.0.1";
    env.master_port = port;
    DistGroup group(env, {});
    for (size_t s = 0; s < sizes.size(); ++s) {
      at::Tensor t = at::ones({sizes[s].second});
      for (int i = 0; i < repeats + 3; ++i) {
        group.barrier("the start barrier");
        const auto t0 = std::chrono::steady_clock::now();
        group.all_reduce_sum(t, "the buffer");
        const double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r == 0 && i >= 3) times[s].push_back(dt);
      }
    }
  };
  std::thread other(rank, 1);
  rank(0);
  other.join();
  std::printf("%-18s %10s %12s %14s\n", "buffer", "MB", "median ms", "GB/s per rank");
  for (size_t s = 0; s < sizes.size(); ++s) {
    auto& v = times[s];
    std::sort(v.begin(), v.end());
    const double med = v[v.size() / 2];
    const double mb = static_cast<double>(sizes[s].second) * 4 / 1e6;
    std::printf("%-18s %10.2f %12.2f %14.2f\n", sizes[s].first, mb, 1e3 * med, mb / 1e3 / med);
  }
  return 0;
}
