// The MAC counter reads the arithmetic off the operators a piece of code dispatches: exact counts
// for each operator kind, nothing counted twice when one operator calls another, and a scripted
// model's step counted through the TorchScript interpreter.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/model/svg_model.hpp"
#include "common/util/mac_counter.hpp"

namespace foresight {
namespace {

using ints = std::vector<int64_t>;

TEST(MacCounter, ConvolutionsCountOutputPixelsTimesTheirDotProducts) {
  at::NoGradGuard no_grad;
  auto x = at::rand({2, 3, 16, 16});
  // 3x3, padding 1: 16x16 outputs, each 8 channels of a 3*3*3 dot product.
  EXPECT_EQ(count_macs([&] {
              at::conv2d(x, at::rand({8, 3, 3, 3}), at::Tensor(), ints{1, 1}, ints{1, 1});
            }),
            2 * 16 * 16 * 8 * 3 * 9);
  // Stride 2, no padding: (16 - 3) / 2 + 1 = 7 outputs a side.
  EXPECT_EQ(count_macs([&] {
              at::conv2d(x, at::rand({8, 3, 3, 3}), at::Tensor(), ints{2, 2}, ints{0, 0});
            }),
            2 * 7 * 7 * 8 * 3 * 9);
  // Depthwise (groups = channels): one input channel per output.
  auto y = at::rand({1, 6, 8, 8});
  EXPECT_EQ(
      count_macs([&] {
        at::conv2d(y, at::rand({6, 1, 3, 3}), at::Tensor(), ints{1, 1}, ints{1, 1}, ints{1, 1}, 6);
      }),
      8 * 8 * 6 * 9);
  // Transposed 4x4 from 1x1 (the decoder's first layer): every input scatters to 5 * 16 outputs.
  auto z = at::rand({1, 4, 1, 1});
  EXPECT_EQ(count_macs([&] { at::conv_transpose2d(z, at::rand({4, 5, 4, 4})); }), 4 * 5 * 16);
}

TEST(MacCounter, LinearLayersAndLstmCellsAreCountedOnceThoughTheyCallMatrixProducts) {
  at::NoGradGuard no_grad;
  auto x = at::rand({5, 10});
  // linear dispatches addmm (or matmul) inside: still 5 * 10 * 20.
  EXPECT_EQ(count_macs([&] { at::linear(x, at::rand({20, 10}), at::rand({20})); }), 5 * 10 * 20);
  EXPECT_EQ(count_macs([&] { at::mm(x, at::rand({10, 3})); }), 5 * 10 * 3);
  // Matrix-vector products (the recurrent layers at batch 1): one per matrix element.
  EXPECT_EQ(count_macs([&] { at::mv(at::rand({20, 10}), x[0]); }), 20 * 10);
  EXPECT_EQ(count_macs([&] { at::addmv(at::rand({20}), at::rand({20, 10}), x[0]); }), 20 * 10);
  auto h = at::zeros({5, 4}), c = at::zeros({5, 4});
  EXPECT_EQ(count_macs([&] {
              at::lstm_cell(x, {h, c}, at::rand({16, 10}), at::rand({16, 4}), at::rand({16}),
                            at::rand({16}));
            }),
            5 * 16 * (10 + 4));
  // Element-wise work is not counted.
  EXPECT_EQ(count_macs([&] { at::sigmoid(x).add_(1.0); }), 0);
}

TEST(MacCounter, AScriptedModelsStepIsCountedThroughTheInterpreterAndScalesWithTheBatch) {
  at::manual_seed(0);
  at::NoGradGuard no_grad;
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 32;
  SvgModel model = SvgModel::create(c);
  model.train(false);
  auto step_macs = [&](int64_t batch) {
    auto state = model.init_state(batch);
    auto x = at::rand({batch, 3, 64, 64});
    auto cond = at::rand({batch, 7});
    auto conds = at::rand({1, batch, 7});
    auto noise = at::randn({2, batch, c.z_dim});
    return count_macs([&] { model.step(x, cond, conds, state, false, noise); });
  };
  const int64_t one = step_macs(1);
  // A step with first = false encodes the observed frame, advances the LSTMs and decodes one
  // prediction: the encoder's and the decoder's arithmetic, counted alone, are inside it.
  auto x = at::rand({1, 3, 64, 64});
  const int64_t encoder = count_macs([&] { model.encode(x); });
  auto [h, skips] = model.encode(x);
  const int64_t decoder = count_macs([&] {
    model.decode(h, skips, x, at::rand({1, 7}), at::rand({1, 7}));
  });
  EXPECT_GT(encoder, 64 * 64 * (8 * 3 + 8 * 8) * 9);  // at least its first block's two 3x3 convs
  EXPECT_GT(one, encoder + decoder);                  // plus the LSTMs
  EXPECT_LT(one, (encoder + decoder) * 11 / 10);      // which are small beside the convolutions
  EXPECT_EQ(step_macs(3), 3 * one);
}

}  // namespace
}  // namespace foresight
