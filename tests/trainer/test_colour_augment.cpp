// The pose family's colour augmentation (colour_augment.hpp): every clip comes back with its
// channels in one of the six orders, the same order in each of its frames; all six are drawn; the
// same generator state draws the same orders (a resumed run sees the same clips).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "trainer/train/colour_augment.hpp"

namespace foresight {
namespace {

// The channel order that turns clip b of `in` into clip b of `out`, or {} when none does.
std::vector<int64_t> order_of(const at::Tensor& in, const at::Tensor& out, int64_t b) {
  for (std::vector<int64_t> order :
       {std::vector<int64_t>{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}) {
    const at::Tensor index = at::tensor(order, at::kLong);
    if (at::equal(in.select(1, b).index_select(1, index), out.select(1, b))) return order;
  }
  return {};
}

TEST(PermuteColours, EachClipKeepsItsPixelsInOneOfTheSixChannelOrders) {
  at::manual_seed(0);
  const at::Tensor clips = at::rand({5, 64, 3, 4, 6});  // [T, B, 3, H, W], channels all distinct
  at::Generator gen = at::detail::createCPUGenerator(7);
  const at::Tensor out = permute_colours(clips, gen);
  ASSERT_EQ(out.sizes(), clips.sizes());
  std::set<std::vector<int64_t>> seen;
  for (int64_t b = 0; b < clips.size(1); ++b) {
    const std::vector<int64_t> order = order_of(clips, out, b);
    ASSERT_FALSE(order.empty()) << "clip " << b << " is not a channel permutation of its input";
    seen.insert(order);
  }
  EXPECT_EQ(seen.size(), 6u);  // 64 draws: all six orders, or the draw is not uniform
}

TEST(PermuteColours, TheSameGeneratorStateDrawsTheSameOrders) {
  const at::Tensor clips = at::rand({2, 8, 3, 2, 2});
  at::Generator a = at::detail::createCPUGenerator(11);
  at::Generator b = at::detail::createCPUGenerator(11);
  EXPECT_TRUE(at::equal(permute_colours(clips, a), permute_colours(clips, b)));
}

TEST(PermuteColours, RejectsAnythingButClipsOfRgbFrames) {
  at::Generator gen = at::detail::createCPUGenerator(1);
  EXPECT_THROW(permute_colours(at::rand({2, 3, 4, 4}), gen), std::invalid_argument);
  EXPECT_THROW(permute_colours(at::rand({2, 1, 4, 4, 4}), gen), std::invalid_argument);
}

}  // namespace
}  // namespace foresight
