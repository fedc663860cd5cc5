#include "common/world/pushing_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "common/world/rng.hpp"

namespace foresight {
namespace {

constexpr int kSupersample = 4;
constexpr int kShift = 4;  // fixed-point bits of drawing coordinates: sub-pixel smooth motion
constexpr double kTwoPi = 6.283185307179586;
constexpr double kArmLink = 0.5;  // both arm links, metres

using Rgb = std::array<double, 3>;

Rgb jitter(Rng& rng, Rgb c, double amount) {
  for (double& v : c) v = std::clamp(v + rng.uniform(-amount, amount), 0.0, 255.0);
  return c;
}

cv::Scalar scaled(const Rgb& c, double f) {
  return cv::Scalar(std::min(255.0, c[0] * f), std::min(255.0, c[1] * f),
                    std::min(255.0, c[2] * f));
}

cv::Scalar towards_white(const Rgb& c, double light, double t) {
  Rgb r;
  for (int i = 0; i < 3; ++i) r[i] = std::min(255.0, c[i] * light) * (1 - t) + 255.0 * t;
  return scaled(r, 1.0);
}

// Smooth lattice noise in [0, 1] over the unit square, for table textures (value noise with
// smoothstep blending: no visible grid, unlike a bilinearly enlarged random image).
class ValueNoise {
 public:
  ValueNoise(Rng& rng, int grid) : grid_(grid), values_(static_cast<size_t>(grid * grid)) {
    for (double& v : values_) v = rng.uniform();
  }
  double at(double u, double v) const {
    double x = std::clamp(u, 0.0, 1.0) * (grid_ - 1), y = std::clamp(v, 0.0, 1.0) * (grid_ - 1);
    int i = std::min(static_cast<int>(x), grid_ - 2), j = std::min(static_cast<int>(y), grid_ - 2);
    double fx = x - i, fy = y - j;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    auto g = [&](int a, int b) { return values_[static_cast<size_t>(b * grid_ + a)]; };
    double top = g(i, j) * (1 - fx) + g(i + 1, j) * fx;
    double bottom = g(i, j + 1) * (1 - fx) + g(i + 1, j + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  }

 private:
  int grid_;
  std::vector<double> values_;
};

// out[i] = sum of in[i - r .. i + r], zero outside [0, n): a box filter by running sums.
void box_sum(const int* in, int* out, int n, int r) {
  int sum = 0;
  for (int i = 0; i < std::min(r, n); ++i) sum += in[i];
  for (int i = 0; i < n; ++i) {
    if (i + r < n) sum += in[i + r];
    out[i] = sum;
    if (i - r >= 0) sum -= in[i - r];
  }
}

// Softens a mask that is zero outside its drawn part: two box passes each way, which is a
// triangle filter close to a Gaussian of sigma sqrt(2 * (4 r^2 + 4 r) / 12), in integer
// arithmetic (identical bytes everywhere). Not cv::GaussianBlur: it hands even small images to
// OpenCV's thread pool, whose spinning workers cost more than the blur when every core already
// renders sequences. Returns the region that may now be non-zero.
cv::Rect soften_mask(cv::Mat& mask, int r) {
  cv::Rect area = cv::boundingRect(mask);
  if (area.empty()) return area;
  const int reach = 2 * r;
  area = cv::Rect(area.x - reach, area.y - reach, area.width + 2 * reach, area.height + 2 * reach) &
         cv::Rect(0, 0, mask.cols, mask.rows);
  const int w = area.width, h = area.height;
  std::vector<int> sums(static_cast<size_t>(w * h)), a(static_cast<size_t>(std::max(w, h))),
      b(a.size());
  for (int y = 0; y < h; ++y) {
    const uint8_t* src = mask.ptr<uint8_t>(area.y + y) + area.x;
    for (int x = 0; x < w; ++x) a[static_cast<size_t>(x)] = src[x];
    box_sum(a.data(), b.data(), w, r);
    box_sum(b.data(), &sums[static_cast<size_t>(y * w)], w, r);
  }
  const int side = 2 * r + 1, scale = side * side * side * side;
  for (int x = 0; x < w; ++x) {
    for (int y = 0; y < h; ++y) a[static_cast<size_t>(y)] = sums[static_cast<size_t>(y * w + x)];
    box_sum(a.data(), b.data(), h, r);
    box_sum(b.data(), a.data(), h, r);
    for (int y = 0; y < h; ++y) {
      mask.at<uint8_t>(area.y + y, area.x + x) =
          static_cast<uint8_t>((a[static_cast<size_t>(y)] + scale / 2) / scale);
    }
  }
  return area;
}

}  // namespace

PushingRenderer::PushingRenderer(uint64_t seed, int image_size)
    : size_(image_size), n_(image_size * kSupersample) {
  if (image_size <= 0) throw std::invalid_argument("image size must be positive");
  Rng rng(seed);
  spot_ = {rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)};
  spot_sigma_ = rng.uniform(0.2, 0.45);
  ambient_ = rng.uniform(0.65, 0.85);
  spot_gain_ = rng.uniform(0.3, 0.5);
  double a = rng.uniform(0, kTwoPi);
  shadow_dir_ = {std::cos(a), std::sin(a)};
  shadow_length_ = rng.uniform(0.4, 0.8);
  // Darkening by a shadow mask value m in integer arithmetic (identical bytes everywhere), as a
  // table: lut[m * 256 + v] = v * (1 - strength * m / 255).
  const int strength = static_cast<int>(std::lround(rng.uniform(0.35, 0.55) * 256));
  shadow_lut_.resize(256 * 256);
  for (int m = 0; m < 256; ++m) {
    for (int v = 0; v < 256; ++v) {
      shadow_lut_[static_cast<size_t>(m * 256 + v)] =
          static_cast<uint8_t>((v * (65280 - strength * m) + 32640) / 65280);
    }
  }
  arm_base_ = {rng.uniform(-0.1, 0.1), 0.62};
  elbow_side_ = rng.chance(0.5) ? 1.0 : -1.0;
  static const Rgb kArmColours[] = {
      {190, 45, 40}, {120, 122, 128}, {225, 130, 35}, {215, 215, 210}, {50, 90, 160}};
  arm_colour_ = jitter(rng, kArmColours[rng.index(5)], 15);
  gripper_colour_ = jitter(rng, {58, 58, 64}, 8);
  finger_colour_ = jitter(rng, {175, 175, 182}, 10);
  make_table(mix_seed(seed, 1));
}

void PushingRenderer::make_table(uint64_t seed) {
  Rng rng(seed);
  static const Rgb kWoods[] = {{196, 160, 118}, {170, 128, 88}, {214, 186, 146}, {142, 100, 66}};
  static const Rgb kPlains[] = {
      {150, 150, 148}, {205, 200, 190}, {110, 128, 150}, {96, 130, 100}, {180, 170, 150}};
  bool wood = rng.chance(0.5);
  Rgb base = jitter(rng, wood ? kWoods[rng.index(4)] : kPlains[rng.index(5)], 12);
  Rgb rim = jitter(rng, {78, 78, 84}, 12);
  double grain_angle = rng.uniform(0, kTwoPi);
  Vec2 across{std::cos(grain_angle), std::sin(grain_angle)};
  double rings = rng.uniform(25, 45);  // grain stripes per metre
  ValueNoise warp(rng, 6), blotch(rng, 9), fine(rng, 33);

  // Computed at half the internal resolution (a quarter of the cost: this is most of the time
  // spent per sequence outside the frames) and bilinearly upsampled (bit-exact for 8-bit images
  // in OpenCV); nothing on a table is sharp.
  const int half = n_ / 2;
  const double px_per_m = half / (2 * world::kViewHalf);
  cv::Mat small(half, half, CV_8UC3);
  for (int row = 0; row < half; ++row) {
    auto* px = small.ptr<uint8_t>(row);
    for (int col = 0; col < half; ++col) {
      Vec2 p{(col + 0.5) / px_per_m - world::kViewHalf, world::kViewHalf - (row + 0.5) / px_per_m};
      double u = (p.x + world::kViewHalf) / (2 * world::kViewHalf);
      double v = (world::kViewHalf - p.y) / (2 * world::kViewHalf);
      double shade;
      if (wood) {
        double t = 0.5 + 0.5 * std::sin(kTwoPi * (dot(p, across) * rings + 3.0 * warp.at(u, v) +
                                                  0.6 * fine.at(u, v)));
        shade = 0.86 + 0.14 * t + 0.1 * (blotch.at(u, v) - 0.5);
      } else {
        shade = 0.93 + 0.14 * (blotch.at(u, v) - 0.5) + 0.06 * (fine.at(u, v) - 0.5);
      }
      shade += 0.05 * (rng.uniform() - 0.5);  // surface grit
      const Rgb* colour = &base;
      double edge = std::max(std::abs(p.x), std::abs(p.y));
      if (edge > world::kWallHalf) {
        colour = &rim;
        // The top of the bin wall catches the light.
        shade = edge < world::kWallHalf + 0.005 ? 1.35 : 1.0;
      }
      double f = shade * light_at(p);
      for (int c = 0; c < 3; ++c) {
        px[3 * col + c] = cv::saturate_cast<uint8_t>((*colour)[c] * f);
      }
    }
  }
  cv::resize(small, table_, cv::Size(n_, n_), 0, 0, cv::INTER_LINEAR);
}

double PushingRenderer::light_at(Vec2 p) const {
  Vec2 d = p - spot_;
  return ambient_ + spot_gain_ * std::exp(-dot(d, d) / (2 * spot_sigma_ * spot_sigma_));
}

cv::Point2d PushingRenderer::to_pixel(Vec2 p) const {
  double s = size_ / (2 * world::kViewHalf);
  return {(p.x + world::kViewHalf) * s - 0.5, (world::kViewHalf - p.y) * s - 0.5};
}

cv::Point PushingRenderer::fixed(const cv::Mat& img, Vec2 p) const {
  // Pixel centres sit at integer coordinates in OpenCV's drawing functions.
  double px_per_m = img.cols / (2 * world::kViewHalf);
  double u = (p.x + world::kViewHalf) * px_per_m - 0.5;
  double v = (world::kViewHalf - p.y) * px_per_m - 0.5;
  return {static_cast<int>(std::lround(u * (1 << kShift))),
          static_cast<int>(std::lround(v * (1 << kShift)))};
}

void PushingRenderer::fill_polygon(cv::Mat& img, const std::vector<Vec2>& pts,
                                   const cv::Scalar& c) const {
  std::vector<cv::Point> poly;
  poly.reserve(pts.size());
  for (Vec2 p : pts) poly.push_back(fixed(img, p));
  cv::fillPoly(img, std::vector<std::vector<cv::Point>>{poly}, c, cv::LINE_AA, kShift);
}

void PushingRenderer::fill_circle(cv::Mat& img, Vec2 centre, double radius,
                                  const cv::Scalar& c) const {
  double px_per_m = img.cols / (2 * world::kViewHalf);
  int r = static_cast<int>(std::lround(radius * px_per_m * (1 << kShift)));
  cv::circle(img, fixed(img, centre), r, c, cv::FILLED, cv::LINE_AA, kShift);
}

void PushingRenderer::fill_capsule(cv::Mat& img, Vec2 a, Vec2 b, double width,
                                   const cv::Scalar& c) const {
  Vec2 d = b - a;
  double len = norm(d);
  if (len > 1e-9) {
    Vec2 side = perp(d) * (0.5 * width / len);
    fill_polygon(img, {a + side, b + side, b - side, a - side}, c);
  }
  fill_circle(img, a, width / 2, c);
  fill_circle(img, b, width / 2, c);
}

void PushingRenderer::fill_box(cv::Mat& img, Vec2 centre, Vec2 u, double half_u, double half_v,
                               const cv::Scalar& c) const {
  Vec2 a = u * half_u, b = perp(u) * half_v;
  fill_polygon(img, {centre + a + b, centre - a + b, centre - a - b, centre + a - b}, c);
}

PushingRenderer::ArmPose PushingRenderer::arm_pose(const Gripper& g) const {
  ArmPose arm;
  arm.base = arm_base_;
  arm.wrist = g.pos;
  Vec2 d = g.pos - arm_base_;
  double dist = std::clamp(norm(d), 0.05, 2 * kArmLink - 1e-6);
  double heading = std::atan2(d.y, d.x);
  double bend = std::acos(std::clamp(dist / (2 * kArmLink), -1.0, 1.0));
  arm.elbow = arm_base_ +
              Vec2{std::cos(heading + elbow_side_ * bend), std::sin(heading + elbow_side_ * bend)} *
                  kArmLink;
  // Closer to the camera looks bigger: about 40% bigger at the top of the z range.
  arm.scale = 1.0 + 3.0 * (g.z - world::kMinZ);
  return arm;
}

void PushingRenderer::draw_object_footprint(cv::Mat& img, const PushObject& o, Vec2 offset,
                                            double scale, const cv::Scalar& c) const {
  if (o.outline.empty()) {
    fill_circle(img, o.pos + offset, o.discs.front().radius * scale, c);
    return;
  }
  std::vector<Vec2> pts;
  pts.reserve(o.outline.size());
  for (Vec2 v : o.outline) pts.push_back(o.pos + offset + rotate(v * scale, o.angle));
  fill_polygon(img, pts, c);
}

void PushingRenderer::draw_object(cv::Mat& img, const PushObject& o) const {
  Rgb colour{double(o.colour[0]), double(o.colour[1]), double(o.colour[2])};
  double light = light_at(o.pos);
  // Sides facing away from the light peek out as a dark rim; a highlight sits towards the light.
  draw_object_footprint(img, o, shadow_dir_ * (0.25 * o.height), 1.0, scaled(colour, 0.5 * light));
  draw_object_footprint(img, o, {}, 1.0, scaled(colour, light));
  draw_object_footprint(img, o, shadow_dir_ * (-0.15 * o.bound_radius), 0.45,
                        towards_white(colour, light, 0.3));
}

void PushingRenderer::draw_arm(cv::Mat& img, const ArmPose& arm, Vec2 offset, bool silhouette,
                               const cv::Scalar& silhouette_colour) const {
  const double upper = 0.07 * arm.scale, fore = 0.05 * arm.scale;
  Vec2 b = arm.base + offset, e = arm.elbow + offset, w = arm.wrist + offset;
  if (silhouette) {
    fill_capsule(img, b, e, upper, silhouette_colour);
    fill_capsule(img, e, w, fore, silhouette_colour);
    return;
  }
  fill_capsule(img, b, e, upper + 0.008, scaled(arm_colour_, 0.45));
  fill_capsule(img, e, w, fore + 0.008, scaled(arm_colour_, 0.45));
  fill_capsule(img, b, e, upper, scaled(arm_colour_, 1.0));
  fill_capsule(img, e, w, fore, scaled(arm_colour_, 1.0));
  // A specular streak along each link, on the lit side: reads as a cylinder.
  Vec2 lit = shadow_dir_ * -1.0;
  fill_capsule(img, b + lit * (0.2 * upper), e + lit * (0.2 * upper), 0.3 * upper,
               towards_white(arm_colour_, 1.0, 0.35));
  fill_capsule(img, e + lit * (0.2 * fore), w + lit * (0.2 * fore), 0.3 * fore,
               towards_white(arm_colour_, 1.0, 0.35));
  fill_circle(img, e, 0.3 * upper, scaled(arm_colour_, 0.7));
}

void PushingRenderer::draw_gripper(cv::Mat& img, const ArmPose& arm, double opening, Vec2 offset,
                                   bool silhouette, const cv::Scalar& silhouette_colour) const {
  const double s = arm.scale;
  Vec2 w = arm.wrist + offset;
  Vec2 u = arm.wrist - arm.elbow;
  u = norm(u) > 1e-9 ? u * (1.0 / norm(u)) : Vec2{0, -1};
  Vec2 across = perp(u);
  // Fingers sit at the two ends of the palm and slide apart as the gripper opens.
  double finger_offset = (0.024 + 0.02 * std::clamp(opening, 0.0, 1.0)) * s;
  cv::Scalar palm = silhouette ? silhouette_colour : scaled(gripper_colour_, 1.0);
  cv::Scalar finger = silhouette ? silhouette_colour : scaled(finger_colour_, 1.0);
  fill_box(img, w, across, 0.03 * s, 0.02 * s, palm);
  fill_box(img, w + across * finger_offset, across, 0.008 * s, 0.016 * s, finger);
  fill_box(img, w - across * finger_offset, across, 0.008 * s, 0.016 * s, finger);
  if (!silhouette) fill_circle(img, w - u * (0.006 * s), 0.014 * s, scaled(arm_colour_, 0.8));
}

void PushingRenderer::darken(cv::Mat& img, cv::Mat& mask) const {
  // The mask has half the internal resolution: soft shadows lose nothing, and blurring it costs a
  // quarter. Each mask pixel covers 2x2 image pixels, which the final downsampling averages anyway.
  // Radius 2 at 2 mask pixels per output pixel: a shadow edge about one output pixel soft.
  const cv::Rect area = soften_mask(mask, kSupersample / 2);
  for (int row = 2 * area.y; row < 2 * (area.y + area.height); ++row) {
    auto* px = img.ptr<uint8_t>(row);
    const auto* m = mask.ptr<uint8_t>(row / 2);
    for (int col = 2 * area.x; col < 2 * (area.x + area.width); ++col) {
      if (m[col / 2] == 0) continue;
      const uint8_t* lut = &shadow_lut_[static_cast<size_t>(m[col / 2]) * 256];
      for (int c = 0; c < 3; ++c) px[3 * col + c] = lut[px[3 * col + c]];
    }
  }
}

cv::Mat PushingRenderer::render(const std::vector<PushObject>& objects, const Gripper& g) const {
  cv::Mat canvas = table_.clone();
  cv::Mat mask(n_ / 2, n_ / 2, CV_8UC1, cv::Scalar(0));

  // Object shadows on the table, then the objects.
  for (const PushObject& o : objects) {
    draw_object_footprint(mask, o, shadow_dir_ * (shadow_length_ * o.height), 1.0, cv::Scalar(255));
  }
  darken(canvas, mask);
  for (const PushObject& o : objects) draw_object(canvas, o);

  // The arm's shadow falls on table and objects alike; the higher the gripper, the farther and
  // fainter its shadow: the main cue for z besides its size.
  ArmPose arm = arm_pose(g);
  double height = (g.z - world::kMinZ) / (world::kMaxZ - world::kMinZ);
  cv::Scalar shade(255 * (1 - 0.4 * height));
  mask.setTo(0);
  draw_arm(mask, arm, shadow_dir_ * (shadow_length_ * (g.z + 0.1)), true, shade);
  draw_gripper(mask, arm, g.opening, shadow_dir_ * (shadow_length_ * (g.z + 0.01)), true, shade);
  darken(canvas, mask);

  draw_arm(canvas, arm, {}, false, {});
  draw_gripper(canvas, arm, g.opening, {}, false, {});

  cv::Mat out;
  cv::resize(canvas, out, cv::Size(size_, size_), 0, 0, cv::INTER_AREA);
  return out;
}

}  // namespace foresight
