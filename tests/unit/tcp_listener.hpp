// A real TCP listener on 127.0.0.1 for the log shipping tests: it plays the
// log aggregator, collecting the lines its clients send. Every wait is
// bounded by a deadline.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace jobstack::test {

class tcp_listener {
public:
  /// Listens on 127.0.0.1:`port`; 0 picks a free port.
  explicit tcp_listener(uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    // Reopening on the same port must work while old connections linger.
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    auto* any = reinterpret_cast<sockaddr*>(&addr);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, any, len) != 0 || ::listen(fd_, 16) != 0
        || ::getsockname(fd_, any, &len) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }

  ~tcp_listener() {
    close();
  }

  tcp_listener(const tcp_listener&) = delete;
  tcp_listener& operator=(const tcp_listener&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// Closes the listener and every accepted connection: the aggregator
  /// is gone.
  void close() {
    for (auto& c : conns_)
      ::close(c.fd);
    conns_.clear();
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Accepts and reads until `done(lines())` or `timeout` passes.
  template <class Done>
  bool collect_until(Done done, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!done(lines_)) {
      if (std::chrono::steady_clock::now() >= until)
        return false;
      poll_once(20);
    }
    return true;
  }

  /// Collects until at least `n` lines arrived; false on timeout.
  bool collect(size_t n, std::chrono::milliseconds timeout) {
    return collect_until([n](auto& lines) { return lines.size() >= n; },
                         timeout);
  }

  /// Every complete line received so far, without its newline.
  const std::vector<std::string>& lines() const {
    return lines_;
  }

private:
  struct connection {
    int fd;
    std::string partial; // bytes after the last newline
  };

  void poll_once(int ms) {
    std::vector<pollfd> fds{{fd_, POLLIN, 0}};
    for (auto& c : conns_)
      fds.push_back({c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), ms) <= 0)
      return;
    for (size_t i = fds.size() - 1; i > 0; --i)
      if (fds[i].revents != 0 && !read_from(conns_[i - 1])) {
        ::close(conns_[i - 1].fd);
        conns_.erase(conns_.begin() + static_cast<long>(i - 1));
      }
    if (fds[0].revents & POLLIN)
      conns_.push_back({::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC), {}});
  }

  // False once the client closed the connection.
  bool read_from(connection& c) {
    char buf[65536];
    auto n = ::recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0)
      return n < 0 && (errno == EAGAIN || errno == EINTR);
    c.partial.append(buf, static_cast<size_t>(n));
    for (auto nl = c.partial.find('\n'); nl != std::string::npos;
         nl = c.partial.find('\n')) {
      lines_.push_back(c.partial.substr(0, nl));
      c.partial.erase(0, nl + 1);
    }
    return true;
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<connection> conns_;
  std::vector<std::string> lines_;
};

/// A port on 127.0.0.1 that nothing listens on (connections are refused).
inline uint16_t closed_port() {
  tcp_listener l;
  return l.port();
}

} // namespace jobstack::test
