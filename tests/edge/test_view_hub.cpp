// ViewHub: latest frame per view with sequence numbers, waiting for a newer frame, shutdown, and
// the bounded PSNR history.
#include <gtest/gtest.h>

#include <thread>

#include "edge/stream/view_hub.hpp"

namespace foresight {
namespace {
using namespace std::chrono_literals;

TEST(ViewHub, KeepsOnlyTheLatestFramePerViewWithIncreasingSeq) {
  ViewHub hub;
  EXPECT_FALSE(hub.latest("camera").has_value());
  hub.publish("camera", {1, 2, 3});
  hub.publish("camera", {4, 5});
  hub.publish("prediction", {9});
  auto cam = hub.latest("camera");
  ASSERT_TRUE(cam.has_value());
  EXPECT_EQ(cam->seq, 2u);
  EXPECT_EQ(*cam->jpeg, (std::vector<uint8_t>{4, 5}));
  EXPECT_EQ(hub.latest("prediction")->seq, 1u);
}

TEST(ViewHub, UnknownViewsAreRejected) {
  ViewHub hub;
  EXPECT_THROW(hub.publish("nope", {1}), std::invalid_argument);
  EXPECT_THROW(hub.latest("nope"), std::invalid_argument);
  EXPECT_THROW(hub.wait_newer("nope", 0, 1ms), std::invalid_argument);
  for (const auto& name : ViewHub::view_names()) EXPECT_NO_THROW(hub.latest(name));
}

TEST(ViewHub, WaitNewerWakesOnPublishAndTimesOut) {
  ViewHub hub;
  hub.publish("sidebyside", {1});
  // Already newer than 0: returns at once.
  EXPECT_EQ(hub.wait_newer("sidebyside", 0, 10s)->seq, 1u);
  EXPECT_FALSE(hub.wait_newer("sidebyside", 1, 20ms).has_value());
  std::thread publisher([&] {
    std::this_thread::sleep_for(30ms);
    hub.publish("sidebyside", {2});
  });
  auto f = hub.wait_newer("sidebyside", 1, 10s);
  publisher.join();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->seq, 2u);
}

TEST(ViewHub, CloseWakesWaitersAndLaterWaitsReturnAtOnce) {
  ViewHub hub;
  std::thread closer([&] {
    std::this_thread::sleep_for(30ms);
    hub.close();
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(hub.wait_newer("camera", 0, 10s).has_value());
  closer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(hub.wait_newer("camera", 0, 10s).has_value());
}

TEST(ViewHub, PsnrHistoryKeepsTheLast600Points) {
  ViewHub hub;
  for (uint64_t i = 1; i <= 2000; ++i) hub.add_psnr({i, 20.0 + i % 3, 18.0});
  auto h = hub.psnr_history();
  ASSERT_EQ(h.size(), 600u);
  EXPECT_EQ(h.front().frame_seq, 1401u);
  EXPECT_EQ(h.back().frame_seq, 2000u);
}

}  // namespace
}  // namespace foresight
