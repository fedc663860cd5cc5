#include "common/model/output_head.hpp"

#include <ATen/ATen.h>

#include <stdexcept>

#include "common/model/svg_model.hpp"  // model_script

namespace foresight {

DecoderHead parse_decoder_head(const std::string& name) {
  if (name == "plain") return DecoderHead::kPlain;
  if (name == "composite") return DecoderHead::kComposite;
  if (name == "flow") return DecoderHead::kFlow;
  throw std::invalid_argument("decoder head must be plain, composite or flow, not '" + name + "'");
}

std::string to_string(DecoderHead head) {
  switch (head) {
    case DecoderHead::kPlain:
      return "plain";
    case DecoderHead::kComposite:
      return "composite";
    case DecoderHead::kFlow:
      return "flow";
  }
  return "?";
}

int decoder_head_channels(DecoderHead head) {
  switch (head) {
    case DecoderHead::kPlain:
      return 3;
    case DecoderHead::kComposite:
      return 4;
    case DecoderHead::kFlow:
      return 7;
  }
  return 3;
}

torch::jit::Module build_output_head(DecoderHead head,
                                     const std::shared_ptr<torch::jit::CompilationUnit>& cu) {
  torch::jit::Module m("__torch__.foresight.OutputHead", cu, /*shouldMangle=*/true);
  m.register_attribute("training", c10::BoolType::get(), true);
  m.register_attribute("kind", c10::IntType::get(), static_cast<int64_t>(head));
  m.define(model_script("output_head"));
  return m;
}

void init_head_layer(DecoderHead head, at::Tensor weight, at::Tensor bias, int64_t out_axis) {
  if (head == DecoderHead::kPlain) return;
  at::NoGradGuard no_grad;
  bias[3].fill_(-3.0);
  if (head == DecoderHead::kFlow) {
    weight.narrow(out_axis, 4, 2).zero_();
    bias.narrow(0, 4, 2).zero_();
    bias[6].fill_(-3.0);
  }
}

}  // namespace foresight
