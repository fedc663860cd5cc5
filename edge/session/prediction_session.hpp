// One robot's live prediction pipeline. Assembles steps from messages with the same seq
// (docs/protocol.md, section 6): a camera FRAME and TELEMETRY for a telemetry-conditioned model, a
// camera FRAME and a label FRAME (the pose image of the next frame) for a pose-conditioned one.
// Steps pair per sender (each sender has its own stream and recurrent state; see
// SessionOptions::pair_per_sender). Preprocesses frames for the model, and runs the model on one
// worker thread that takes each stream's newest complete step, streams in turn. A step skipped
// because a newer one came first is not predicted (counted as dropped) but the state still
// observes it, encoder only; the state resets on a real seq gap, a new episode or RESET. It
// predicts 1 + (PLAN steps) frames ahead for N latent samples, measures the online PSNR of each
// 1-step prediction against the frame that then arrives, publishes views to a ViewHub, and hands
// every result to a sink (the telemetry server). No LibTorch in this header.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <vector>

#include "common/model/model_metadata.hpp"
#include "common/protocol/messages.hpp"
#include "edge/session/image_decode.hpp"

namespace foresight {

class Predictor;
class ViewHub;
class EdgeMetrics;

struct SessionOptions {
  int samples = 1;                              // N latent samples per step, run as one batch
  int max_horizon = 16;                         // longest rollout (1 + PLAN steps is capped to it)
  bool sample_images = true;                    // with N > 1, also emit each sample's image
  ImageEncoding encoding = ImageEncoding::png;  // of PREDICTION images (png or jpeg)
  int view_size = 256;       // side of the prediction/uncertainty views in the ViewHub
  uint64_t seed = 0;         // latent noise seed; 0 draws one from the clock
  double noise_scale = 1.0;  // latent noise multiplier (the pose seed report sampled with 0.5)
  // Restart the recurrent state from the last n_past - 1 observed frames once it has observed
  // this many (0: never). The state of a stream otherwise grows far older than any training
  // sequence and its predictions drift (docs/results.md measures it); models without recurrent
  // state (pose) ignore it.
  int state_window = 0;
  // Each sender (source) has its own steps and recurrent state: parts pair only with the same
  // sender's. False when a local camera supplies a part: then every sender's parts pair with the
  // camera's by seq, in one stream.
  bool pair_per_sender = true;
  // Largest camera or pose image accepted, in pixels (width x height), checked in the image's
  // header before it is decoded.
  uint64_t max_frame_pixels = kDefaultMaxFramePixels;
};

// The state window for a model: n_past, at most its training sequence length, so that every
// prediction is made as in training right after the conditioning frames (docs/results.md);
// 0 for models without recurrent state or written before ModelMetadata::train_sequence_length.
int default_state_window(const ModelMetadata& meta);

// One image of a step's prediction: horizon k (1 = the next frame) and sample index, or
// Prediction::kMeanSample / kStdSample. A std image holds the per-pixel standard deviation in
// pixel units (value / 255), not stretched.
struct PredictedImage {
  uint32_t k = 1;
  int32_t sample = 0;
  Image image;
};

struct StepResult {
  uint64_t frame_seq = 0;
  uint64_t timestamp_ns = 0;  // of the step's FRAME
  uint64_t source = 0;        // who sent the step (its TELEMETRY's source, else its FRAME's)
  bool reset = false;         // the recurrent state was reset before this step
  // Empty while the model warms up after a reset (the first n_past - 1 steps). With one sample
  // only sample 0 is emitted (mean = the sample, std = 0); with N > 1 the mean and std for every
  // k, plus the samples when SessionOptions::sample_images.
  std::vector<PredictedImage> images;
  // The previous step's 1-step prediction (mean over samples) against this step's frame, and
  // repeating the previous frame instead; set only when that prediction was emitted.
  std::optional<double> psnr;
  std::optional<double> copy_last_psnr;
  double latency_ms = 0.0;  // Predictor::step alone
};

// Called on the worker thread after every step the model ran on; must not block for long.
using ResultSink = std::function<void(const StepResult&)>;

class PredictionSession {
 public:
  // `hub` and `metrics` may be null; when given they must outlive the session. Throws
  // std::invalid_argument for samples < 1, max_horizon < 1 or an encoding other than png/jpeg.
  PredictionSession(std::shared_ptr<Predictor> predictor, SessionOptions options,
                    ViewHub* hub = nullptr, EdgeMetrics* metrics = nullptr);
  ~PredictionSession();  // stops the worker
  PredictionSession(const PredictionSession&) = delete;
  PredictionSession& operator=(const PredictionSession&) = delete;

  const ModelMetadata& metadata() const;
  const SessionOptions& options() const;
  // {"horizon": max_horizon, "samples": N, "encoding": "png"}: METADATA's "stream" object.
  nlohmann::json stream_info() const;

  // Starts the worker; results go to `sink`. Steps completed before start() wait in the
  // newest-step slot (so a test can queue steps deterministically). Call once.
  void start(ResultSink sink);
  // Stops and joins the worker (idempotent); later steps are accepted but never run.
  void stop();

  // The parts of a step, from any thread. `source` names the sender (a connection id; 0 for a
  // local camera). Each throws ProtocolError without recording anything when the input does not
  // fit the model: malformed_payload (undecodable or mis-sized image), unexpected_message (a label
  // frame for a telemetry model; TELEMETRY or PLAN for a pose model), dimension_mismatch
  // (action/position counts), non_finite.
  // A FRAME message: kind camera goes to the camera slot, kind label to the pose slot.
  void on_frame(uint64_t seq, uint64_t timestamp_ns, const Frame& frame, uint64_t source);
  // A camera frame already decoded (CV_8UC3, R,G,B), e.g. from a local camera.
  void on_frame(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb, uint64_t source);
  // A pose image already decoded (CV_8UC3, R,G,B), e.g. from a second local camera: the pose of
  // the frame that follows step `seq`, the condition of its prediction.
  void on_label(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb, uint64_t source);
  void on_telemetry(uint64_t seq, const Telemetry& telemetry, uint64_t source);
  void on_plan(uint64_t seq, const Plan& plan, uint64_t source);
  // Resets the recurrent state of every stream before its next step.
  void on_reset();
  // Resets the state of `source`'s stream (RESET, or a sender's first step).
  void on_reset(uint64_t source);
  // `source` has gone: its unpaired parts are dropped (they would never complete and must not
  // starve later senders); with per-sender pairing its stream and state go too.
  void on_disconnect(uint64_t source);

  // Blocks until no complete step is waiting and the worker is idle (or the timeout passes);
  // returns whether it got there. For tests and orderly shutdown.
  bool wait_idle(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace foresight
