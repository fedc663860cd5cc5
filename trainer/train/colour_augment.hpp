// Colour augmentation for the pose family: each training clip's RGB channels in one of their six
// orders, the same order for every frame of the clip. The pose images are not touched (their
// colours name the limbs). Why: with 16 training dancers the generator learns their colours and
// paints them over a dancer it never saw (docs/results.md); a clip whose colours can be any
// permutation leaves the previous frame as the only place to take the dancer's colours from.
#pragma once
#include <ATen/ATen.h>

namespace foresight {

// clips [T, B, 3, H, W] -> the same with each clip's channels permuted; the permutation is drawn
// per clip from `gen` (uniform over the six), so a resumed run draws the same ones.
at::Tensor permute_colours(const at::Tensor& clips, at::Generator& gen);

}  // namespace foresight
