// Images and tensors, the one conversion each way that every part uses: the trainer's reports,
// the edge's frames and views, `foresight sim`'s scoring. Images are CV_8UC3 in RGB order;
// tensors [3, H, W] float in [0, 1], the models' input and output.
#pragma once
#include <ATen/core/Tensor.h>

#include <opencv2/core.hpp>

namespace foresight {

// [3, H, W] float32 in [0, 1] (x / 255) of a CV_8UC3 RGB image. Throws std::invalid_argument for
// an empty image or another type.
at::Tensor rgb_to_tensor(const cv::Mat& rgb);

// A CV_8UC3 RGB image of a [3, H, W] (or [1, H, W], shown grey) floating tensor in [0, 1], on any
// device: values are clamped to [0, 1], NaN shows as 0, then x * 255 is rounded to nearest.
// Throws std::invalid_argument for another shape or a non-floating dtype.
cv::Mat tensor_to_rgb(const at::Tensor& chw);

}  // namespace foresight
