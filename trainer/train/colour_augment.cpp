#include "trainer/train/colour_augment.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace foresight {

at::Tensor permute_colours(const at::Tensor& clips, at::Generator& gen) {
  if (clips.dim() != 5 || clips.size(2) != 3) {
    throw std::invalid_argument("permute_colours: clips must be [T, B, 3, H, W], not " +
                                std::to_string(clips.dim()) + "-d");
  }
  static const int64_t kOrders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                        {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const int64_t B = clips.size(1);
  const at::Tensor drawn = at::randint(6, {B}, gen, at::kLong);
  const auto* order = drawn.data_ptr<int64_t>();
  // Source channel of every (clip, channel): one gather over [T, B * 3, H, W].
  std::vector<int64_t> source(B * 3);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t c = 0; c < 3; ++c) source[b * 3 + c] = b * 3 + kOrders[order[b]][c];
  }
  const at::Tensor index = at::tensor(source, at::kLong).to(clips.device());
  const auto T = clips.size(0), H = clips.size(3), W = clips.size(4);
  return clips.reshape({T, B * 3, H, W}).index_select(1, index).view({T, B, 3, H, W});
}

}  // namespace foresight
