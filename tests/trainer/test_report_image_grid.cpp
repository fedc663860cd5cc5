// Pictures from tensors: tensor_to_rgb clamps and rounds, grids have the documented layout, and
// side-by-side GIF frames carry green/red borders where the SVG reference puts them.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "support/test_support.hpp"
#include "trainer/report/image_grid.hpp"

namespace foresight {
namespace {

cv::Mat solid(int h, int w, cv::Vec3b c) {
  return cv::Mat(h, w, CV_8UC3, cv::Scalar(c[0], c[1], c[2]));
}

TEST(ReportImageGrid, TensorToRgbClampsAndRounds) {
  auto t = at::zeros({3, 2, 3});
  t[0][0][0] = -0.5;         // clamped to 0
  t[0][0][1] = 1.5;          // clamped to 255
  t[0][0][2] = 1.49 / 255;   // 1
  t[1][0][0] = 1.51 / 255;   // 2
  t[1][0][1] = 100.0 / 255;  // exact level survives float error
  t[2][1][2] = NAN;          // shows as 0
  t[2][1][1] = 0.25;         // 63.75 -> 64
  cv::Mat m = tensor_to_rgb(t.to(at::kDouble));
  ASSERT_EQ(m.type(), CV_8UC3);
  ASSERT_EQ(m.size(), cv::Size(3, 2));
  EXPECT_EQ(m.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 2, 0));
  EXPECT_EQ(m.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 100, 0));
  EXPECT_EQ(m.at<cv::Vec3b>(0, 2), cv::Vec3b(1, 0, 0));
  EXPECT_EQ(m.at<cv::Vec3b>(1, 1), cv::Vec3b(0, 0, 64));
  EXPECT_EQ(m.at<cv::Vec3b>(1, 2), cv::Vec3b(0, 0, 0));

  cv::Mat grey = tensor_to_rgb(at::full({1, 2, 2}, 0.2));
  EXPECT_EQ(grey.at<cv::Vec3b>(1, 1), cv::Vec3b(51, 51, 51));
  auto frames = tensor_to_rgb_frames(at::ones({4, 3, 5, 6}));
  ASSERT_EQ(frames.size(), 4u);
  EXPECT_EQ(frames[3].size(), cv::Size(6, 5));
  EXPECT_EQ(frames[3].at<cv::Vec3b>(4, 5), cv::Vec3b(255, 255, 255));

  EXPECT_THROW(tensor_to_rgb(at::zeros({2, 4, 4})), std::invalid_argument);
  EXPECT_THROW(tensor_to_rgb(at::zeros({3, 4, 4}, at::kByte)), std::invalid_argument);
  EXPECT_THROW(tensor_to_rgb(at::zeros({1, 3, 4, 4})), std::invalid_argument);
}

TEST(ReportImageGrid, GridLayout) {
  cv::Vec3b a(255, 0, 0), b(0, 255, 0), c(0, 0, 255);
  // Row 0 has three cells, row 1 two with a hole: 3 columns, 2 rows of 4x5 cells, pad 2.
  cv::Mat g =
      make_grid({{solid(4, 5, a), solid(4, 5, b), solid(4, 5, c)}, {cv::Mat(), solid(4, 5, c)}}, 2);
  EXPECT_EQ(g.size(), cv::Size(3 * 5 + 4 * 2, 2 * 4 + 3 * 2));
  EXPECT_EQ(g.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));  // padding is white
  EXPECT_EQ(g.at<cv::Vec3b>(2, 2), a);                         // first cell starts at (pad, pad)
  EXPECT_EQ(g.at<cv::Vec3b>(5, 6), a);                         // and ends at pad + size - 1
  EXPECT_EQ(g.at<cv::Vec3b>(5, 7), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(g.at<cv::Vec3b>(2, 9), b);
  EXPECT_EQ(g.at<cv::Vec3b>(2, 16), c);
  EXPECT_EQ(g.at<cv::Vec3b>(8, 2), cv::Vec3b(255, 255, 255));  // the hole
  EXPECT_EQ(g.at<cv::Vec3b>(8, 9), c);
  EXPECT_EQ(g.at<cv::Vec3b>(8, 16), cv::Vec3b(255, 255, 255));  // short row

  EXPECT_EQ(make_grid({{solid(3, 3, a)}}, 0).size(), cv::Size(3, 3));
  EXPECT_THROW(make_grid({{solid(3, 3, a), solid(3, 4, a)}}), std::invalid_argument);
  EXPECT_THROW(make_grid({{cv::Mat()}}), std::invalid_argument);
  EXPECT_THROW(make_grid({}), std::invalid_argument);
}

TEST(ReportImageGrid, PngIsRgbOnDisk) {
  auto dir = testing::scratch_dir("grid");
  cv::Mat rgb = solid(3, 4, cv::Vec3b(250, 10, 20));
  write_png_rgb(dir / "x.png", rgb);
  cv::Mat bgr = cv::imread((dir / "x.png").string(), cv::IMREAD_COLOR);
  ASSERT_EQ(bgr.size(), cv::Size(4, 3));
  EXPECT_EQ(bgr.at<cv::Vec3b>(1, 1), cv::Vec3b(20, 10, 250));
  EXPECT_THROW(write_png_rgb(dir / "y.png", cv::Mat(2, 2, CV_32FC3)), std::invalid_argument);
}

TEST(ReportImageGrid, SideBySideFramesWithBorders) {
  cv::Vec3b truth(10, 10, 10), pred(200, 200, 200);
  std::vector<cv::Mat> t_col, p_col;
  for (int t = 0; t < 3; ++t) {
    t_col.push_back(solid(4, 4, truth));
    p_col.push_back(solid(4, 4, pred));
  }
  auto plain = side_by_side_frames({t_col, p_col});
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0].size(), cv::Size(2 * 4 + 3, 4 + 2));
  EXPECT_EQ(plain[0].at<cv::Vec3b>(1, 6), pred);

  FrameBorders borders;
  borders.width = 1;
  borders.n_cond = 2;
  borders.predicted = {false, true};
  auto framed = side_by_side_frames({t_col, p_col}, borders, 1);
  ASSERT_EQ(framed.size(), 3u);
  EXPECT_EQ(framed[0].size(), cv::Size(2 * 6 + 3, 6 + 2));
  const cv::Vec3b green(0, 179, 0), red(179, 0, 0);
  EXPECT_EQ(framed[0].at<cv::Vec3b>(1, 1), green);  // truth column: always green
  EXPECT_EQ(framed[2].at<cv::Vec3b>(1, 1), green);
  EXPECT_EQ(framed[0].at<cv::Vec3b>(2, 2), truth);
  EXPECT_EQ(framed[1].at<cv::Vec3b>(1, 8), green);  // prediction while conditioning
  EXPECT_EQ(framed[2].at<cv::Vec3b>(1, 8), red);    // prediction after n_cond
  EXPECT_EQ(framed[2].at<cv::Vec3b>(2, 9), pred);

  EXPECT_THROW(side_by_side_frames({t_col, {p_col[0]}}), std::invalid_argument);
  borders.predicted = {true};
  EXPECT_THROW(side_by_side_frames({t_col, p_col}, borders), std::invalid_argument);
}

}  // namespace
}  // namespace foresight
