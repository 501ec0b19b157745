// The pure parts of the PostgreSQL job-history archive: row mapping and
// its SQL (store/archive_rows), libpq connection parameters (the password
// goes to libpq, never into what is logged), listing cursors
// (core/list_cursor) and the archiver's pacing. One suite per section.
#define CAF_SUITE store.archive_rows
#include <caf/test/unit_test.hpp>

#include <algorithm>

#include <caf/deep_to_string.hpp>

#include "actors/archiver.hpp"
#include "core/list_cursor.hpp"
#include "store/archive_rows.hpp"
#include "store/pg_archive.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;
using std::chrono::milliseconds;

namespace {

job_record finished_job() {
  job_record job;
  job.id = "01JDX3Q7ZK8M2V6W4T9R5N1B0C";
  job.queue = "mail";
  job.type = "email.send";
  job.payload = R"({"to":"a@example.com"})";
  job.status = status::succeeded;
  job.attempts = 2;
  job.max_attempts = 5;
  job.timeout_ms = 30000;
  job.created_at = 1764541855123456;
  job.updated_at = 1764541856000001;
  job.started_at = 1764541855900000;
  job.finished_at = 1764541856000001;
  job.result = R"({"ok":true})";
  job.worker = "w-1";
  job.request_id = "r-1"; // not archived
  return job;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

CAF_TEST(a job maps to a row and back unchanged) {
  auto job = finished_job();
  auto row = archive_row(job);
  CAF_REQUIRE_EQUAL(row.size(), archive_column_count);
  auto back = job_from_archive_row(row);
  job.request_id.clear();
  CAF_CHECK_EQUAL(caf::deep_to_string(back), caf::deep_to_string(job));
}

CAF_TEST(unset times and empty texts are NULL) {
  auto job = finished_job();
  job.result.clear();
  job.worker.clear();
  auto row = archive_row(job);
  CAF_CHECK(!row[10]); // run_at
  CAF_CHECK(row[11]);  // started_at
  CAF_CHECK(!row[13]); // result
  CAF_CHECK(!row[14]); // last_error
  CAF_CHECK(!row[15]); // worker
  CAF_CHECK_EQUAL(*row[12], "1764541856000001");
  auto back = job_from_archive_row(row);
  CAF_CHECK_EQUAL(back.run_at, 0);
  CAF_CHECK_EQUAL(back.result, "");
}

CAF_TEST(the insert has one parameter per value and keeps later versions) {
  auto sql = archive_insert_sql(3);
  CAF_CHECK_EQUAL(count(sql, "$"), 3 * archive_column_count);
  CAF_CHECK(sql.find("$48") != std::string::npos);
  CAF_CHECK(sql.find("$49") == std::string::npos);
  CAF_CHECK(sql.find("ON CONFLICT (id) DO UPDATE") != std::string::npos);
  CAF_CHECK(sql.find("WHERE job_history.finished_at < EXCLUDED.finished_at")
            != std::string::npos);
}

CAF_TEST(page queries take a keyset only when they continue) {
  list_query q;
  q.queue = "mail";
  q.status = status::dead;
  auto first = archive_page_params(q, 51);
  CAF_CHECK_EQUAL(first.size(), 3u);
  CAF_CHECK(archive_page_sql(false).find("$4") == std::string::npos);
  q.after = {1764541856000001, "01JDX3Q7ZK8M2V6W4T9R5N1B0C"};
  auto next = archive_page_params(q, 51);
  CAF_REQUIRE_EQUAL(next.size(), 5u);
  CAF_CHECK_EQUAL(*next[3], "1764541856000001");
  CAF_CHECK(archive_page_sql(true).find("(finished_at, id) <")
            != std::string::npos);
}

CAF_TEST(a page query one row over the limit goes on after its last job) {
  std::vector<job_record> rows(3, finished_job());
  rows[1].id = "B";
  rows[1].finished_at = 7;
  auto page = archive_page_of(rows, 2);
  CAF_CHECK_EQUAL(page.jobs.size(), 2u);
  CAF_CHECK(page.archive_next);
  CAF_CHECK_EQUAL(page.next_key.id, "B");
  CAF_CHECK_EQUAL(page.next_key.finished_at, 7);
  auto last = archive_page_of(std::vector<job_record>(2, finished_job()), 2);
  CAF_CHECK(!last.archive_next);
}

#undef CAF_SUITE
#define CAF_SUITE store.pg_options

CAF_TEST(the password goes to libpq but not into the target) {
  pg_options opts;
  opts.host = "db.internal";
  opts.port = 5433;
  opts.user = "cscjapi";
  opts.password = "s3cret-pw";
  auto params = pg_connection_params(opts);
  auto has = [&](const std::string& k, const std::string& v) {
    return std::find(params.begin(), params.end(), std::make_pair(k, v))
           != params.end();
  };
  CAF_CHECK(has("password", "s3cret-pw"));
  CAF_CHECK(has("host", "db.internal"));
  CAF_CHECK(has("port", "5433"));
  auto target = pg_target(opts);
  CAF_CHECK_EQUAL(target, "cscjapi@db.internal:5433/cscjapi");
  CAF_CHECK(target.find("s3cret") == std::string::npos);
}

CAF_TEST(unset user and database are left to libpq) {
  pg_options opts;
  opts.host = "127.0.0.1";
  opts.dbname = "history";
  auto params = pg_connection_params(opts);
  for (auto& [k, v] : params) {
    CAF_CHECK_NOT_EQUAL(k, "user");
    CAF_CHECK_NOT_EQUAL(k, "password");
  }
  CAF_CHECK(
      std::find(params.begin(), params.end(),
                std::make_pair(std::string{"dbname"}, std::string{"history"}))
      != params.end());
}

CAF_TEST(migrations are the files of deploy sql in name order) {
  auto& all = bundled_migrations();
  CAF_REQUIRE(!all.empty());
  CAF_CHECK_EQUAL(all.front().version, "001_job_history");
  CAF_CHECK(all.front().text.find("CREATE TABLE IF NOT EXISTS job_history")
            != std::string::npos);
  CAF_CHECK(std::is_sorted(all.begin(), all.end(), [](auto& a, auto& b) {
    return a.version < b.version;
  }));
}

#undef CAF_SUITE
#define CAF_SUITE core.list_cursor

CAF_TEST(offset cursors decode as before) {
  list_query q;
  CAF_CHECK(decode_list_cursor("150", q));
  CAF_CHECK_EQUAL(q.offset, 150u);
  CAF_CHECK(!q.in_archive);
  CAF_CHECK(!decode_list_cursor("", q));
  CAF_CHECK(!decode_list_cursor("-1", q));
  CAF_CHECK(!decode_list_cursor("1000000000001", q));
}

CAF_TEST(archive cursors round trip) {
  job_page page;
  page.archive_next = true;
  page.next_key = {1764541856000001, "01JDX3Q7ZK8M2V6W4T9R5N1B0C"};
  auto text = encode_list_cursor(page);
  CAF_REQUIRE(text);
  CAF_CHECK_EQUAL(*text, "a:1764541856000001:01JDX3Q7ZK8M2V6W4T9R5N1B0C");
  list_query q;
  CAF_REQUIRE(decode_list_cursor(*text, q));
  CAF_CHECK(q.in_archive);
  CAF_CHECK_EQUAL(q.after.finished_at, 1764541856000001);
  CAF_CHECK_EQUAL(q.after.id, "01JDX3Q7ZK8M2V6W4T9R5N1B0C");
  page.next_key = {};
  CAF_CHECK_EQUAL(test::value_of(*encode_list_cursor(page)), "a:");
  list_query from_start;
  CAF_CHECK(decode_list_cursor("a:", from_start));
  CAF_CHECK(from_start.in_archive && from_start.after.empty());
}

CAF_TEST(malformed archive cursors are refused) {
  list_query q;
  for (auto bad : {"a:x", "a:12", "a:12:", "a::ID", "a:0:ID", "a:1:bad id",
                   "a:1234567890123456789:ID", "b:1:ID"})
    CAF_CHECK_EQUAL(std::string{bad} + ": "
                        + (decode_list_cursor(bad, q) ? "accepted" : "refused"),
                    std::string{bad} + ": refused");
}

CAF_TEST(the last page has no cursor) {
  job_page page;
  CAF_CHECK(!encode_list_cursor(page));
  page.next_offset = 50;
  CAF_CHECK_EQUAL(test::value_of(*encode_list_cursor(page)), "50");
}

#undef CAF_SUITE
#define CAF_SUITE actors.archiver

CAF_TEST(pacing backs off while idle and after failures and resets) {
  archiver_options opts; // 200 ms, idle up to 1 s, retry 100 ms .. 5 s
  archive_pacing pace{opts};
  CAF_CHECK_EQUAL(pace.after_batch(true).count(), 0);
  CAF_CHECK_EQUAL(pace.after_batch(false).count(), 200);
  CAF_CHECK_EQUAL(pace.after_idle().count(), 200);
  CAF_CHECK_EQUAL(pace.after_idle().count(), 400);
  CAF_CHECK_EQUAL(pace.after_idle().count(), 800);
  CAF_CHECK_EQUAL(pace.after_idle().count(), 1000);
  CAF_CHECK_EQUAL(pace.after_failure().count(), 100);
  for (int i = 0; i < 10; ++i)
    pace.after_failure();
  CAF_CHECK_EQUAL(pace.after_failure().count(), 5000);
  CAF_CHECK_EQUAL(pace.after_batch(false).count(), 200);
  CAF_CHECK_EQUAL(pace.after_failure().count(), 100);
}
