// The synthetic dance world for the pose-conditioned model: a 2D articulated character (10 bones:
// torso, head, upper and lower arms and legs) dancing a sequence of moves to a per-clip tempo, seen
// from the front against a wall and floor. Each frame comes with its label image: the skeleton
// drawn with one colour per bone on black (the "pose image" the model is conditioned on).
// Hidden per clip: clothing, skin and hair colours, body size and limb thickness, background,
// tempo and the order of moves. Deterministic: the same seed gives the same images byte for byte.
#pragma once
#include <array>
#include <cstdint>
#include <opencv2/core.hpp>

namespace foresight {

constexpr int kDanceHeight = 32;  // frame and label size (H x W), as in the pose seed report
constexpr int kDanceWidth = 64;
constexpr int kDanceBones = 10;

// Joint positions in output pixels (x right, y down).
struct DancePose {
  enum Joint {
    kPelvis,
    kNeck,
    kHead,
    kShoulder,
    kElbowL,
    kWristL,
    kElbowR,
    kWristR,
    kKneeL,
    kAnkleL,
    kKneeR,
    kAnkleR,
    kJointCount
  };
  std::array<cv::Point2d, kJointCount> joints;
};

// The hidden appearance of one clip (exposed for tests and for curiosity).
struct DanceLook {
  cv::Vec3d shirt, trousers, skin, hair, wall_top, wall_bottom, floor;  // RGB in [0, 255]
  double size = 1.0;                                                    // body scale
  double thickness = 1.0;                                               // limb thickness scale
  double period = 24.0;                                                 // frames per beat cycle
};

class DanceWorld {
 public:
  // Samples a dancer and a scene from `seed`; frames are height x width (both >= 8, else
  // std::invalid_argument).
  explicit DanceWorld(uint64_t seed, int height = kDanceHeight, int width = kDanceWidth);

  // The rendered frame: CV_8UC3, RGB order (filled shaded limbs and clothes on the background).
  cv::Mat render_frame() const;
  // The pose image: the skeleton with one fixed colour per bone on black, CV_8UC3 RGB.
  cv::Mat render_label() const;
  // Advances the dance by one frame.
  void step();

  const DancePose& pose() const { return pose_; }
  const DanceLook& look() const { return look_; }
  int frame_index() const { return frame_; }

 private:
  void update_pose();

  int height_, width_;
  uint64_t seed_;
  DanceLook look_;
  double sway_, sway_phase_, amplitude_;
  int move_frames_;  // frames per dance move
  DancePose pose_;
  int frame_ = 0;
};

// The bones as (from, to) joints, in drawing order (back limbs first), and their label colours.
struct DanceBone {
  DancePose::Joint from, to;
  cv::Vec3b label_rgb;
};
const std::array<DanceBone, kDanceBones>& dance_bones();

}  // namespace foresight
