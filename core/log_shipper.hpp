// Ships log lines to a log aggregator over TCP without ever making the
// logging thread wait for the network.
//
// push() only appends to a bounded in-memory queue; when the queue is full
// the line is dropped and counted. One background thread connects, sends
// what is queued, and after a failure (aggregator down, connection reset,
// peer stalled) reconnects with exponential backoff. Lines queued while the
// aggregator is away are sent once it is back, up to the queue bound.
// The shipper never logs itself: its only report is dropped().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace jobstack {

struct log_shipper_options {
  std::string host;
  uint16_t port = 0;
  /// Lines waiting to be sent; more are dropped.
  size_t queue_lines = 10000;
  /// First wait after a failure; doubles per failure up to max_backoff.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds connect_timeout{1000};
  /// A connection that accepts no bytes for this long is given up.
  std::chrono::milliseconds send_timeout{2000};
};

class log_shipper {
public:
  /// Starts the background thread; it connects at once.
  explicit log_shipper(log_shipper_options options);

  /// Stops without a grace period (lines still queued are dropped).
  ~log_shipper();

  log_shipper(const log_shipper&) = delete;
  log_shipper& operator=(const log_shipper&) = delete;

  /// Queues one line (without its newline). Never waits for I/O; returns
  /// false if the line was dropped because the queue is full or stopped.
  bool push(std::string line);

  /// Gives the thread up to `grace` to send what is queued, then joins it.
  /// Lines not sent by then are dropped. Call from one thread only.
  void stop(std::chrono::milliseconds grace);

  /// Lines dropped so far: queue full, or still unsent at stop().
  uint64_t dropped() const {
    return dropped_.load();
  }

private:
  using clock = std::chrono::steady_clock;

  // -- the background thread ------------------------------------------------

  void run();
  bool finished();
  bool connect_once();
  void close_connection();
  bool take_lines();
  bool send_pending();
  bool peer_closed();
  void pause(std::chrono::milliseconds delay);
  bool past_deadline() const;

  // -- state ----------------------------------------------------------------

  const log_shipper_options options_;

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::string> queue_; // guarded by mtx_
  std::atomic<bool> stopping_{false};
  clock::time_point deadline_; // set before stopping_ becomes true

  std::atomic<uint64_t> dropped_{0};

  // Owned by the background thread.
  int fd_ = -1;
  std::string pending_; // whole '\n'-terminated lines taken, not yet sent

  std::thread thread_; // last: starts after the members above exist
};

} // namespace jobstack
