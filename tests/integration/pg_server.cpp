// Throwaway PostgreSQL server; see pg_server.hpp.
#include "tests/integration/pg_server.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include <csignal>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/redis_server.hpp"

namespace jobstack::test {

namespace {

std::string find_bindir() {
  if (auto* env = std::getenv("JOBSTACK_PG_BINDIR"))
    return env;
  std::string best;
  std::error_code ec;
  for (auto& entry :
       std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")
        && entry.path().string() > best)
      best = entry.path().string();
  if (best.empty())
    throw std::runtime_error("PostgreSQL not found (set JOBSTACK_PG_BINDIR)");
  return best + "/bin";
}

// Runs argv (as the postgres user when we are root); `wait`: until it ends.
pid_t spawn(std::vector<std::string> args, const std::string& log, bool wait) {
  if (geteuid() == 0)
    // The uid change clears PR_SET_PDEATHSIG: setpriv sets it again.
    args.insert(args.begin(),
                {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
                 "--clear-groups", "--pdeathsig", "KILL", "--"});
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); // die with the test
    std::freopen(log.c_str(), "a", stdout);
    std::freopen(log.c_str(), "a", stderr);
    setenv("LC_ALL", "C", 1);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (wait) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error(args[geteuid() == 0 ? 7 : 0] + " failed; see "
                               + log);
  }
  return pid;
}

bool exec_ok(uint16_t port, const char* db, const char* sql) {
  auto conninfo = "host=127.0.0.1 port=" + std::to_string(port)
                  + " user=jobstack connect_timeout=2 dbname=" + db;
  auto* conn = PQconnectdb(conninfo.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok && sql != nullptr) {
    auto* r = PQexec(conn, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  PQfinish(conn);
  return ok;
}

} // namespace

pg_server::pg_server() : bindir_(find_bindir()) {
  char tmpl[] = "/tmp/jobstack-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (geteuid() == 0) {
    auto* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      throw std::runtime_error("cannot hand " + dir_ + " to user postgres");
  }
  port_ = free_port();
  spawn({bindir_ + "/initdb", "-D", dir_ + "/data", "-U", user, "-E", "UTF8",
         "--no-sync", "--auth=trust"},
        dir_ + "/initdb.log", true);
  start();
  if (!exec_ok(port_, "postgres", "CREATE DATABASE jobstack"))
    throw std::runtime_error("CREATE DATABASE failed");
}

pg_server::~pg_server() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void pg_server::start() {
  pid_ = spawn({bindir_ + "/postgres", "-D", dir_ + "/data", "-p",
                std::to_string(port_), "-k", dir_, "-c",
                "listen_addresses=127.0.0.1", "-c", "fsync=off"},
               dir_ + "/postgres.log", false);
  for (int i = 0; i < 150; ++i) { // up to 15 s
    if (exec_ok(port_, "postgres", nullptr))
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  stop();
  throw std::runtime_error("postgres did not start; see " + dir_
                           + "/postgres.log");
}

void pg_server::stop() {
  stop_child(pid_, SIGINT); // fast shutdown
}

} // namespace jobstack::test
