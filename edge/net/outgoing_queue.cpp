#include "edge/net/outgoing_queue.hpp"

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
    if (droppable_ >= max_droppable_) {
      // The front may be on the wire: it must stay until its write completes.
      for (auto it = items_.begin() + (in_flight_ ? 1 : 0); it != items_.end(); ++it) {
        if (it->droppable) {
          bytes_ -= it->bytes->size();
          items_.erase(it);
          --droppable_;
          shed = 1;
          break;
        }
      }
    }
    if (droppable_ >= max_droppable_) return 1;  // all room is in flight: shed the new one
    ++droppable_;
  } else {
    if (control_ >= max_control_) return -1;
    ++control_;
  }
  bytes_ += m.bytes->size();
  items_.push_back(std::move(m));
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
