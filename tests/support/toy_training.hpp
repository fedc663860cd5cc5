// A training configuration small enough for a test: the tiny preset on the shared tiny dataset,
// narrowed to 1/16 width and 2 iterations per epoch. Header-only: only trainer tests include it.
#pragma once
#include <string>

#include "support/test_support.hpp"
#include "trainer/config/train_config.hpp"

namespace foresight::testing {

inline TrainConfig toy_train_config(const std::string& tag) {
  TrainConfig c = preset_config("tiny");
  c.data = tiny_dataset().string();
  c.out = scratch_dir(tag).string();
  c.epochs = 1;
  c.iters_per_epoch = 2;
  c.batch_size = 4;
  c.val_sequences = 4;
  c.threads = 2;
  c.width = 0.0625;
  c.g_dim = 16;
  c.z_dim = 4;
  c.rnn_size = 16;
  return c;
}

}  // namespace foresight::testing
