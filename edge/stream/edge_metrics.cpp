#include "edge/stream/edge_metrics.hpp"

#include <sstream>

namespace foresight {

void EdgeMetrics::observe_latency_ms(double ms) {
  size_t i = 0;
  while (i < kLatencyBucketsMs.size() && ms > kLatencyBucketsMs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<uint64_t>(ms * 1000.0 + 0.5), std::memory_order_relaxed);
}

void EdgeMetrics::set_psnr(double psnr, double copy_last_psnr) {
  psnr_.store(psnr, std::memory_order_relaxed);
  copy_last_psnr_.store(copy_last_psnr, std::memory_order_relaxed);
  psnr_count_.fetch_add(1, std::memory_order_relaxed);
}

std::string EdgeMetrics::prometheus_text() const {
  std::ostringstream out;
  auto counter = [&](const char* name, const char* help, const std::atomic<uint64_t>& v) {
    out << "# HELP foresight_" << name << ' ' << help << "\n# TYPE foresight_" << name
        << " counter\nforesight_" << name << ' ' << v.load(std::memory_order_relaxed) << '\n';
  };
  auto gauge = [&](const char* name, const char* help, double v) {
    out << "# HELP foresight_" << name << ' ' << help << "\n# TYPE foresight_" << name
        << " gauge\nforesight_" << name << ' ' << v << '\n';
  };
  counter("frames_in_total", "Camera frames accepted.", frames_in);
  counter("labels_in_total", "Pose images (label frames) accepted.", labels_in);
  counter("telemetry_in_total", "Telemetry messages accepted.", telemetry_in);
  counter("steps_completed_total", "Steps whose parts (frame and telemetry or pose) all arrived.",
          steps_completed);
  counter("steps_predicted_total", "Steps the model ran on.", steps_predicted);
  counter("dropped_total", "Steps not predicted because a newer one arrived first.", dropped);
  counter("skipped_observed_total",
          "Skipped complete steps the recurrent state still observed (encoder only, no decoder).",
          skipped_observed);
  counter("orphans_removed_total", "Step parts dropped because their sender left before pairing.",
          orphans_removed);
  gauge("streams_open", "Senders with their own step stream and recurrent state.",
        static_cast<double>(streams_open.load(std::memory_order_relaxed)));
  counter("resets_total", "Recurrent state resets.", resets);
  counter("state_reanchors_total", "Recurrent state restarts from recent frames (--state-window).",
          reanchors);
  counter("predictions_out_total", "PREDICTION messages queued to clients.", predictions_out);
  counter("predictions_shed_total", "Predictions dropped from slow clients' queues.",
          predictions_shed);
  counter("protocol_errors_total", "ERROR replies sent to clients.", protocol_errors);
  counter("connections_total", "Telemetry connections accepted.", connections_total);
  gauge("connections_open", "Telemetry connections open.",
        static_cast<double>(connections_open.load(std::memory_order_relaxed)));

  out << "# HELP foresight_inference_latency_seconds Duration of one model step.\n"
         "# TYPE foresight_inference_latency_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBucketsMs.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out << "foresight_inference_latency_seconds_bucket{le=\"" << kLatencyBucketsMs[i] / 1000.0
        << "\"} " << cumulative << '\n';
  }
  cumulative += buckets_.back().load(std::memory_order_relaxed);
  out << "foresight_inference_latency_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "foresight_inference_latency_seconds_sum "
      << static_cast<double>(latency_sum_us_.load(std::memory_order_relaxed)) / 1e6 << '\n'
      << "foresight_inference_latency_seconds_count "
      << latency_count_.load(std::memory_order_relaxed) << '\n';

  if (psnr_count_.load(std::memory_order_relaxed) > 0) {
    gauge("online_psnr_db", "PSNR of the latest 1-step prediction against the frame that came.",
          psnr_.load(std::memory_order_relaxed));
    gauge("online_copy_last_psnr_db", "PSNR of repeating the previous frame instead.",
          copy_last_psnr_.load(std::memory_order_relaxed));
  }
  return out.str();
}

}  // namespace foresight
