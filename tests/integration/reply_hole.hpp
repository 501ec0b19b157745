// A TCP relay between a client and a real redis-server that can swallow
// Redis' replies: the commands still run, the client never hears back. It
// is how a test makes "Redis ran the write, the reply was lost" happen on
// purpose (in production: Redis frozen between running a script and
// writing its reply, or a link that breaks at that moment).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace jobstack::test {

class reply_hole {
public:
  explicit reply_hole(uint16_t redis_port);
  ~reply_hole();
  reply_hole(const reply_hole&) = delete;
  reply_hole& operator=(const reply_hole&) = delete;

  /// The port clients connect to instead of Redis'.
  uint16_t port() const {
    return port_;
  }

  /// While on, bytes from Redis to clients are dropped.
  void swallow_replies(bool on) {
    swallow_.store(on);
  }

private:
  void relay();

  uint16_t redis_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> swallow_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace jobstack::test
