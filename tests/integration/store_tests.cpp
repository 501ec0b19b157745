// job_store against a real redis-server: LIFO order, atomic claims,
// ack/nack and retries, stale-ack refusal, taking back a dead worker's
// in-flight list, and surviving a Redis restart.
#define CAF_SUITE store.lifo
#include <caf/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "core/job_id.hpp"
#include "core/time.hpp"
#include "store/job_store.hpp"
#include "store/redis_keys.hpp"
#include "tests/integration/redis_server.hpp"
#include "tests/integration/reply_hole.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;
using verdicts = std::vector<std::string>;

namespace {

struct fixture {
  test::redis_server server;
  std::unique_ptr<job_store> db = make_store();

  std::unique_ptr<job_store> make_store() {
    store_options opts;
    opts.redis.port = server.port();
    opts.backoff = {20, 20}; // retries become due quickly
    opts.retention_s = 60;
    opts.lease_grace_ms = 50;
    auto result = std::make_unique<job_store>(opts);
    result->connect();
    return result;
  }

  job_record new_job(const std::string& queue = "default",
                     int32_t max_attempts = 3) {
    job_record job;
    auto now = now_us();
    job.id = make_job_id(now);
    job.queue = queue;
    job.type = "echo";
    job.payload = "{}";
    job.status = status::queued;
    job.max_attempts = max_attempts;
    job.created_at = now;
    job.updated_at = now;
    return job;
  }

  std::vector<std::string> submit(int n, const std::string& queue = "default",
                                  int32_t max_attempts = 3) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      auto job = new_job(queue, max_attempts);
      CAF_REQUIRE(db->create(job));
      ids.push_back(job.id);
    }
    return ids;
  }

  std::string status_of(const std::string& id) {
    auto job = db->find(id);
    return job ? job->status : "missing";
  }

  int64_t count(const std::string& queue, const std::string& status) {
    auto stats = db->stats(queue);
    if (!stats)
      return 0;
    if (status == "queued")
      return stats->queued;
    if (status == "scheduled")
      return stats->scheduled;
    if (status == "running")
      return stats->running;
    if (status == "succeeded")
      return stats->succeeded;
    if (status == "dead")
      return stats->dead;
    return stats->cancelled;
  }

  int64_t llen(const std::string& key) {
    return db->redis().command({"LLEN", key})->integer;
  }

  job_outcome outcome(const delivery& d, bool ok, bool retryable = true) {
    job_outcome out;
    out.job_id = d.job_id;
    out.attempt = d.attempt;
    out.succeeded = ok;
    out.retryable = retryable;
    out.result = ok ? R"({"done":true})" : "";
    out.error = ok ? "" : "it broke";
    return out;
  }
};

std::vector<std::string> ids_of(const std::vector<delivery>& ds) {
  std::vector<std::string> ids;
  for (auto& d : ds)
    ids.push_back(d.job_id);
  return ids;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(lifo_tests, fixture)

CAF_TEST(the newest job is delivered first) {
  auto ids = submit(5);
  auto first = db->claim("w1", {"default"}, 2, now_us());
  CAF_CHECK_EQUAL(ids_of(first), (std::vector<std::string>{ids[4], ids[3]}));
  auto late = submit(1);
  auto next = db->claim("w1", {"default"}, 10, now_us());
  CAF_CHECK_EQUAL(ids_of(next),
                  (std::vector<std::string>{late[0], ids[2], ids[1], ids[0]}));
}

CAF_TEST(request id and ready time reach the delivery and queue latency) {
  auto job = new_job();
  job.request_id = "req-42";
  job.created_at -= 5000000; // runnable for 5 s
  CAF_REQUIRE(db->create(job));
  auto newer = new_job();
  CAF_REQUIRE(db->create(newer));
  auto stats = db->all_stats();
  CAF_REQUIRE_EQUAL(stats.size(), 1u);
  // The bottom of the stack (the older job) sets the queue's latency.
  CAF_CHECK_EQUAL(test::value_of(stats.front().oldest_ready_at),
                  job.created_at);
  CAF_CHECK_EQUAL(test::value_of(db->find(job.id)->request_id), "req-42");
  auto ds = db->claim("w1", {"default"}, 2, now_us());
  CAF_REQUIRE_EQUAL(ds.size(), 2u);
  CAF_CHECK_EQUAL(ds[1].job_id, job.id);
  CAF_CHECK_EQUAL(ds[1].request_id, "req-42");
  CAF_CHECK_EQUAL(ds[1].ready_at, job.created_at);
  CAF_CHECK_EQUAL(ds[0].request_id, "");
  CAF_CHECK_EQUAL(test::value_of(db->all_stats().front().oldest_ready_at), 0);
}

CAF_TEST(a created job is stored with its fields and counted) {
  auto job = new_job("mail");
  job.payload = R"({"to":"a@example.com"})";
  CAF_REQUIRE(db->create(job));
  CAF_CHECK(!db->create(job)); // same id: refused, nothing written
  auto stored = db->find(job.id);
  CAF_REQUIRE(stored.has_value());
  CAF_CHECK_EQUAL(stored->payload, job.payload);
  CAF_CHECK_EQUAL(stored->status, "queued");
  CAF_CHECK_EQUAL(stored->created_at, job.created_at);
  CAF_CHECK_EQUAL(count("mail", "queued"), 1);
  CAF_CHECK_EQUAL(llen(keys::ready("mail")), 1);
  CAF_CHECK(!db->find("nope").has_value());
}

CAF_TEST(queues are served in the order the worker lists them) {
  auto low = submit(1, "low");
  auto high = submit(1, "high");
  auto got = db->claim("w1", {"high", "low"}, 2, now_us());
  CAF_CHECK_EQUAL(ids_of(got), (std::vector<std::string>{high[0], low[0]}));
}

CAF_TEST_FIXTURE_SCOPE_END()

#undef CAF_SUITE
#define CAF_SUITE store.claim

CAF_TEST_FIXTURE_SCOPE(claim_tests, fixture)

CAF_TEST(a claim moves jobs to the in flight list and marks them running) {
  auto ids = submit(3);
  auto got = db->claim("w1", {"default"}, 2, now_us());
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(got[0].attempt, 1);
  CAF_CHECK_EQUAL(got[0].type, "echo");
  CAF_CHECK_EQUAL(got[0].timeout_ms, 30000);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 2);
  CAF_CHECK_EQUAL(llen(keys::ready("default")), 1);
  auto job = db->find(got[0].job_id);
  CAF_CHECK_EQUAL(job->status, "running");
  CAF_CHECK_EQUAL(job->worker, "w1");
  CAF_CHECK_EQUAL(job->attempts, 1);
  CAF_CHECK_NOT_EQUAL(job->started_at, 0);
  CAF_CHECK_EQUAL(count("default", "queued"), 1);
  CAF_CHECK_EQUAL(count("default", "running"), 2);
}

CAF_TEST(concurrent claimers never get the same job) {
  auto ids = submit(400);
  std::vector<std::string> got_a;
  std::vector<std::string> got_b;
  auto drain = [this](const std::string& worker,
                      std::vector<std::string>& out) {
    auto mine = make_store(); // own connection, as separate nodes would have
    for (int i = 0; i < 1000; ++i) {
      auto ds = mine->claim(worker, {"default"}, 3, now_us());
      if (ds.empty())
        return;
      for (auto& d : ds)
        out.push_back(d.job_id);
    }
  };
  std::thread a{drain, "wa", std::ref(got_a)};
  std::thread b{drain, "wb", std::ref(got_b)};
  a.join();
  b.join();
  std::set<std::string> all(got_a.begin(), got_a.end());
  all.insert(got_b.begin(), got_b.end());
  CAF_CHECK_EQUAL(got_a.size() + got_b.size(), 400u);
  CAF_CHECK_EQUAL(all.size(), 400u);
  CAF_CHECK_EQUAL(llen(keys::inflight("wa")),
                  static_cast<int64_t>(got_a.size()));
  CAF_CHECK_EQUAL(llen(keys::inflight("wb")),
                  static_cast<int64_t>(got_b.size()));
}

CAF_TEST(an empty stack gives an empty claim) {
  CAF_CHECK(db->claim("w1", {"default"}, 5, now_us()).empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

#undef CAF_SUITE
#define CAF_SUITE store.ack

CAF_TEST_FIXTURE_SCOPE(ack_tests, fixture)

CAF_TEST(a success ack finishes the job with its result) {
  submit(1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  auto applied = db->ack("w1", {outcome(d, true)}, now_us());
  CAF_CHECK_EQUAL(applied, verdicts{"succeeded"});
  auto job = db->find(d.job_id);
  CAF_CHECK_EQUAL(job->status, "succeeded");
  CAF_CHECK_EQUAL(job->result, R"({"done":true})");
  CAF_CHECK_NOT_EQUAL(job->finished_at, 0);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 0);
  CAF_CHECK_EQUAL(count("default", "running"), 0);
  CAF_CHECK_EQUAL(count("default", "succeeded"), 1);
  auto ttl = db->redis().command({"TTL", keys::job(d.job_id)})->integer;
  CAF_CHECK(ttl > 0 && ttl <= 60); // retention
}

CAF_TEST(a failed attempt is retried after its backoff then dies) {
  submit(1, "default", 2);
  auto d1 = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(db->ack("w1", {outcome(d1, false)}, now_us()),
                  verdicts{"retry"});
  CAF_CHECK_EQUAL(status_of(d1.job_id), "scheduled");
  CAF_CHECK_EQUAL(count("default", "scheduled"), 1);
  CAF_CHECK_EQUAL(db->promote_due(now_us(), 100), 0u); // not due yet
  std::this_thread::sleep_for(std::chrono::milliseconds{60});
  CAF_CHECK_EQUAL(db->promote_due(now_us(), 100), 1u);
  CAF_CHECK_EQUAL(status_of(d1.job_id), "queued");
  auto d2 = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(d2.attempt, 2);
  CAF_CHECK_EQUAL(db->ack("w1", {outcome(d2, false)}, now_us()),
                  verdicts{"dead"});
  auto job = db->find(d2.job_id);
  CAF_CHECK_EQUAL(job->status, "dead");
  CAF_CHECK_EQUAL(job->last_error, "it broke");
  CAF_CHECK_EQUAL(count("default", "dead"), 1);
  CAF_CHECK_EQUAL(count("default", "scheduled"), 0);
}

CAF_TEST(a non retryable failure dies at once) {
  submit(1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(db->ack("w1", {outcome(d, false, false)}, now_us()),
                  verdicts{"dead"});
  CAF_CHECK_EQUAL(status_of(d.job_id), "dead");
}

CAF_TEST(stale acks are refused and change nothing) {
  submit(1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  // Another worker, a wrong attempt: refused.
  CAF_CHECK_EQUAL(db->ack("w2", {outcome(d, true)}, now_us()),
                  verdicts{"stale"});
  auto wrong = outcome(d, true);
  wrong.attempt = 7;
  CAF_CHECK_EQUAL(db->ack("w1", {wrong}, now_us()), verdicts{"stale"});
  // The worker is declared dead, the job goes to w2; w1's late ack is stale.
  CAF_CHECK_EQUAL(db->requeue("w1", {}, true, now_us()), 1u);
  auto again = db->claim("w2", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(again.attempt, 2);
  CAF_CHECK_EQUAL(db->ack("w1", {outcome(d, true)}, now_us()),
                  verdicts{"stale"});
  CAF_CHECK_EQUAL(status_of(d.job_id), "running");
  auto final_ack = outcome(again, true);
  final_ack.result = R"({"by":"w2"})";
  CAF_CHECK_EQUAL(db->ack("w2", {final_ack}, now_us()), verdicts{"succeeded"});
  CAF_CHECK_EQUAL(test::value_of(db->find(d.job_id)->result), R"({"by":"w2"})");
  // A repeated ack of an applied attempt is stale too.
  CAF_CHECK_EQUAL(db->ack("w2", {final_ack}, now_us()), verdicts{"stale"});
  CAF_CHECK_EQUAL(count("default", "succeeded"), 1);
  CAF_CHECK_EQUAL(count("default", "running"), 0);
}

CAF_TEST(many acks go in one call) {
  submit(50);
  auto ds = db->claim("w1", {"default"}, 50, now_us());
  std::vector<job_outcome> outs;
  for (auto& d : ds)
    outs.push_back(outcome(d, true));
  auto applied = db->ack("w1", outs, now_us());
  CAF_CHECK_EQUAL(
      std::count(applied.begin(), applied.end(), ack_verdict::succeeded), 50);
  CAF_CHECK_EQUAL(count("default", "succeeded"), 50);
}

CAF_TEST(one ack call gives each outcome its own verdict in order) {
  submit(4, "default", 1);
  auto ds = db->claim("w1", {"default"}, 4, now_us());
  CAF_REQUIRE_EQUAL(ds.size(), 4u);
  auto stale = outcome(ds[3], true);
  stale.attempt += 1; // not the attempt that counts
  auto applied = db->ack("w1",
                         {outcome(ds[0], true), outcome(ds[1], false, false),
                          outcome(ds[2], false, true), stale},
                         now_us());
  // ds[2] is on its only attempt (max_attempts 1): a retryable failure dies.
  CAF_CHECK_EQUAL(applied, (verdicts{ack_verdict::succeeded, ack_verdict::dead,
                                     ack_verdict::dead, ack_verdict::stale}));
  CAF_CHECK_EQUAL(status_of(ds[0].job_id), "succeeded");
  CAF_CHECK_EQUAL(status_of(ds[3].job_id), "running");
  // More outcomes than one script call takes: still one verdict each.
  submit(450);
  auto many = db->claim("w2", {"default"}, 450, now_us());
  std::vector<job_outcome> outs;
  for (auto& d : many)
    outs.push_back(outcome(d, true));
  auto all = db->ack("w2", outs, now_us());
  CAF_CHECK_EQUAL(all.size(), 450u);
  CAF_CHECK_EQUAL(std::count(all.begin(), all.end(), ack_verdict::succeeded),
                  450);
}

CAF_TEST_FIXTURE_SCOPE_END()

#undef CAF_SUITE
#define CAF_SUITE store.requeue

CAF_TEST_FIXTURE_SCOPE(requeue_tests, fixture)

CAF_TEST(a dead workers jobs go back on top of the ready stack) {
  auto ids = submit(4);
  auto taken = db->claim("w1", {"default"}, 2, now_us()); // ids 3 and 2
  submit(1); // newer than the taken ones
  CAF_CHECK_EQUAL(db->requeue("w1", {}, true, now_us()), 2u);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 0);
  // Taken-back jobs are delivered first, newest of them first.
  auto next = db->claim("w2", {"default"}, 2, now_us());
  CAF_CHECK_EQUAL(ids_of(next), (std::vector<std::string>{ids[3], ids[2]}));
  CAF_CHECK_EQUAL(next[0].attempt, 2); // attempts count deliveries
  CAF_CHECK_EQUAL(count("default", "running"), 2);
  CAF_CHECK_EQUAL(count("default", "queued"), 3);
}

CAF_TEST(held jobs stay with a rejoining worker) {
  submit(3);
  auto taken = db->claim("w1", {"default"}, 3, now_us());
  CAF_CHECK_EQUAL(db->requeue("w1", {taken[0].job_id}, false, now_us()), 2u);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 1);
  CAF_CHECK_EQUAL(status_of(taken[0].job_id), "running");
  CAF_CHECK_EQUAL(status_of(taken[1].job_id), "queued");
}

CAF_TEST(a job lost on its last attempt goes dead) {
  submit(1, "default", 1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(db->requeue("w1", {}, true, now_us()), 1u);
  auto job = db->find(d.job_id);
  CAF_CHECK_EQUAL(job->status, "dead");
  CAF_CHECK_NOT_EQUAL(job->last_error.find("worker"), std::string::npos);
}

CAF_TEST(known workers are remembered until forgotten) {
  db->remember_worker("w1", now_us());
  db->remember_worker("w2", now_us());
  auto known = db->known_workers();
  std::sort(known.begin(), known.end());
  CAF_CHECK_EQUAL(known, (std::vector<std::string>{"w1", "w2"}));
  db->requeue("w1", {}, true, now_us());
  CAF_CHECK_EQUAL(db->known_workers(), std::vector<std::string>{"w2"});
}

CAF_TEST_FIXTURE_SCOPE_END()

#undef CAF_SUITE
#define CAF_SUITE store.api

CAF_TEST_FIXTURE_SCOPE(api_tests, fixture)

CAF_TEST(the lua scripts and the key builders name the same keys) {
  auto ids = submit(1, "mail");
  auto exists = [this](const std::string& key) {
    return db->redis().command({"EXISTS", key})->integer == 1;
  };
  CAF_CHECK(exists(keys::job(ids[0])));
  CAF_CHECK(exists(keys::ready("mail")));
  CAF_CHECK(exists(keys::all_jobs("mail")));
  CAF_CHECK(exists(keys::queues()));
  db->claim("w1", {"mail"}, 1, now_us());
  CAF_CHECK(exists(keys::inflight("w1")));
  CAF_CHECK(exists(keys::status_index("mail", "running")));
}

CAF_TEST(many requests in one submit are each written whole or refused) {
  auto first = db->submit({submit_request{{new_job("mail")}, "k-2"}});
  CAF_REQUIRE(first.at(0).created);
  auto in_b = new_job("b");
  auto in_c = new_job("c");
  auto results = db->submit({submit_request{{new_job("a")}, ""},
                             submit_request{{in_b, in_c}, "k-3"},
                             submit_request{{new_job("mail")}, "k-2"},
                             submit_request{{new_job("a")}, "k-3"}});
  CAF_REQUIRE_EQUAL(results.size(), 4u);
  CAF_CHECK(results[0].created);
  CAF_CHECK(results[1].created);
  CAF_CHECK(!results[2].created); // a repeat of an earlier submit
  CAF_REQUIRE_EQUAL(results[2].jobs.size(), 1u);
  CAF_CHECK_EQUAL(results[2].jobs[0].id, first[0].jobs[0].id);
  CAF_CHECK(!results[3].created); // a repeat within the same call
  CAF_REQUIRE_EQUAL(results[3].jobs.size(), 2u);
  CAF_CHECK_EQUAL(results[3].jobs[0].id, in_b.id);
  CAF_CHECK_EQUAL(count("a", "queued"), 1);
  CAF_CHECK_EQUAL(count("b", "queued"), 1);
  CAF_CHECK_EQUAL(count("c", "queued"), 1);
  CAF_CHECK_EQUAL(count("mail", "queued"), 1);
  auto queues = db->all_stats();
  CAF_CHECK_EQUAL(queues.size(), 4u); // every queue of the call is known
}

CAF_TEST(a batch is written whole or not at all) {
  auto a = new_job();
  auto b = new_job();
  CAF_REQUIRE(db->create(b)); // b exists already: the batch must fail
  bool failed = false;
  try {
    db->submit({submit_request{{a, b}, ""}});
  } catch (const redis_error&) {
    failed = true;
  }
  CAF_CHECK(failed);
  CAF_CHECK(!db->find(a.id).has_value());
  CAF_CHECK_EQUAL(count("default", "queued"), 1);
}

CAF_TEST(an idempotency key creates once and returns the first jobs) {
  auto first = db->submit({submit_request{{new_job(), new_job()}, "k-1"}});
  CAF_REQUIRE_EQUAL(first.size(), 1u);
  CAF_CHECK(first[0].created);
  // Two repeats in one pipeline, as concurrent requests would arrive.
  auto again = db->submit(
      {submit_request{{new_job()}, "k-1"}, submit_request{{new_job()}, "k-1"}});
  for (auto& r : again) {
    CAF_CHECK(!r.created);
    CAF_REQUIRE_EQUAL(r.jobs.size(), 2u);
    CAF_CHECK_EQUAL(r.jobs[0].id, first[0].jobs[0].id);
    CAF_CHECK_EQUAL(r.jobs[1].id, first[0].jobs[1].id);
  }
  CAF_CHECK_EQUAL(count("default", "queued"), 2);
  auto ttl = db->redis().command({"TTL", keys::idempotency("k-1")})->integer;
  CAF_CHECK(ttl > 86000 && ttl <= 86400);
}

CAF_TEST(a scheduled job waits in its index until due) {
  auto job = new_job();
  job.status = status::scheduled;
  job.run_at = now_us() + 50000; // 50 ms
  CAF_REQUIRE(db->create(job));
  CAF_CHECK_EQUAL(count("default", "scheduled"), 1);
  CAF_CHECK(db->claim("w1", {"default"}, 1, now_us()).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds{80});
  CAF_CHECK_EQUAL(db->promote_due(now_us(), 10), 1u);
  CAF_CHECK_EQUAL(count("default", "scheduled"), 0);
  CAF_CHECK_EQUAL(db->claim("w1", {"default"}, 1, now_us()).size(), 1u);
}

CAF_TEST(cancel wins only over queued and scheduled jobs) {
  auto ids = submit(2);
  auto cancelled = db->cancel(ids[0], now_us());
  CAF_CHECK_EQUAL(cancelled.outcome, "ok");
  CAF_REQUIRE(cancelled.job.has_value());
  CAF_CHECK_EQUAL(cancelled.job->status, "cancelled");
  CAF_CHECK_NOT_EQUAL(cancelled.job->finished_at, 0);
  CAF_CHECK_EQUAL(test::value_of(db->cancel(ids[0], now_us()).outcome),
                  "cancelled");
  CAF_CHECK_EQUAL(test::value_of(db->cancel("nope", now_us()).outcome),
                  "not_found");
  // The cancelled job is never delivered.
  auto got = db->claim("w1", {"default"}, 5, now_us());
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].job_id, ids[1]);
  CAF_CHECK_EQUAL(test::value_of(db->cancel(ids[1], now_us()).outcome),
                  "running");
  CAF_CHECK_EQUAL(count("default", "cancelled"), 1);
  CAF_CHECK_EQUAL(count("default", "queued"), 0);
}

CAF_TEST(retry brings back dead and cancelled jobs as new) {
  auto ids = submit(2, "default", 1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  db->ack("w1", {outcome(d, false)}, now_us());
  CAF_CHECK_EQUAL(status_of(d.job_id), "dead");
  auto back = db->retry(d.job_id, now_us());
  CAF_CHECK_EQUAL(back.outcome, "ok");
  CAF_CHECK_EQUAL(back.job->status, "queued");
  CAF_CHECK_EQUAL(back.job->attempts, 0);
  CAF_CHECK(back.job->last_error.empty());
  CAF_CHECK_EQUAL(back.job->finished_at, 0);
  CAF_CHECK_EQUAL(
      test::value_of(
          db->redis().command({"TTL", keys::job(d.job_id)})->integer),
      -1);
  CAF_CHECK_EQUAL(test::value_of(db->retry(d.job_id, now_us()).outcome),
                  "queued");
  CAF_CHECK_EQUAL(count("default", "dead"), 0);
  CAF_CHECK_EQUAL(count("default", "queued"), 2);
  // On top of the stack again.
  auto top = db->claim("w1", {"default"}, 1, now_us());
  CAF_REQUIRE_EQUAL(top.size(), 1u);
  CAF_CHECK_EQUAL(top[0].job_id, d.job_id);
}

CAF_TEST(listing pages never repeat or skip) {
  auto ids = submit(25);
  for (const char* status : {"", "queued"}) {
    std::vector<std::string> seen;
    list_query q;
    q.status = status;
    q.limit = 7;
    for (int page = 0; page < 10; ++page) {
      auto p = db->list(q);
      for (auto& job : p.jobs)
        seen.push_back(job.id);
      if (p.next_offset == 0)
        break;
      q.offset = p.next_offset;
    }
    std::vector<std::string> want(ids.rbegin(), ids.rend()); // newest first
    CAF_CHECK_EQUAL(seen, want);
  }
}

CAF_TEST(stats cover every queue and status) {
  submit(2, "a");
  submit(1, "b");
  db->claim("w1", {"a"}, 1, now_us());
  auto all = db->all_stats();
  CAF_REQUIRE_EQUAL(all.size(), 2u);
  CAF_CHECK_EQUAL(all[0].name, "a");
  CAF_CHECK_EQUAL(all[0].queued, 1);
  CAF_CHECK_EQUAL(all[0].running, 1);
  CAF_CHECK_EQUAL(all[1].queued, 1);
  CAF_CHECK(!db->stats("never").has_value());
}

CAF_TEST(expired finished jobs leave the indexes) {
  submit(1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  db->ack("w1", {outcome(d, true)}, now_us());
  CAF_CHECK_EQUAL(db->expire_finished(now_us()), 0u); // retention is 60 s
  CAF_CHECK_EQUAL(db->expire_finished(now_us() + 61 * 1000000), 1u);
  CAF_CHECK_EQUAL(count("default", "succeeded"), 0);
  list_query q;
  CAF_CHECK(db->list(q).jobs.empty()); // gone from the listing too
  CAF_CHECK_EQUAL(
      test::value_of(
          db->redis().command({"ZCARD", keys::all_jobs("default")})->integer),
      0);
}

CAF_TEST(a running job past its lease is taken back as a failed attempt) {
  auto job = new_job();
  job.timeout_ms = 50;
  CAF_REQUIRE(db->create(job));
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(db->reap_expired(now_us()), 0u); // lease: 50 + 50 ms
  std::this_thread::sleep_for(std::chrono::milliseconds{150});
  CAF_CHECK_EQUAL(db->reap_expired(now_us()), 1u);
  auto taken = db->find(d.job_id);
  CAF_REQUIRE(taken.has_value());
  CAF_CHECK_EQUAL(taken->status, "scheduled");
  CAF_CHECK_NOT_EQUAL(taken->last_error.find("no ack"), std::string::npos);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 0);
  // The hung worker's late ack does not count.
  CAF_CHECK_EQUAL(db->ack("w1", {outcome(d, true)}, now_us()),
                  verdicts{"stale"});
  CAF_CHECK_EQUAL(count("default", "running"), 0);
  CAF_CHECK_EQUAL(count("default", "scheduled"), 1);
}

CAF_TEST(an acked job leaves no lease behind) {
  submit(1);
  auto d = db->claim("w1", {"default"}, 1, now_us()).at(0);
  CAF_CHECK_EQUAL(
      test::value_of(db->redis().command({"ZCARD", keys::leases()})->integer),
      1);
  db->ack("w1", {outcome(d, true)}, now_us());
  CAF_CHECK_EQUAL(
      test::value_of(db->redis().command({"ZCARD", keys::leases()})->integer),
      0);
}

CAF_TEST(released jobs go back on top without counting the attempt) {
  auto ids = submit(2);
  auto got = db->claim("w1", {"default"}, 2, now_us());
  CAF_CHECK_EQUAL(db->release("w1", {got[0].job_id}, now_us()), 1u);
  auto back = db->find(got[0].job_id);
  CAF_CHECK_EQUAL(back->status, "queued");
  CAF_CHECK_EQUAL(back->attempts, 0);
  CAF_CHECK_EQUAL(status_of(got[1].job_id), "running");
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 1);
}

CAF_TEST(a write that reaches redis after its deadline is refused) {
  store_options opts;
  opts.redis.port = server.port();
  opts.write_window_ms = -1000; // every deadline is already past
  job_store late{opts};
  bool refused = false;
  try {
    late.create(new_job());
  } catch (const redis_error&) {
    refused = true;
  }
  CAF_CHECK(refused);
  CAF_CHECK(db->all_stats().empty()); // nothing written
}

CAF_TEST(a claim that reaches redis after its deadline claims nothing) {
  submit(1);
  store_options opts;
  opts.redis.port = server.port();
  opts.write_window_ms = -1000; // the broker gave up long ago
  job_store late{opts};
  CAF_CHECK(late.claim("w1", {"default"}, 1, now_us()).empty());
  CAF_CHECK_EQUAL(count("default", "queued"), 1);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

#undef CAF_SUITE
#define CAF_SUITE store.redis

CAF_TEST_FIXTURE_SCOPE(redis_tests, fixture)

CAF_TEST(a restarted redis keeps the jobs and the client reconnects) {
  auto ids = submit(3);
  server.stop();
  bool failed = false;
  try {
    db->find(ids[0]);
  } catch (const redis_error&) {
    failed = true;
  }
  CAF_CHECK(failed);
  server.start();
  // The client backs off before reconnecting: retry for a bounded time.
  std::optional<job_record> job;
  for (int i = 0; i < 50 && !job; ++i) {
    try {
      job = db->find(ids[0]);
    } catch (const redis_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
  }
  CAF_REQUIRE(job.has_value());
  CAF_CHECK_EQUAL(job->status, "queued");
  CAF_CHECK_EQUAL(db->claim("w1", {"default"}, 5, now_us()).size(), 3u);
}

CAF_TEST(scripts are reloaded after a script flush) {
  submit(1);
  db->redis().command({"SCRIPT", "FLUSH"});
  CAF_CHECK_EQUAL(db->claim("w1", {"default"}, 1, now_us()).size(), 1u);
}

// A store whose replies pass through `hole`: short command timeout, so a
// swallowed reply fails the call quickly.
std::unique_ptr<job_store> store_behind(test::reply_hole& hole) {
  store_options opts;
  opts.redis.port = hole.port();
  opts.redis.command_timeout = std::chrono::milliseconds{300};
  opts.write_window_ms = 250; // inside the command timeout, as in production
  return std::make_unique<job_store>(opts);
}

// Calls f until it stops throwing (the client backs off before it
// reconnects), for a bounded time.
template <class F>
bool eventually(F f) {
  for (int i = 0; i < 50; ++i) {
    try {
      f();
      return true;
    } catch (const redis_error&) {
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }
  return false;
}

bool submit_fails(job_store& store, const submit_request& request) {
  try {
    store.submit({request});
  } catch (const redis_error&) {
    return true;
  }
  return false;
}

CAF_TEST(an enqueue whose reply was lost is withdrawn before anything else) {
  test::reply_hole hole{server.port()};
  auto lossy = store_behind(hole);
  lossy->connect();
  hole.swallow_replies(true);
  submit_request request{{new_job(), new_job()}, "k-lost"};
  CAF_REQUIRE(submit_fails(*lossy, request)); // the API answers 503
  CAF_CHECK_EQUAL(lossy->in_doubt(), 1u);
  // Redis did write them: this is the case being undone.
  CAF_CHECK_EQUAL(count("default", "queued"), 2);
  hole.swallow_replies(false);
  std::optional<job_record> found;
  CAF_REQUIRE(eventually([&] { found = lossy->find(request.jobs[0].id); }));
  CAF_CHECK(!found);
  CAF_CHECK_EQUAL(lossy->in_doubt(), 0u);
  CAF_CHECK_EQUAL(count("default", "queued"), 0);
  CAF_CHECK_EQUAL(llen(keys::ready("default")), 0);
  CAF_CHECK_EQUAL(
      test::value_of(db->redis()
                         .command({"EXISTS", keys::idempotency("k-lost")})
                         ->integer),
      0);
  // The client's retry with the same key creates the jobs anew.
  auto again = lossy->submit({submit_request{{new_job()}, "k-lost"}});
  CAF_CHECK(again.at(0).created);
  CAF_CHECK_EQUAL(count("default", "queued"), 1);
}

CAF_TEST(an enqueue of unknown outcome that was delivered meanwhile is kept) {
  test::reply_hole hole{server.port()};
  auto lossy = store_behind(hole);
  lossy->connect();
  hole.swallow_replies(true);
  submit_request request{{new_job()}, ""};
  CAF_REQUIRE(submit_fails(*lossy, request));
  // Another server's broker delivers it before this one hears from Redis.
  CAF_REQUIRE_EQUAL(db->claim("w1", {"default"}, 1, now_us()).size(), 1u);
  hole.swallow_replies(false);
  std::pair<uint32_t, uint32_t> settled;
  CAF_REQUIRE(eventually([&] { settled = lossy->settle_in_doubt(); }));
  CAF_CHECK_EQUAL(settled.first, 0u);
  CAF_CHECK_EQUAL(settled.second, 1u);
  CAF_CHECK_EQUAL(status_of(request.jobs[0].id), "running");
}

CAF_TEST(jobs of a claim whose reply was lost go back on top at once) {
  auto older = submit(1);
  auto newer = submit(2);
  test::reply_hole hole{server.port()};
  auto lossy = store_behind(hole);
  lossy->connect();
  hole.swallow_replies(true);
  bool failed = false;
  try {
    lossy->claim("w1", {"default"}, 2, now_us());
  } catch (const redis_error&) {
    failed = true; // the broker never delivers these two
  }
  CAF_REQUIRE(failed);
  CAF_CHECK_EQUAL(lossy->in_doubt(), 1u);
  CAF_CHECK_EQUAL(status_of(newer[1]), "running"); // Redis did claim them
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 2);
  hole.swallow_replies(false);
  // The next call hands them back before anything else: not counted as an
  // attempt, on top of the stack in their old order, no lease left.
  std::vector<delivery> again;
  CAF_REQUIRE(eventually(
      [&] { again = lossy->claim("w2", {"default"}, 3, now_us()); }));
  CAF_CHECK_EQUAL(lossy->in_doubt(), 0u);
  CAF_CHECK_EQUAL(llen(keys::inflight("w1")), 0);
  CAF_CHECK_EQUAL(ids_of(again),
                  (std::vector<std::string>{newer[1], newer[0], older[0]}));
  for (auto& d : again)
    CAF_CHECK_EQUAL(d.attempt, 1);
}

CAF_TEST(one claim takes from several queues in order and stays on record only
             until the next) {
  submit(1, "a");
  submit(2, "b");
  auto first = db->claim("w1", {"a", "b"}, 2, now_us());
  CAF_REQUIRE_EQUAL(first.size(), 2u);
  CAF_CHECK_EQUAL(first[0].queue, "a");
  CAF_CHECK_EQUAL(first[1].queue, "b");
  auto records = [&] {
    auto reply
        = db->redis().command({"KEYS", std::string{keys::prefix} + "claim:*"});
    return static_cast<int64_t>(reply->elements);
  };
  CAF_CHECK_EQUAL(records(), 1);
  db->claim("w1", {"a", "b"}, 2, now_us()); // takes the last job
  CAF_CHECK_EQUAL(records(), 1);            // the first claim's record is gone
  db->claim("w1", {"a", "b"}, 2, now_us()); // nothing left to take
  CAF_CHECK_EQUAL(records(), 0);
}

CAF_TEST(an enqueue that never reached redis leaves nothing in doubt) {
  test::reply_hole hole{server.port()};
  auto lossy = store_behind(hole);
  lossy->connect();
  server.stop();
  CAF_CHECK(submit_fails(*lossy, submit_request{{new_job()}, ""}));
  // The broken connection was noticed on the write or the read, so the
  // call may have been sent; a second call cannot even connect.
  auto before = lossy->in_doubt();
  CAF_CHECK(submit_fails(*lossy, submit_request{{new_job()}, ""}));
  CAF_CHECK_EQUAL(lossy->in_doubt(), before);
  server.start();
}

CAF_TEST_FIXTURE_SCOPE_END()
