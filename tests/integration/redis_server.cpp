// Throwaway redis-server; see redis_server.hpp.
#include "tests/integration/redis_server.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <csignal>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace jobstack::test {

void stop_child(pid_t& pid, int signal) {
  if (pid <= 0)
    return;
  kill(pid, signal);
  int status = 0;
  for (int i = 0; i < 100; ++i) { // up to 10 s, then SIGKILL
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  pid = -1;
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

bool answers_ping(uint16_t port) {
  timeval tv{0, 200000};
  auto* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  bool ok = false;
  if (c != nullptr && c->err == 0) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
    if (r != nullptr)
      freeReplyObject(r);
  }
  if (c != nullptr)
    redisFree(c);
  return ok;
}

} // namespace

redis_server::redis_server() {
  char tmpl[] = "/tmp/jobstack-redis-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = free_port();
  start();
}

redis_server::~redis_server() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void redis_server::start() {
  auto port = std::to_string(port_);
  std::vector<std::string> args{JOBSTACK_REDIS_SERVER,
                                "--port",
                                port,
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir_,
                                "--appendonly",
                                "yes",
                                "--save",
                                "",
                                "--daemonize",
                                "no",
                                "--logfile",
                                dir_ + "/redis.log"};
  pid_ = fork();
  if (pid_ == 0) {
    // Die with the test: an aborted test (sanitizer, watchdog) runs no
    // destructor, and must not leave a redis-server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 100; ++i) { // up to 10 s
    if (answers_ping(port_))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  stop();
  throw std::runtime_error("redis-server did not start on port " + port);
}

void redis_server::stop() {
  stop_child(pid_, SIGTERM);
}

} // namespace jobstack::test
