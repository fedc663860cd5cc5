// The output head shared by both model families: what the decoder's last layer paints, and how
// it becomes the predicted frame (docs/results.md has the ablation).
//   plain      sigmoid RGB, every pixel anew (the SVG reference's decoder, the pose seed's
//              generator);
//   composite  RGB and a mask: mask * RGB + (1 - mask) * previous frame;
//   flow       RGB, a mask and a 2-D flow field in pixels: the previous frame warped by the flow
//              (bilinear, border padding), then composited as above. It moves what moves and
//              keeps what does not, texture included.
// Channel layout of the last layer: RGB 0..2, mask 3, flow x 4, flow y 5.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <memory>
#include <string>

namespace foresight {

enum class DecoderHead { kPlain = 0, kComposite = 1, kFlow = 2 };

// "plain" | "composite" | "flow"; throws std::invalid_argument naming the value otherwise.
DecoderHead parse_decoder_head(const std::string& name);
std::string to_string(DecoderHead head);
// Output channels of the decoder's last layer: 3, 4 or 6.
int decoder_head_channels(DecoderHead head);

// The scripted head (output_head.torchscript): forward(g, x_prev) -> frame in [0, 1], where g is
// the last layer's output (already through a sigmoid for plain) and x_prev the frame before the
// predicted one. Built in `cu`, the compilation unit of the model that owns it.
torch::jit::Module build_output_head(DecoderHead head,
                                     const std::shared_ptr<torch::jit::CompilationUnit>& cu);

// Makes an untrained head start from copy-last: the mask's bias at -3 (mask ~0.05) and the flow
// channels' weights and biases at 0 (identity warp). `out_axis` is the weight's output-channel
// axis (0 for a convolution, 1 for a transposed one). Does nothing for plain.
void init_head_layer(DecoderHead head, at::Tensor weight, at::Tensor bias, int64_t out_axis);

}  // namespace foresight
