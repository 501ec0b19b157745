// The PostgreSQL job-history archive over libpq: connect (and apply the
// migrations of deploy/sql/ it has not yet), write batches of finished
// jobs, read one job or a page. A plain synchronous class: it blocks, so it
// lives on a thread of its own (the archiver's blocking_executors), never
// on CAF's scheduler threads. A lost connection is dropped and made again
// on a later call; callers only ever see pg_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "messages/api.hpp"
#include "messages/job.hpp"
#include "store/archive_rows.hpp"

struct pg_conn;
typedef struct pg_conn PGconn; // as libpq-fe.h declares it

namespace jobstack {

struct pg_options {
  std::string host;
  uint16_t port = 5432;
  std::string user;     ///< empty: libpq's default (the OS user)
  std::string password; ///< never logged
  std::string dbname;   ///< empty: libpq's default (the user name)
  std::chrono::seconds connect_timeout{2};
  std::chrono::milliseconds statement_timeout{5000};
  /// After a failed connect, calls fail at once for this long.
  std::chrono::milliseconds reconnect_delay{250};
};

/// libpq's connection keywords and values (PQconnectdbParams), the password
/// included: never print them.
std::vector<std::pair<std::string, std::string>>
pg_connection_params(const pg_options& options);

/// "user@host:port/dbname" for logs and errors, without the password.
std::string pg_target(const pg_options& options);

struct pg_error : std::runtime_error {
  pg_error(const std::string& what, bool connection_lost)
      : std::runtime_error(what), connection_lost(connection_lost) {
    // nop
  }
  /// PostgreSQL is unreachable (or went away): try again later. False: it
  /// refused a statement.
  bool connection_lost;
};

/// One file of deploy/sql/: its name without ".sql", and its text.
struct sql_migration {
  std::string version;
  std::string text;
};

/// deploy/sql/*.sql in name order, embedded at build time.
const std::vector<sql_migration>& bundled_migrations();

class pg_archive {
public:
  explicit pg_archive(pg_options options, std::vector<sql_migration> migrations
                                          = bundled_migrations());
  ~pg_archive();
  pg_archive(const pg_archive&) = delete;
  pg_archive& operator=(const pg_archive&) = delete;

  /// Connects if not connected and applies the missing migrations.
  void connect();

  bool connected() const {
    return conn_ != nullptr;
  }

  void disconnect();

  /// Applies the migrations schema_migrations does not list, in name order,
  /// under an advisory lock (servers starting together take turns).
  /// Returns how many ran.
  size_t migrate();

  /// Connects if needed and asks PostgreSQL `SELECT 1`.
  void ping();

  /// What write() did: `written` jobs are in the archive (new, or there
  /// already); `rejected` ones PostgreSQL refused (id, why), e.g. a payload
  /// jsonb cannot hold; they are not retried.
  struct write_result {
    size_t written = 0;
    std::vector<std::pair<std::string, std::string>> rejected;
  };

  /// Writes the jobs in one statement; if PostgreSQL refuses it, one by one,
  /// so that one bad job cannot hold up the others. Throws pg_error only
  /// when the connection fails.
  write_result write(const std::vector<job_record>& jobs);

  std::optional<job_record> find(const std::string& id);

  /// Up to `rows` jobs of query.queue in query.status, after query.after.
  std::vector<job_record> page(const list_query& query, uint32_t rows);

private:
  struct result;
  result exec(const std::string& sql, const sql_row& params = {});
  void exec_script(const std::string& text);
  /// Runs `f`; if the connection it used was an old one that turned out to
  /// be lost (PostgreSQL restarted), once more on a new one.
  template <class F>
  auto with_reconnect(F f) -> decltype(f());
  [[noreturn]] void fail(const std::string& what);

  pg_options options_;
  std::vector<sql_migration> migrations_;
  PGconn* conn_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
};

} // namespace jobstack
