// A throwaway PostgreSQL server for tests: initdb in a temp dir, postgres
// on a free loopback port (trust auth), a database named after the user.
// As root it runs as the `postgres` user (initdb refuses root). Stopped
// (fast shutdown) and removed in the destructor.
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

namespace jobstack::test {

class pg_server {
public:
  pg_server();
  ~pg_server();
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  uint16_t port() const {
    return port_;
  }

  /// The superuser, and the name of its database.
  static constexpr const char* user = "jobstack";

private:
  void start();
  void stop();

  std::string dir_;
  std::string bindir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace jobstack::test
