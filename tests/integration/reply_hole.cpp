// Reply-swallowing relay; see reply_hole.hpp. One thread polls the
// listening socket and every client/Redis socket pair.
#include "tests/integration/reply_hole.hpp"

#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace jobstack::test {

namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

struct link {
  int client_fd;
  int redis_fd;
};

} // namespace

reply_hole::reply_hole(uint16_t redis_port) : redis_port_(redis_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || listen(listen_fd_, 16) != 0
      || getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("reply_hole: cannot listen");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread{[this] {
    relay();
  }};
}

reply_hole::~reply_hole() {
  stop_.store(true);
  thread_.join();
  close(listen_fd_);
}

void reply_hole::relay() {
  std::vector<link> links;
  std::vector<char> buf(64 * 1024);
  while (!stop_.load()) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (auto& l : links) {
      fds.push_back({l.client_fd, POLLIN, 0});
      fds.push_back({l.redis_fd, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 50) <= 0)
      continue;
    std::vector<link> alive;
    for (size_t i = 0; i < links.size(); ++i) {
      auto& l = links[i];
      bool open = true;
      for (int side = 0; side < 2 && open; ++side) {
        auto& p = fds[1 + 2 * i + side];
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
          continue;
        auto n = read(p.fd, buf.data(), buf.size());
        if (n <= 0) {
          open = false;
          break;
        }
        bool to_client = side == 1;
        if (to_client && swallow_.load())
          continue;
        int out = to_client ? l.client_fd : l.redis_fd;
        open = write(out, buf.data(), static_cast<size_t>(n)) == n;
      }
      if (open) {
        alive.push_back(l);
      } else {
        close(l.client_fd);
        close(l.redis_fd);
      }
    }
    links = std::move(alive);
    // After the loop above: fds holds entries for the old links only.
    if (fds[0].revents & POLLIN) {
      int client = accept(listen_fd_, nullptr, nullptr);
      int redis = client >= 0 ? connect_to(redis_port_) : -1;
      if (redis >= 0)
        links.push_back({client, redis});
      else if (client >= 0)
        close(client);
    }
  }
  for (auto& l : links) {
    close(l.client_fd);
    close(l.redis_fd);
  }
}

} // namespace jobstack::test
