// A throwaway redis-server for tests: free loopback port, temp dir, AOF on.
// Started in the constructor, stopped (and its dir removed) in the
// destructor; can be stopped and started again on the same data.
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

namespace jobstack::test {

class redis_server {
public:
  redis_server();
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  uint16_t port() const {
    return port_;
  }

  void start();
  void stop();

private:
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t free_port();

/// Sends `signal` to the child `pid`, waits up to 10 s for it to exit, then
/// SIGKILLs it; sets `pid` to -1. Does nothing if `pid` <= 0.
void stop_child(pid_t& pid, int signal);

} // namespace jobstack::test
