// The output head shared by both model families: what the decoder's last layer paints, and how
// it becomes the predicted frame from a base frame (docs/results.md has the ablation).
//   plain      sigmoid RGB, every pixel anew (the SVG reference's decoder, the pose seed's
//              generator);
//   composite  RGB and a mask: mask * RGB + (1 - mask) * base;
//   flow       per pixel, a softmax over three sources (as CDNA's masks, Finn et al. 2016): the
//              base as it is, painted RGB, and the base warped by a predicted flow field in
//              pixels (bilinear, border padding). The still background keeps the base exactly,
//              what moves is moved with its texture, what appears is painted.
//   action     flow, and over it kActionLayers layers of the base frame (masks from the decoder)
//              moved rigidly by fractions 1/L .. 1 of a displacement linear in the conditions
//              (SVG only): the robot's actions say where the arm goes, so the model need not
//              learn that through the frame predictor (as STP's action-driven transforms, Finn
//              et al. 2016). The action layers, with their own weights, are a separate module
//              (build_action_layer, action_layer.torchscript).
// Channel layout of the last layer: RGB 0..2, paint logit (composite: the mask) 3, flow x 4,
// flow y 5, warp logit 6, action layer mask logits 7..7+L-1; the keep logit is fixed at 0.
#pragma once
#include <torch/csrc/jit/api/module.h>

#include <memory>
#include <string>

#include "common/util/enum_names.hpp"

namespace foresight {

enum class DecoderHead { kPlain = 0, kComposite = 1, kFlow = 2, kAction = 3 };
template <>
struct EnumNames<DecoderHead> {
  static constexpr std::pair<DecoderHead, const char*> kNames[] = {
      {DecoderHead::kPlain, "plain"},
      {DecoderHead::kComposite, "composite"},
      {DecoderHead::kFlow, "flow"},
      {DecoderHead::kAction, "action"}};
};
FORESIGHT_JSON_ENUM(DecoderHead)

// Layers of the action head: at fractions 1/4, 1/2, 3/4 and 1 of the gripper's displacement.
constexpr int kActionLayers = 4;
// Pixels of displacement per unit of the action layers' weights (action_layer.torchscript).
constexpr double kActionGain = 32.0;

// "plain" | "composite" | "flow" | "action"; throws std::invalid_argument naming the value
// otherwise.
DecoderHead parse_decoder_head(const std::string& name);
std::string to_string(DecoderHead head);
// Output channels of the decoder's last layer: 3, 4, 7 or 7 + kActionLayers.
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

// The action layer (action_layer.torchscript) for `action`, a pass-through for every other head
// (no weights, so files written before it load): forward(frame, g, x_base, cond, cond_base, h, z)
// -> frame. Its displacement weights start at 0: an untrained layer does not move anything.
// latent_dim > 0 (`action` only) adds a displacement linear in h, the predicted encoding of that
// size (action_displacement_latent.torchscript); shift_dim > 0 one linear in z, the latent sample
// of that size, starting at a pixel per unit on its first two dimensions
// (action_displacement_shift.torchscript). At most one of them; 0 and 0 keep the conditions'
// alone, as before.
torch::jit::Module build_action_layer(DecoderHead head, int64_t cond_dim, int64_t latent_dim,
                                      int64_t shift_dim,
                                      const std::shared_ptr<torch::jit::CompilationUnit>& cu);

}  // namespace foresight
