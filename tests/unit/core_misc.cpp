// Small pure pieces: job ids, time formatting, backoff, job JSON, Redis keys.
// One suite per section (CAF_SUITE is read at each CAF_TEST).
#define CAF_SUITE core.job_id
#include <caf/test/unit_test.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "core/backoff.hpp"
#include "core/job_id.hpp"
#include "core/job_json.hpp"
#include "core/time.hpp"
#include "store/redis_keys.hpp"

using namespace jobstack;

CAF_TEST(ids are 26 url - safe characters and unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = make_job_id(now_us());
    CAF_CHECK_EQUAL(id.size(), 26u);
    CAF_CHECK(is_plausible_job_id(id));
    seen.insert(id);
  }
  CAF_CHECK_EQUAL(seen.size(), 1000u);
}

CAF_TEST(ids sort by creation time) {
  auto early = make_job_id(1000000);         // 1 s after the epoch
  auto late = make_job_id(1700000000000000); // 2023
  CAF_CHECK_LESS(early, late);
  CAF_CHECK_LESS(make_job_id(now_us()), make_job_id(now_us() + 1000));
}

CAF_TEST(implausible ids are recognised) {
  CAF_CHECK(!is_plausible_job_id(""));
  CAF_CHECK(!is_plausible_job_id(std::string(65, 'a')));
  CAF_CHECK(!is_plausible_job_id("a/b"));
  CAF_CHECK(!is_plausible_job_id("a b"));
  CAF_CHECK(is_plausible_job_id("01JDX3Q7ZK8M2V6W4T9R5N1B0C"));
}

#undef CAF_SUITE
#define CAF_SUITE core.time

CAF_TEST(timestamps are rfc 3339 utc with microseconds) {
  CAF_CHECK_EQUAL(format_rfc3339(0), "1970-01-01T00:00:00.000000Z");
  CAF_CHECK_EQUAL(format_rfc3339(1796077855123456),
                  "2026-11-30T22:30:55.123456Z");
  CAF_CHECK_EQUAL(format_rfc3339(951782400000001), // leap day 2000
                  "2000-02-29T00:00:00.000001Z");
}

#undef CAF_SUITE
#define CAF_SUITE core.backoff

CAF_TEST(backoff doubles per attempt up to the cap) {
  backoff_policy p{500, 60000};
  CAF_CHECK_EQUAL(retry_delay_ms(p, 1, 0.0), 500);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 2, 0.0), 1000);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 3, 0.0), 2000);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 8, 0.0), 60000);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 100, 0.0), 60000);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 0, 0.0), 500);
}

CAF_TEST(jitter adds at most a quarter) {
  backoff_policy p{1000, 60000};
  CAF_CHECK_EQUAL(retry_delay_ms(p, 1, 0.5), 1125);
  CAF_CHECK_LESS(retry_delay_ms(p, 1, 1.0), 1250);
  CAF_CHECK_EQUAL(retry_delay_ms(p, 1, -3.0), 1000);
}

#undef CAF_SUITE
#define CAF_SUITE core.job_json

CAF_TEST(the job resource has every field of api md) {
  job_record job;
  job.id = "01ABC";
  job.queue = "default";
  job.type = "echo";
  job.payload = R"({"x":1})";
  job.status = "succeeded";
  job.attempts = 1;
  job.created_at = 1796077855123456;
  job.updated_at = job.created_at;
  job.finished_at = job.created_at;
  job.result = R"({"x":1})";
  job.worker = "w1";
  auto j = job_to_json(job);
  for (auto key :
       {"id", "queue", "type", "payload", "status", "attempts", "max_attempts",
        "timeout_ms", "created_at", "updated_at", "run_at", "started_at",
        "finished_at", "result", "last_error", "worker"})
    CAF_CHECK(j.contains(key));
  CAF_CHECK_EQUAL(j.size(), 16u);
  CAF_CHECK_EQUAL(j["payload"]["x"], 1);
  CAF_CHECK_EQUAL(j["result"]["x"], 1);
  CAF_CHECK(j["run_at"].is_null());
  CAF_CHECK(j["started_at"].is_null());
  CAF_CHECK(j["last_error"].is_null());
  CAF_CHECK_EQUAL(j["created_at"], "2026-11-30T22:30:55.123456Z");
}

#undef CAF_SUITE
#define CAF_SUITE store.keys

CAF_TEST(keys are namespaced and typed by their builder) {
  // store/lua/prelude/keys.lua builds the same names from the prefix;
  // integration.store.lifo checks that both meet in Redis.
  CAF_CHECK_EQUAL(keys::job("J1"), "jobstack:job:J1");
  CAF_CHECK_EQUAL(keys::ready("mail"), "jobstack:queue:mail:ready");
  CAF_CHECK_EQUAL(keys::status_index("mail", "dead"),
                  "jobstack:queue:mail:dead");
  CAF_CHECK_EQUAL(keys::all_jobs("mail"), "jobstack:queue:mail:all");
  CAF_CHECK_EQUAL(keys::inflight("w-1"), "jobstack:worker:w-1:inflight");
  CAF_CHECK_EQUAL(keys::scheduled(), "jobstack:scheduled");
  CAF_CHECK_EQUAL(keys::workers(), "jobstack:workers");
  CAF_CHECK_EQUAL(keys::queues(), "jobstack:queues");
  CAF_CHECK_EQUAL(keys::idempotency("k 1"), "jobstack:idem:k 1");
}
