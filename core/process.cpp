// Signal helpers; see process.hpp.
#include "core/process.hpp"

#include <csignal>
#include <ctime>

namespace jobstack {

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

} // namespace

void block_stop_signals() {
  auto set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // peers closing sockets must not kill us
}

bool wait_for_stop_signal(std::chrono::milliseconds timeout) {
  auto set = stop_signals();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

} // namespace jobstack
