#include "common/model/output_head.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

#include "common/model/script_module.hpp"

namespace foresight {

DecoderHead parse_decoder_head(const std::string& name) {
  return parse_enum<DecoderHead>(name, "decoder head");
}

std::string to_string(DecoderHead head) { return name_of(head); }

int decoder_head_channels(DecoderHead head) {
  switch (head) {
    case DecoderHead::kPlain:
      return 3;
    case DecoderHead::kComposite:
      return 4;
    case DecoderHead::kFlow:
      return 7;
    case DecoderHead::kAction:
      return 7 + kActionLayers;
  }
  return 3;
}

torch::jit::Module build_output_head(DecoderHead head,
                                     const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module m = make_script_module(cu, "OutputHead");
  // The action head's frame under its layer is the flow head's.
  const DecoderHead kind = head == DecoderHead::kAction ? DecoderHead::kFlow : head;
  m.register_attribute("kind", c10::IntType::get(), static_cast<int64_t>(kind));
  m.define(model_script("warp"));
  m.define(model_script("output_head"));
  return m;
}

void init_head_layer(DecoderHead head, at::Tensor weight, at::Tensor bias, int64_t out_axis) {
  if (head == DecoderHead::kPlain) return;
  at::NoGradGuard no_grad;
  bias[3].fill_(-3.0);
  if (head == DecoderHead::kFlow || head == DecoderHead::kAction) {
    weight.narrow(out_axis, 4, 2).zero_();
    bias.narrow(0, 4, 2).zero_();
    bias[6].fill_(-3.0);
  }
  // Layers half opaque: while they do not move (displacement 0) they are the base frame, like
  // what they cover, so the start is still copy-last, and the displacement's gradient is strong.
  if (head == DecoderHead::kAction) bias.narrow(0, 7, kActionLayers).fill_(0.0);
}

torch::jit::Module build_action_layer(DecoderHead head, int64_t cond_dim, int64_t latent_dim,
                                      int64_t shift_dim,
                                      const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  const bool active = head == DecoderHead::kAction;
  if (latent_dim < 0 || shift_dim < 0 || ((latent_dim > 0 || shift_dim > 0) && !active)) {
    throw std::invalid_argument("a latent displacement needs the action head");
  }
  if (latent_dim > 0 && shift_dim > 0) {
    throw std::invalid_argument("the displacement reads the encoding or the sample, not both");
  }
  // Distinct class names: the compilation unit holds one class per name and method set.
  const char* name = !active          ? "NoActionLayer"
                     : latent_dim > 0 ? "LatentActionLayer"
                     : shift_dim > 0  ? "ShiftActionLayer"
                                      : "ActionLayer";
  torch::jit::Module m = make_script_module(cu, name);
  if (!active) {
    m.define(model_script("no_action_layer"));
    return m;
  }
  m.register_parameter("weight", at::zeros({2, 2 * cond_dim}), false);
  m.register_parameter("bias", at::zeros({2}), false);
  if (latent_dim > 0) m.register_parameter("latent_weight", at::zeros({2, latent_dim}), false);
  if (shift_dim > 0) {
    at::Tensor w = at::zeros({2, shift_dim});
    // A pixel per unit of z's first two dimensions (one where z_dim is 1): with weights at 0 the
    // posterior's mean would get no gradient, and the term would never start.
    for (int64_t i = 0; i < std::min<int64_t>(2, shift_dim); ++i) w[i][i] = 1.0 / kActionGain;
    m.register_parameter("latent_weight", w, false);
  }
  m.register_attribute("n_layers", c10::IntType::get(), int64_t{kActionLayers});
  m.register_attribute("gain", c10::FloatType::get(), kActionGain);
  const char* displacement = latent_dim > 0  ? "action_displacement_latent"
                             : shift_dim > 0 ? "action_displacement_shift"
                                             : "action_displacement";
  m.define(model_script("action_layer") + model_script(displacement));
  return m;
}

}  // namespace foresight
