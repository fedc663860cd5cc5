#include "common/model/pose_model.hpp"

#include <ATen/ATen.h>

#include <memory>

#include "common/model/cpu_packing.hpp"
#include "common/model/script_module.hpp"

namespace foresight {
namespace {

using torch::jit::Module;

struct PoseBuilder {
  std::shared_ptr<torch::jit::CompilationUnit> cu = std::make_shared<torch::jit::CompilationUnit>();

  Module make(const std::string& type) { return make_script_module(cu, type); }

  // k x k conv in -> out; groups == in == out makes it depthwise.
  Module conv(int64_t in, int64_t out, int64_t k, Activation act, int64_t groups = 1) {
    Module m = make("PoseConv");
    const int64_t fan_in = in / groups * k * k;
    m.register_parameter("weight", uniform_init({out, in / groups, k, k}, fan_in), false);
    m.register_parameter("bias", uniform_init({out}, fan_in), false);
    m.register_attribute("padding", c10::IntType::get(), k / 2);
    m.register_attribute("groups", c10::IntType::get(), groups);
    m.register_attribute("activation", c10::IntType::get(), static_cast<int64_t>(act));
    register_conv_packing(m, "pose_conv_packing");
    m.define(model_script("activation"));
    m.define(model_script("pose_conv"));
    return m;
  }

  // Residual block in -> out, then a depthwise-separable residual block (pose_stage.torchscript).
  Module stage(int64_t in, int64_t out) {
    Module m = make("PoseStage");
    m.register_module("skip", conv(in, out, 1, kNone));
    m.register_module("c1", conv(in, out, 3, kLeakyRelu));
    m.register_module("c2", conv(out, out, 3, kNone));
    m.register_module("dw", conv(out, out, 3, kNone, out));
    m.register_module("pw", conv(out, out, 1, kLeakyRelu));
    m.define(model_script("pose_stage"));
    return m;
  }

  // The reference-frame anchor (pose_reference.torchscript), the static background
  // (pose_static_background.torchscript, no weights; with reference_warp the first frame warped
  // near the dancer, pose_reference_warp.torchscript), or the no-op without parameters, so that
  // models without them keep the weights of those written before them.
  Module anchor(const PoseConfig& c, int64_t gen_dim) {
    if (c.static_background > 0) {
      Module m = make(c.reference_warp ? "PoseReferenceWarp" : "PoseStaticBackground");
      m.register_attribute("radius", c10::IntType::get(), int64_t{c.static_background});
      // A pose image's drawn pixels: anything brighter than a tenth (PNG noise stays under it).
      m.register_attribute("threshold", c10::FloatType::get(), 0.1);
      m.define(model_script("pose_near_dancer"));
      if (!c.reference_warp) {
        m.define(model_script("pose_static_background"));
        return m;
      }
      // Flow 0 and the gate at sigmoid(-2) = 0.12, independent of the features: at
      // initialisation the prediction is mostly the output head's, and the warped first frame
      // still gets a gradient.
      Module head = conv(gen_dim, 3, 1, kNone);
      head.attr("weight").toTensor().zero_();
      head.attr("bias").toTensor().copy_(at::tensor({0.0F, 0.0F, -2.0F}));
      m.register_module("ref_head", head);
      m.define(model_script("warp"));
      m.define(model_script("pose_reference_warp"));
      return m;
    }
    const bool active = c.reference_frame;
    Module m = make(active ? "PoseReference" : "PoseNoReference");
    if (active) {
      // The gate starts nearly shut (sigmoid(-6) = 0.0025) and independent of the features: at
      // initialisation the prediction is the output head's.
      Module gate = conv(gen_dim, 1, 1, kNone);
      gate.attr("weight").toTensor().zero_();
      gate.attr("bias").toTensor().fill_(-6.0);
      m.register_module("gate", gate);
    }
    m.define(model_script(active ? "pose_reference" : "pose_no_reference"));
    return m;
  }
};

std::vector<c10::IValue> args(std::initializer_list<c10::IValue> values) { return values; }

}  // namespace

torch::jit::Module build_pose_module(const PoseConfig& c) {
  c.validate();
  at::NoGradGuard no_grad;
  PoseBuilder b;
  Module m = b.make("PoseCvae");
  m.register_module("frame_enc", b.stage(3, c.f_dim));
  m.register_module("label_enc", b.stage(c.previous_pose ? 6 : 3, c.l_dim));
  m.register_module("gauss", b.stage(c.f_dim + c.l_dim, c.f_dim));
  m.register_module("gauss_head", b.conv(c.f_dim, 2 * c.n_dim, 1, kNone));
  // The fusion stage also sees the reference frame, and with reference_warp its pose image.
  const int64_t ref_channels = c.reference_frame ? 3 : (c.reference_warp ? 6 : 0);
  m.register_module("fusion", b.stage(c.f_dim + c.l_dim + c.n_dim + ref_channels, c.d_out));
  const int64_t gen_dim = c.d_out / 2 > 0 ? c.d_out / 2 : 1;
  m.register_module("gen", b.stage(c.d_out, gen_dim));
  // The output head (output_head.hpp) starts from copy-last unless it is plain.
  const bool plain = c.decoder == DecoderHead::kPlain;
  Module gen_out = b.conv(gen_dim, decoder_head_channels(c.decoder), 1, plain ? kSigmoid : kNone);
  init_head_layer(c.decoder, gen_out.attr("weight").toTensor(), gen_out.attr("bias").toTensor(),
                  /*out_axis=*/0);
  m.register_module("gen_out", gen_out);
  m.register_module("head", build_output_head(c.decoder, b.cu));
  m.register_module("anchor", b.anchor(c, gen_dim));
  m.register_attribute("height", c10::IntType::get(), c.height);
  m.register_attribute("width", c10::IntType::get(), c.width);
  m.register_attribute("z_channels", c10::IntType::get(), c.n_dim);
  m.register_attribute("logvar_min", c10::FloatType::get(), c.logvar_min);
  m.register_attribute("logvar_max", c10::FloatType::get(), c.logvar_max);
  m.register_attribute("previous_pose", c10::BoolType::get(), c.previous_pose);
  m.define(model_script("pose"));
  for (auto p : m.parameters()) p.set_requires_grad(true);
  return m;
}

PoseModel::PoseModel(torch::jit::Module module, PoseConfig config)
    : module_(std::move(module)), config_(config) {}

at::Tensor PoseModel::encode(const at::Tensor& x) {
  return module_.get_method("encode")(args({x})).toTensor();
}

at::Tensor PoseModel::label_encode(const at::Tensor& label_prev, const at::Tensor& label) {
  return module_.get_method("label_encode")(args({label_prev, label})).toTensor();
}

std::pair<at::Tensor, at::Tensor> PoseModel::posterior(const at::Tensor& h_frame,
                                                       const at::Tensor& h_label) {
  auto out = module_.get_method("posterior")(args({h_frame, h_label})).toTuple();
  return {out->elements()[0].toTensor(), out->elements()[1].toTensor()};
}

at::Tensor PoseModel::reference(const at::Tensor& frame, const at::Tensor& label) {
  return module_.get_method("reference")(args({frame, label})).toTensor();
}

at::Tensor PoseModel::decode(const at::Tensor& x_prev, const at::Tensor& h_prev,
                             const at::Tensor& h_label, const at::Tensor& z, const at::Tensor& ref,
                             const at::Tensor& label) {
  const at::Tensor l = label.defined() ? label : at::zeros_like(x_prev);
  const at::Tensor r = ref.defined() ? ref : reference(x_prev, l);
  return module_.get_method("decode")(args({x_prev, h_prev, h_label, z, r, l})).toTensor();
}

namespace {

std::tuple<at::Tensor, at::Tensor, at::Tensor> tensor_triple(const c10::IValue& value) {
  auto out = value.toTuple();
  return {out->elements()[0].toTensor(), out->elements()[1].toTensor(),
          out->elements()[2].toTensor()};
}

}  // namespace

std::tuple<at::Tensor, at::Tensor, at::Tensor> PoseModel::forward(
    const at::Tensor& x_prev, const at::Tensor& x_next, const at::Tensor& label_prev,
    const at::Tensor& label_next, const at::Tensor& noise, const at::Tensor& ref) {
  return tensor_triple(
      module_.get_method("forward")(args({x_prev, x_next, label_prev, label_next, noise,
                                          ref.defined() ? ref : reference(x_prev, label_prev)})));
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> PoseModel::forward_features(
    const at::Tensor& x_prev, const at::Tensor& h_prev, const at::Tensor& h_next,
    const at::Tensor& label_prev, const at::Tensor& label_next, const at::Tensor& noise,
    const at::Tensor& ref) {
  return tensor_triple(module_.get_method("forward_features")(
      args({x_prev, h_prev, h_next, label_prev, label_next, noise,
            ref.defined() ? ref : reference(x_prev, label_prev)})));
}

std::vector<at::Tensor> PoseModel::init_state(int64_t batch) {
  return module_.get_method("init_state")(args({batch})).toTensorVector();
}

std::pair<at::Tensor, std::vector<at::Tensor>> PoseModel::step(
    const at::Tensor& x_obs, const at::Tensor& cond_prev, const at::Tensor& conds,
    const std::vector<at::Tensor>& state, bool first, const at::Tensor& noise) {
  auto out = module_
                 .get_method("step")(
                     args({x_obs, cond_prev, conds, c10::List<at::Tensor>(state), first, noise}))
                 .toTuple();
  return {out->elements()[0].toTensor(), out->elements()[1].toTensorVector()};
}

std::vector<at::Tensor> PoseModel::parameters() const {
  std::vector<at::Tensor> params;
  for (const auto& p : module_.parameters()) params.push_back(p);
  return params;
}

}  // namespace foresight
