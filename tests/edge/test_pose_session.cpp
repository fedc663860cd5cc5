// The session with a pose-conditioned model: a step is a camera FRAME plus a label FRAME (the pose
// image of the next frame) of the same seq; TELEMETRY and PLAN are refused with a reason; the
// predictions are the trainer-side module's own (parity through the session); the pose view and
// a label camera (second URI) feed the same slots.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/model/pose_model.hpp"
#include "common/world/dance_world.hpp"
#include "edge/runtime/predictor.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"
#include "session_helpers.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;
using testing::camera_frame;

Frame label_frame(const cv::Mat& rgb) {
  Frame f = camera_frame(rgb);
  f.kind = FrameKind::label;
  return f;
}

// [3, H, W] float in [0, 1] from an RGB image of the model's size.
at::Tensor tensor_of(const cv::Mat& rgb) { return to_model_input(rgb, rgb.rows, rgb.cols); }

class PoseSessionTest : public ::testing::Test {
 protected:
  void make(SessionOptions opt = {}) {
    if (opt.seed == 0) opt.seed = 11;
    std::shared_ptr<Predictor> p = load_predictor(testing::tiny_pose_model(".ptl"));
    session = std::make_unique<PredictionSession>(p, opt, &hub, &metrics);
    session->start(collector.sink());
  }
  // Sends step `seq`: the current frame and the pose of the next one; advances the world.
  void send_step(uint64_t seq, bool label_first = false) {
    DanceWorld next = world;
    next.step();
    if (label_first) session->on_frame(seq, 0, label_frame(next.render_label()), 3);
    session->on_frame(seq, 100 + seq, camera_frame(world.render_frame()), 3);
    if (!label_first) session->on_frame(seq, 0, label_frame(next.render_label()), 3);
    world = next;
  }
  std::vector<StepResult> settle() {
    EXPECT_TRUE(session->wait_idle(20s));
    return collector.take();
  }

  DanceWorld world{8};
  ViewHub hub;
  EdgeMetrics metrics;
  testing::ResultCollector collector;
  std::unique_ptr<PredictionSession> session;
};

TEST_F(PoseSessionTest, TheModelIsServedWithItsFrameSizeAndConditionSize) {
  auto p = load_predictor(testing::tiny_pose_model(".pt"));
  const ModelMetadata& m = p->metadata();
  EXPECT_EQ(m.family, "pose");
  EXPECT_EQ(m.frame_height(), 32);
  EXPECT_EQ(m.frame_width(), 64);
  EXPECT_EQ(m.condition_dim(), 3 * 32 * 64);
  EXPECT_EQ(m.n_past, 1);
}

TEST_F(PoseSessionTest, AStepIsACameraFrameAndALabelInEitherOrder) {
  make();
  session->on_frame(1, 101, camera_frame(world.render_frame()), 3);
  ASSERT_TRUE(session->wait_idle(5s));
  EXPECT_TRUE(collector.take().empty());  // the camera frame alone is not a step
  DanceWorld next = world;
  next.step();
  session->on_frame(1, 0, label_frame(next.render_label()), 3);
  world = next;
  send_step(2, /*label_first=*/true);
  // Results of both steps (the worker may have run step 1 before step 2 arrived, or skipped it).
  auto r = settle();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().frame_seq, 2u);
  ASSERT_EQ(r.back().images.size(), 1u);
  cv::Mat png = cv::imdecode(r.back().images[0].image.bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(png.cols, 64);
  EXPECT_EQ(png.rows, 32);
  EXPECT_EQ(metrics.labels_in.load(), 2u);
  EXPECT_EQ(metrics.frames_in.load(), 2u);
  EXPECT_TRUE(hub.latest("pose").has_value());
  EXPECT_TRUE(hub.latest("prediction").has_value());
  EXPECT_TRUE(hub.latest("sidebyside").has_value());
}

TEST_F(PoseSessionTest, PredictionsAreTheTrainerModulesOwn) {
  // Noise scale 0: z = 0, so the session's prediction is deterministic and must equal the
  // module's step on the same frame and pose, up to the 8-bit PNG rounding.
  SessionOptions opt;
  opt.noise_scale = 0.0;
  make(opt);
  DanceWorld next = world;
  next.step();
  const cv::Mat frame = world.render_frame();
  const cv::Mat pose = next.render_label();
  session->on_frame(1, 0, camera_frame(frame), 3);
  session->on_frame(1, 0, label_frame(pose), 3);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].images.size(), 1u);
  cv::Mat bgr = cv::imdecode(r[0].images[0].image.bytes, cv::IMREAD_COLOR);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);

  PoseModel& model = testing::tiny_pose_module();
  const PoseConfig& c = model.config();
  at::NoGradGuard no_grad;
  at::Tensor x = tensor_of(frame).unsqueeze(0);
  at::Tensor conds = tensor_of(pose).reshape({1, 1, -1});
  at::Tensor noise = at::zeros({2, 1, c.n_dim * c.height * c.width});
  auto [preds, state] =
      model.step(x, at::zeros({1, conds.size(2)}), conds, model.init_state(1), true, noise);
  at::Tensor want = preds[0][0].clamp(0, 1);
  at::Tensor got = tensor_of(rgb);
  EXPECT_LE((got - want).abs().max().item<double>(), 0.5 / 255 + 1e-5);
  // And the frame that came next is scored against it.
  send_step(2);
  auto r2 = settle();
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_TRUE(r2[0].psnr.has_value());
  EXPECT_TRUE(r2[0].copy_last_psnr.has_value());
}

// The second step's previous pose is the first step's label (the pose of the frame now
// observed): the prediction is the module's step with first = false and that pose.
TEST_F(PoseSessionTest, TheNextStepGetsThePoseOfTheFrameItObserves) {
  SessionOptions opt;
  opt.noise_scale = 0.0;
  make(opt);
  send_step(1);  // frame 0, pose 1
  ASSERT_TRUE(session->wait_idle(20s));
  collector.take();
  DanceWorld w1 = world;
  send_step(2);  // frame 1, pose 2
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  cv::Mat bgr = cv::imdecode(r[0].images[0].image.bytes, cv::IMREAD_COLOR), rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);

  PoseModel& model = testing::tiny_pose_module();
  const PoseConfig& c = model.config();
  ASSERT_TRUE(c.previous_pose);
  at::NoGradGuard no_grad;
  at::Tensor x1 = tensor_of(w1.render_frame()).unsqueeze(0);
  at::Tensor pose1 = tensor_of(w1.render_label()).reshape({1, -1});
  at::Tensor pose2 = tensor_of(world.render_label()).reshape({1, 1, -1});
  at::Tensor noise = at::zeros({2, 1, c.n_dim * c.height * c.width});
  auto [preds, state] = model.step(x1, pose1, pose2, model.init_state(1), false, noise);
  EXPECT_LE((tensor_of(rgb) - preds[0][0].clamp(0, 1)).abs().max().item<double>(),
            0.5 / 255 + 1e-5);
}

TEST_F(PoseSessionTest, TelemetryAndPlansAreRefusedWithAReason) {
  make();
  Telemetry t;
  t.action = {0, 0, 0, 0};
  t.position = {0, 0, 0};
  try {
    session->on_telemetry(1, t, 3);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::unexpected_message);
    EXPECT_NE(std::string(e.what()).find("label"), std::string::npos) << e.what();
  }
  Plan plan;
  plan.steps.push_back({{0, 0, 0, 0}, {0, 0, 0}});
  try {
    session->on_plan(1, plan, 3);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::unexpected_message);
  }
  Frame junk = label_frame(world.render_label());
  junk.image.bytes.resize(10);
  EXPECT_THROW(session->on_frame(1, 0, junk, 3), ProtocolError);
  EXPECT_EQ(metrics.labels_in.load(), 0u);
}

TEST_F(PoseSessionTest, ATelemetryModelRefusesLabels) {
  std::shared_ptr<Predictor> p = load_predictor(testing::tiny_model(".ptl"));
  PredictionSession svg(p, SessionOptions{});
  try {
    svg.on_frame(1, 0, label_frame(world.render_label()), 3);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.code(), ErrorCode::unexpected_message);
    EXPECT_NE(std::string(e.what()).find("conditioned on telemetry"), std::string::npos);
  }
}

TEST_F(PoseSessionTest, LabelsFromALargerCameraAreCroppedToTheModelsAspect) {
  make();
  cv::Mat big_frame, big_pose;
  DanceWorld next = world;
  next.step();
  // 4:3 images whose centre 2:1 band is the model-size picture scaled x4; bands above and below.
  cv::Mat frame4, pose4;
  cv::resize(world.render_frame(), frame4, cv::Size(256, 128), 0, 0, cv::INTER_NEAREST);
  cv::resize(next.render_label(), pose4, cv::Size(256, 128), 0, 0, cv::INTER_NEAREST);
  cv::copyMakeBorder(frame4, big_frame, 32, 32, 0, 0, cv::BORDER_CONSTANT, cv::Scalar(255, 0, 0));
  cv::copyMakeBorder(pose4, big_pose, 32, 32, 0, 0, cv::BORDER_CONSTANT, cv::Scalar(255, 0, 0));
  ASSERT_EQ(big_frame.size(), cv::Size(256, 192));
  // The crop drops the red bands: the model sees the picture, shrunk back to 64x32.
  at::Tensor seen = to_model_input(big_frame, 32, 64);
  at::Tensor want = tensor_of(world.render_frame());
  EXPECT_LE((seen - want).abs().max().item<double>(), 1e-6);
  session->on_frame(1, 0, big_frame, 0);
  session->on_label(1, 0, big_pose, 0);
  auto r = settle();
  ASSERT_EQ(r.size(), 1u);
  cv::Mat png = cv::imdecode(r[0].images[0].image.bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(png.size(), cv::Size(64, 32));
}

}  // namespace
}  // namespace foresight
