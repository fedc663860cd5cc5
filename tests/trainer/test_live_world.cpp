// The simulated robot of `foresight sim`: with actuation noise its TELEMETRY says where the arm
// went while its PLAN says what the operator expects (the commands followed exactly).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

#include "trainer/sim/live_world.hpp"

namespace foresight {
namespace {

const Telemetry& telemetry_of(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    if (const auto* t = std::get_if<Telemetry>(&m)) return *t;
  }
  throw std::runtime_error("no TELEMETRY");
}

TEST(LiveWorld, ANoisyArmsPlanFollowsItsCommandsAndItsTelemetryWhereItWent) {
  auto world = make_live_world(LiveWorldShape{}, 3, 0.3);
  double plan_miss = 0, real_miss = 0;
  for (int step = 0; step < 20; ++step) {
    const std::vector<Message> messages = world->step_messages(1);
    const auto* plan = std::get_if<Plan>(&messages.front());
    ASSERT_NE(plan, nullptr);
    ASSERT_EQ(plan->steps.size(), 1u);
    const Telemetry now = telemetry_of(messages);
    world->advance();
    const Telemetry next = telemetry_of(world->step_messages(0));
    for (int k = 0; k < 2; ++k) {
      const double commanded = now.position[k] + now.action[k];
      plan_miss = std::max(plan_miss, std::abs(plan->steps[0].position[k] - commanded));
      real_miss = std::max(real_miss, std::abs(next.position[k] - commanded));
    }
  }
  EXPECT_LT(plan_miss, 1e-6);  // clamping aside, which these 20 steps do not reach
  EXPECT_GT(real_miss, 1e-3);
}

}  // namespace
}  // namespace foresight
