// How much of the future the synthetic pushing world leaves to chance, and so what a latent can
// win at best. For each test sequence the world is replayed to its last conditioning frame, then
// its hidden properties (masses, frictions, restitutions, and the actuation noise's stream when
// --actuation-noise is set) are drawn anew and it runs on under the
// recorded actions: N futures a perfect stochastic model could sample. Printed per predicted
// frame, as mean squared errors against the true future (most futures are pixel-identical to
// it, so per-image PSNR, capped at 100 dB, would say nothing): a sample's, the best of N's (the
// future with the lowest mean error), their pixel mean's (about the best a deterministic model
// can do) and copy-last's. The last column is what best of N would gain over the mean for a
// model whose other errors are --model-mse per frame (default: the tiny preset's, 23.75 dB).
// The replay starts after the conditioning frames, where a contact may already have shown part of
// what is hidden: the spread is an upper bound.
// Usage: world_uncertainty [--seed S] [--actuation-noise A] [--sequences N] [--samples K]
//                          [--n-past P] [--n-future F] [--model-mse M]
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/metrics/image_metrics.hpp"
#include "common/util/image_tensor.hpp"
#include "common/world/dataset_writer.hpp"
#include "common/world/pushing_world.hpp"
#include "common/world/rng.hpp"

namespace {

constexpr int kTestSplit = 2;  // synthetic_sequence_seed's split index of `test`

}  // namespace

int main(int argc, char** argv) {
  using namespace foresight;
  uint64_t seed = 1;
  int sequences = 128, samples = 20, n_past = 2, n_future = 10, size = 64;
  double model_mse = 0.00422, actuation_noise = 0;
  CLI::App app{"The spread of the synthetic world's futures under the same actions (test split)"};
  app.add_option("--seed", seed, "World seed (as `foresight data generate --seed`)")
      ->capture_default_str();
  app.add_option("--actuation-noise", actuation_noise,
                 "As `foresight data generate --actuation-noise`")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--sequences", sequences, "Test sequences")->capture_default_str();
  app.add_option("--samples", samples, "Futures per sequence")->capture_default_str();
  app.add_option("--n-past", n_past, "Conditioning frames")->capture_default_str();
  app.add_option("--n-future", n_future, "Predicted frames")->capture_default_str();
  app.add_option("--model-mse", model_mse, "A model's other error per frame (MSE, [0, 1] pixels)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<double> mean(n_future), best(n_future), pixel_mean(n_future), copy(n_future);
  for (int i = 0; i < sequences; ++i) {
    const uint64_t s = synthetic_sequence_seed(seed, kTestSplit, i);
    PushingWorld truth_world(s, size, actuation_noise);
    std::vector<std::array<float, 4>> actions;
    std::vector<at::Tensor> truth;
    for (int t = 0; t < n_past + n_future; ++t) {
      if (t > 0) truth_world.step();
      truth.push_back(rgb_to_tensor(truth_world.render()));
      actions.push_back(truth_world.action());
    }
    at::Tensor target = at::stack(std::vector<at::Tensor>(truth.begin() + n_past, truth.end()));
    std::vector<at::Tensor> futures;  // [F, 3, H, W] each
    for (int k = 0; k < samples; ++k) {
      PushingWorld w(s, size, actuation_noise);
      for (int t = 1; t < n_past; ++t) w.step(actions[t - 1]);
      w.resample_hidden(mix_seed(s, 1000 + k));
      std::vector<at::Tensor> frames;
      for (int t = n_past; t < n_past + n_future; ++t) {
        w.step(actions[t - 1]);
        frames.push_back(rgb_to_tensor(w.render()));
      }
      futures.push_back(at::stack(frames));
    }
    // Squared errors per future and frame, [K, F]; the best future has the lowest mean.
    at::Tensor all = at::stack(futures);
    at::Tensor se = (all - target.unsqueeze(0)).pow(2).mean({2, 3, 4});
    const int64_t pick = se.mean(1).argmin().item<int64_t>();
    at::Tensor avg = (all.mean(0) - target).pow(2).mean({1, 2, 3});
    at::Tensor cl = (truth[n_past - 1].unsqueeze(0) - target).pow(2).mean({1, 2, 3});
    for (int f = 0; f < n_future; ++f) {
      mean[f] += se.select(1, f).mean().item<double>() / sequences;
      best[f] += se[pick][f].item<double>() / sequences;
      pixel_mean[f] += avg[f].item<double>() / sequences;
      copy[f] += cl[f].item<double>() / sequences;
    }
  }
  auto db = [](double mse) { return 10.0 * std::log10(1.0 / mse); };
  auto average = [](const std::vector<double>& v) {
    double a = 0;
    for (double x : v) a += x / static_cast<double>(v.size());
    return a;
  };
  std::printf(
      "world seed %llu, actuation noise %g, %d test sequences, %d futures each, %d frames from "
      "%d\n",
      static_cast<unsigned long long>(seed), actuation_noise, sequences, samples, n_future, n_past);
  std::printf(
      "frame  MSE: sample    best of %2d  pixel mean  copy-last | model: best - mean (dB)\n",
      samples);
  double gain = 0;
  for (int f = 0; f < n_future; ++f) {
    const double g = db(model_mse + best[f]) - db(model_mse + mean[f]);
    gain += g / n_future;
    std::printf("%5d  %11.2e  %10.2e  %10.2e  %9.2e | %+.3f\n", f + 1, mean[f], best[f],
                pixel_mean[f], copy[f], g);
  }
  std::printf("  all  %11.2e  %10.2e  %10.2e  %9.2e | %+.3f\n", average(mean), average(best),
              average(pixel_mean), average(copy), gain);
  std::printf(
      "PSNR of the pooled error: a sample %.2f dB, best of %d %.2f, pixel mean %.2f, "
      "copy-last %.2f\n",
      db(average(mean)), samples, db(average(best)), db(average(pixel_mean)), db(average(copy)));
  return 0;
}
