// Training end to end at toy size: a 2-iteration smoke test on the tiny preset's network, the
// NaN guard, checkpoint round trip, resume, and the checkpoint errors.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/util/atomic_file.hpp"
#include "support/test_support.hpp"
#include "support/toy_training.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/report/metrics_log.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

TrainConfig toy_config(const std::string& tag) { return testing::toy_train_config(tag); }

TEST(Training, TwoIterationSmokeTestWritesARun) {
  TrainConfig c = toy_config("smoke");
  c.prior = Prior::kLearned;
  TrainSummary s = train(c, std::nullopt);
  EXPECT_EQ(s.epochs, 1);
  EXPECT_TRUE(std::isfinite(s.best_val_psnr));
  EXPECT_GT(s.best_val_psnr, 5.0);
  for (const char* f : {"config.json", "last.ckpt", "best.ckpt", "metrics.csv"}) {
    EXPECT_TRUE(fs::exists(fs::path(c.out) / f)) << f;
  }
  auto rows = read_metrics_csv(fs::path(c.out) / "metrics.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::isfinite(rows[0].loss));
  EXPECT_NEAR(rows[0].val_psnr, s.best_val_psnr, 1e-3);
  auto cfg = nlohmann::json::parse(read_file(fs::path(c.out) / "config.json"));
  EXPECT_EQ(cfg.at("prior"), "learned");
  EXPECT_EQ(cfg.at("iters_per_epoch"), 2);
}

TEST(Training, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  TrainConfig c = toy_config("nan");
  train(c, std::nullopt);
  const fs::path last = fs::path(c.out) / kLastCheckpoint;
  // Poison one weight so that the very next loss is NaN, then resume for another epoch.
  auto [ckpt, model] = load_checkpoint(last);
  {
    at::NoGradGuard no_grad;
    model.module().attr("dec").toModule().attr("upc5_1").toModule().attr("bias").toTensor().fill_(
        NAN);
  }
  save_checkpoint(last, ckpt, model);
  const std::string poisoned = read_file(last);
  TrainConfig more = c;
  more.epochs = 2;
  try {
    train(more, fs::path(c.out));
    FAIL() << "expected TrainingDiverged";
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite loss"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(last), poisoned);  // the checkpoint was not overwritten
}

TEST(Checkpoint, RoundTripRestoresWeightsConfigAndProgress) {
  TrainConfig c = toy_config("roundtrip");
  train(c, std::nullopt);
  auto [ckpt, model] = load_checkpoint(fs::path(c.out) / kLastCheckpoint);
  EXPECT_EQ(ckpt.epoch, 1);
  EXPECT_EQ(ckpt.iteration, 2);
  EXPECT_EQ(ckpt.config.g_dim, 16);
  EXPECT_FALSE(ckpt.optimizer_state.empty());
  const fs::path copy = testing::scratch_dir("ckpt-copy") / "copy.ckpt";
  save_checkpoint(copy, ckpt, model);
  auto [again, model2] = load_checkpoint(copy);
  auto p1 = model.parameters(), p2 = model2.parameters();
  ASSERT_EQ(p1.size(), p2.size());
  for (size_t i = 0; i < p1.size(); ++i) EXPECT_TRUE(at::equal(p1[i], p2[i]));
  auto b1 = model.module().named_buffers(), b2 = model2.module().named_buffers();
  auto it2 = b2.begin();
  for (const auto& b : b1) EXPECT_TRUE(at::equal(b.value, (*it2++).value)) << b.name;
  EXPECT_EQ(again.val_psnr, ckpt.val_psnr);
}

TEST(Checkpoint, ResumeContinuesFromTheSavedEpoch) {
  TrainConfig c = toy_config("resume");
  train(c, std::nullopt);
  TrainConfig more = c;
  more.epochs = 2;
  TrainSummary s = train(more, fs::path(c.out));
  EXPECT_EQ(s.epochs, 2);
  auto [ckpt, model] = load_checkpoint(fs::path(c.out) / kLastCheckpoint);
  EXPECT_EQ(ckpt.epoch, 2);
  EXPECT_EQ(ckpt.iteration, 4);
  EXPECT_EQ(read_metrics_csv(fs::path(c.out) / "metrics.csv").size(), 2u);
}

// K iterations, stop, resume for K more = 2K uninterrupted, bit for bit on the CPU: the weights,
// Adam's moments (the steps after the resume use them), the RNG stream and the data order all
// come back. (The optimiser's archives themselves differ: LibTorch keys them by tensor address.)
// Schedules that depend on the run's length (cosine, KL ramp, teacher-forcing decay) are off:
// extending a run's --epochs changes them by design. With --ema the checkpoint's weights are the
// average and the live ones travel beside them: both must come back.
void expect_resumed_run_equals_uninterrupted(const std::string& tag, double ema) {
  auto config = [&](const std::string& part, int epochs) {
    TrainConfig c = toy_config(tag + "-" + part);
    c.epochs = epochs;
    c.lr_schedule = LrSchedule::kNone;
    c.kl_anneal = KlAnneal::kNone;
    c.tfr = 0.5;  // a coin per sequence: the RNG stream must continue too
    c.tfr_start_decay_epoch = 100;
    c.prior = Prior::kLearned;
    c.ema = ema;
    return c;
  };
  const TrainConfig whole = config("whole", 2);
  train(whole, std::nullopt);
  const TrainConfig half = config("half", 1);
  train(half, std::nullopt);
  TrainConfig more = half;
  more.epochs = 2;
  train(more, fs::path(half.out));
  auto [a, model_a] = load_checkpoint(fs::path(whole.out) / kLastCheckpoint);
  auto [b, model_b] = load_checkpoint(fs::path(half.out) / kLastCheckpoint);
  EXPECT_EQ(a.iteration, 4);
  EXPECT_EQ(b.iteration, 4);
  testing::expect_same_parameters(model_a.parameters(), model_b.parameters());
  testing::expect_same_parameters(a.training_weights, b.training_weights);
  EXPECT_TRUE(at::equal(a.rng_state, b.rng_state));
  EXPECT_EQ(a.val_psnr, b.val_psnr);
}

TEST(Checkpoint, ResumedRunEqualsTheUninterruptedOneBitForBit) {
  expect_resumed_run_equals_uninterrupted("resume", 0.0);
}

TEST(Checkpoint, ResumedRunWithAWeightAverageEqualsTheUninterruptedOneBitForBit) {
  expect_resumed_run_equals_uninterrupted("resume-ema", 0.9);
}

// --ema: validation and the checkpoint's weights are the average, which lags the live weights
// that the checkpoint carries beside it for resuming; without it the checkpoint carries nothing
// extra.
TEST(Checkpoint, WithAWeightAverageTheWeightsAreTheAverageAndTheLiveOnesTravelBeside) {
  TrainConfig c = toy_config("ema");
  c.ema = 0.9;
  c.epochs = 2;
  train(c, std::nullopt);
  auto [ckpt, model] = load_checkpoint(fs::path(c.out) / kLastCheckpoint);
  const std::vector<at::Tensor> params = model.parameters();
  ASSERT_GE(ckpt.training_weights.size(), params.size());
  int differ = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_EQ(ckpt.training_weights[i].sizes(), params[i].sizes()) << i;
    differ += !at::equal(ckpt.training_weights[i], params[i]);
  }
  EXPECT_GT(differ, static_cast<int>(params.size()) / 2);
  EXPECT_EQ(ckpt.config.ema, 0.9);
  TrainConfig plain = toy_config("no-ema");
  train(plain, std::nullopt);
  EXPECT_TRUE(
      load_checkpoint(fs::path(plain.out) / kLastCheckpoint).first.training_weights.empty());
}

TEST(Checkpoint, CorruptOrMissingFilesGiveOneLineErrorsNamingTheFile) {
  const fs::path dir = testing::scratch_dir("corrupt");
  const fs::path bad = dir / "bad.ckpt";
  write_file_atomically(bad, "this is not a checkpoint");
  try {
    load_checkpoint(bad);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.ckpt"), std::string::npos) << e.what();
  }
  // Truncated: the first half of a real checkpoint.
  TrainConfig c = toy_config("truncate");
  train(c, std::nullopt);
  std::string bytes = read_file(fs::path(c.out) / kLastCheckpoint);
  write_file_atomically(dir / "half.ckpt", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(load_checkpoint(dir / "half.ckpt"), CheckpointError);
  EXPECT_THROW(resolve_checkpoint(dir / "missing"), CheckpointError);
  EXPECT_THROW(resolve_checkpoint(dir), CheckpointError);  // a folder without checkpoints
  EXPECT_EQ(resolve_checkpoint(c.out), fs::path(c.out) / kBestCheckpoint);
}

}  // namespace
}  // namespace foresight
