// A connection's outgoing messages, bounded: predictions are droppable and, past the limit, the
// oldest step's predictions not yet on the wire go first (a slow client sees fresher predictions,
// not a backlog). A step's predictions form a group that is shed whole or not at all, so a
// rollout (every horizon and sample of one step) arrives complete or not at all;
// control messages (METADATA, ERROR) are never dropped, but too many of them queued means the peer
// is not reading, and the caller closes the connection.
#pragma once
#include <cstddef>
#include <deque>
#include <memory>
#include <string>

namespace foresight {

struct OutgoingMessage {
  std::shared_ptr<const std::string> bytes;  // shared between the connections that send it
  bool droppable = false;
  uint64_t group = 0;  // droppable messages with the same non-zero group are shed together
};

class OutgoingQueue {
 public:
  // Throws std::invalid_argument when either limit is 0.
  OutgoingQueue(std::size_t max_droppable, std::size_t max_control);

  // Appends `m`. Past max_droppable, whole older groups are shed (never the one being written,
  // never m's own); when no older group is left, m is shed, unless its group is already queued:
  // then it joins it, so the queue holds at most max_droppable plus one group. Returns the number
  // of droppable messages shed (m included), or -1 when `m` is a control message and max_control
  // are already queued (nothing is queued then).
  int push(OutgoingMessage m);

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::size_t bytes() const { return bytes_; }
  // The next message to write; marks it in flight (never shed) until pop_front().
  const OutgoingMessage& begin_write();
  bool writing() const { return in_flight_; }
  // Removes the message that was being written.
  void pop_front();

 private:
  // Sheds the oldest droppable group other than `keep` and the one being written; returns how
  // many messages went (0: none could).
  int shed_oldest_group(uint64_t keep);
  bool has_group(uint64_t group) const;

  std::deque<OutgoingMessage> items_;
  std::size_t max_droppable_, max_control_;
  std::size_t droppable_ = 0, control_ = 0, bytes_ = 0;
  bool in_flight_ = false;
};

}  // namespace foresight
