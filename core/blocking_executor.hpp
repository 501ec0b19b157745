// One thread that runs blocking work (Redis calls, job handlers) in FIFO
// order, so CAF's scheduler threads never block.
//
// Why not caf::detached actors: CAF 0.17.6 occasionally deadlocks in
// ~actor_system (await_detached_threads) when detached actors were used
// (upstream issue 1196, fixed only in 0.18). Our actors stay scheduled and
// hand blocking work to an executor they own; see actors/blocking.hpp.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace jobstack {

class blocking_executor {
public:
  blocking_executor();

  /// Drops queued tasks, waits for the running one and joins the thread.
  ~blocking_executor();

  blocking_executor(const blocking_executor&) = delete;
  blocking_executor& operator=(const blocking_executor&) = delete;

  void post(std::function<void()> task);

private:
  void run();

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace jobstack
