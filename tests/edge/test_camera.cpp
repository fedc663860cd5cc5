// Camera URIs: socket means none, clear errors for missing or unsupported devices, file://
// folders replayed at a rate with seq 1, 2, ..., and a feed that pairs them with telemetry.
#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/dataset/sequence_reader.hpp"
#include "common/world/dance_world.hpp"
#include "edge/camera/camera.hpp"
#include "edge/camera/camera_feed.hpp"
#include "edge/runtime/predictor.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "session_helpers.hpp"
#include "support/test_support.hpp"
#include "tiny_model.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

void expect_camera_error(const std::string& uri, const std::string& fragment) {
  try {
    open_camera(uri);
    ADD_FAILURE() << "no CameraError for " << uri;
  } catch (const CameraError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Camera, SocketMeansNoLocalCamera) { EXPECT_EQ(open_camera("socket"), nullptr); }

TEST(Camera, MissingOrUnsupportedDevicesAreClearErrors) {
  expect_camera_error("v4l2:///dev/video987", "no camera at v4l2:///dev/video987");
  // No camera here: libcamera starts, lists none, and the message says so.
  expect_camera_error("libcamera://0", "no camera at libcamera://0 (libcamera 0.");
  expect_camera_error("libcamera://0", "lists 0 cameras");
  expect_camera_error("csi://3", "no camera at csi://3");
  expect_camera_error("rtsp://robot/cam", "unknown camera URI");
  expect_camera_error("file:///no/such/folder", "no such file or folder");
  const fs::path empty = testing::scratch_dir("empty-camera");
  expect_camera_error("file://" + empty.string(), "no 0.png");
  std::ofstream(empty / "not-a-video.mp4") << "nope";
  expect_camera_error("file://" + (empty / "not-a-video.mp4").string(), "cannot open video");
}

fs::path first_sequence() { return list_sequences(testing::tiny_dataset(), "test").front(); }

TEST(Camera, AFolderIsReplayedInOrderThenEnds) {
  const fs::path seq = first_sequence();
  const int frames = count_frames(seq);
  CameraOptions opt;
  opt.fps = 500;
  auto cam = open_camera("file://" + seq.string(), opt);
  ASSERT_NE(cam, nullptr);
  CapturedFrame f;
  for (int i = 1; i <= frames; ++i) {
    ASSERT_EQ(cam->capture(f, 1s), CaptureStatus::ok) << i;
    EXPECT_EQ(f.seq, static_cast<uint64_t>(i));
    EXPECT_EQ(f.rgb.type(), CV_8UC3);
    EXPECT_EQ(f.rgb.cols, 64);
  }
  EXPECT_EQ(cam->capture(f, 1s), CaptureStatus::end_of_stream);
}

TEST(Camera, ASlowRateTimesOutAndLoopingKeepsCounting) {
  CameraOptions opt;
  opt.fps = 2;
  opt.loop = true;
  auto cam = open_camera("file://" + first_sequence().string(), opt);
  CapturedFrame f;
  ASSERT_EQ(cam->capture(f, 10ms), CaptureStatus::ok);  // the first frame is due at once
  EXPECT_EQ(cam->capture(f, 10ms), CaptureStatus::timeout);
  opt.fps = 1000;
  auto fast = open_camera("file://" + first_sequence().string(), opt);
  const int frames = count_frames(first_sequence());
  for (int i = 0; i < frames + 3; ++i) ASSERT_EQ(fast->capture(f, 1s), CaptureStatus::ok);
  EXPECT_EQ(f.seq, static_cast<uint64_t>(frames + 3));
}

TEST(CameraFeed, FramesPairWithTelemetryBySeq) {
  CameraOptions opt;
  opt.fps = 1000;
  auto predictor = load_predictor(testing::tiny_model(".ptl"));
  SessionOptions so;
  so.seed = 3;
  so.pair_per_sender = false;  // as foresight-edge runs with a local camera
  PredictionSession session(std::move(predictor), so);
  testing::ResultCollector results;
  session.start(results.sink());
  PushingWorld world(2);
  // Telemetry for steps 1..3 first: the pending window holds them until their frames come.
  for (uint64_t s = 1; s <= 3; ++s) session.on_telemetry(s, testing::telemetry_of(world), 5);
  CameraFeed feed(open_camera("file://" + first_sequence().string(), opt), session);
  for (int i = 0; i < 200 && !feed.finished(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(feed.finished());
  ASSERT_TRUE(session.wait_idle(20s));
  auto r = results.take();
  ASSERT_FALSE(r.empty());
  EXPECT_LE(r.back().frame_seq, 3u);
  EXPECT_EQ(r.back().source, 5u);  // the telemetry's sender gets the predictions
}

// A pose split's folder of frameN.png files, N in numeric order with a gap: 0, 1, 2, 9, 10.
fs::path pose_folder(const std::string& tag, bool labels) {
  const fs::path dir = testing::scratch_dir(tag);
  DanceWorld world(6);
  int written = 0;
  for (int n = 0; written < 5; ++n, world.step()) {
    if (n > 2 && n < 9) continue;
    cv::Mat bgr;
    cv::cvtColor(labels ? world.render_label() : world.render_frame(), bgr, cv::COLOR_RGB2BGR);
    cv::imwrite((dir / ("frame" + std::to_string(n) + ".png")).string(), bgr);
    ++written;
  }
  return dir;
}

TEST(Camera, APoseFolderIsReplayedInTheOrderOfN) {
  const fs::path dir = pose_folder("pose-folder", false);
  CameraOptions opt;
  opt.fps = 1000;
  auto cam = open_camera("file://" + dir.string(), opt);
  CapturedFrame f;
  for (int n : {0, 1, 2, 9, 10}) {
    ASSERT_EQ(cam->capture(f, 1s), CaptureStatus::ok) << n;
    cv::Mat want = cv::imread((dir / ("frame" + std::to_string(n) + ".png")).string());
    cv::cvtColor(want, want, cv::COLOR_BGR2RGB);
    EXPECT_EQ(cv::norm(f.rgb, want, cv::NORM_INF), 0.0) << "frame" << n;  // 10 after 9, not after 1
  }
  EXPECT_EQ(f.seq, 5u);
  EXPECT_EQ(cam->capture(f, 1s), CaptureStatus::end_of_stream);
}

TEST(CameraFeed, ALabelCameraGivesEachStepTheNextFramesPose) {
  // Camera and label folders of 5 frames: the label camera's frame s is the pose of camera frame
  // s, so it completes step s - 1; the last camera frame has no next pose and is never a step.
  CameraOptions opt;
  opt.fps = 1000;
  SessionOptions so;
  so.seed = 3;
  EdgeMetrics metrics;
  PredictionSession session(load_predictor(testing::tiny_pose_model(".ptl")), so, nullptr,
                            &metrics);
  testing::ResultCollector results;
  session.start(results.sink());
  // The poses first (they wait for their frames: 4 steps fit the pending window), so the test
  // does not depend on how the two feeds' threads interleave.
  CameraFeed labels(open_camera("file://" + pose_folder("pose-labels", true).string(), opt),
                    session, FrameKind::label);
  for (int i = 0; i < 300 && !labels.finished(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(labels.finished());
  CameraFeed frames(open_camera("file://" + pose_folder("pose-frames", false).string(), opt),
                    session);
  for (int i = 0; i < 300 && !frames.finished(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(frames.finished());
  ASSERT_TRUE(session.wait_idle(20s));
  EXPECT_EQ(metrics.labels_in.load(), 4u);  // label frames 2..5 -> steps 1..4
  EXPECT_EQ(metrics.frames_in.load(), 5u);
  EXPECT_EQ(metrics.steps_completed.load(), 4u);
  auto r = results.take();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back().frame_seq, 4u);
}

}  // namespace
}  // namespace foresight
