// Which sequences an epoch visits, in which order, and which of them each rank of a data-parallel
// run takes. Pure functions of (seed, epoch): every rank computes the same global order without
// talking to the others, and a run with any number of ranks sees the same global batches.
#pragma once
#include <cstdint>
#include <vector>

namespace foresight {

// splitmix64 of three values: the loader's seed mixing (orders, window starts).
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c = 0);

// The order of epoch `epoch` over n sequences: 0..n-1, or a Fisher-Yates shuffle seeded by
// (seed, epoch) (own implementation: std::shuffle's draws differ between standard libraries).
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, uint64_t epoch, bool shuffle);

// Rank `rank`'s share of `order` when consecutive global batches of world * batch entries are
// split into `world` consecutive slices of `batch`: entries [k*G + rank*batch, k*G +
// (rank+1)*batch) of every full global batch k (G = world * batch; a final partial global batch is
// dropped). The shares of the ranks are disjoint and together cover every full global batch; rank
// r's j-th batch is slice r of global batch j. Throws std::invalid_argument unless 0 <= rank <
// world, batch >= 1.
std::vector<int64_t> rank_share(const std::vector<int64_t>& order, int rank, int world, int batch);

}  // namespace foresight
