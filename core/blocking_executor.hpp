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
#include <memory>
#include <mutex>
#include <thread>

namespace jobstack {

class blocking_executor {
public:
  blocking_executor();

  /// Drops queued tasks, waits for the running one and joins the thread;
  /// after abandon(), lets the running task finish on its own instead.
  ~blocking_executor();

  blocking_executor(const blocking_executor&) = delete;
  blocking_executor& operator=(const blocking_executor&) = delete;

  void post(std::function<void()> task);

  /// Gives up on the running task (e.g. a handler past its timeout): the
  /// destructor will not wait for it. Its thread ends when the task does.
  void abandon() {
    abandoned_ = true;
  }

private:
  // Shared with the thread, which may outlive an abandoned executor.
  struct queue {
    std::mutex mtx;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
  };

  static void run(std::shared_ptr<queue> q);

  std::shared_ptr<queue> queue_;
  std::thread thread_;
  bool abandoned_ = false;
};

} // namespace jobstack
