// The distributed sampler: each rank's share of an epoch is disjoint from the others' and together
// they cover the epoch's full global batches, as pure functions and through the batch loader.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/distributed_sampler.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "support/test_support.hpp"

namespace foresight {
namespace {

TEST(DistributedSampler, SharesOfAnEpochAreDisjointAndCoverTheFullGlobalBatches) {
  for (int world : {1, 2, 3}) {
    for (int64_t n : {24, 25, 31}) {
      const std::vector<int64_t> order = epoch_order(n, 7, 3, true);
      const int batch = 4;
      const int64_t covered = n / (world * batch) * world * batch;
      std::multiset<int64_t> seen;
      for (int r = 0; r < world; ++r) {
        const auto share = rank_share(order, r, world, batch);
        EXPECT_EQ(static_cast<int64_t>(share.size()), covered / world);
        seen.insert(share.begin(), share.end());
      }
      EXPECT_EQ(static_cast<int64_t>(seen.size()), covered);
      std::set<int64_t> unique(seen.begin(), seen.end());
      EXPECT_EQ(unique.size(), seen.size()) << "a sequence in two shares (world " << world << ")";
      // The covered ones are the first `covered` of the epoch's order.
      EXPECT_EQ(unique, std::set<int64_t>(order.begin(), order.begin() + covered));
    }
  }
}

TEST(DistributedSampler, RankSliceJOfGlobalBatchKIsRankJsBatchK) {
  const std::vector<int64_t> order = epoch_order(16, 1, 0, true);
  const auto r1 = rank_share(order, 1, 2, 4);
  ASSERT_EQ(r1.size(), 8u);
  EXPECT_EQ(std::vector<int64_t>(r1.begin(), r1.begin() + 4),
            std::vector<int64_t>(order.begin() + 4, order.begin() + 8));
  EXPECT_EQ(std::vector<int64_t>(r1.begin() + 4, r1.end()),
            std::vector<int64_t>(order.begin() + 12, order.begin() + 16));
}

TEST(DistributedSampler, EpochOrdersDependOnSeedAndEpochOnly) {
  EXPECT_EQ(epoch_order(50, 3, 2, true), epoch_order(50, 3, 2, true));
  EXPECT_NE(epoch_order(50, 3, 2, true), epoch_order(50, 3, 3, true));
  std::vector<int64_t> plain(5);
  for (int i = 0; i < 5; ++i) plain[i] = i;
  EXPECT_EQ(epoch_order(5, 3, 2, false), plain);
  EXPECT_THROW(rank_share(plain, 2, 2, 1), std::invalid_argument);
}

// The loader with rank/world: over one epoch of the tiny dataset (24 sequences, 2 ranks x 4),
// the ranks' batches are disjoint, cover the split, and each global batch of the two ranks is the
// one-process loader's batch of 8.
TEST(DistributedSampler, LoaderSharesMatchTheOneProcessBatches) {
  const auto seqs = list_sequences(testing::tiny_dataset(), "train");
  ASSERT_EQ(seqs.size(), 24u);
  LoaderOptions o;
  o.seq_len = 4;
  o.workers = 2;
  o.seed = 5;
  o.batch_size = 8;
  BatchLoader whole(seqs, o);
  o.batch_size = 4;
  o.world = 2;
  o.rank = 0;
  BatchLoader r0(seqs, o);
  o.rank = 1;
  BatchLoader r1(seqs, o);
  std::set<std::string> seen;
  int batches = 0;
  while (auto g = whole.next()) {
    auto a = r0.next(), b = r1.next();
    ASSERT_TRUE(a && b);
    std::vector<std::string> names = a->names;
    names.insert(names.end(), b->names.begin(), b->names.end());
    EXPECT_EQ(names, g->names);
    EXPECT_TRUE(at::equal(at::cat({a->frames, b->frames}, 1), g->frames));
    for (const auto& n : names) EXPECT_TRUE(seen.insert(n).second) << n << " seen twice";
    ++batches;
  }
  EXPECT_FALSE(r0.next().has_value());  // the ranks' epochs end together
  EXPECT_FALSE(r1.next().has_value());
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(seen.size(), 24u);
}

}  // namespace
}  // namespace foresight
