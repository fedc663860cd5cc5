#include "common/model/svg_model.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <memory>

#include "common/model/cpu_packing.hpp"

namespace foresight {
namespace {

using torch::jit::Module;

struct Builder {
  std::shared_ptr<torch::jit::CompilationUnit> cu = std::make_shared<torch::jit::CompilationUnit>();

  Module make(const std::string& type) { return make_script_module(cu, type); }

  // conv (k x k) in -> out, or its transpose; optional BatchNorm; activation.
  Module conv(int64_t in, int64_t out, int64_t k, int64_t padding, bool transposed, bool bn,
              Activation act) {
    Module m = make("ConvLayer");
    // Conv2d weights are [out, in, k, k]; ConvTranspose2d weights are [in, out, k, k].
    std::vector<int64_t> shape =
        transposed ? std::vector<int64_t>{in, out, k, k} : std::vector<int64_t>{out, in, k, k};
    int64_t fan_in =
        (transposed ? out : in) * k * k;  // as torch.nn's _calculate_fan_in_and_fan_out
    m.register_parameter("weight", at::normal(0.0, 0.02, shape), false);
    m.register_parameter("bias", uniform_init({out}, fan_in), false);
    if (bn) {
      m.register_parameter("bn_weight", at::normal(1.0, 0.02, {out}), false);
      m.register_parameter("bn_bias", at::zeros({out}), false);
      m.register_buffer("running_mean", at::zeros({out}));
      m.register_buffer("running_var", at::ones({out}));
    } else {
      for (const char* name : {"bn_weight", "bn_bias", "running_mean", "running_var"}) {
        m.register_buffer(name, at::empty({0}));
      }
    }
    m.register_attribute("transposed", c10::BoolType::get(), transposed);
    m.register_attribute("padding", c10::IntType::get(), padding);
    m.register_attribute("has_bn", c10::BoolType::get(), bn);
    m.register_attribute("activation", c10::IntType::get(), static_cast<int64_t>(act));
    register_conv_packing(m);
    m.define(model_script("activation"));
    m.define(model_script("conv_layer"));
    return m;
  }

  Module vgg(int64_t in, int64_t out) { return conv(in, out, 3, 1, false, true, kLeakyRelu); }

  Module encoder(const SvgConfig& c) {
    const int64_t w1 = c.channels_for(64), w2 = c.channels_for(128), w3 = c.channels_for(256),
                  w4 = c.channels_for(512);
    Module m = make("VggEncoder");
    m.register_module("c1_0", vgg(c.channels, w1));
    m.register_module("c1_1", vgg(w1, w1));
    m.register_module("c2_0", vgg(w1, w2));
    m.register_module("c2_1", vgg(w2, w2));
    m.register_module("c3_0", vgg(w2, w3));
    m.register_module("c3_1", vgg(w3, w3));
    m.register_module("c3_2", vgg(w3, w3));
    m.register_module("c4_0", vgg(w3, w4));
    m.register_module("c4_1", vgg(w4, w4));
    m.register_module("c4_2", vgg(w4, w4));
    m.register_module("c5", conv(w4, c.g_dim, 4, 0, false, true, kTanh));
    m.define(model_script("vgg_encoder"));
    return m;
  }

  Module decoder(const SvgConfig& c) {
    const int64_t w1 = c.channels_for(64), w2 = c.channels_for(128), w3 = c.channels_for(256),
                  w4 = c.channels_for(512);
    Module m = make("VggDecoder");
    m.register_module("upc1", conv(c.g_dim, w4, 4, 0, true, true, kLeakyRelu));
    m.register_module("upc2_0", vgg(w4 * 2, w4));
    m.register_module("upc2_1", vgg(w4, w4));
    m.register_module("upc2_2", vgg(w4, w3));
    m.register_module("upc3_0", vgg(w3 * 2, w3));
    m.register_module("upc3_1", vgg(w3, w3));
    m.register_module("upc3_2", vgg(w3, w2));
    m.register_module("upc4_0", vgg(w2 * 2, w2));
    m.register_module("upc4_1", vgg(w2, w1));
    m.register_module("upc5_0", vgg(w1 * 2, w1));
    const bool plain = c.decoder == DecoderHead::kPlain;
    Module out =
        conv(w1, decoder_head_channels(c.decoder), 3, 1, true, false, plain ? kSigmoid : kNone);
    init_head_layer(c.decoder, out.attr("weight").toTensor(), out.attr("bias").toTensor(),
                    /*out_axis=*/1);  // ConvTranspose2d weights are [in, out, k, k]
    m.register_module("upc5_1", out);
    m.define(model_script("vgg_decoder"));
    return m;
  }

  // Embed + stacked LSTM cells (linear, lstm_cells.torchscript); weights of all layers stacked
  // along dim 0.
  void lstm_core(Module& m, int64_t in, int64_t hidden, int64_t layers) {
    m.register_parameter("embed_weight", uniform_init({hidden, in}, in), false);
    m.register_parameter("embed_bias", uniform_init({hidden}, in), false);
    m.register_parameter("w_ih", uniform_init({layers, 4 * hidden, hidden}, hidden), false);
    m.register_parameter("w_hh", uniform_init({layers, 4 * hidden, hidden}, hidden), false);
    m.register_parameter("b_ih", uniform_init({layers, 4 * hidden}, hidden), false);
    m.register_parameter("b_hh", uniform_init({layers, 4 * hidden}, hidden), false);
    m.register_attribute("n_layers", c10::IntType::get(), layers);
    m.define(model_script("linear"));
    m.define(model_script("lstm_cells"));
  }

  Module lstm(int64_t in, int64_t out, int64_t hidden, int64_t layers) {
    Module m = make("LstmStack");
    lstm_core(m, in, hidden, layers);
    m.register_parameter("out_weight", uniform_init({out, hidden}, hidden), false);
    m.register_parameter("out_bias", uniform_init({out}, hidden), false);
    m.define(model_script("lstm_stack"));
    return m;
  }

  Module gaussian_lstm(int64_t in, int64_t out, int64_t hidden, int64_t layers,
                       const SvgConfig& c) {
    Module m = make("GaussianLstm");
    lstm_core(m, in, hidden, layers);
    m.register_parameter("mu_weight", uniform_init({out, hidden}, hidden), false);
    m.register_parameter("mu_bias", uniform_init({out}, hidden), false);
    m.register_parameter("logvar_weight", uniform_init({out, hidden}, hidden), false);
    m.register_parameter("logvar_bias", uniform_init({out}, hidden), false);
    m.register_attribute("logvar_min", c10::FloatType::get(), c.logvar_min);
    m.register_attribute("logvar_max", c10::FloatType::get(), c.logvar_max);
    m.define(model_script("gaussian_lstm"));
    return m;
  }
};

std::vector<c10::IValue> to_ivalues(std::initializer_list<c10::IValue> values) { return values; }

c10::List<at::Tensor> to_list(const std::vector<at::Tensor>& v) { return c10::List<at::Tensor>(v); }

std::vector<at::Tensor> to_vector(const c10::IValue& v) { return v.toTensorVector(); }

}  // namespace

torch::jit::Module build_svg_module(const SvgConfig& c) {
  c.validate();
  at::NoGradGuard no_grad;
  Builder b;
  Module m = b.make("Svg");
  m.register_module("enc", b.encoder(c));
  m.register_module("dec", b.decoder(c));
  m.register_module("head", build_output_head(c.decoder, b.cu));
  m.register_module("mover",
                    build_action_layer(c.decoder, c.cond_dim, c.latent_motion ? c.g_dim : 0,
                                       c.latent_shift ? c.z_dim : 0, b.cu));
  m.register_module(
      "pred", b.lstm(c.g_dim + c.z_dim + c.cond_dim, c.g_dim, c.rnn_size, c.predictor_layers));
  m.register_module("post", b.gaussian_lstm(c.g_dim, c.z_dim, c.rnn_size, c.posterior_layers, c));
  m.register_module("prior_net", b.gaussian_lstm(c.g_dim, c.z_dim, c.rnn_size, c.prior_layers, c));
  m.register_attribute("g_dim", c10::IntType::get(), c.g_dim);
  m.register_attribute("z_dim", c10::IntType::get(), c.z_dim);
  m.register_attribute("learned_prior", c10::BoolType::get(), c.learned_prior);
  m.register_attribute("last_frame_skip", c10::BoolType::get(), c.last_frame_skip);
  // Condition scaling as attributes, not buffers: they come from the config, not from training.
  const bool scaled = !c.cond_mean.empty();
  auto as_tensor = [&](const std::vector<double>& v, double fill) {
    return scaled ? at::tensor(v, at::kFloat) : at::full({c.cond_dim}, fill, at::kFloat);
  };
  m.register_attribute("cond_mean", c10::TensorType::get(), as_tensor(c.cond_mean, 0.0));
  m.register_attribute("cond_std", c10::TensorType::get(), as_tensor(c.cond_std, 1.0));

  m.define(model_script("svg"));
  for (auto p : m.parameters()) p.set_requires_grad(true);
  return m;
}

SvgModel::SvgModel(torch::jit::Module module, SvgConfig config)
    : module_(std::move(module)), config_(std::move(config)) {}

State SvgModel::init_state(int64_t batch) {
  return to_vector(module_.get_method("init_state")(to_ivalues({batch})));
}

std::pair<at::Tensor, std::vector<at::Tensor>> SvgModel::encode(const at::Tensor& x) {
  auto out = module_.get_method("encode")(to_ivalues({x})).toTuple();
  return {out->elements()[0].toTensor(), to_vector(out->elements()[1])};
}

at::Tensor SvgModel::decode(const at::Tensor& h, const std::vector<at::Tensor>& skips,
                            const at::Tensor& x_base, const at::Tensor& cond,
                            const at::Tensor& cond_base, const at::Tensor& z) {
  at::Tensor sample = z.defined() ? z : at::zeros({h.size(0), config_.z_dim}, h.options());
  return module_
      .get_method("decode")(to_ivalues({h, to_list(skips), x_base, cond, cond_base, sample}))
      .toTensor();
}

std::tuple<at::Tensor, at::Tensor, State> SvgModel::posterior(const at::Tensor& h_target,
                                                              const State& s) {
  auto out = module_.get_method("posterior")(to_ivalues({h_target, to_list(s)})).toTuple();
  return {out->elements()[0].toTensor(), out->elements()[1].toTensor(),
          to_vector(out->elements()[2])};
}

std::tuple<at::Tensor, at::Tensor, State> SvgModel::prior(const at::Tensor& h_prev,
                                                          const State& s) {
  auto out = module_.get_method("prior")(to_ivalues({h_prev, to_list(s)})).toTuple();
  return {out->elements()[0].toTensor(), out->elements()[1].toTensor(),
          to_vector(out->elements()[2])};
}

at::Tensor SvgModel::sample(const at::Tensor& mu, const at::Tensor& logvar,
                            const at::Tensor& noise) {
  return module_.get_method("sample")(to_ivalues({mu, logvar, noise})).toTensor();
}

std::pair<at::Tensor, State> SvgModel::predict_step(const at::Tensor& h_prev, const at::Tensor& z,
                                                    const at::Tensor& cond, const State& s) {
  auto out =
      module_.get_method("predict_step")(to_ivalues({h_prev, z, cond, to_list(s)})).toTuple();
  return {out->elements()[0].toTensor(), to_vector(out->elements()[1])};
}

std::pair<at::Tensor, State> SvgModel::step(const at::Tensor& x_obs, const at::Tensor& cond_prev,
                                            const at::Tensor& conds, const State& s, bool first,
                                            const at::Tensor& noise) {
  auto out =
      module_.get_method("step")(to_ivalues({x_obs, cond_prev, conds, to_list(s), first, noise}))
          .toTuple();
  return {out->elements()[0].toTensor(), to_vector(out->elements()[1])};
}

std::vector<at::Tensor> SvgModel::parameters() const {
  std::vector<at::Tensor> params;
  for (const auto& p : module_.parameters()) params.push_back(p);
  return params;
}

}  // namespace foresight
