// The blocking executor; see blocking_executor.hpp.
#include "core/blocking_executor.hpp"

namespace jobstack {

blocking_executor::blocking_executor() : thread_([this] { run(); }) {
  // nop
}

blocking_executor::~blocking_executor() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

void blocking_executor::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_)
      return;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void blocking_executor::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      cv_.wait(guard, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_)
        return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

} // namespace jobstack
