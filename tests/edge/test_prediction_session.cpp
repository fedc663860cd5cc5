// PredictionSession: pairing FRAME and TELEMETRY by seq, newest-step-only scheduling, the reset
// rules, warm-up, samples and plans, online PSNR, views, and refusing input the model cannot take.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <opencv2/imgcodecs.hpp>

#include "edge/runtime/predictor.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"
#include "session_helpers.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;
using testing::camera_frame;
using testing::telemetry_of;

// A predictor whose `step` waits while the gate is closed: the test decides when the worker is
// busy, so "steps arrive while the model runs" is deterministic.
class GatedPredictor final : public Predictor {
 public:
  explicit GatedPredictor(std::shared_ptr<Predictor> inner) : inner_(std::move(inner)) {}
  const ModelMetadata& metadata() const override { return inner_->metadata(); }
  std::string runtime() const override { return inner_->runtime(); }
  RecurrentState init_state(int64_t batch) override { return inner_->init_state(batch); }
  std::pair<at::Tensor, RecurrentState> step(const at::Tensor& x, const at::Tensor& cond_prev,
                                             const at::Tensor& conds, const RecurrentState& state,
                                             bool first, const at::Tensor& noise) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      --waiting_;
    }
    return inner_->step(x, cond_prev, conds, state, first, noise);
  }
  RecurrentState observe(const at::Tensor& x, const at::Tensor& cond_prev,
                         const RecurrentState& state, bool first,
                         const at::Tensor& noise) override {
    ++observed;
    return inner_->observe(x, cond_prev, state, first, noise);
  }
  void set_open(bool open) {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = open;
    cv_.notify_all();
  }
  // Blocks until the worker is inside step() (held at the closed gate).
  void wait_for_worker() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return waiting_ > 0; });
  }
  std::atomic<int> observed{0};

 private:
  std::shared_ptr<Predictor> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

class SessionTest : public ::testing::Test {
 protected:
  void make(SessionOptions opt = {}, testing::TinyModelSpec spec = {}) {
    if (opt.seed == 0) opt.seed = 42;
    std::shared_ptr<Predictor> p = load_predictor(testing::tiny_model(".ptl", spec));
    gated = std::make_shared<GatedPredictor>(p);
    session = std::make_unique<PredictionSession>(gated, opt, &hub, &metrics);
  }
  void start() { session->start(collector.sink()); }
  // Sends step `seq` of the world (frame first unless telemetry_first) and advances the world.
  void send_step(uint64_t seq, uint32_t episode = 1, bool telemetry_first = false) {
    if (telemetry_first) session->on_telemetry(seq, telemetry_of(world, episode), 7);
    session->on_frame(seq, 1000 + seq, camera_frame(world.render()), 7);
    if (!telemetry_first) session->on_telemetry(seq, telemetry_of(world, episode), 7);
    world.step();
  }
  std::vector<StepResult> settle() {
    EXPECT_TRUE(session->wait_idle(20s));
    return collector.take();
  }

  PushingWorld world{5};
  ViewHub hub;
  EdgeMetrics metrics;
  testing::ResultCollector collector;
  std::shared_ptr<GatedPredictor> gated;
  std::unique_ptr<PredictionSession> session;
};

TEST_F(SessionTest, PairsFrameAndTelemetryOfTheSameSeqInEitherOrder) {
  make();
  start();
  send_step(1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].frame_seq, 1u);
  EXPECT_EQ(r[0].timestamp_ns, 1001u);
  EXPECT_EQ(r[0].source, 7u);
  EXPECT_TRUE(r[0].reset);
  EXPECT_FALSE(r[0].psnr.has_value());
  ASSERT_EQ(r[0].images.size(), 1u);
  EXPECT_EQ(r[0].images[0].k, 1u);
  EXPECT_EQ(r[0].images[0].sample, 0);
  cv::Mat png = cv::imdecode(r[0].images[0].image.bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(png.cols, 64);
  EXPECT_EQ(png.rows, 64);

  send_step(2, 1, /*telemetry_first=*/true);
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].frame_seq, 2u);
  EXPECT_FALSE(r[0].reset);
  ASSERT_TRUE(r[0].psnr.has_value());
  ASSERT_TRUE(r[0].copy_last_psnr.has_value());
  EXPECT_GT(*r[0].psnr, 0.0);
  EXPECT_GT(r[0].latency_ms, 0.0);
  EXPECT_EQ(metrics.steps_predicted.load(), 2u);
}

TEST_F(SessionTest, AStepWaitsForBothPartsAndOlderIncompleteStepsAreDropped) {
  make();
  start();
  const cv::Mat img = world.render();
  session->on_frame(3, 0, camera_frame(img), 1);
  session->on_telemetry(4, telemetry_of(world), 1);
  EXPECT_TRUE(settle().empty());
  session->on_frame(4, 0, camera_frame(img), 1);  // completes 4; 3 (frame only) is dropped
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].frame_seq, 4u);
  EXPECT_EQ(metrics.dropped.load(), 1u);
  session->on_telemetry(3, telemetry_of(world), 1);  // its frame is gone: nothing completes
  EXPECT_TRUE(settle().empty());
}

TEST_F(SessionTest, TheWorkerTakesOnlyTheNewestCompleteStep) {
  make();
  for (uint64_t s = 1; s <= 5; ++s) send_step(s);  // not started: they pile into one slot
  EXPECT_EQ(metrics.dropped.load(), 4u);
  start();
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].frame_seq, 5u);
  EXPECT_EQ(metrics.steps_completed.load(), 5u);
}

TEST_F(SessionTest, ResetsOnGapNewEpisodeResetAndRepeat) {
  make();
  start();
  std::vector<bool> resets;
  auto step = [&](uint64_t seq, uint32_t episode) {
    send_step(seq, episode);
    auto r = settle();
    EXPECT_EQ(r.size(), 1u) << seq;
    if (!r.empty()) resets.push_back(r[0].reset);
  };
  step(1, 1);  // first: reset
  step(2, 1);  // consecutive
  step(4, 1);  // gap > 1
  step(5, 2);  // new episode
  session->on_reset();
  step(6, 2);  // RESET
  step(7, 2);  // consecutive
  step(7, 2);  // repeat
  EXPECT_EQ(resets, (std::vector<bool>{true, false, true, true, true, false, true}));
  EXPECT_EQ(metrics.resets.load(), 5u);
}

TEST_F(SessionTest, PredictionsResumeAfterNPastSteps) {
  testing::TinyModelSpec spec;
  spec.n_past = 2;
  make({}, spec);
  start();
  send_step(1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].images.empty());
  send_step(2);
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].images.size(), 1u);
  EXPECT_FALSE(r[0].psnr.has_value());  // step 1's prediction was not emitted
  send_step(3);
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].psnr.has_value());
  send_step(9);  // gap: warm up again
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].images.empty());
}

TEST_F(SessionTest, SamplesGiveEachSampleAndTheirMeanAndStd) {
  SessionOptions opt;
  opt.samples = 3;
  make(opt);
  start();
  send_step(1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  std::vector<int32_t> samples;
  for (const auto& img : r[0].images) samples.push_back(img.sample);
  EXPECT_EQ(samples,
            (std::vector<int32_t>{0, 1, 2, Prediction::kMeanSample, Prediction::kStdSample}));
}

TEST_F(SessionTest, WithoutSampleImagesOnlyMeanAndStdAreEmitted) {
  SessionOptions opt;
  opt.samples = 2;
  opt.sample_images = false;
  opt.encoding = ImageEncoding::jpeg;
  make(opt);
  start();
  send_step(1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].images.size(), 2u);
  EXPECT_EQ(r[0].images[0].image.encoding, ImageEncoding::jpeg);
  EXPECT_EQ(r[0].images[1].sample, Prediction::kStdSample);
}

Plan plan_of(int steps) {
  Plan p;
  for (int i = 0; i < steps; ++i) {
    p.steps.push_back({{0.01f * i, 0, 0, 1}, {0.1f, 0.1f, 0.05f}});
  }
  return p;
}

TEST_F(SessionTest, APlanExtendsTheRolloutUpToMaxHorizon) {
  SessionOptions opt;
  opt.max_horizon = 3;
  make(opt);
  start();
  session->on_plan(1, plan_of(1), 7);
  send_step(1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].images.size(), 2u);  // k = 1 from the telemetry, k = 2 from the plan
  EXPECT_EQ(r[0].images[1].k, 2u);
  session->on_plan(2, plan_of(5), 7);
  send_step(2);
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].images.size(), 3u);   // capped
  session->on_plan(2, plan_of(5), 7);  // for a step already run: ignored
  send_step(3);
  r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].images.size(), 1u);
}

template <typename Fn>
void expect_protocol_error(Fn fn, ErrorCode code) {
  try {
    fn();
    ADD_FAILURE() << "no ProtocolError " << to_string(code);
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), code) << e.what();
  }
}

TEST_F(SessionTest, RefusesInputTheModelCannotTake) {
  make();
  Telemetry t = telemetry_of(world);
  t.action.pop_back();
  expect_protocol_error([&] { session->on_telemetry(1, t, 1); }, ErrorCode::dimension_mismatch);
  t = telemetry_of(world);
  t.position[1] = std::numeric_limits<float>::quiet_NaN();
  expect_protocol_error([&] { session->on_telemetry(1, t, 1); }, ErrorCode::non_finite);
  Frame label = camera_frame(world.render());
  label.kind = FrameKind::label;
  expect_protocol_error([&] { session->on_frame(1, 0, label, 1); }, ErrorCode::unexpected_message);
  Frame junk;
  junk.image.encoding = ImageEncoding::png;
  junk.image.bytes = {1, 2, 3, 4};
  expect_protocol_error([&] { session->on_frame(1, 0, junk, 1); }, ErrorCode::malformed_payload);
  Plan bad = plan_of(2);
  bad.steps[1].position.push_back(0);
  expect_protocol_error([&] { session->on_plan(1, bad, 1); }, ErrorCode::dimension_mismatch);
  EXPECT_EQ(metrics.frames_in.load() + metrics.telemetry_in.load(), 0u);
}

TEST_F(SessionTest, PublishesViewsAndTheOnlinePsnr) {
  make();
  start();
  const cv::Mat still = world.render();
  for (uint64_t s = 1; s <= 3; ++s) {
    session->on_frame(s, 0, camera_frame(still), 1);
    session->on_telemetry(s, telemetry_of(world), 1);
    auto r = settle();
    ASSERT_EQ(r.size(), 1u);
    if (s > 1) {
      EXPECT_DOUBLE_EQ(*r[0].copy_last_psnr, 100.0);  // the same frame again
    }
  }
  for (const char* view : {"camera", "prediction", "uncertainty", "sidebyside"}) {
    auto f = hub.latest(view);
    ASSERT_TRUE(f.has_value()) << view;
    cv::Mat jpeg = cv::imdecode(*f->jpeg, cv::IMREAD_COLOR);
    EXPECT_FALSE(jpeg.empty()) << view;
  }
  EXPECT_EQ(hub.latest("camera")->seq, 3u);
  const auto psnr = hub.psnr_history();
  ASSERT_EQ(psnr.size(), 2u);
  EXPECT_EQ(psnr.back().frame_seq, 3u);
  const std::string text = metrics.prometheus_text();
  EXPECT_NE(text.find("foresight_online_psnr_db"), std::string::npos);
  EXPECT_NE(text.find("foresight_inference_latency_seconds_count 3"), std::string::npos);
}

}  // namespace
}  // namespace foresight

namespace foresight {
namespace {

// --state-window: once the state has observed `state_window` frames, it restarts from the last
// n_past - 1 frames, so the prediction equals that of a session that only ever saw those frames.
TEST_F(SessionTest, AtTheStateWindowTheStateRestartsFromTheRecentFrames) {
  SessionOptions opt;
  opt.state_window = 4;
  opt.noise_scale = 0.0;  // deterministic: predictions compare exactly
  testing::TinyModelSpec spec;
  spec.n_past = 2;
  auto run_steps = [&](SessionOptions o, uint64_t from, uint64_t to) {
    metrics.reanchors = 0;
    make(o, spec);
    start();
    world = PushingWorld{5};
    for (uint64_t s = 1; s < from; ++s) world.step();
    std::vector<StepResult> out;
    for (uint64_t s = from; s <= to; ++s) {
      send_step(s);
      for (auto& r : settle()) out.push_back(std::move(r));
    }
    session.reset();
    return out;
  };
  auto windowed = run_steps(opt, 1, 7);
  ASSERT_EQ(windowed.size(), 7u);
  EXPECT_EQ(metrics.reanchors.load(), 1u);  // at step 5: steps 1..4 observed
  for (size_t i = 1; i < windowed.size(); ++i) EXPECT_FALSE(windowed[i].images.empty()) << i;

  auto fresh = run_steps(opt, 4, 5);  // a session that saw frames 4 and 5 only
  ASSERT_EQ(fresh.size(), 2u);
  ASSERT_EQ(fresh[1].images.size(), 1u);
  EXPECT_EQ(windowed[4].images[0].image.bytes, fresh[1].images[0].image.bytes);

  opt.state_window = 0;  // never restarts: step 5 is predicted from the state of steps 1..5
  auto unbounded = run_steps(opt, 1, 6);
  EXPECT_EQ(metrics.reanchors.load(), 0u);
  ASSERT_EQ(unbounded.size(), 6u);
  // The online PSNR of step 6 scores step 5's prediction in floating point: it differs, where
  // steps before the window are untouched by it. (An untrained model's PNGs hide the difference.)
  ASSERT_TRUE(windowed[5].psnr && unbounded[5].psnr && windowed[3].psnr && unbounded[3].psnr);
  EXPECT_NE(*windowed[5].psnr, *unbounded[5].psnr);
  EXPECT_EQ(*windowed[3].psnr, *unbounded[3].psnr);
}

TEST(StateWindow, DefaultsToTheModelsTrainingSequenceLengthAndNeverForPoseOrOldModels) {
  ModelMetadata m;
  m.n_past = 2;
  EXPECT_EQ(default_state_window(m), 0);  // written before the field
  m.train_sequence_length = 12;
  EXPECT_EQ(default_state_window(m), 2);  // n_past: a fresh state for every prediction
  m.n_past = 5;
  m.train_sequence_length = 3;
  EXPECT_EQ(default_state_window(m), 3);  // never older than in training
  m.condition_kind = "pose";
  EXPECT_EQ(default_state_window(m), 0);
}

// Steps that arrive while the model runs are skipped (not predicted), but the state observes them:
// the next prediction is exactly the one of a session that predicted every step, nothing resets.
TEST_F(SessionTest, SkippedStepsStillUpdateTheStateWithoutAReset) {
  SessionOptions opt;
  opt.noise_scale = 0.0;  // deterministic: predictions compare exactly
  testing::TinyModelSpec spec;
  spec.n_past = 2;
  auto run = [&](bool skip) {
    metrics.resets = 0;
    metrics.skipped_observed = 0;
    make(opt, spec);
    start();
    world = PushingWorld{5};
    std::vector<StepResult> out;
    for (uint64_t s = 1; s <= 6; ++s) {
      if (skip && s == 3) {
        gated->set_open(false);  // step 3 holds the worker: 4 and 5 arrive meanwhile
        send_step(s);
        gated->wait_for_worker();
        send_step(++s);
        send_step(++s);
        gated->set_open(true);
      } else {
        send_step(s);
      }
      for (auto& r : settle()) out.push_back(std::move(r));
    }
    session.reset();
    return out;
  };
  auto every = run(false);
  ASSERT_EQ(every.size(), 6u);
  auto skipping = run(true);
  ASSERT_EQ(skipping.size(), 5u);  // 1, 2, 3, 5, 6: step 4 was skipped
  EXPECT_EQ(skipping[3].frame_seq, 5u);
  EXPECT_FALSE(skipping[3].reset);
  EXPECT_FALSE(skipping[3].images.empty());
  EXPECT_EQ(gated->observed.load(), 1);
  EXPECT_EQ(metrics.skipped_observed.load(), 1u);
  EXPECT_EQ(metrics.resets.load(), 1u);  // the first step only
  EXPECT_EQ(skipping[3].images[0].image.bytes, every[4].images[0].image.bytes);
  EXPECT_EQ(skipping[4].images[0].image.bytes, every[5].images[0].image.bytes);
  EXPECT_FALSE(skipping[3].psnr.has_value());  // its predecessor's prediction was for step 4
  EXPECT_TRUE(skipping[4].psnr.has_value());
}

// A burst longer than the skipped steps kept: the state restarts from the steps just before the
// newest (as at the state window) and predicts it at once, rather than resetting and warming up.
TEST_F(SessionTest, ABurstStillGivesAPredictionForTheNewestStep) {
  testing::TinyModelSpec spec;
  spec.n_past = 3;
  make({}, spec);
  start();
  for (uint64_t s = 1; s <= 3; ++s) {
    send_step(s);
    settle();
  }
  gated->set_open(false);
  send_step(4);
  gated->wait_for_worker();
  for (uint64_t s = 5; s <= 300; ++s) send_step(s);
  gated->set_open(true);
  auto r = settle();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].frame_seq, 300u);
  EXPECT_FALSE(r[1].reset);
  EXPECT_FALSE(r[1].images.empty());
  EXPECT_EQ(gated->observed.load(), 2);  // 298 and 299: n_past - 1
  EXPECT_EQ(metrics.reanchors.load(), 1u);
}

// Parts pair only with the same sender's: a step's FRAME from one sender and TELEMETRY from
// another never make a step, and leftovers of a sender that left do not hold back the next one.
TEST_F(SessionTest, StepsPairPerSenderAndLeftoversOfAGoneSenderAreRemoved) {
  make();
  start();
  const cv::Mat img = world.render();
  session->on_telemetry(50, telemetry_of(world), 1);
  session->on_frame(50, 0, camera_frame(img), 2);
  EXPECT_TRUE(settle().empty());
  for (uint64_t s = 21; s <= 24; ++s) session->on_telemetry(s, telemetry_of(world), 3);
  session->on_disconnect(3);
  EXPECT_EQ(metrics.orphans_removed.load(), 4u);
  // Sender 4 from seq 1, and sender 1 completes its step 50 meanwhile: both are predicted.
  for (uint64_t s = 1; s <= 3; ++s) {
    session->on_frame(s, 0, camera_frame(world.render()), 4);
    session->on_telemetry(s, telemetry_of(world), 4);
    world.step();
    auto r = settle();
    ASSERT_EQ(r.size(), 1u) << s;
    EXPECT_EQ(r[0].source, 4u);
    EXPECT_EQ(r[0].reset, s == 1);  // sender 4's own state: continuous from its first step
  }
  session->on_frame(50, 0, camera_frame(img), 1);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].source, 1u);
  EXPECT_EQ(metrics.streams_open.load(), 3u);  // senders 1, 2 and 4
}

// A sender that starts again from seq 1 without reconnecting is not starved by its own
// unpaired parts with higher seqs: the part that waited longest goes first.
TEST_F(SessionTest, ARestartedSenderIsNotStarvedByItsOwnLeftovers) {
  make();
  start();
  for (uint64_t s = 101; s <= 104; ++s) session->on_telemetry(s, telemetry_of(world), 7);
  session->on_reset(7);
  for (uint64_t s = 1; s <= 3; ++s) {
    send_step(s);
    auto r = settle();
    ASSERT_EQ(r.size(), 1u) << s;
    EXPECT_EQ(r[0].frame_seq, s);
  }
}

}  // namespace
}  // namespace foresight
