// Draws the pushing world as seen from a camera straight above the bin: a textured, lit table, soft
// shadows, shaded objects, and the arm reaching in from the top with its gripper (drawn larger and
// casting a farther shadow when raised). Renders at 4x and area-downsamples, for anti-aliasing.
#pragma once
#include <array>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "common/world/world_state.hpp"

namespace foresight {

class PushingRenderer {
 public:
  // Draws the sequence's look (table, light, arm colour) from `seed`; image_size > 0.
  PushingRenderer(uint64_t seed, int image_size);

  // The scene as an image_size x image_size CV_8UC3 image, RGB order.
  cv::Mat render(const std::vector<PushObject>& objects, const Gripper& gripper) const;

  // Where a world point (metres) lands in the output image, in pixels (x right, y down).
  cv::Point2d to_pixel(Vec2 p) const;

 private:
  using Rgb = std::array<double, 3>;
  struct ArmPose {
    Vec2 base, elbow, wrist;
    double scale;  // perspective size factor of the raised gripper
  };

  void make_table(uint64_t seed);
  double light_at(Vec2 p) const;  // brightness of the light on the table at p
  ArmPose arm_pose(const Gripper& g) const;

  // Drawing in world coordinates on an image covering the view at any resolution.
  cv::Point fixed(const cv::Mat& img, Vec2 p) const;
  void fill_polygon(cv::Mat& img, const std::vector<Vec2>& pts, const cv::Scalar& c) const;
  void fill_circle(cv::Mat& img, Vec2 centre, double radius, const cv::Scalar& c) const;
  void fill_capsule(cv::Mat& img, Vec2 a, Vec2 b, double width, const cv::Scalar& c) const;
  void fill_box(cv::Mat& img, Vec2 centre, Vec2 u, double half_u, double half_v,
                const cv::Scalar& c) const;

  void draw_object_footprint(cv::Mat& img, const PushObject& o, Vec2 offset, double scale,
                             const cv::Scalar& c) const;
  void draw_object(cv::Mat& img, const PushObject& o) const;
  void draw_arm(cv::Mat& img, const ArmPose& arm, Vec2 offset, bool silhouette,
                const cv::Scalar& silhouette_colour) const;
  void draw_gripper(cv::Mat& img, const ArmPose& arm, double opening, Vec2 offset, bool silhouette,
                    const cv::Scalar& silhouette_colour) const;
  void darken(cv::Mat& img, cv::Mat& mask) const;

  int size_, n_;   // output and internal image size
  cv::Mat table_;  // internal-resolution background, RGB
  Vec2 spot_;      // light centre on the table
  double spot_sigma_, ambient_, spot_gain_;
  Vec2 shadow_dir_;                  // unit direction shadows fall in
  double shadow_length_;             // shadow offset per metre of height
  std::vector<uint8_t> shadow_lut_;  // see the constructor
  Vec2 arm_base_;
  double elbow_side_;  // +1 / -1: which way the elbow bends
  Rgb arm_colour_, gripper_colour_, finger_colour_;
};

}  // namespace foresight
