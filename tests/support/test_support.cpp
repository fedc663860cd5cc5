#include "support/test_support.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "common/model/svg_model.hpp"
#include "common/util/torch_compat.hpp"
#include "common/world/dataset_writer.hpp"

namespace foresight::testing {
namespace fs = std::filesystem;

namespace {
// Every test binary computes with the CPU kernels the products use (torch_compat.hpp), also in
// tests that load a model file before building one.
class SafeCpuKernels : public ::testing::Environment {
 public:
  void SetUp() override { use_safe_cpu_kernels(); }
};
[[maybe_unused]] ::testing::Environment* const kSafeCpuKernels =
    ::testing::AddGlobalTestEnvironment(new SafeCpuKernels);

struct Cleaner {
  std::mutex mu;
  std::vector<fs::path> dirs;
  ~Cleaner() {
    for (auto& d : dirs) {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  }
};
Cleaner& cleaner() {
  static Cleaner c;
  return c;
}
}  // namespace

fs::path scratch_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() / ("foresight-test-" + std::to_string(::getpid()) + "-" +
                                              tag + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::lock_guard<std::mutex> lock(cleaner().mu);
  cleaner().dirs.push_back(dir);
  return dir;
}

const fs::path& tiny_dataset() {
  static const fs::path root = [] {
    fs::path dir = scratch_dir("tiny-dataset");
    SyntheticDatasetOptions opt;
    opt.out = dir;
    opt.train = 24;
    opt.validate = 8;
    opt.test = 8;
    opt.frames = 14;
    opt.seed = 7;
    write_synthetic_dataset(opt);
    return dir;
  }();
  return root;
}

}  // namespace foresight::testing

namespace foresight::testing {

void move_action_layer(SvgModel& model, double std) {
  if (model.config().decoder != DecoderHead::kAction) return;
  at::NoGradGuard no_grad;
  auto layer = model.module().attr("mover").toModule();
  layer.attr("weight").toTensor().normal_(0.0, std / kActionGain);
  layer.attr("bias").toTensor().normal_(0.0, std / kActionGain);
  if (layer.hasattr("latent_weight")) {
    layer.attr("latent_weight").toTensor().normal_(0.0, std / kActionGain);
  }
}

}  // namespace foresight::testing

namespace foresight::testing {

void expect_same_parameters(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(at::equal(a[i], b[i]))
        << "parameter " << i << " differs by up to " << (a[i] - b[i]).abs().max().item<double>();
  }
}

}  // namespace foresight::testing
