#include "tiny_model.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/dataset/dataset_format.hpp"
#include "common/model/svg_model.hpp"
#include "support/test_support.hpp"

namespace foresight::testing {
namespace fs = std::filesystem;
namespace {

struct Exported {
  std::unique_ptr<SvgModel> model;
  ModelMetadata meta;
  fs::path ptl, pt;
};

SvgConfig config_for(TinyModelSpec spec) {
  SvgConfig c;
  c.width = 0.125;
  c.g_dim = 32;
  c.z_dim = 8;
  c.rnn_size = 32;
  c.n_past = spec.n_past;
  c.learned_prior = spec.learned_prior;
  return c;
}

ModelMetadata metadata_for(const SvgConfig& c) {
  ModelMetadata m;
  m.image_size = c.image_size;
  m.channels = c.channels;
  m.action_dim = kActionDim;
  m.position_dim = kPositionDim;
  m.condition_names.assign(kConditionNames.begin(), kConditionNames.end());
  m.n_past = c.n_past;
  m.prior = c.learned_prior ? "learned" : "fixed";
  m.g_dim = c.g_dim;
  m.z_dim = c.z_dim;
  m.rnn_size = c.rnn_size;
  m.config_hash = fnv1a_hex(nlohmann::json(c).dump());
  m.torch_version = "test";
  m.model_config = c;
  return m;
}

void save(const torch::jit::Module& module, const fs::path& out,
          const std::optional<std::string>& metadata_json) {
  torch::jit::ExtraFilesMap extra;
  if (metadata_json) extra[kMetadataFile] = *metadata_json;
  torch::jit::Module m = module.clone();
  m.eval();
  for (auto p : m.parameters()) p.set_requires_grad(false);
  if (out.extension() == ".ptl") {
    m._save_for_mobile(out.string(), extra);
  } else {
    m.save(out.string(), extra);
  }
}

Exported& exported(TinyModelSpec spec) {
  static std::mutex mu;
  static std::map<std::pair<int, bool>, Exported> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto key = std::make_pair(spec.n_past, spec.learned_prior);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  at::manual_seed(1234 + spec.n_past * 10 + (spec.learned_prior ? 1 : 0));
  const SvgConfig c = config_for(spec);
  Exported e;
  e.model = std::make_unique<SvgModel>(SvgModel::create(c));
  e.model->train(false);
  e.meta = metadata_for(c);
  const fs::path dir = scratch_dir("tiny-model");
  e.ptl = dir / "tiny.ptl";
  e.pt = dir / "tiny.pt";
  const std::string json = nlohmann::json(e.meta).dump(2);
  save(e.model->module(), e.ptl, json);
  save(e.model->module(), e.pt, json);
  return cache.emplace(key, std::move(e)).first->second;
}

}  // namespace

fs::path tiny_model(const std::string& ext, TinyModelSpec spec) {
  Exported& e = exported(spec);
  return ext == ".pt" ? e.pt : e.ptl;
}

SvgModel& tiny_svg_model(TinyModelSpec spec) { return *exported(spec).model; }

ModelMetadata tiny_metadata(TinyModelSpec spec) { return exported(spec).meta; }

void write_model_with_metadata(const fs::path& out, const std::optional<std::string>& metadata_json) {
  save(tiny_svg_model().module(), out, metadata_json);
}

}  // namespace foresight::testing
