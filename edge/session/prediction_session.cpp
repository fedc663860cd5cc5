#include "edge/session/prediction_session.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
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
constexpr size_t kMaxPendingSteps = 4;  // per stream
// Skipped complete steps kept per stream, the newest last: the state observes one skipped step
// (or up to n_past - 1) as is, and restarts from the last n_past - 1 of them after a longer gap.
constexpr size_t kMaxSkippedSteps = 8;  // >= n_past - 1 of any model served
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
  at::Tensor plan;       // [K, C], undefined without a PLAN
  uint64_t arrival = 0;  // when a part last arrived (the stream's counter)
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
  // n_past: every prediction comes from a fresh state that has seen the last n_past frames, the
  // only step whose input the model was trained on exactly. Trained teacher-forced, the model
  // predicts frame t from the last conditioning frame's skips and a state t - n_past steps old,
  // so an older state expects an older base frame than the one the daemon gives it. Live (sim
  // seeds 1, 9, 5; tiny preset, action head) 1-step PSNR was copy-last +3.2, +2.1 and +1.3 dB at
  // a window of 2, against +0.9, -0.2 and -1.1 at 4 (docs/results.md).
  return std::min(meta.train_sequence_length, meta.n_past);
}

// One sender's steps and the recurrent state that has seen them. Steps pair (FRAME with TELEMETRY
// or label) only within a stream, so senders never complete, starve or reset each other.
struct Stream {
  uint64_t key = 0;
  // Under Impl::mu.
  std::deque<PendingStep> pending;  // sorted by seq
  std::optional<CompleteStep> ready;
  // Complete steps a newer one superseded before the worker took them, oldest first: the state
  // still observes them (without decoding) so that skipping a step does not cost the memory.
  std::deque<CompleteStep> skipped;
  bool reset_requested = false;
  uint64_t arrivals = 0;  // stamps PendingStep::arrival

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
};

struct PredictionSession::Impl {
  std::shared_ptr<Predictor> predictor;
  SessionOptions options;
  ViewHub* hub;
  EdgeMetrics* metrics;
  ModelMetadata meta;

  std::mutex mu;
  std::condition_variable cv;
  // By stream key (the sender's id, or 0 for everything when a local camera supplies a part).
  // Shared: the worker keeps the stream it is running even if its sender leaves meanwhile.
  std::map<uint64_t, std::shared_ptr<Stream>> streams;
  uint64_t last_served = 0;  // the worker serves streams with a ready step in turn
  bool busy = false;
  bool stopping = false;
  bool started = false;
  ResultSink sink;
  std::thread worker;
  at::Generator gen;  // worker thread only

  void bump(std::atomic<uint64_t> EdgeMetrics::*counter, uint64_t n = 1) {
    if (metrics) (metrics->*counter).fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t stream_key(uint64_t source) const { return options.pair_per_sender ? source : 0; }

  // Under the lock.
  Stream& stream_for(uint64_t key) {
    auto& slot = streams[key];
    if (!slot) {
      slot = std::make_shared<Stream>();
      slot->key = key;
      if (metrics) metrics->streams_open.store(streams.size(), std::memory_order_relaxed);
    }
    return *slot;
  }

  // Adds a part to the step `seq` of the sender's stream (under the lock) and moves the step to
  // the stream's `ready` slot once complete.
  template <typename Fill>
  void add_part(uint64_t seq, uint64_t source, Fill fill) {
    {
      std::lock_guard<std::mutex> lock(mu);
      Stream& st = stream_for(stream_key(source));
      auto& pending = st.pending;
      auto it = std::lower_bound(pending.begin(), pending.end(), seq,
                                 [](const PendingStep& p, uint64_t s) { return p.seq < s; });
      if (it == pending.end() || it->seq != seq) {
        it = pending.insert(it, PendingStep{});
        it->seq = seq;
        it->pose = meta.pose_conditioned();
      }
      fill(*it);
      it->arrival = ++st.arrivals;
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
        if (st.ready) {
          bump(&EdgeMetrics::dropped);  // the worker never got to it
          if (st.ready->seq < seq) {
            st.skipped.push_back(std::move(*st.ready));
            while (st.skipped.size() > kMaxSkippedSteps) st.skipped.pop_front();
          } else {
            st.skipped.clear();  // the sender started again from a lower seq
          }
        }
        st.ready = std::move(done);
      }
      // Past the bound, the part that waited longest goes (not the lowest seq: a sender that
      // restarts from seq 1 must not lose to leftovers of its previous run).
      while (pending.size() > kMaxPendingSteps) {
        auto stalest = std::min_element(
            pending.begin(), pending.end(),
            [](const PendingStep& a, const PendingStep& b) { return a.arrival < b.arrival; });
        if (stalest->has_parts()) bump(&EdgeMetrics::dropped);
        pending.erase(stalest);
      }
    }
    cv.notify_all();
  }

  // Under the lock: the next stream with a ready step, in turn after the last one served.
  std::shared_ptr<Stream> next_ready_stream() {
    auto pick = [&](auto from, auto to) -> std::shared_ptr<Stream> {
      for (auto it = from; it != to; ++it) {
        if (it->second->ready) return it->second;
      }
      return nullptr;
    };
    auto after = streams.upper_bound(last_served);
    if (auto s = pick(after, streams.end())) return s;
    return pick(streams.begin(), after);
  }

  bool any_ready() const {
    return std::any_of(streams.begin(), streams.end(),
                       [](const auto& kv) { return kv.second->ready.has_value(); });
  }

  void run() {
    c10::InferenceMode inference;
    for (;;) {
      std::shared_ptr<Stream> st;
      CompleteStep step;
      std::deque<CompleteStep> skipped;
      bool reset_req = false;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || any_ready(); });
        if (stopping) break;
        st = next_ready_stream();
        last_served = st->key;
        step = std::move(*st->ready);
        st->ready.reset();
        skipped = std::exchange(st->skipped, {});
        busy = true;
        reset_req = std::exchange(st->reset_requested, false);
      }
      std::optional<StepResult> result;
      try {
        result = process(*st, step, skipped, reset_req);
      } catch (const std::exception& e) {
        // A failing step must not take the daemon down; start afresh with the next one.
        spdlog::error("prediction of step {} failed: {}", step.seq, e.what());
        st->has_state = false;
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

  at::Tensor batch_of(const at::Tensor& chw, int64_t n) const {
    return chw.unsqueeze(0).expand({n, chw.size(0), chw.size(1), chw.size(2)}).contiguous();
  }

  at::Tensor draw_noise(at::IntArrayRef shape) {
    at::Tensor noise = at::randn(shape, gen);
    if (options.noise_scale != 1.0) noise.mul_(options.noise_scale);
    return noise;
  }

  // The state observes a step it will not predict from (no decoder).
  void observe(Stream& s, const CompleteStep& g, bool first, int64_t n, int64_t c) {
    const at::Tensor& cond = g.telemetry.cond;
    at::Tensor x = batch_of(g.frame.input, n);
    at::Tensor cond_prev =
        (first ? at::zeros_like(cond) : s.last_cond).unsqueeze(0).expand({n, c}).contiguous();
    s.state = predictor->observe(x, cond_prev, s.state, first, draw_noise({n, meta.z_dim}));
    s.last_seq = g.seq;
    s.last_cond = cond;
    s.prev_frame = g.frame.input;
    ++s.steps_since_reset;
    remember(s, x, cond);
    bump(&EdgeMetrics::skipped_observed);
  }

  void remember(Stream& s, const at::Tensor& x, const at::Tensor& cond) {
    if (meta.n_past <= 1) return;
    s.recent.emplace_back(x, cond);
    while (static_cast<int>(s.recent.size()) > meta.n_past - 1) s.recent.pop_front();
  }

  // Steps between the last one the state saw and `step` were skipped under load: the state
  // observes them when all are at hand and they are few, else restarts from the n_past - 1 just
  // before `step` (as at the state window). Returns false when neither is possible (a real gap:
  // reset).
  bool fill_gap(Stream& s, const CompleteStep& step, const std::deque<CompleteStep>& skipped,
                int64_t n, int64_t c) {
    std::vector<const CompleteStep*> gap;  // ascending seq, same episode, before `step`
    for (const CompleteStep& g : skipped) {
      if (g.seq > s.last_seq && g.seq < step.seq && g.telemetry.episode == step.telemetry.episode) {
        gap.push_back(&g);
      }
    }
    auto contiguous_to = [&](size_t from) {
      for (size_t i = from; i < gap.size(); ++i) {
        if (gap[i]->seq != step.seq - (gap.size() - i)) return false;
      }
      return true;
    };
    // Observing costs an encoding each: a long gap is bridged by the restart below, so that an
    // overloaded daemon does at most max(1, n_past - 1) extra encodings per prediction.
    const size_t need = static_cast<size_t>(std::max(0, meta.n_past - 1));
    if (gap.size() == step.seq - s.last_seq - 1 && gap.size() <= std::max<size_t>(1, need) &&
        contiguous_to(0)) {
      for (const CompleteStep* g : gap) observe(s, *g, false, n, c);
      return true;
    }
    if (need == 0 || gap.size() < need || !contiguous_to(gap.size() - need)) return false;
    s.state = predictor->init_state(n);
    s.steps_since_reset = 0;
    s.recent.clear();
    for (size_t i = gap.size() - need; i < gap.size(); ++i) {
      observe(s, *gap[i], i == gap.size() - need, n, c);
    }
    bump(&EdgeMetrics::reanchors);
    return true;
  }

  StepResult process(Stream& s, CompleteStep& step, const std::deque<CompleteStep>& skipped,
                     bool reset_req) {
    const int64_t n = options.samples;
    const int64_t c = meta.condition_dim();
    const at::Tensor& frame = step.frame.input;
    bool reset = reset_req || !s.has_state || step.seq <= s.last_seq ||
                 step.telemetry.episode != s.last_episode;
    const bool next_in_line = !reset && step.seq == s.last_seq + 1;

    StepResult r;
    r.frame_seq = step.seq;
    r.timestamp_ns = step.frame.timestamp_ns;
    r.source = step.telemetry.source ? step.telemetry.source : step.frame.source;
    at::Tensor predicted_now;  // what the previous step predicted for this frame
    if (next_in_line && s.prev_prediction.defined()) {
      predicted_now = s.prev_prediction;
      r.psnr = psnr(s.prev_prediction, frame);
      r.copy_last_psnr = psnr(s.prev_frame, frame);
      if (hub) hub->add_psnr({step.seq, *r.psnr, *r.copy_last_psnr});
      if (metrics) metrics->set_psnr(*r.psnr, *r.copy_last_psnr);
    }
    s.prev_prediction = at::Tensor();
    if (!reset && !next_in_line) {
      reset = meta.pose_conditioned() || !fill_gap(s, step, skipped, n, c);
    }
    r.reset = reset;
    if (reset) {
      s.state = predictor->init_state(n);
      s.has_state = true;
      s.steps_since_reset = 0;
      s.recent.clear();
      bump(&EdgeMetrics::resets);
    }
    const bool reanchor = !reset && !meta.pose_conditioned() && options.state_window > 0 &&
                          s.steps_since_reset >= options.state_window;
    if (reanchor) replay_recent(s, n, c);
    const bool first = reset || (reanchor && s.recent.empty());

    const at::Tensor& cond_now = step.telemetry.cond;
    at::Tensor cond_prev =
        (first ? at::zeros_like(cond_now) : s.last_cond).unsqueeze(0).expand({n, c}).contiguous();
    std::vector<at::Tensor> rows{cond_now};
    if (step.plan.defined()) {
      const int64_t extra = std::min<int64_t>(step.plan.size(0), options.max_horizon - 1);
      for (int64_t i = 0; i < extra; ++i) rows.push_back(step.plan[i]);
    }
    const int64_t k_steps = static_cast<int64_t>(rows.size());
    at::Tensor conds = at::stack(rows).unsqueeze(1).expand({k_steps, n, c}).contiguous();
    at::Tensor noise = draw_noise({k_steps + 1, n, meta.z_dim});
    at::Tensor x = batch_of(frame, n);

    const auto t0 = std::chrono::steady_clock::now();
    auto out = predictor->step(x, cond_prev, conds, s.state, first, noise);
    at::Tensor preds = out.first.to(at::kCPU).clamp(0.0, 1.0);  // [K, N, 3, S, S]
    r.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (metrics) metrics->observe_latency_ms(r.latency_ms);
    bump(&EdgeMetrics::steps_predicted);

    s.state = std::move(out.second);
    s.last_seq = step.seq;
    s.last_episode = step.telemetry.episode;
    s.last_cond = cond_now;
    s.prev_frame = frame;
    ++s.steps_since_reset;
    remember(s, x, cond_now);

    at::Tensor mean = preds.mean(1);                                     // [K, 3, S, S]
    at::Tensor std = (preds - mean.unsqueeze(1)).pow(2).mean(1).sqrt();  // population std
    const bool emit = s.steps_since_reset >= meta.n_past;
    if (emit) {
      s.prev_prediction = mean[0];
      for (int64_t k = 0; k < k_steps; ++k) {
        auto add = [&](int32_t sample, const at::Tensor& chw) {
          r.images.push_back({static_cast<uint32_t>(k + 1), sample, encode_image(chw)});
        };
        if (n == 1) {
          add(0, preds[k][0]);
          continue;
        }
        if (options.sample_images) {
          for (int64_t i = 0; i < n; ++i) add(static_cast<int32_t>(i), preds[k][i]);
        }
        add(Prediction::kMeanSample, mean[k]);
        add(Prediction::kStdSample, std[k]);
      }
    }
    if (hub)
      publish_views(step, emit ? mean[0] : at::Tensor(), emit ? std[0] : at::Tensor(),
                    predicted_now);
    return r;
  }

  // A fresh state that has observed the recent frames, as after a reset n_past - 1 steps ago
  // (their predictions are discarded).
  void replay_recent(Stream& s, int64_t n, int64_t c) {
    s.state = predictor->init_state(n);
    bool first = true;
    at::Tensor cond_prev = at::zeros({n, c});
    for (const auto& [x, cond] : s.recent) {
      s.state = predictor->observe(x, cond_prev, s.state, first, draw_noise({n, meta.z_dim}));
      cond_prev = cond.unsqueeze(0).expand({n, c}).contiguous();
      first = false;
    }
    s.steps_since_reset = static_cast<int>(s.recent.size());
    bump(&EdgeMetrics::reanchors);
  }

  Image encode_image(const at::Tensor& chw) {
    Image img;
    img.encoding = options.encoding;
    img.width = static_cast<uint32_t>(chw.size(2));
    img.height = static_cast<uint32_t>(chw.size(1));
    cv::Mat rgb = tensor_to_rgb(chw);
    img.bytes = options.encoding == ImageEncoding::jpeg ? encode_jpeg(rgb, 90) : encode_png(rgb);
    return img;
  }

  void publish_views(const CompleteStep& step, const at::Tensor& next, const at::Tensor& next_std,
                     const at::Tensor& predicted_now) {
    const int side = options.view_size;
    hub->publish("camera", jpeg_view(step.frame.display));
    cv::Mat pose_rgb;
    if (step.label) {
      pose_rgb = tensor_to_rgb(step.label->input);
      hub->publish("pose", jpeg_view(resize_to_width(pose_rgb, side)));
    }
    if (!next.defined()) return;
    cv::Mat next_rgb = tensor_to_rgb(next);
    cv::Mat std_rgb = uncertainty_to_rgb(next_std);
    hub->publish("prediction", jpeg_view(resize_to_width(next_rgb, side)));
    hub->publish("uncertainty", jpeg_view(resize_to_width(std_rgb, side)));
    std::vector<std::pair<std::string, cv::Mat>> tiles = {
        {"frame " + std::to_string(step.seq), tensor_to_rgb(step.frame.input)},
        {"predicted", predicted_now.defined() ? tensor_to_rgb(predicted_now) : cv::Mat()}};
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
  if (seed == 0)
    seed = std::random_device{}() ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
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
    on_label(seq, timestamp_ns, decode_frame(frame.image, impl_->options.max_frame_pixels), source);
    return;
  }
  on_frame(seq, timestamp_ns, decode_frame(frame.image, impl_->options.max_frame_pixels), source);
}

namespace {
void require_colour(const char* what, const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw ProtocolError(ErrorCode::malformed_payload,
                        std::string(what) + ": want an 8-bit colour image");
  }
}
}  // namespace

void PredictionSession::on_frame(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb,
                                 uint64_t source) {
  require_colour("frame", rgb);
  FramePart part = impl_->frame_part(rgb, timestamp_ns, source);
  impl_->bump(&EdgeMetrics::frames_in);
  impl_->add_part(seq, source, [&](PendingStep& p) { p.frame = std::move(part); });
}

void PredictionSession::on_label(uint64_t seq, uint64_t timestamp_ns, const cv::Mat& rgb,
                                 uint64_t source) {
  require_pose_model(impl_->meta);
  require_colour("label frame", rgb);
  FramePart part = impl_->frame_part(rgb, timestamp_ns, source);
  impl_->bump(&EdgeMetrics::labels_in);
  impl_->add_part(seq, source, [&](PendingStep& p) { p.label = std::move(part); });
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
  impl_->add_part(seq, source, [&](PendingStep& p) { p.telemetry = std::move(part); });
}

void PredictionSession::on_plan(uint64_t seq, const Plan& plan, uint64_t source) {
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
  impl_->add_part(seq, source, [&](PendingStep& p) { p.plan = table; });
}

void PredictionSession::on_reset() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& [key, stream] : impl_->streams) stream->reset_requested = true;
}

void PredictionSession::on_reset(uint64_t source) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->streams.find(impl_->stream_key(source));
  if (it != impl_->streams.end()) it->second->reset_requested = true;
}

void PredictionSession::on_disconnect(uint64_t source) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->streams.find(impl_->stream_key(source));
  if (it == impl_->streams.end()) return;
  Stream& st = *it->second;
  uint64_t orphans = 0;
  if (impl_->options.pair_per_sender) {
    for (const PendingStep& p : st.pending) orphans += p.has_parts() ? 1 : 0;
    impl_->streams.erase(it);  // its state goes too; a step in flight finishes on its copy
    if (impl_->metrics) {
      impl_->metrics->streams_open.store(impl_->streams.size(), std::memory_order_relaxed);
    }
  } else {
    // One stream pairs the local camera with whoever sends the rest: only this sender's parts go.
    for (PendingStep& p : st.pending) {
      const bool had = p.has_parts();
      if (p.frame && p.frame->source == source) p.frame.reset();
      if (p.label && p.label->source == source) p.label.reset();
      if (p.telemetry && p.telemetry->source == source) p.telemetry.reset();
      if (had && !p.has_parts()) ++orphans;
    }
    st.pending.erase(std::remove_if(st.pending.begin(), st.pending.end(),
                                    [](const PendingStep& p) { return !p.has_parts(); }),
                     st.pending.end());
  }
  impl_->bump(&EdgeMetrics::orphans_removed, orphans);
}

bool PredictionSession::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return !impl_->any_ready() && !impl_->busy; });
}

}  // namespace foresight
