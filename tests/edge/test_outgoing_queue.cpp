// OutgoingQueue: predictions are shed oldest-first past the limit (never the one on the wire),
// control messages are kept, and too many unread control messages are reported.
#include <gtest/gtest.h>

#include "edge/net/outgoing_queue.hpp"

namespace foresight {
namespace {

OutgoingMessage msg(const std::string& text, bool droppable) {
  return {std::make_shared<const std::string>(text), droppable};
}

TEST(OutgoingQueue, ShedsTheOldestPredictionPastTheLimit) {
  OutgoingQueue q(2, 4);
  EXPECT_EQ(q.push(msg("p1", true)), 0);
  EXPECT_EQ(q.push(msg("e1", false)), 0);
  EXPECT_EQ(q.push(msg("p2", true)), 0);
  EXPECT_EQ(q.push(msg("p3", true)), 1);  // p1 goes
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(*q.begin_write().bytes, "e1");
  q.pop_front();
  EXPECT_EQ(*q.begin_write().bytes, "p2");
  EXPECT_EQ(q.bytes(), 4u);
}

TEST(OutgoingQueue, NeverShedsTheMessageBeingWritten) {
  OutgoingQueue q(1, 4);
  q.push(msg("p1", true));
  EXPECT_EQ(*q.begin_write().bytes, "p1");
  EXPECT_EQ(q.push(msg("p2", true)), 1);  // no room but the in-flight one: p2 is shed
  EXPECT_EQ(q.size(), 1u);
  q.pop_front();
  EXPECT_EQ(q.push(msg("p3", true)), 0);
  EXPECT_EQ(*q.begin_write().bytes, "p3");
}

TEST(OutgoingQueue, ReportsTooManyControlMessages) {
  OutgoingQueue q(1, 2);
  EXPECT_EQ(q.push(msg("a", false)), 0);
  EXPECT_EQ(q.push(msg("b", false)), 0);
  EXPECT_EQ(q.push(msg("c", false)), -1);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_THROW(OutgoingQueue(0, 1), std::invalid_argument);
}

TEST(OutgoingQueue, StaysBoundedUnderAFloodOfPredictions) {
  OutgoingQueue q(8, 8);
  q.push(msg("first", true));
  q.begin_write();
  int shed = 0;
  for (int i = 0; i < 10000; ++i) shed += q.push(msg(std::string(100, 'x'), true));
  EXPECT_EQ(q.size(), 8u);
  EXPECT_EQ(shed, 10000 - 7);
}

OutgoingMessage step_msg(const std::string& text, uint64_t group) {
  return {std::make_shared<const std::string>(text), true, group};
}

// A step's predictions (one group) are shed whole or kept whole: a new step sheds whole older
// steps, never its own messages, and never the rest of the step being written.
TEST(OutgoingQueue, ShedsWholeStepsAndKeepsARolloutTogether) {
  OutgoingQueue q(4, 4);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(q.push(step_msg("a" + std::to_string(k), 1)), 0);
  // Step 2 has 6 messages, more than the limit: it sheds step 1 whole and then exceeds the limit
  // by its own size rather than losing part of itself.
  int shed = 0;
  for (int k = 0; k < 6; ++k) shed += q.push(step_msg("b" + std::to_string(k), 2));
  EXPECT_EQ(shed, 3);
  EXPECT_EQ(q.size(), 6u);
  EXPECT_EQ(*q.begin_write().bytes, "b0");  // step 2 is on the wire from now on
  // Step 3 cannot shed step 2 (being written): it is shed itself, whole.
  shed = 0;
  for (int k = 0; k < 2; ++k) shed += q.push(step_msg("c" + std::to_string(k), 3));
  EXPECT_EQ(shed, 2);
  EXPECT_EQ(q.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(*q.begin_write().bytes, "b" + std::to_string(k));
    q.pop_front();
  }
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace foresight
