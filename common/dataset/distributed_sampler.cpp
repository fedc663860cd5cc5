#include "common/dataset/distributed_sampler.hpp"

#include <stdexcept>
#include <utility>

namespace foresight {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) {
  return splitmix64(splitmix64(splitmix64(a) ^ b) ^ c);
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, uint64_t epoch, bool shuffle) {
  std::vector<int64_t> o(n);
  for (int64_t i = 0; i < n; ++i) o[i] = i;
  if (shuffle) {
    uint64_t state = mix_seed(seed, epoch, 0x5EED);
    for (int64_t i = n - 1; i > 0; --i) {
      state = splitmix64(state);
      std::swap(o[i], o[state % static_cast<uint64_t>(i + 1)]);
    }
  }
  return o;
}

std::vector<int64_t> rank_share(const std::vector<int64_t>& order, int rank, int world, int batch) {
  if (world < 1 || rank < 0 || rank >= world || batch < 1) {
    throw std::invalid_argument("rank_share: needs 0 <= rank < world and batch >= 1");
  }
  const auto global = static_cast<int64_t>(world) * batch;
  const int64_t full = static_cast<int64_t>(order.size()) / global;
  std::vector<int64_t> share;
  share.reserve(full * batch);
  for (int64_t k = 0; k < full; ++k) {
    const int64_t first = k * global + static_cast<int64_t>(rank) * batch;
    share.insert(share.end(), order.begin() + first, order.begin() + first + batch);
  }
  return share;
}

}  // namespace foresight
