// The pose CVAE's training and evaluation at toy size: a few iterations write a run (checkpoints,
// metrics, the rollout report) that loads back; the rollout scores frames 1..T-1 against the
// truth beside copying the first frame, whatever the chunk size; resume carries on; without
// gnuplot the run still gets its rollout report, only the training curves are missing.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/dataset/pose_clip_reader.hpp"
#include "common/dataset/sequence_reader.hpp"
#include "common/metrics/image_metrics.hpp"
#include "common/util/atomic_file.hpp"
#include "common/world/dance_dataset_writer.hpp"
#include "support/test_support.hpp"
#include "trainer/checkpoint/checkpoint.hpp"
#include "trainer/eval/pose_rollout.hpp"
#include "trainer/report/metrics_log.hpp"
#include "trainer/train/trainer.hpp"

namespace foresight {
namespace {
namespace fs = std::filesystem;

const fs::path& dance_data() {
  static const fs::path root = [] {
    DanceDatasetOptions o;
    o.out = testing::scratch_dir("dance-data");
    o.train_frames = 96;
    o.val_frames = 24;
    o.dancer_frames = 48;
    o.seed = 5;
    o.threads = 2;
    write_dance_dataset(o);
    return o.out;
  }();
  return root;
}

TrainConfig toy_pose_config(const std::string& tag) {
  TrainConfig c = preset_config("tiny", ModelFamily::kPose);
  c.data = dance_data().string();
  c.out = testing::scratch_dir(tag).string();
  c.epochs = 1;
  c.iters_per_epoch = 3;
  c.batch_size = 2;
  c.video_len = 4;
  c.val_len = 24;
  c.threads = 2;
  c.f_dim = 8;
  c.l_dim = 4;
  c.n_dim = 2;
  c.d_out = 8;
  return c;
}

TEST(PoseTraining, AFewIterationsWriteARunThatLoadsBack) {
  TrainConfig c = toy_pose_config("pose-smoke");
  TrainSummary s = train(c, std::nullopt);
  EXPECT_EQ(s.epochs, 1);
  EXPECT_TRUE(std::isfinite(s.best_val_psnr));
  const fs::path run = c.out;
  for (const char* f :
       {"config.json", "last.ckpt", "best.ckpt", "metrics.csv", "samples/psnr_per_frame.csv",
        "samples/rollout.gif", "samples/rollout_strip.png"}) {
    EXPECT_TRUE(fs::exists(run / f)) << f;
  }
  auto rows = read_metrics_csv(run / "metrics.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::isfinite(rows[0].loss));
  EXPECT_NEAR(rows[0].val_psnr, s.best_val_psnr, 1e-3);
  EXPECT_EQ(checkpoint_family(run / kBestCheckpoint), ModelFamily::kPose);
  auto [ckpt, model] = load_pose_checkpoint(run / kBestCheckpoint);
  EXPECT_EQ(model.config().f_dim, 8);
  EXPECT_EQ(model.config().decoder, DecoderHead::kFlow);  // the tiny preset's, back from the file
  EXPECT_EQ(model.config().static_background, 2);
  EXPECT_TRUE(model.config().reference_warp);
  EXPECT_EQ(ckpt.config.video_len, 4);
  // The CSV holds one row per predicted frame (1..T-1) plus the header.
  const std::string csv = read_file(run / "samples/psnr_per_frame.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 24);
}

TEST(PoseTraining, WithoutGnuplotTheRolloutReportIsStillWritten) {
  TrainConfig c = toy_pose_config("pose-no-gnuplot");
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  const fs::path empty = testing::scratch_dir("no-gnuplot-path");
  ::setenv("PATH", empty.c_str(), 1);
  try {
    train(c, std::nullopt);
  } catch (...) {
    ::setenv("PATH", saved.c_str(), 1);
    throw;
  }
  ::setenv("PATH", saved.c_str(), 1);
  const fs::path run = c.out;
  for (const char* f :
       {"samples/psnr_per_frame.csv", "samples/rollout.gif", "samples/rollout_strip.png"}) {
    EXPECT_TRUE(fs::exists(run / f)) << f;
  }
  EXPECT_FALSE(fs::exists(run / "plots" / "loss.png"));
}

TEST(PoseTraining, ResumeCarriesOnFromTheLastEpoch) {
  TrainConfig c = toy_pose_config("pose-resume");
  train(c, std::nullopt);
  TrainConfig more = c;
  more.epochs = 2;
  TrainSummary s = train(more, fs::path(c.out));
  EXPECT_EQ(s.epochs, 2);
  EXPECT_EQ(read_metrics_csv(fs::path(c.out) / "metrics.csv").size(), 2u);
  auto [ckpt, model] = load_pose_checkpoint(fs::path(c.out) / kLastCheckpoint);
  EXPECT_EQ(ckpt.epoch, 2);
  EXPECT_EQ(ckpt.iteration, 6);
}

// The next batch loads while the current one trains (pose_family.cpp's next_batch); a resumed
// run still sees the clips the uninterrupted one saw, in order and in the same colours, at the
// same learning rates, and ends on the same weights.
TEST(PoseTraining, ResumedRunEqualsTheUninterruptedOneBitForBit) {
  auto config = [](const std::string& tag, int epochs) {
    TrainConfig c = toy_pose_config(tag);
    c.epochs = epochs;
    c.lr_schedule = LrSchedule::kNone;
    c.kl_anneal = KlAnneal::kNone;
    c.tfr = 0.5;  // a coin per clip: the RNG stream must continue too
    c.tfr_start_decay_epoch = 100;
    c.colour_augment = true;  // an order per clip from the same stream
    c.lr_warmup = 4;          // the resumed epoch starts inside the warm-up
    return c;
  };
  const TrainConfig whole = config("pose-resume-whole", 2);
  train(whole, std::nullopt);
  const TrainConfig half = config("pose-resume-half", 1);
  train(half, std::nullopt);
  TrainConfig more = half;
  more.epochs = 2;
  train(more, fs::path(half.out));
  auto [a, model_a] = load_pose_checkpoint(fs::path(whole.out) / kLastCheckpoint);
  auto [b, model_b] = load_pose_checkpoint(fs::path(half.out) / kLastCheckpoint);
  EXPECT_EQ(a.iteration, 6);
  EXPECT_EQ(b.iteration, 6);
  testing::expect_same_parameters(model_a.parameters(), model_b.parameters());
  EXPECT_EQ(a.val_psnr, b.val_psnr);
}

// --workers loads a batch's clips in parallel without changing what training sees; --skip-bad
// drops a clip with an unreadable frame where training without it stops with the file's name.
TEST(PoseTraining, WorkersAndSkipBadApply) {
  TrainConfig serial = toy_pose_config("pose-serial");
  serial.workers = 1;
  TrainConfig parallel = toy_pose_config("pose-parallel");
  parallel.workers = 3;
  const double a = train(serial, std::nullopt).best_val_psnr;
  const double b = train(parallel, std::nullopt).best_val_psnr;
  EXPECT_EQ(a, b);

  // A copy of the data with one broken training frame.
  const fs::path broken = testing::scratch_dir("dance-broken");
  fs::copy(dance_data(), broken, fs::copy_options::recursive);
  write_file_atomically(broken / "train" / "train_img" / "frame5.png", "not a png");
  TrainConfig strict = toy_pose_config("pose-strict");
  strict.data = broken.string();
  strict.iters_per_epoch = 12;  // 24 clips of 4 frames, batches of 2: every clip is drawn
  try {
    train(strict, std::nullopt);
    ADD_FAILURE() << "trained on a broken frame";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("frame5.png"), std::string::npos) << e.what();
  }
  TrainConfig lenient = strict;
  lenient.out = testing::scratch_dir("pose-lenient").string();
  lenient.skip_bad = true;
  EXPECT_EQ(train(lenient, std::nullopt).epochs, 1);
}

TEST(PoseRolloutEval, ScoresEveryFrameAfterTheFirstBesideCopyingIt) {
  at::manual_seed(2);
  PoseConfig pc;
  pc.f_dim = 8;
  pc.l_dim = 4;
  pc.n_dim = 2;
  pc.d_out = 8;
  PoseModel model = PoseModel::create(pc);
  const PoseClip clip = load_pose_clip(open_pose_split(dance_data(), "val"), 0, 12);
  PoseRolloutOptions o;
  o.noise_scale = 0.0;  // z = 0: then the chunk size (memory only) must not change the rollout
  o.chunk = 5;
  PoseRollout r = rollout_pose(model, clip, o);
  ASSERT_EQ(r.psnr.size(), 11u);
  EXPECT_TRUE(at::equal(r.predictions[0], clip.frames[0]));
  const double copy3 = psnr(clip.frames[0], clip.frames[3]);
  EXPECT_NEAR(r.copy_first_psnr[2], copy3, 1e-6);
  o.chunk = 32;
  PoseRollout whole = rollout_pose(model, clip, o);
  EXPECT_LE((whole.predictions - r.predictions).abs().max().item<double>(), 1e-5);
  const nlohmann::json j = to_json(r, o);
  EXPECT_EQ(j.at("psnr_per_frame").size(), 11u);
  EXPECT_NEAR(j.at("copy_first_psnr").get<double>(), r.copy_first_psnr_mean, 1e-9);
}

}  // namespace
}  // namespace foresight
