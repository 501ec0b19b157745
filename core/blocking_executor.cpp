// The blocking executor; see blocking_executor.hpp.
#include "core/blocking_executor.hpp"

namespace jobstack {

blocking_executor::blocking_executor()
    : queue_(std::make_shared<queue>()), thread_(run, queue_) {
  // nop
}

blocking_executor::~blocking_executor() {
  {
    std::lock_guard<std::mutex> guard{queue_->mtx};
    queue_->stopping = true;
    queue_->tasks.clear();
  }
  queue_->cv.notify_all();
  if (abandoned_)
    thread_.detach();
  else
    thread_.join();
}

void blocking_executor::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard{queue_->mtx};
    if (queue_->stopping)
      return;
    queue_->tasks.push_back(std::move(task));
  }
  queue_->cv.notify_one();
}

void blocking_executor::run(std::shared_ptr<queue> q) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> guard{q->mtx};
      q->cv.wait(guard, [&q] { return q->stopping || !q->tasks.empty(); });
      if (q->stopping)
        return;
      task = std::move(q->tasks.front());
      q->tasks.pop_front();
    }
    task();
  }
}

} // namespace jobstack
