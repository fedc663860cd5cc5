// The output head shared by both model families: what the decoder's last layer paints, and how
// it becomes the predicted frame from a base frame (docs/results.md has the ablation).
//   plain      sigmoid RGB, every pixel anew (the SVG reference's decoder, the pose seed's
//              generator);
//   composite  RGB and a mask: mask * RGB + (1 - mask) * base;
//   flow       per pixel, a softmax over three sources (as CDNA's masks, Finn et al. 2016): the
//              base as it is, painted RGB, and the base warped by a predicted flow field in
//              pixels (bilinear, border padding). The still background keeps the base exactly,
//              what moves is moved with its texture, what appears is painted.
// Channel layout of the last layer: RGB 0..2, paint logit (composite: the mask) 3, flow x 4,
// flow y 5, warp logit 6; the keep logit is fixed at 0.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <memory>
#include <string>

namespace foresight {

enum class DecoderHead { kPlain = 0, kComposite = 1, kFlow = 2 };

// "plain" | "composite" | "flow"; throws std::invalid_argument naming the value otherwise.
DecoderHead parse_decoder_head(const std::string& name);
std::string to_string(DecoderHead head);
// Output channels of the decoder's last layer: 3, 4 or 7.
int decoder_head_channels(DecoderHead head);

// The scripted head (output_head.torchscript): forward(g, x_base) -> frame in [0, 1], where g is
// the last layer's output (already through a sigmoid for plain) and x_base the frame it keeps or
// warps (the model decides which). Built in `cu`, the compilation unit of the model that owns it.
torch::jit::Module build_output_head(DecoderHead head,
                                     const std::shared_ptr<torch::jit::CompilationUnit>& cu);

// Makes an untrained head start from the base frame: the paint (and warp) logits' biases at -3
// (weight ~0.05 each) and the flow channels' weights and biases at 0 (identity warp). `out_axis` is
// the weight's output-channel axis (0 for a convolution, 1 for a transposed one). Does nothing for
// plain.
void init_head_layer(DecoderHead head, at::Tensor weight, at::Tensor bias, int64_t out_axis);

}  // namespace foresight
