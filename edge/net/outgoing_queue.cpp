#include "edge/net/outgoing_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace foresight {

OutgoingQueue::OutgoingQueue(std::size_t max_droppable, std::size_t max_control)
    : max_droppable_(max_droppable), max_control_(max_control) {
  if (max_droppable == 0 || max_control == 0) {
    throw std::invalid_argument("OutgoingQueue: limits must be > 0");
  }
}

int OutgoingQueue::push(OutgoingMessage m) {
  int shed = 0;
  if (m.droppable) {
    while (droppable_ >= max_droppable_) {
      const int n = shed_oldest_group(m.group);
      if (n == 0) break;
      shed += n;
    }
    if (droppable_ >= max_droppable_ && !(m.group != 0 && has_group(m.group))) return shed + 1;
    ++droppable_;
  } else {
    if (control_ >= max_control_) return -1;
    ++control_;
  }
  bytes_ += m.bytes->size();
  items_.push_back(std::move(m));
  return shed;
}

bool OutgoingQueue::has_group(uint64_t group) const {
  return std::any_of(items_.begin(), items_.end(),
                     [&](const OutgoingMessage& m) { return m.droppable && m.group == group; });
}

int OutgoingQueue::shed_oldest_group(uint64_t keep) {
  // The front may be on the wire: it and the rest of its group stay, or the client would get
  // part of a step.
  const bool front_busy = in_flight_ && !items_.empty();
  const uint64_t writing = front_busy && items_.front().droppable ? items_.front().group : 0;
  auto first = items_.begin() + (front_busy ? 1 : 0);
  auto victim = std::find_if(first, items_.end(), [&](const OutgoingMessage& m) {
    return m.droppable && (m.group == 0 || (m.group != keep && m.group != writing));
  });
  if (victim == items_.end()) return 0;
  const uint64_t group = victim->group;
  int shed = 0;
  for (auto it = victim; it != items_.end();) {
    if (it->droppable && (it == victim || (group != 0 && it->group == group))) {
      bytes_ -= it->bytes->size();
      --droppable_;
      ++shed;
      it = items_.erase(it);
      if (group == 0) break;
    } else {
      ++it;
    }
  }
  return shed;
}

const OutgoingMessage& OutgoingQueue::begin_write() {
  if (items_.empty()) throw std::logic_error("OutgoingQueue::begin_write on an empty queue");
  in_flight_ = true;
  return items_.front();
}

void OutgoingQueue::pop_front() {
  if (items_.empty()) return;
  const OutgoingMessage& m = items_.front();
  bytes_ -= m.bytes->size();
  (m.droppable ? droppable_ : control_) -= 1;
  items_.pop_front();
  in_flight_ = false;
}

}  // namespace foresight
