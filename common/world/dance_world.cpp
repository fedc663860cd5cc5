#include "common/world/dance_world.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "common/world/rng.hpp"

namespace foresight {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kSuper = 4;         // internal supersampling, area-downsampled for anti-aliasing
constexpr int kShift = 4;         // sub-pixel bits for OpenCV drawing
constexpr int kMoves = 4;         // dance moves (see move_angles)
constexpr int kBlendFrames = 12;  // frames over which one move blends into the next

// Joint angles of one moment. Angle 0 points down, positive angles turn towards +x.
struct Angles {
  double lean = 0, shoulder_l = 0, elbow_l = 0, shoulder_r = 0, elbow_r = 0, hip_l = 0, knee_l = 0,
         hip_r = 0, knee_r = 0, dx = 0;  // dx: sideways step, in body units
};

Angles lerp(const Angles& a, const Angles& b, double w) {
  auto m = [w](double x, double y) { return x + (y - x) * w; };
  return {m(a.lean, b.lean),       m(a.shoulder_l, b.shoulder_l),
          m(a.elbow_l, b.elbow_l), m(a.shoulder_r, b.shoulder_r),
          m(a.elbow_r, b.elbow_r), m(a.hip_l, b.hip_l),
          m(a.knee_l, b.knee_l),   m(a.hip_r, b.hip_r),
          m(a.knee_r, b.knee_r),   m(a.dx, b.dx)};
}

// The dance moves as functions of the beat phase phi: arm wave, squat, side step, disco point.
Angles move_angles(int move, double phi) {
  Angles a;
  const double s = std::sin(phi);
  switch (move) {
    case 0:  // arm wave
      a.shoulder_l = 1.5 + 0.9 * s;
      a.elbow_l = 0.5 * std::sin(phi + 1.0);
      a.shoulder_r = -(1.5 - 0.9 * s);
      a.elbow_r = 0.5 * std::sin(phi + 1.0);
      a.hip_l = 0.12 + 0.08 * s;
      a.hip_r = -0.12 + 0.08 * s;
      a.knee_l = a.knee_r = 0.0;
      a.lean = 0.1 * s;
      break;
    case 1: {  // squat with the knees out
      const double k = 0.5 * (1.0 - std::cos(phi));
      a.hip_l = 0.25 + 0.55 * k;
      a.knee_l = -1.0 * k;
      a.hip_r = -a.hip_l;
      a.knee_r = -a.knee_l;
      a.shoulder_l = 1.3 + 0.3 * k;
      a.elbow_l = 0.6 + 0.7 * k;
      a.shoulder_r = -a.shoulder_l;
      a.elbow_r = -a.elbow_l;
      break;
    }
    case 2:  // side step with pumping arms
      a.dx = 1.2 * std::sin(0.5 * phi);
      a.hip_l = 0.15 + 0.35 * std::max(0.0, s);
      a.knee_l = -0.35 * std::max(0.0, s);
      a.hip_r = -0.15 - 0.35 * std::max(0.0, -s);
      a.knee_r = 0.35 * std::max(0.0, -s);
      a.shoulder_l = 0.6 + 0.7 * s;
      a.elbow_l = 1.6;
      a.shoulder_r = -0.6 + 0.7 * s;
      a.elbow_r = -1.6;
      a.lean = -0.15 * s;
      break;
    default: {  // disco point, alternating arms
      const double p = 0.5 + 0.5 * s;
      a.shoulder_r = -(0.5 + 1.9 * p);
      a.elbow_r = -0.2;
      a.shoulder_l = 0.5 + 1.9 * (1.0 - p);
      a.elbow_l = 0.2;
      a.lean = 0.25 * s;
      a.hip_l = 0.18;
      a.hip_r = -0.18;
      a.knee_l = 0.25 * std::fabs(std::sin(2 * phi));
      a.knee_r = -a.knee_l;
      break;
    }
  }
  return a;
}

cv::Point2d dir(double angle) { return {std::sin(angle), std::cos(angle)}; }

cv::Vec3d hsv(double h, double s, double v) {
  // h in [0, 1); returns RGB in [0, 255].
  const double c = v * s, hp = h * 6.0, x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  cv::Vec3d rgb;
  switch (static_cast<int>(hp) % 6) {
    case 0:
      rgb = {c, x, 0};
      break;
    case 1:
      rgb = {x, c, 0};
      break;
    case 2:
      rgb = {0, c, x};
      break;
    case 3:
      rgb = {0, x, c};
      break;
    case 4:
      rgb = {x, 0, c};
      break;
    default:
      rgb = {c, 0, x};
      break;
  }
  const double m = v - c;
  return (rgb + cv::Vec3d(m, m, m)) * 255.0;
}

cv::Scalar scalar(const cv::Vec3d& rgb, double gain = 1.0, double add = 0.0) {
  auto f = [&](double v) { return std::clamp(v * gain + add, 0.0, 255.0); };
  return {f(rgb[0]), f(rgb[1]), f(rgb[2])};
}

cv::Point fixed(cv::Point2d p) {
  const double k = kSuper * (1 << kShift);
  return {static_cast<int>(std::lround(p.x * k)), static_cast<int>(std::lround(p.y * k))};
}

int fixed_len(double pixels) {
  return static_cast<int>(std::lround(pixels * kSuper * (1 << kShift)));
}

void line(cv::Mat& img, cv::Point2d a, cv::Point2d b, double width, const cv::Scalar& c) {
  cv::line(img, fixed(a), fixed(b), c, std::max(1, static_cast<int>(std::lround(width * kSuper))),
           cv::LINE_AA, kShift);
}

void disc(cv::Mat& img, cv::Point2d centre, double radius, const cv::Scalar& c) {
  cv::circle(img, fixed(centre), fixed_len(radius), c, cv::FILLED, cv::LINE_AA, kShift);
}

cv::Mat downsample(const cv::Mat& big, int height, int width) {
  cv::Mat out;
  cv::resize(big, out, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  return out;
}

}  // namespace

const std::array<DanceBone, kDanceBones>& dance_bones() {
  using J = DancePose;
  static const std::array<DanceBone, kDanceBones> bones = {{
      {J::kShoulder, J::kElbowR, {0, 90, 255}},   // upper arm R
      {J::kElbowR, J::kWristR, {0, 220, 255}},    // forearm R
      {J::kPelvis, J::kKneeR, {160, 0, 255}},     // thigh R
      {J::kKneeR, J::kAnkleR, {255, 0, 200}},     // shin R
      {J::kPelvis, J::kNeck, {255, 40, 40}},      // torso
      {J::kPelvis, J::kKneeL, {255, 140, 0}},     // thigh L
      {J::kKneeL, J::kAnkleL, {255, 255, 0}},     // shin L
      {J::kShoulder, J::kElbowL, {0, 255, 60}},   // upper arm L
      {J::kElbowL, J::kWristL, {150, 255, 150}},  // forearm L
      {J::kNeck, J::kHead, {255, 255, 255}},      // head
  }};
  return bones;
}

DanceWorld::DanceWorld(uint64_t seed, int height, int width)
    : height_(height), width_(width), seed_(seed) {
  if (height < 8 || width < 8) throw std::invalid_argument("dance frames must be at least 8x8");
  Rng rng(mix_seed(seed, 0));
  static const cv::Vec3d skins[] = {
      {255, 219, 172}, {241, 194, 125}, {224, 172, 105}, {198, 134, 66}, {141, 85, 36}};
  static const cv::Vec3d hairs[] = {
      {30, 20, 15}, {90, 60, 30}, {200, 160, 80}, {120, 40, 20}, {60, 60, 60}};
  look_.shirt = hsv(rng.uniform(), rng.uniform(0.5, 1.0), rng.uniform(0.55, 1.0));
  look_.trousers = hsv(rng.uniform(), rng.uniform(0.3, 0.9), rng.uniform(0.25, 0.7));
  look_.skin = skins[rng.index(5)];
  look_.hair = hairs[rng.index(5)];
  const double wall_hue = rng.uniform();
  look_.wall_top = hsv(wall_hue, rng.uniform(0.1, 0.4), rng.uniform(0.55, 0.95));
  look_.wall_bottom = look_.wall_top * rng.uniform(0.7, 0.9);
  look_.floor = hsv(rng.uniform(0.05, 0.12), rng.uniform(0.2, 0.6), rng.uniform(0.25, 0.55));
  look_.size = rng.uniform(0.8, 1.0);
  look_.thickness = rng.uniform(0.85, 1.2);
  look_.period = rng.uniform(18.0, 36.0);
  sway_ = rng.uniform(0.05, 0.2) * width;
  sway_phase_ = rng.uniform(0, 2 * kPi);
  amplitude_ = rng.uniform(0.8, 1.1);
  move_frames_ = 60 + rng.index(61);
  update_pose();
}

void DanceWorld::step() {
  ++frame_;
  update_pose();
}

void DanceWorld::update_pose() {
  const double phi = 2 * kPi * frame_ / look_.period;
  const int segment = frame_ / move_frames_;
  auto move_of = [&](int k) {
    return Rng(mix_seed(seed_, 1000 + static_cast<uint64_t>(k))).index(kMoves);
  };
  Angles a = move_angles(move_of(segment), phi);
  const int into = frame_ - segment * move_frames_;
  if (segment > 0 && into < kBlendFrames) {
    double w = static_cast<double>(into) / kBlendFrames;
    w = w * w * (3 - 2 * w);  // smoothstep: no jerk at the seams
    a = lerp(move_angles(move_of(segment - 1), phi), a, w);
  }
  const double g = amplitude_;
  const double u = look_.size * height_ / 7.2;  // body unit: the dancer is about 6.5 units tall
  using J = DancePose;
  auto& p = pose_.joints;
  // Build with the pelvis at the origin, then stand the lower foot on the floor.
  p[J::kPelvis] = {0, 0};
  const double up = kPi + g * a.lean;
  p[J::kNeck] = p[J::kPelvis] + 2.1 * u * dir(up);
  p[J::kHead] = p[J::kNeck] + 0.75 * u * dir(kPi + 1.5 * g * a.lean);
  p[J::kShoulder] = p[J::kNeck] + 0.25 * u * dir(g * a.lean);
  p[J::kElbowL] = p[J::kShoulder] + 1.15 * u * dir(g * (a.lean + a.shoulder_l));
  p[J::kWristL] = p[J::kElbowL] + 1.05 * u * dir(g * (a.lean + a.shoulder_l + a.elbow_l));
  p[J::kElbowR] = p[J::kShoulder] + 1.15 * u * dir(g * (a.lean + a.shoulder_r));
  p[J::kWristR] = p[J::kElbowR] + 1.05 * u * dir(g * (a.lean + a.shoulder_r + a.elbow_r));
  p[J::kKneeL] = p[J::kPelvis] + 1.45 * u * dir(g * a.hip_l);
  p[J::kAnkleL] = p[J::kKneeL] + 1.35 * u * dir(g * (a.hip_l + a.knee_l));
  p[J::kKneeR] = p[J::kPelvis] + 1.45 * u * dir(g * a.hip_r);
  p[J::kAnkleR] = p[J::kKneeR] + 1.35 * u * dir(g * (a.hip_r + a.knee_r));
  const double floor_y = height_ - 2.5;
  const double x = 0.5 * width_ + sway_ * std::sin(0.25 * phi + sway_phase_) + a.dx * u;
  const double margin = 1.5 * u;
  const cv::Point2d origin(std::clamp(x, margin, width_ - margin),
                           floor_y - std::max(p[J::kAnkleL].y, p[J::kAnkleR].y));
  for (auto& j : p) j += origin;
}

cv::Mat DanceWorld::render_frame() const {
  const int H = height_ * kSuper, W = width_ * kSuper;
  const double floor_y = height_ - 2.5;
  const int floor_row = static_cast<int>(std::lround((floor_y - 1.0) * kSuper));
  cv::Mat img(H, W, CV_8UC3);
  for (int y = 0; y < H; ++y) {
    cv::Vec3d c;
    if (y < floor_row) {
      const double t = static_cast<double>(y) / floor_row;
      c = look_.wall_top * (1 - t) + look_.wall_bottom * t;
    } else {
      c = look_.floor * (1.0 + 0.3 * (y - floor_row) / std::max(1, H - floor_row));
    }
    img.row(y).setTo(scalar(c));
  }
  line(img, {0, floor_y - 1.0}, {static_cast<double>(width_), floor_y - 1.0}, 0.5,
       scalar(look_.wall_bottom, 0.55));

  using J = DancePose;
  const auto& p = pose_.joints;
  const double u = look_.size * height_ / 7.2, th = look_.thickness;
  // Shadow on the floor under the pelvis.
  const cv::Point2d foot((p[J::kAnkleL].x + p[J::kAnkleR].x) / 2, floor_y);
  cv::ellipse(img, fixed(foot), cv::Size(fixed_len(1.3 * u), fixed_len(0.3 * u)), 0, 0, 360,
              scalar(look_.floor, 0.6), cv::FILLED, cv::LINE_AA, kShift);

  // A limb: dark rim, body colour, and a highlight towards the light (upper left).
  auto limb = [&](cv::Point2d a, cv::Point2d b, double width, const cv::Vec3d& colour) {
    line(img, a, b, width, scalar(colour, 0.7));
    const cv::Point2d o(-0.12 * width, -0.12 * width);
    line(img, a + o, b + o, 0.6 * width, scalar(colour));
    line(img, a + 2 * o, b + 2 * o, 0.25 * width, scalar(colour, 1.15, 25));
  };
  const cv::Vec3d shoe(40, 40, 45);
  auto arm = [&](J::Joint elbow, J::Joint wrist) {
    limb(p[J::kShoulder], p[elbow], 0.42 * u * th, look_.shirt);
    limb(p[elbow], p[wrist], 0.34 * u * th, look_.skin);
    disc(img, p[wrist], 0.24 * u * th, scalar(look_.skin, 0.9));
  };
  auto leg = [&](J::Joint knee, J::Joint ankle) {
    limb(p[J::kPelvis], p[knee], 0.55 * u * th, look_.trousers);
    limb(p[knee], p[ankle], 0.46 * u * th, look_.trousers);
    disc(img, p[ankle], 0.3 * u * th, scalar(shoe));
  };
  arm(J::kElbowR, J::kWristR);
  leg(J::kKneeR, J::kAnkleR);
  limb(p[J::kPelvis], p[J::kNeck], 0.95 * u * th, look_.shirt);
  leg(J::kKneeL, J::kAnkleL);
  arm(J::kElbowL, J::kWristL);
  // Head: shaded skin disc with hair on top.
  disc(img, p[J::kHead], 0.5 * u, scalar(look_.skin, 0.75));
  disc(img, p[J::kHead] + cv::Point2d(-0.06 * u, -0.06 * u), 0.4 * u, scalar(look_.skin));
  cv::ellipse(img, fixed(p[J::kHead]), cv::Size(fixed_len(0.52 * u), fixed_len(0.52 * u)), 0, 180,
              360, scalar(look_.hair), cv::FILLED, cv::LINE_AA, kShift);
  return downsample(img, height_, width_);
}

cv::Mat DanceWorld::render_label() const {
  cv::Mat img = cv::Mat::zeros(height_ * kSuper, width_ * kSuper, CV_8UC3);
  const double u = look_.size * height_ / 7.2;
  const auto& p = pose_.joints;
  for (const DanceBone& b : dance_bones()) {
    const cv::Scalar c(b.label_rgb[0], b.label_rgb[1], b.label_rgb[2]);
    line(img, p[b.from], p[b.to], 1.25, c);
    if (b.to == DancePose::kHead) disc(img, p[b.to], 0.35 * u, c);
  }
  return downsample(img, height_, width_);
}

}  // namespace foresight
