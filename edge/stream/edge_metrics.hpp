// The daemon's counters for /metrics and logs: plain atomics that every stage bumps without
// locking, an inference-latency histogram, and the latest online PSNR. Rendered in the Prometheus
// text exposition format.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace foresight {

class EdgeMetrics {
 public:
  // Upper bounds (milliseconds) of the latency histogram's buckets; +Inf is implicit. Dense
  // from 10 to 100 ms, where a full-size model's step lands on a CPU.
  static constexpr std::array<double, 15> kLatencyBucketsMs = {1,  2,  5,   10,  15,  20,   30,  40,
                                                               50, 75, 100, 200, 500, 1000, 2000};

  std::atomic<uint64_t> frames_in{0};         // FRAME messages / camera frames accepted
  std::atomic<uint64_t> labels_in{0};         // pose images (FRAME kind label) accepted
  std::atomic<uint64_t> telemetry_in{0};      // TELEMETRY messages accepted
  std::atomic<uint64_t> steps_completed{0};   // steps whose parts all arrived
  std::atomic<uint64_t> steps_predicted{0};   // steps the model ran on
  std::atomic<uint64_t> dropped{0};           // complete or incomplete steps not predicted
  std::atomic<uint64_t> skipped_observed{0};  // of those, complete ones the state still observed
  std::atomic<uint64_t> orphans_removed{0};   // parts of steps whose sender left before pairing
  std::atomic<uint64_t> streams_open{0};      // senders with their own step stream and state
  std::atomic<uint64_t> resets{0};            // recurrent state resets
  std::atomic<uint64_t> reanchors{0};         // state restarts at the state window
  std::atomic<uint64_t> predictions_out{0};   // PREDICTION messages queued to clients
  std::atomic<uint64_t> predictions_shed{0};  // dropped from a slow client's queue
  std::atomic<uint64_t> protocol_errors{0};   // ERROR replies sent
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};

  // Records one inference (Predictor::step) duration.
  void observe_latency_ms(double ms);
  // Records the latest online PSNR of the 1-step prediction and of copying the last frame.
  void set_psnr(double psnr, double copy_last_psnr);

  // Everything above in the Prometheus text format (metric names prefixed "foresight_").
  std::string prometheus_text() const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBucketsMs.size() + 1> buckets_{};  // last is +Inf
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_us_{0};
  std::atomic<double> psnr_{0.0};
  std::atomic<double> copy_last_psnr_{0.0};
  std::atomic<uint64_t> psnr_count_{0};
};

}  // namespace foresight
