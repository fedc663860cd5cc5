#include "tiny_model.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/model/model_file.hpp"
#include "common/model/pose_model.hpp"
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
  e.meta = svg_model_metadata(c);
  const fs::path dir = scratch_dir("tiny-model");
  e.ptl = dir / "tiny.ptl";
  e.pt = dir / "tiny.pt";
  export_model_file(e.model->module(), e.meta, e.ptl);
  export_model_file(e.model->module(), e.meta, e.pt);
  return cache.emplace(key, std::move(e)).first->second;
}

}  // namespace

fs::path tiny_model(const std::string& ext, TinyModelSpec spec) {
  Exported& e = exported(spec);
  return ext == ".pt" ? e.pt : e.ptl;
}

SvgModel& tiny_svg_model(TinyModelSpec spec) { return *exported(spec).model; }

ModelMetadata tiny_metadata(TinyModelSpec spec) { return exported(spec).meta; }

namespace {

struct ExportedPose {
  std::unique_ptr<PoseModel> model;
  fs::path ptl, pt;
};

ExportedPose& exported_pose() {
  static std::mutex mu;
  static std::unique_ptr<ExportedPose> e;
  std::lock_guard<std::mutex> lock(mu);
  if (e) return *e;
  at::manual_seed(4321);
  PoseConfig c;
  c.f_dim = 8;
  c.l_dim = 4;
  c.n_dim = 2;
  c.d_out = 8;
  c.previous_pose = true;  // the session passes the previous pose (test_pose_session)
  e = std::make_unique<ExportedPose>();
  e->model = std::make_unique<PoseModel>(PoseModel::create(c));
  e->model->train(false);
  const fs::path dir = scratch_dir("tiny-pose-model");
  e->ptl = dir / "pose.ptl";
  e->pt = dir / "pose.pt";
  export_model_file(e->model->module(), pose_model_metadata(c), e->ptl);
  export_model_file(e->model->module(), pose_model_metadata(c), e->pt);
  return *e;
}

}  // namespace

fs::path tiny_pose_model(const std::string& ext) {
  return ext == ".pt" ? exported_pose().pt : exported_pose().ptl;
}

PoseModel& tiny_pose_module() { return *exported_pose().model; }

void write_model_with_metadata(const fs::path& out,
                               const std::optional<std::string>& metadata_json) {
  save_model_file(tiny_svg_model().module(), metadata_json, out);
}

}  // namespace foresight::testing
