#include "trainer/train/optimizer_state.hpp"

#include <spdlog/spdlog.h>
#include <torch/serialize.h>

#include <sstream>

#include "common/util/torch_compat.hpp"

namespace foresight {

std::string optimizer_bytes(torch::optim::Adam& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::ostringstream ss;
  archive.save_to(ss);
  return ss.str();
}

void restore_optimizer(torch::optim::Adam& optimizer, const std::string& bytes,
                       const std::filesystem::path& file, c10::Device device) {
  if (bytes.empty()) return;
  try {
    std::istringstream ss(bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(ss, device);
    optimizer.load(archive);
    // LibTorch 2.6 reads 1.13's bytes without an error but attaches moments to other parameters
    // (tests/compat/torch_compat_probe): a shape check catches that before Adam's first step.
    for (const auto& group : optimizer.param_groups()) {
      for (const at::Tensor& p : group.params()) {
        auto* state = optimizer_param_state(optimizer, p);
        if (state &&
            static_cast<torch::optim::AdamParamState&>(*state).exp_avg().sizes() != p.sizes()) {
          throw std::runtime_error(
              "the moments do not fit the parameters (saved by another LibTorch version?)");
        }
      }
    }
  } catch (const std::exception& e) {
    optimizer.state().clear();
    spdlog::warn("{}: optimiser state not restored ({}); Adam moments restart from zero",
                 file.string(), std::string(e.what()).substr(0, 120));
  }
}

}  // namespace foresight
