#include "trainer/checkpoint/checkpoint.hpp"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include "common/util/atomic_file.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {
constexpr const char* kFormat = "foresight-checkpoint-1";

at::Tensor bytes_to_tensor(const std::string& bytes) {
  auto t = at::empty({static_cast<int64_t>(bytes.size())}, at::kByte);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

std::string tensor_to_bytes(const at::Tensor& t) {
  auto c = t.contiguous().to(at::kCPU);
  return std::string(static_cast<const char*>(c.data_ptr()), c.numel());
}

void write_checkpoint(const fs::path& path, const Checkpoint& ckpt, torch::jit::Module& module,
                      ModelFamily family, const std::string& model_config_json) {
  c10::Dict<std::string, at::Tensor> weights;
  for (const auto& p : module.named_parameters()) weights.insert(p.name, p.value.detach().cpu());
  for (const auto& b : module.named_buffers()) weights.insert(b.name, b.value.detach().cpu());
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormat));
  dict.insert("family", name_of(family));
  dict.insert("config", nlohmann::json(ckpt.config).dump());
  dict.insert("model_config", model_config_json);
  dict.insert("weights", weights);
  dict.insert("epoch", static_cast<int64_t>(ckpt.epoch));
  dict.insert("iteration", ckpt.iteration);
  dict.insert("val_psnr", ckpt.val_psnr);
  dict.insert("best_val_psnr", ckpt.best_val_psnr);
  dict.insert("optimizer", bytes_to_tensor(ckpt.optimizer_state));
  dict.insert("rng", ckpt.rng_state.defined() ? ckpt.rng_state : at::empty({0}, at::kByte));
  if (!ckpt.training_weights.empty()) {
    c10::List<at::Tensor> live;
    for (const at::Tensor& t : ckpt.training_weights) live.push_back(t.detach().cpu());
    dict.insert("training_weights", live);
  }
  std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

// A parsed checkpoint file: its fields, and the dictionary for the weights.
class CheckpointFile {
 public:
  explicit CheckpointFile(const fs::path& path)
      : path_(path), dict_(c10::StringType::get(), c10::AnyType::get()) {
    std::string bytes;
    try {
      bytes = read_file(path);
    } catch (const std::exception&) {
      throw fail("cannot read checkpoint");
    }
    try {
      dict_ = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end())).toGenericDict();
    } catch (const std::exception&) {
      throw fail("not a readable checkpoint (truncated or corrupt?)");
    }
    if (!get("format").isString() || get("format").toStringRef() != kFormat) {
      throw fail("unknown checkpoint format (expected " + std::string(kFormat) + ")");
    }
    auto family = dict_.find("family");
    try {
      ckpt.family = family == dict_.end()
                        ? ModelFamily::kSvg
                        : parse_enum<ModelFamily>(family->value().toStringRef(), "field 'family'");
    } catch (const std::invalid_argument& e) {
      throw fail(e.what());
    }
    try {
      ckpt.config = nlohmann::json::parse(get("config").toStringRef()).get<TrainConfig>();
      const auto model_config = nlohmann::json::parse(get("model_config").toStringRef());
      if (ckpt.family == ModelFamily::kSvg) ckpt.model_config = model_config.get<SvgConfig>();
      if (ckpt.family == ModelFamily::kPose) ckpt.pose_config = model_config.get<PoseConfig>();
      ckpt.epoch = static_cast<int>(get("epoch").toInt());
      ckpt.iteration = get("iteration").toInt();
      ckpt.val_psnr = get("val_psnr").toDouble();
      ckpt.best_val_psnr = get("best_val_psnr").toDouble();
      ckpt.optimizer_state = tensor_to_bytes(get("optimizer").toTensor());
      ckpt.rng_state = get("rng").toTensor();
      if (auto live = dict_.find("training_weights"); live != dict_.end()) {
        for (const c10::IValue& t : live->value().toListRef()) {
          ckpt.training_weights.push_back(t.toTensor());
        }
      }
    } catch (const CheckpointError&) {
      throw;
    } catch (const std::exception& e) {
      throw fail(std::string("malformed field: ") + e.what());
    }
  }

  CheckpointError fail(const std::string& what) const {
    return CheckpointError(path_.string() + ": " + what);
  }

  void require_family(ModelFamily family) const {
    if (ckpt.family != family) {
      throw fail("is a " + name_of(ckpt.family) + " checkpoint, not " + name_of(family) +
                 " (foresight picks the family from the file; this caller needs " +
                 name_of(family) + ")");
    }
  }

  void load_weights(torch::jit::Module& module) const {
    auto weights_iv = get("weights");
    if (!weights_iv.isGenericDict()) throw fail("field 'weights' is not a dictionary");
    auto weights = weights_iv.toGenericDict();
    at::NoGradGuard no_grad;
    auto load = [&](const std::string& name, at::Tensor target) {
      auto it = weights.find(name);
      if (it == weights.end()) throw fail("missing weight '" + name + "'");
      at::Tensor value = it->value().toTensor();
      if (value.sizes() != target.sizes()) {
        throw fail("weight '" + name + "' has shape " + c10::str(value.sizes()) +
                   ", the model expects " + c10::str(target.sizes()));
      }
      target.copy_(value);
    };
    for (const auto& p : module.named_parameters()) load(p.name, p.value);
    for (const auto& b : module.named_buffers()) load(b.name, b.value);
  }

  template <typename Build>
  auto build_model(Build build) const {
    try {
      return build();
    } catch (const std::exception& e) {
      throw fail(std::string("bad model config: ") + e.what());
    }
  }

  Checkpoint ckpt;

 private:
  c10::IValue get(const std::string& key) const {
    auto it = dict_.find(key);
    if (it == dict_.end()) throw fail("missing field '" + key + "'");
    return it->value();
  }

  fs::path path_;
  c10::impl::GenericDict dict_;
};

}  // namespace

void save_checkpoint(const fs::path& path, const Checkpoint& ckpt, SvgModel& model) {
  write_checkpoint(path, ckpt, model.module(), ModelFamily::kSvg,
                   nlohmann::json(model.config()).dump());
}

void save_checkpoint(const fs::path& path, const Checkpoint& ckpt, PoseModel& model) {
  write_checkpoint(path, ckpt, model.module(), ModelFamily::kPose,
                   nlohmann::json(model.config()).dump());
}

std::pair<Checkpoint, SvgModel> load_checkpoint(const fs::path& path) {
  CheckpointFile file(path);
  file.require_family(ModelFamily::kSvg);
  SvgModel model = file.build_model([&] { return SvgModel::create(file.ckpt.model_config); });
  file.load_weights(model.module());
  return {std::move(file.ckpt), std::move(model)};
}

std::pair<Checkpoint, PoseModel> load_pose_checkpoint(const fs::path& path) {
  CheckpointFile file(path);
  file.require_family(ModelFamily::kPose);
  PoseModel model = file.build_model([&] { return PoseModel::create(file.ckpt.pose_config); });
  file.load_weights(model.module());
  return {std::move(file.ckpt), std::move(model)};
}

ModelFamily checkpoint_family(const fs::path& path) { return CheckpointFile(path).ckpt.family; }

fs::path resolve_checkpoint(const fs::path& p) {
  if (!fs::is_directory(p)) {
    if (!fs::exists(p)) throw CheckpointError(p.string() + ": no such checkpoint or run directory");
    return p;
  }
  for (const char* name : {kBestCheckpoint, kLastCheckpoint}) {
    if (fs::exists(p / name)) return p / name;
  }
  throw CheckpointError(p.string() + ": run directory holds no " + kBestCheckpoint + " or " +
                        kLastCheckpoint);
}

}  // namespace foresight
