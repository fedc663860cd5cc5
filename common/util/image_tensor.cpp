#include "common/util/image_tensor.hpp"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace foresight {
namespace {

std::string shape_of(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

}  // namespace

at::Tensor rgb_to_tensor(const cv::Mat& rgb) {
  if (rgb.empty() || rgb.type() != CV_8UC3) {
    throw std::invalid_argument("rgb_to_tensor: want a non-empty CV_8UC3 image");
  }
  const cv::Mat c = rgb.isContinuous() ? rgb : rgb.clone();
  return at::from_blob(c.data, {c.rows, c.cols, 3}, at::kByte)
      .permute({2, 0, 1})
      .to(at::kFloat)  // a copy: the result does not share the image's memory
      .div_(255.0)
      .contiguous();
}

cv::Mat tensor_to_rgb(const at::Tensor& chw) {
  if (chw.dim() != 3 || (chw.size(0) != 3 && chw.size(0) != 1) || !chw.is_floating_point()) {
    throw std::invalid_argument(
        "tensor_to_rgb: expected a floating [3,H,W] or [1,H,W] tensor, got " + shape_of(chw));
  }
  at::Tensor t = chw.detach().to(at::kCPU, at::kFloat);
  t = at::nan_to_num(t, 0.0, 1.0, 0.0).clamp(0.0, 1.0).mul(255.0).round().to(at::kByte);
  if (t.size(0) == 1) t = t.expand({3, t.size(1), t.size(2)});
  t = t.permute({1, 2, 0}).contiguous();
  return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_8UC3,
                 t.data_ptr<uint8_t>())
      .clone();
}

}  // namespace foresight
