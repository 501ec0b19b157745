// The PostgreSQL job-history archive over libpq; see pg_archive.hpp.
#include "store/pg_archive.hpp"

#include <algorithm>
#include <memory>
#include <set>

#include <libpq-fe.h>

#include "core/logging.hpp"
#include "store/sql_migrations.hpp"

namespace jobstack {

namespace {

// Any 64-bit number, the same in every jobstack server: the advisory lock
// that makes concurrent migrations take turns.
constexpr const char* migration_lock = "7306541208443541";

struct result_deleter {
  void operator()(PGresult* r) const {
    PQclear(r);
  }
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

void ignore_notice(void*, const char*) {
  // "relation already exists, skipping" and friends: not worth a line
}

} // namespace

struct pg_archive::result {
  std::unique_ptr<PGresult, result_deleter> res;

  int rows() const {
    return PQntuples(res.get());
  }

  sql_row row(int i) const {
    sql_row out;
    for (int c = 0; c < PQnfields(res.get()); ++c) {
      if (PQgetisnull(res.get(), i, c))
        out.emplace_back(std::nullopt);
      else
        out.emplace_back(
            std::string{PQgetvalue(res.get(), i, c),
                        static_cast<size_t>(PQgetlength(res.get(), i, c))});
    }
    return out;
  }
};

const std::vector<sql_migration>& bundled_migrations() {
  static const std::vector<sql_migration> all = [] {
    std::vector<sql_migration> out;
    for (auto& m : sql::migrations)
      out.push_back({m.version, m.text});
    std::sort(out.begin(), out.end(),
              [](auto& a, auto& b) { return a.version < b.version; });
    return out;
  }();
  return all;
}

std::vector<std::pair<std::string, std::string>>
pg_connection_params(const pg_options& options) {
  std::vector<std::pair<std::string, std::string>> out{
      {"host", options.host}, {"port", std::to_string(options.port)}};
  if (!options.user.empty())
    out.emplace_back("user", options.user);
  if (!options.password.empty())
    out.emplace_back("password", options.password);
  if (!options.dbname.empty())
    out.emplace_back("dbname", options.dbname);
  out.emplace_back("connect_timeout",
                   std::to_string(options.connect_timeout.count()));
  out.emplace_back("options",
                   "-c statement_timeout="
                       + std::to_string(options.statement_timeout.count()));
  out.emplace_back("application_name", "jobstack-server");
  // A peer that vanishes without a word is noticed within about 15 s.
  out.emplace_back("keepalives_idle", "5");
  out.emplace_back("keepalives_interval", "5");
  out.emplace_back("keepalives_count", "2");
  return out;
}

std::string pg_target(const pg_options& options) {
  auto user
      = options.user.empty() ? std::string{"(default user)"} : options.user;
  auto db = options.dbname.empty() ? options.user : options.dbname;
  return user + "@" + options.host + ":" + std::to_string(options.port) + "/"
         + db;
}

pg_archive::pg_archive(pg_options options,
                       std::vector<sql_migration> migrations)
    : options_(std::move(options)), migrations_(std::move(migrations)) {
  // nop
}

pg_archive::~pg_archive() {
  disconnect();
}

void pg_archive::disconnect() {
  if (conn_ != nullptr)
    PQfinish(conn_);
  conn_ = nullptr;
}

void pg_archive::fail(const std::string& what) {
  auto lost = conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK;
  auto message = what;
  if (conn_ != nullptr)
    message += ": " + trimmed(PQerrorMessage(conn_));
  if (lost)
    disconnect();
  throw pg_error(message, lost);
}

void pg_archive::connect() {
  if (conn_ != nullptr)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_)
    throw pg_error("postgresql unavailable (reconnecting)", true);
  next_attempt_ = now + options_.reconnect_delay;
  auto params = pg_connection_params(options_);
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (auto& [k, v] : params) {
    keywords.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keywords.data(), values.data(), 0);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK)
    fail("connect to postgresql " + pg_target(options_));
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  try {
    migrate();
  } catch (const pg_error&) {
    disconnect(); // never use a connection whose schema is unknown
    throw;
  }
  next_attempt_ = {};
}

pg_archive::result pg_archive::exec(const std::string& sql,
                                    const sql_row& params) {
  if (conn_ == nullptr)
    throw pg_error("postgresql: not connected", true);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  result r{std::unique_ptr<PGresult, result_deleter>{
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), nullptr, nullptr, 0)}};
  auto status = r.res ? PQresultStatus(r.res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail("postgresql");
  return r;
}

// A migration file may hold many statements (and its own BEGIN/COMMIT):
// the simple query protocol runs them all.
void pg_archive::exec_script(const std::string& text) {
  std::unique_ptr<PGresult, result_deleter> r{PQexec(conn_, text.c_str())};
  auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return;
  auto message = trimmed(PQerrorMessage(conn_));
  if (PQstatus(conn_) == CONNECTION_OK)
    PQclear(PQexec(conn_, "ROLLBACK")); // out of a failed transaction
  throw pg_error(message, PQstatus(conn_) != CONNECTION_OK);
}

size_t pg_archive::migrate() {
  exec(std::string{"SELECT pg_advisory_lock("} + migration_lock + ")");
  size_t ran = 0;
  try {
    exec("CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY "
         "KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    std::set<std::string> applied;
    auto r = exec("SELECT version FROM schema_migrations");
    for (int i = 0; i < r.rows(); ++i)
      applied.insert(r.row(i)[0].value_or(""));
    for (auto& m : migrations_) {
      if (applied.count(m.version) > 0)
        continue;
      exec_script(m.text);
      exec("INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT "
           "(version) DO NOTHING",
           {m.version});
      logs::info("archive", "applied migration " + m.version);
      ++ran;
    }
  } catch (const pg_error& e) {
    if (conn_ != nullptr)
      PQclear(PQexec(conn_, (std::string{"SELECT pg_advisory_unlock("}
                             + migration_lock + ")")
                                .c_str()));
    throw pg_error(std::string{"migrating the archive: "} + e.what(),
                   e.connection_lost);
  }
  exec(std::string{"SELECT pg_advisory_unlock("} + migration_lock + ")");
  return ran;
}

template <class F>
auto pg_archive::with_reconnect(F f) -> decltype(f()) {
  bool reused = conn_ != nullptr;
  connect();
  try {
    return f();
  } catch (const pg_error& e) {
    if (!reused || !e.connection_lost)
      throw;
  }
  next_attempt_ = {};
  connect();
  return f();
}

void pg_archive::ping() {
  with_reconnect([&] { return exec("SELECT 1").rows(); });
}

pg_archive::write_result
pg_archive::write(const std::vector<job_record>& jobs) {
  write_result out;
  if (jobs.empty())
    return out;
  auto batch_refused = with_reconnect([&] {
    sql_row params;
    params.reserve(jobs.size() * archive_column_count);
    for (auto& job : jobs)
      for (auto& value : archive_row(job))
        params.push_back(std::move(value));
    try {
      exec(archive_insert_sql(jobs.size()), params);
      return false;
    } catch (const pg_error& e) {
      if (e.connection_lost)
        throw;
      return true;
    }
  });
  if (!batch_refused) {
    out.written = jobs.size();
    return out;
  }
  for (auto& job : jobs) {
    try {
      exec(archive_insert_sql(1), archive_row(job));
      ++out.written;
    } catch (const pg_error& e) {
      if (e.connection_lost)
        throw;
      out.rejected.emplace_back(job.id, e.what());
    }
  }
  return out;
}

std::optional<job_record> pg_archive::find(const std::string& id) {
  return with_reconnect([&]() -> std::optional<job_record> {
    auto r = exec(archive_find_sql(), {id});
    if (r.rows() == 0)
      return std::nullopt;
    return job_from_archive_row(r.row(0));
  });
}

std::vector<job_record> pg_archive::page(const list_query& query,
                                         uint32_t rows) {
  return with_reconnect([&] {
    auto r = exec(archive_page_sql(!query.after.empty()),
                  archive_page_params(query, rows));
    std::vector<job_record> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(job_from_archive_row(r.row(i)));
    return out;
  });
}

} // namespace jobstack
