// TCP shipping of log lines; see log_shipper.hpp.
//
// The socket is non-blocking and every wait is a poll() of at most one tick,
// so the thread notices stop() within a tick whatever the network does.
#include "core/log_shipper.hpp"

#include <algorithm>
#include <cerrno>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace jobstack {

namespace {

constexpr int tick_ms = 50;

bool transient(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

// Waits for a non-blocking connect to finish; false on failure, on timeout
// or when `give_up()` says so (a stop is due).
template <class GiveUp>
bool wait_connected(int fd, std::chrono::milliseconds timeout, GiveUp give_up) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until && !give_up()) {
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, tick_ms);
    if (n < 0 && errno != EINTR)
      return false;
    if (n > 0) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      return err == 0;
    }
  }
  return false;
}

// Connects to one resolved address; the socket stays non-blocking.
template <class GiveUp>
int connect_socket(const addrinfo& ai, std::chrono::milliseconds timeout,
                   GiveUp give_up) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai.ai_protocol);
  if (fd < 0)
    return -1;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0
      || (errno == EINPROGRESS && wait_connected(fd, timeout, give_up)))
    return fd;
  ::close(fd);
  return -1;
}

} // namespace

log_shipper::log_shipper(log_shipper_options options)
    : options_(std::move(options)) {
  thread_ = std::thread{[this] {
    run();
  }};
}

log_shipper::~log_shipper() {
  stop(std::chrono::milliseconds{0});
}

bool log_shipper::push(std::string line) {
  {
    std::lock_guard<std::mutex> lock{mtx_};
    if (stopping_ || queue_.size() >= options_.queue_lines) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(line));
  }
  cv_.notify_one();
  return true;
}

void log_shipper::stop(std::chrono::milliseconds grace) {
  if (!thread_.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock{mtx_};
    deadline_ = clock::now() + grace;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

// -- the background thread ----------------------------------------------------

void log_shipper::run() {
  auto delay = options_.min_backoff;
  auto back_off = [&] {
    pause(delay);
    delay = std::min(delay * 2, options_.max_backoff);
  };
  while (!finished()) {
    if (fd_ < 0 && !connect_once()) {
      if (stopping_)
        break; // the aggregator is still away: no use waiting out the grace
      back_off();
      continue;
    }
    if (pending_.empty() && !take_lines())
      continue; // woken by stop() with nothing queued
    if (send_pending()) {
      delay = options_.min_backoff;
    } else {
      // Also after a failed send: an aggregator that accepts and then
      // closes at once must not make us spin.
      close_connection();
      back_off();
    }
  }
  close_connection();
  std::lock_guard<std::mutex> lock{mtx_};
  dropped_ += queue_.size()
              + static_cast<uint64_t>(
                  std::count(pending_.begin(), pending_.end(), '\n'));
  queue_.clear();
  pending_.clear();
}

bool log_shipper::finished() {
  if (!stopping_)
    return false;
  if (past_deadline())
    return true;
  std::lock_guard<std::mutex> lock{mtx_};
  return queue_.empty() && pending_.empty();
}

bool log_shipper::past_deadline() const {
  return stopping_ && clock::now() >= deadline_;
}

bool log_shipper::connect_once() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(options_.port);
  // Resolved on every attempt, so an aggregator that moves is found again.
  // (A resolver that hangs delays stop(); use an address or /etc/hosts.)
  if (::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found) != 0)
    return false;
  for (auto* ai = found; ai != nullptr && fd_ < 0; ai = ai->ai_next)
    fd_ = connect_socket(*ai, options_.connect_timeout,
                         [this] { return past_deadline(); });
  ::freeaddrinfo(found);
  return fd_ >= 0;
}

void log_shipper::close_connection() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

// Moves everything queued into pending_, waiting until there is something
// or stop() is called. Building the batch happens outside the lock so
// push() is never held up by it.
bool log_shipper::take_lines() {
  std::deque<std::string> lines;
  {
    std::unique_lock<std::mutex> lock{mtx_};
    cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    lines.swap(queue_);
  }
  for (auto& line : lines) {
    pending_ += line;
    pending_ += '\n';
  }
  return !pending_.empty();
}

// Sends pending_; true if all of it went out. On failure only whole lines
// that were fully sent are removed, so the next connection starts at a
// line boundary and the aggregator never sees half a line there.
bool log_shipper::send_pending() {
  if (peer_closed())
    return false;
  size_t done = 0;
  auto last_progress = clock::now();
  while (done < pending_.size()) {
    auto n = ::send(fd_, pending_.data() + done, pending_.size() - done,
                    MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      last_progress = clock::now();
      continue;
    }
    if (n < 0 && !transient(errno))
      break; // reset or broken pipe
    if (clock::now() - last_progress >= options_.send_timeout
        || past_deadline())
      break; // the peer stalled, or we must stop now
    pollfd p{fd_, POLLOUT, 0};
    ::poll(&p, 1, tick_ms);
  }
  size_t cut = done;
  if (done < pending_.size()) {
    auto last_newline
        = done == 0 ? std::string::npos : pending_.rfind('\n', done - 1);
    cut = last_newline == std::string::npos ? 0 : last_newline + 1;
  }
  pending_.erase(0, cut);
  return pending_.empty();
}

// An aggregator that restarted while we were idle closed our connection;
// the first send() on it would still succeed and lose the lines, so look
// for the close (or reset) before sending.
bool log_shipper::peer_closed() {
  char buf[512];
  for (int i = 0; i < 16; ++i) {
    auto n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0)
      return true;
    if (n < 0)
      return !transient(errno);
    // n > 0: the aggregator talks back; ignored.
  }
  return false;
}

// Waits `delay`, or less if stop() is called meanwhile (or its deadline
// comes first).
void log_shipper::pause(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock{mtx_};
  auto until = clock::now() + delay;
  bool was_stopping = stopping_;
  if (was_stopping)
    until = std::min(until, deadline_);
  cv_.wait_until(lock, until, [&] { return stopping_ != was_stopping; });
}

} // namespace jobstack
