// The evaluator and the condition statistics: scores every predicted step beside copy-last, best of
// N is at least the mean, and the shuffled-conditions rollout (another sequence's actions, same
// frames and noise) changes the predictions only through the conditioning.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "common/dataset/batch_loader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/metrics/image_metrics.hpp"
#include "support/test_support.hpp"
#include "trainer/eval/evaluator.hpp"
#include "trainer/train/condition_stats.hpp"

namespace foresight {
namespace {

EvalResult evaluate_tiny(SvgModel& model, bool shuffled) {
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.seq_len = 6;
  lo.shuffle = false;
  lo.drop_last = false;
  BatchLoader loader(list_sequences(testing::tiny_dataset(), "test"), lo);
  EvalOptions opt;
  opt.n_past = 2;
  opt.n_eval = 6;
  opt.samples = 3;
  opt.shuffled_conditions = shuffled;
  return evaluate(model, loader, opt);
}

SvgModel toy_model() {
  at::manual_seed(5);
  SvgConfig c;
  c.width = 0.0625;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 16;
  c.learned_prior = true;
  SvgModel model = SvgModel::create(c);
  // Untrained (weights N(0, 0.02)), the decoder's output hardly depends on its input and the flow
  // head copies its base: amplify the decoder and open the paint channel so the actions reach the
  // pixels.
  at::NoGradGuard no_grad;
  for (const auto& p : model.module().attr("dec").toModule().named_parameters()) {
    if (p.name.find("bn_") == std::string::npos) p.value.mul_(30.0);
  }
  auto last = model.module().attr("dec").toModule().attr("upc5_1").toModule();
  last.attr("bias").toTensor()[3].fill_(3.0);
  return model;
}

TEST(Evaluator, ScoresEveryPredictedStepAndBestOfNIsAtLeastTheMean) {
  SvgModel model = toy_model();
  EvalResult r = evaluate_tiny(model, false);
  EXPECT_EQ(r.sequences, 8);
  ASSERT_EQ(r.psnr_mean.size(), 4u);
  ASSERT_EQ(r.copy_last_psnr.size(), 4u);
  EXPECT_TRUE(r.psnr_shuffled.empty());
  for (size_t k = 0; k < 4; ++k) EXPECT_GT(r.copy_last_psnr[k], 10.0);
  EXPECT_GE(r.best_psnr(), r.mean_psnr() - 1e-9);
}

// Copy-last is the last conditioning frame held still, scored against every later frame:
// recomputed here from the files, independently of the evaluator's loop.
TEST(Evaluator, CopyLastIsExactlyTheLastConditioningFrame) {
  SvgModel model = toy_model();
  EvalResult r = evaluate_tiny(model, false);
  std::vector<double> expected(4, 0.0);
  const auto sequences = list_sequences(testing::tiny_dataset(), "test");
  for (const auto& dir : sequences) {
    Sequence s = load_window(dir, 0, 6);
    auto truth = s.frames.slice(0, 2, 6);
    auto held = s.frames[1].unsqueeze(0).expand_as(truth).contiguous();
    auto p = psnr_per_image(truth, held).contiguous();
    for (int k = 0; k < 4; ++k) expected[k] += p[k].item<double>() / sequences.size();
  }
  ASSERT_EQ(r.copy_last_psnr.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(r.copy_last_psnr[k], expected[k], 1e-6) << "step " << k;
}

TEST(Evaluator, ShuffledConditionsChangeOnlyTheConditioning) {
  SvgModel model = toy_model();
  EvalResult plain = evaluate_tiny(model, false);
  EvalResult with = evaluate_tiny(model, true);
  // The main scores do not move when the extra rollout runs (same frames, same noise)...
  ASSERT_EQ(with.psnr_mean.size(), plain.psnr_mean.size());
  for (size_t k = 0; k < plain.psnr_mean.size(); ++k) {
    EXPECT_DOUBLE_EQ(with.psnr_mean[k], plain.psnr_mean[k]);
  }
  // ...and the rollout under other actions predicts other frames.
  ASSERT_EQ(with.psnr_shuffled.size(), plain.psnr_mean.size());
  EXPECT_GT(std::abs(with.shuffled_psnr() - with.first_sample_psnr()), 1e-4);
}

}  // namespace
}  // namespace foresight

namespace foresight {
namespace {

TEST(ConditionStatistics, MeanAndStdPerNumberAndOneForConstantNumbers) {
  auto seqs = list_sequences(testing::tiny_dataset(), "train");
  ConditionStats s = condition_statistics(seqs);
  ASSERT_EQ(s.mean.size(), 7u);
  ASSERT_EQ(s.std.size(), 7u);
  // The synthetic world's actions are centimetres per frame: a small but real spread.
  EXPECT_GT(s.std[0], 1e-4);
  EXPECT_LT(s.std[0], 0.1);
  for (double v : s.std) EXPECT_GT(v, 0.0);
  // A limit of 1 sequence reads that sequence only.
  ConditionStats one = condition_statistics(seqs, 1);
  EXPECT_NE(one.mean[4], s.mean[4]);
}

}  // namespace
}  // namespace foresight
