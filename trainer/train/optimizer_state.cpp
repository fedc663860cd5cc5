#include "trainer/train/optimizer_state.hpp"

#include <spdlog/spdlog.h>
#include <torch/serialize.h>

#include <sstream>

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
  } catch (const std::exception& e) {
    spdlog::warn("{}: optimiser state not restored ({}); Adam moments restart from zero",
                 file.string(), std::string(e.what()).substr(0, 120));
  }
}

}  // namespace foresight
