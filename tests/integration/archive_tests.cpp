// The job-history archive against a real PostgreSQL and a real redis-server:
// pg_archive (migrations, idempotent batch writes, find, keyset pages) and
// the Redis side of job_store (finished jobs wait on the archive backlog
// without expiry, marking them archived starts their expiry, archiving
// turned off empties the backlog).
#define CAF_SUITE store.archive
#include <caf/test/unit_test.hpp>

#include <set>

#include "core/job_id.hpp"
#include "core/time.hpp"
#include "store/job_store.hpp"
#include "store/pg_archive.hpp"
#include "store/redis_keys.hpp"
#include "tests/integration/pg_server.hpp"
#include "tests/integration/redis_server.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;

namespace {

pg_options options_for(const test::pg_server& pg) {
  pg_options opts;
  opts.host = "127.0.0.1";
  opts.port = pg.port();
  opts.user = test::pg_server::user;
  return opts;
}

job_record finished(int i, int64_t finished_at, const char* status = "dead") {
  job_record job;
  job.id = make_job_id(finished_at) + std::to_string(i % 10);
  job.queue = "mail";
  job.type = "t";
  job.payload = R"({"i":)" + std::to_string(i) + "}";
  job.status = status;
  job.attempts = 1;
  job.created_at = finished_at - 1000;
  job.updated_at = finished_at;
  job.finished_at = finished_at;
  job.last_error = "boom";
  return job;
}

// An integer reply, read before the reply is freed.
long long number(job_store& in, const redis_args& command) {
  auto reply = in.redis().command(command);
  return reply->integer;
}

struct fixture {
  test::pg_server pg;
  pg_archive db{options_for(pg)};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(archive_tests, fixture)

CAF_TEST(migrations run once and again without harm) {
  db.connect();
  CAF_CHECK_EQUAL(db.migrate(), 0u); // connect applied them all
  pg_archive second{options_for(pg)};
  second.connect();
  CAF_CHECK_EQUAL(second.migrate(), 0u);
  CAF_CHECK(!db.find("nope"));
}

CAF_TEST(writing a batch twice keeps one row per job) {
  std::vector<job_record> jobs;
  auto t = now_us();
  for (int i = 0; i < 30; ++i)
    jobs.push_back(finished(i, t + i));
  CAF_CHECK_EQUAL(db.write(jobs).written, 30u);
  CAF_CHECK_EQUAL(db.write(jobs).written, 30u);
  list_query q;
  q.queue = "mail";
  q.status = "dead";
  CAF_CHECK_EQUAL(db.page(q, 100).size(), 30u);
  auto found = db.find(jobs[7].id);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(found->finished_at, jobs[7].finished_at);
  CAF_CHECK_EQUAL(found->created_at, jobs[7].created_at);
  CAF_CHECK_EQUAL(found->last_error, "boom");
  CAF_CHECK_EQUAL(found->payload, R"({"i": 7})"); // jsonb's spelling
}

CAF_TEST(a later version replaces an archived job and an older one not ) {
  auto job = finished(1, now_us());
  db.write({job});
  auto retried = job;
  retried.finished_at += 5000;
  retried.status = "succeeded";
  retried.result = "[1]";
  db.write({retried});
  db.write({job}); // the older version again: no change
  auto found = db.find(job.id);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(found->status, "succeeded");
  CAF_CHECK_EQUAL(found->finished_at, retried.finished_at);
}

CAF_TEST(a job postgresql refuses does not hold up the batch) {
  auto good = finished(1, now_us());
  auto bad = finished(2, now_us() + 1);
  bad.payload = R"({"s":"\u0000"})"; // jsonb cannot hold NUL
  auto out = db.write({good, bad});
  CAF_CHECK_EQUAL(out.written, 1u);
  CAF_REQUIRE_EQUAL(out.rejected.size(), 1u);
  CAF_CHECK_EQUAL(out.rejected[0].first, bad.id);
  CAF_CHECK(db.find(good.id));
}

CAF_TEST(pages follow the keyset without repeats or gaps) {
  std::vector<job_record> jobs;
  auto t = now_us();
  for (int i = 0; i < 25; ++i) // pairs share a finished_at: ids break ties
    jobs.push_back(finished(i, t + i / 2));
  db.write(jobs);
  list_query q;
  q.queue = "mail";
  q.status = "dead";
  q.limit = 4;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = archive_page_of(db.page(q, q.limit + 1), q.limit);
    for (auto& job : page.jobs)
      seen.push_back(job.id);
    if (!page.archive_next)
      break;
    q.after = page.next_key;
  }
  CAF_CHECK_EQUAL(seen.size(), 25u);
  CAF_CHECK_EQUAL(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
}

CAF_TEST(finished jobs wait on the backlog until marked archived) {
  test::redis_server redis;
  store_options opts;
  opts.redis.port = redis.port();
  opts.retention_s = 60;
  opts.archive = true;
  job_store store{opts};
  store.connect();
  job_record job = finished(0, now_us());
  job.status = status::queued;
  job.finished_at = 0;
  job.queue = "default";
  CAF_REQUIRE(store.create(job));
  auto claimed = store.claim("w", {"default"}, 1, now_us());
  CAF_REQUIRE_EQUAL(claimed.size(), 1u);
  job_outcome outcome;
  outcome.job_id = job.id;
  outcome.attempt = claimed[0].attempt;
  outcome.succeeded = true;
  outcome.result = "{}";
  auto verdicts = store.ack("w", {outcome}, now_us());
  CAF_REQUIRE_EQUAL(verdicts.size(), 1u);
  CAF_CHECK_EQUAL(verdicts[0], ack_verdict::succeeded);
  CAF_CHECK_EQUAL(test::value_of(store.find(job.id)->status), "succeeded");
  CAF_CHECK_EQUAL(number(store, {"EXISTS", keys::archive_on()}), 1);
  auto ttl = [&] {
    return number(store, {"TTL", keys::job(job.id)});
  };
  CAF_CHECK_EQUAL(ttl(), -1); // no expiry while unarchived
  auto batch = store.read_archive_backlog(10);
  CAF_CHECK_EQUAL(batch.backlog, 1);
  CAF_REQUIRE_EQUAL(batch.jobs.size(), 1u);
  CAF_CHECK_EQUAL(batch.jobs[0].id, job.id);
  CAF_CHECK_EQUAL(db.write(batch.jobs).written, 1u);
  CAF_CHECK_EQUAL(
      store.mark_archived({{batch.jobs[0].finished_at, job.id}}, now_us()), 1u);
  CAF_CHECK(ttl() > 50 && ttl() <= 60);
  CAF_CHECK_EQUAL(store.read_archive_backlog(10).backlog, 0);
  // A server without archiving empties what is left on the backlog.
  store_options off = opts;
  off.archive = false;
  job_store plain{off};
  plain.connect();
  CAF_CHECK_EQUAL(number(plain, {"EXISTS", keys::archive_on()}), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()
