#include "edge/session/prediction_session.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "common/metrics/image_metrics.hpp"
#include "edge/runtime/predictor.hpp"
#include "edge/session/frame_preprocess.hpp"
#include "edge/session/view_render.hpp"
#include "edge/stream/edge_metrics.hpp"
#include "edge/stream/view_hub.hpp"

namespace foresight {
namespace {

// Incomplete steps kept while their other part is on its way. A few rather than one, so a camera
// and a telemetry stream that run a step apart still pair; bounded, so nothing backs up.
constexpr size_t kMaxPendingSteps = 4;
constexpr int kMaxCameraViewSide = 512;

// A camera frame, or a pose image (label) for a pose-conditioned model.
struct FramePart {
  at::Tensor input;  // [3, H, W] float in [0, 1]
  cv::Mat display;   // the centre crop at the model's aspect, at most kMaxCameraViewSide wide, RGB
  uint64_t timestamp_ns = 0;
  uint64_t source = 0;
};

// The step's condition: from TELEMETRY (action ++ position), or for a pose model the flattened
// pose image (episode 0: pose senders mark a new episode with RESET).
struct TelemetryPart {
  uint32_t episode = 0;
  at::Tensor cond;  // [C]
  uint64_t source = 0;
};

struct PendingStep {
  uint64_t seq = 0;
  bool pose = false;  // the model is pose-conditioned: the step wants a label, not telemetry
  std::optional<FramePart> frame;
  std::optional<FramePart> label;
  std::optional<TelemetryPart> telemetry;
  at::Tensor plan;  // [K, C], undefined without a PLAN
  bool complete() const { return frame && (pose ? label.has_value() : telemetry.has_value()); }
  bool has_parts() const { return frame || label || telemetry; }
};

struct CompleteStep {
  uint64_t seq = 0;
  FramePart frame;
  std::optional<FramePart> label;  // pose models
  TelemetryPart telemetry;
  at::Tensor plan;
};

at::Tensor to_tensor(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<float> all(a);
  all.insert(all.end(), b.begin(), b.end());
  return at::from_blob(all.data(), {static_cast<int64_t>(all.size())}, at::kFloat).clone();
}

void check_condition(const char* what, const std::vector<float>& action,
                     const std::vector<float>& position, const ModelMetadata& m) {
  auto check = [&](const char* field, const std::vector<float>& v, int want) {
    if (static_cast<int>(v.size()) != want) {
      throw ProtocolError(ErrorCode::dimension_mismatch,
                          std::string(what) + ": " + field + " has " + std::to_string(v.size()) +
                              " values, the model wants " + std::to_string(want));
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) {
        throw ProtocolError(ErrorCode::non_finite, std::string(what) + ": field '" + field + "[" +
                                                       std::to_string(i) + "]' is not finite");
      }
    }
  };
  check("action", action, m.action_dim);
  check("position", position, m.position_dim);
}

std::vector<uint8_t> jpeg_view(const cv::Mat& rgb) { return encode_jpeg(rgb, 85); }

void require_pose_model(const ModelMetadata& m) {
  if (!m.pose_conditioned()) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        "frame: kind 'label' is for pose-conditioned models; this model is "
                        "conditioned on telemetry");
  }
}

}  // namespace

int default_state_window(const ModelMetadata& meta) {
  if (meta.pose_conditioned() || meta.train_sequence_length <= 0) return 0;
  // Two predicted frames past the conditioning ones: on the live world (sim seed 1; the tiny
  // preset, flow head) 1-step PSNR fell with the state's age, 26.9 dB at a window of 4, 26.4 at
  // 6, 25.9 at 8, 25.4 at 12 (the training length), 24.4 never restarted; docs/results.md.
  return std::min(meta.train_sequence_length, meta.n_past + 2);
}

struct PredictionSession::Impl {
  std::shared_ptr<Predictor> predictor;
  SessionOptions options;
  ViewHub* hub;
  EdgeMetrics* metrics;
  ModelMetadata meta;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<PendingStep> pending;  // sorted by seq
  std::optional<CompleteStep> ready;
  bool busy = false;
  bool stopping = false;
  bool reset_requested = false;
  bool started = false;
  ResultSink sink;
  std::thread worker;

  // Worker-thread state: what the recurrent state has seen.
  RecurrentState state;
  bool has_state = false;
  uint64_t last_seq = 0;
  uint32_t last_episode = 0;
  at::Tensor last_cond;
  int steps_since_reset = 0;
  // The last n_past - 1 observed steps (model input [N, 3, H, W], its condition [C]): what a
  // restart at the state window replays.
  std::deque<std::pair<at::Tensor, at::Tensor>> recent;
  at::Tensor prev_prediction;  // mean 1-step prediction of the last emitted step, [3, H, W]
  at::Tensor prev_frame;
  at::Generator gen;

  void bump(std::atomic<uint64_t> EdgeMetrics::*counter, uint64_t n = 1) {
    if (metrics) (metrics->*counter).fetch_add(n, std::memory_order_relaxed);
  }

  // Adds a part to the step `seq` (under the lock) and moves the step to `ready` once complete.
  template <typename Fill>
  void add_part(uint64_t seq, Fill fill) {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = std::lower_bound(pending.begin(), pending.end(), seq,
                                 [](const PendingStep& p, uint64_t s) { return p.seq < s; });
      if (it == pending.end() || it->seq != seq) {
        it = pending.insert(it, PendingStep{});
        it->seq = seq;
        it->pose = meta.pose_conditioned();
      }
      fill(*it);
      if (it->complete()) {
        CompleteStep done;
        done.seq = seq;
        done.frame = std::move(*it->frame);
        done.plan = std::move(it->plan);
        if (it->pose) {
          done.telemetry.cond = it->label->input.reshape({-1});
          done.telemetry.source = it->label->source;
          done.label = std::move(it->label);
        } else {
          done.telemetry = std::move(*it->telemetry);
        }
        // The daemon never waits for the past: older incomplete steps go.
        for (auto old = pending.begin(); old != it; ++old) {
          if (old->has_parts()) bump(&EdgeMetrics::dropped);
        }
        pending.erase(pending.begin(), it + 1);
        bump(&EdgeMetrics::steps_completed);
        if (ready) bump(&EdgeMetrics::dropped);  // the worker never got to it
        ready = std::move(done);
      }
      while (pending.size() > kMaxPendingSteps) {
        if (pending.front().has_parts()) bump(&EdgeMetrics::dropped);
        pending.pop_front();
      }
    }
    cv.notify_all();
  }

  void run() {
    c10::InferenceMode inference;
    for (;;) {
      CompleteStep step;
      bool reset_req = false;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || ready.has_value(); });
        if (stopping) break;
        step = std::move(*ready);
        ready.reset();
        busy = true;
        reset_req = std::exchange(reset_requested, false);
      }
      std::optional<StepResult> result;
      try {
        result = process(step, reset_req);
      } catch (const std::exception& e) {
        // A failing step must not take the daemon down; start afresh with the next one.
        spdlog::error("prediction of step {} failed: {}", step.seq, e.what());
        has_state = false;
      }
      if (result && sink) {
        try {
          sink(*result);
        } catch (const std::exception& e) {
          spdlog::error("delivering the prediction of step {} failed: {}", step.seq, e.what());
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        busy = false;
      }
      cv.notify_all();
    }
  }

  StepResult process(CompleteStep& step, bool reset_req) {
    const int64_t n = options.samples;
    const int64_t c = meta.condition_dim();
    const at::Tensor& frame = step.frame.input;
    const bool reset = reset_req || !has_state || step.seq != last_seq + 1 ||
                       step.telemetry.episode != last_episode;

    StepResult r;
    r.frame_seq = step.seq;
    r.timestamp_ns = step.frame.timestamp_ns;
    r.source = step.telemetry.source ? step.telemetry.source : step.frame.source;
    r.reset = reset;
    at::Tensor predicted_now;  // what the previous step predicted for this frame
    if (!reset && prev_prediction.defined()) {
      predicted_now = prev_prediction;
      r.psnr = psnr(prev_prediction, frame);
      r.copy_last_psnr = psnr(prev_frame, frame);
      if (hub) hub->add_psnr({step.seq, *r.psnr, *r.copy_last_psnr});
      if (metrics) metrics->set_psnr(*r.psnr, *r.copy_last_psnr);
    }
    prev_prediction = at::Tensor();
    if (reset) {
      state = predictor->init_state(n);
      has_state = true;
      steps_since_reset = 0;
      recent.clear();
      bump(&EdgeMetrics::resets);
    }
    const bool reanchor = !reset && !meta.pose_conditioned() && options.state_window > 0 &&
                          steps_since_reset >= options.state_window;
    if (reanchor) replay_recent(n, c);
    const bool first = reset || (reanchor && recent.empty());

    const at::Tensor& cond_now = step.telemetry.cond;
    at::Tensor cond_prev =
        (first ? at::zeros_like(cond_now) : last_cond).unsqueeze(0).expand({n, c}).contiguous();
    std::vector<at::Tensor> rows{cond_now};
    if (step.plan.defined()) {
      const int64_t extra = std::min<int64_t>(step.plan.size(0), options.max_horizon - 1);
      for (int64_t i = 0; i < extra; ++i) rows.push_back(step.plan[i]);
    }
    const int64_t k_steps = static_cast<int64_t>(rows.size());
    at::Tensor conds = at::stack(rows).unsqueeze(1).expand({k_steps, n, c}).contiguous();
    at::Tensor noise = at::randn({k_steps + 1, n, meta.z_dim}, gen);
    if (options.noise_scale != 1.0) noise.mul_(options.noise_scale);
    at::Tensor x = frame.unsqueeze(0).expand({n, frame.size(0), frame.size(1), frame.size(2)})
                       .contiguous();

    const auto t0 = std::chrono::steady_clock::now();
    auto out = predictor->step(x, cond_prev, conds, state, first, noise);
    at::Tensor preds = out.first.to(at::kCPU).clamp(0.0, 1.0);  // [K, N, 3, S, S]
    r.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (metrics) metrics->observe_latency_ms(r.latency_ms);
    bump(&EdgeMetrics::steps_predicted);

    state = std::move(out.second);
    last_seq = step.seq;
    last_episode = step.telemetry.episode;
    last_cond = cond_now;
    prev_frame = frame;
    ++steps_since_reset;
    if (meta.n_past > 1) {
      recent.emplace_back(x, cond_now);
      while (static_cast<int>(recent.size()) > meta.n_past - 1) recent.pop_front();
    }

    at::Tensor mean = preds.mean(1);                                   // [K, 3, S, S]
    at::Tensor std = (preds - mean.unsqueeze(1)).pow(2).mean(1).sqrt();  // population std
    const bool emit = steps_since_reset >= meta.n_past;
    if (emit) {
      prev_prediction = mean[0];
      for (int64_t k = 0; k < k_steps; ++k) {
        auto add = [&](int32_t sample, const at::Tensor& chw) {
          r.images.push_back({static_cast<uint32_t>(k + 1), sample, encode_image(chw)});
        };
        if (n == 1) {
          add(0, preds[k][0]);
          continue;
        }
        if (options.sample_images) {
          for (int64_t s = 0; s < n; ++s) add(static_cast<int32_t>(s), preds[k][s]);
        }
        add(Prediction::kMeanSample, mean[k]);
        add(Prediction::kStdSample, std[k]);
      }
    }
    if (hub) publish_views(step, emit ? mean[0] : at::Tensor(), emit ? std[0] : at::Tensor(),
                           predicted_now);
    return r;
  }

  // A fresh state that has observed the recent frames, as after a reset n_past - 1 steps ago
  // (their predictions are discarded).
  void replay_recent(int64_t n, int64_t c) {
    state = predictor->init_state(n);
    bool first = true;
    at::Tensor cond_prev = at::zeros({n, c});
    for (const auto& [x, cond] : recent) {
      at::Tensor conds = cond.unsqueeze(0).unsqueeze(0).expand({1, n, c}).contiguous();
      at::Tensor noise = at::randn({2, n, meta.z_dim}, gen);
      if (options.noise_scale != 1.0) noise.mul_(options.noise_scale);
      state = predictor->step(x, cond_prev, conds, state, first, noise).second;
      cond_prev = cond.unsqueeze(0).expand({n, c}).contiguous();
      first = false;
    }
    steps_since_reset = static_cast<int>(recent.size());
    bump(&EdgeMetrics::reanchors);
  }

  Image encode_image(const at::Tensor& chw) {
    Image img;
    img.encoding = options.encoding;
    img.width = static_cast<uint32_t>(chw.size(2));
    img.height = static_cast<uint32_t>(chw.size(1));
    cv::Mat rgb = to_rgb8(chw);
    img.bytes = options.encoding == ImageEncoding::jpeg ? encode_jpeg(rgb, 90) : encode_png(rgb);
    return img;
  }

  void publish_views(const CompleteStep& step, const at::Tensor& next, const at::Tensor& next_std,
                     const at::Tensor& predicted_now) {
    const int side = options.view_size;
    hub->publish("camera", jpeg_view(step.frame.display));
    cv::Mat pose_rgb;
    if (step.label) {
      pose_rgb = to_rgb8(step.label->input);
      hub->publish("pose", jpeg_view(resize_to_width(pose_rgb, side)));
    }
    if (!next.defined()) return;
    cv::Mat next_rgb = to_rgb8(next);
    cv::Mat std_rgb = uncertainty_to_rgb(next_std);
    hub->publish("prediction", jpeg_view(resize_to_width(next_rgb, side)));
    hub->publish("uncertainty", jpeg_view(resize_to_width(std_rgb, side)));
    std::vector<std::pair<std::string, cv::Mat>> tiles = {
        {"frame " + std::to_string(step.seq), to_rgb8(step.frame.input)},
        {"predicted", predicted_now.defined() ? to_rgb8(predicted_now) : cv::Mat()}};
    if (step.label) tiles.push_back({"pose next", pose_rgb});
    tiles.push_back({"next", next_rgb});
    tiles.push_back({"uncertainty", std_rgb});
    const int tile_w = std::max(64, side / 2);
    const int tile_h = std::max(16, tile_w * meta.frame_height() / meta.frame_width());
    hub->publish("sidebyside", jpeg_view(side_by_side(tiles, tile_w, tile_h)));
  }

  // A decoded camera frame or pose image as the model and the views want it.
  FramePart frame_part(const cv::Mat& rgb, uint64_t timestamp_ns, uint64_t source) const {
    FramePart part;
    part.input = to_model_input(rgb, meta.frame_height(), meta.frame_width());
    cv::Mat crop = center_crop_aspect(rgb, meta.frame_width(), meta.frame_height());
    if (crop.cols > kMaxCameraViewSide) crop = resize_to_width(crop, kMaxCameraViewSide);
    part.display = crop.clone();
    part.timestamp_ns = timestamp_ns;
    part.source = source;
    return part;
  }
};

PredictionSession::PredictionSession(std::shared_ptr<Predictor> predictor, SessionOptions options,
                                     ViewHub* hub, EdgeMetrics* metrics)
    : impl_(std::make_unique<Impl>()) {
  if (!predictor) throw std::invalid_argument("PredictionSession: no predictor");
  if (options.samples < 1) throw std::invalid_argument("samples must be >= 1");
  if (options.max_horizon < 1) throw std::invalid_argument("max_horizon must be >= 1");
  if (options.encoding == ImageEncoding::raw_rgb) {
    throw std::invalid_argument("prediction encoding must be png or jpeg");
  }
  if (options.view_size < 16) throw std::invalid_argument("view_size must be >= 16");
  if (!(options.noise_scale >= 0.0) || !std::isfinite(options.noise_scale)) {
    throw std::invalid_argument("noise_scale must be finite and >= 0");
  }
  impl_->meta = predictor->metadata();
  impl_->predictor = std::move(predictor);
  uint64_t seed = options.seed;
  if (seed == 0) seed = std::random_device{}() ^ static_cast<uint64_t>(
                            std::chrono::steady_clock::now().time_since_epoch().count());
  impl_->gen = at::detail::createCPUGenerator(seed);
  impl_->options = options;
  impl_->hub = hub;
  impl_->metrics = metrics;
}

PredictionSession::~PredictionSession() { stop(); }

const ModelMetadata& PredictionSession::metadata() const { return impl_->meta; }
const SessionOptions& PredictionSession::options() const { return impl_->options; }

nlohmann::json PredictionSession::stream_info() const {
  return {{"horizon", impl_->options.max_horizon},
          {"samples", impl_->options.samples},
          {"encoding", to_string(impl_->options.encoding)}};
}

void PredictionSession::start(ResultSink sink) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->started) throw std::logic_error("PredictionSession::start called twice");
  impl_->started = true;
  impl_->sink = std::move(sink);
  impl_->worker = std::thread([this] { impl_->run(); });
}

void PredictionSession::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

void PredictionSession::on_frame(uint64_t seq, uint64_t timestamp_ns, const Frame& frame,
                                 uint64_t source) {
  if (frame.kind == FrameKind::label) {
    require_pose_model(impl_->meta);  // before decoding: the kind is the error, not the bytes
    on_label(seq, timestamp_ns, decode_frame(frame.image), source);
    return;
  }
  on_frame(seq, timestamp_ns, decode_frame(frame.image), source);
}

namespace {
void require_colour(const char* what, const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw ProtocolError(ErrorCode::malformed_payload, std::string(what) + ": want an 8-bit colour image");
  }
}
}  // namespace

void PredictionSession::on_frame(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb,
                                 uint64_t source) {
  require_colour("frame", rgb);
  FramePart part = impl_->frame_part(rgb, timestamp_ns, source);
  impl_->bump(&EdgeMetrics::frames_in);
  impl_->add_part(seq, [&](PendingStep& p) { p.frame = std::move(part); });
}

void PredictionSession::on_label(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb,
                                 uint64_t source) {
  require_pose_model(impl_->meta);
  require_colour("label frame", rgb);
  FramePart part = impl_->frame_part(rgb, timestamp_ns, source);
  impl_->bump(&EdgeMetrics::labels_in);
  impl_->add_part(seq, [&](PendingStep& p) { p.label = std::move(part); });
}

void PredictionSession::on_telemetry(uint64_t seq, const Telemetry& telemetry, uint64_t source) {
  if (impl_->meta.pose_conditioned()) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        "telemetry: this model is conditioned on pose images: send a FRAME of kind "
                        "'label' with each step (and RESET for a new episode)");
  }
  check_condition("telemetry", telemetry.action, telemetry.position, impl_->meta);
  TelemetryPart part{telemetry.episode_id, to_tensor(telemetry.action, telemetry.position), source};
  impl_->bump(&EdgeMetrics::telemetry_in);
  impl_->add_part(seq, [&](PendingStep& p) { p.telemetry = std::move(part); });
}

void PredictionSession::on_plan(uint64_t seq, const Plan& plan, uint64_t /*source*/) {
  if (impl_->meta.pose_conditioned()) {
    throw ProtocolError(ErrorCode::unexpected_message,
                        "plan: this model is conditioned on pose images; a PLAN carries actions "
                        "and positions");
  }
  if (plan.steps.empty()) return;
  std::vector<at::Tensor> rows;
  for (const PlanStep& s : plan.steps) {
    check_condition("plan", s.action, s.position, impl_->meta);
    rows.push_back(to_tensor(s.action, s.position));
  }
  at::Tensor table = at::stack(rows);
  impl_->add_part(seq, [&](PendingStep& p) { p.plan = table; });
}

void PredictionSession::on_reset() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->reset_requested = true;
}

bool PredictionSession::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout,
                            [&] { return !impl_->ready.has_value() && !impl_->busy; });
}

}  // namespace foresight
