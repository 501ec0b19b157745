// Redis operations of the job store; see job_store.hpp and store/lua/.
#include "store/job_store.hpp"

#include <random>

#include "core/backoff.hpp"
#include "store/lua_sources.hpp"
#include "store/redis_keys.hpp"

namespace jobstack {

namespace {

std::string reply_string(const redisReply* r) {
  if (r == nullptr || r->type == REDIS_REPLY_NIL)
    return {};
  if (r->type == REDIS_REPLY_INTEGER)
    return std::to_string(r->integer);
  return std::string{r->str, r->len};
}

int64_t to_int(const std::string& text) {
  if (text.empty())
    return 0;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return 0; // a corrupt number reads as unset rather than failing reads
  }
}

int64_t expect_integer(const reply_ptr& reply, const char* what) {
  expect_ok(reply, what);
  if (reply->type != REDIS_REPLY_INTEGER)
    throw redis_error(std::string{what} + ": unexpected reply type");
  return reply->integer;
}

redis_args job_fields(const job_record& job) {
  return {"id",           job.id,
          "queue",        job.queue,
          "type",         job.type,
          "payload",      job.payload,
          "status",       job.status,
          "attempts",     std::to_string(job.attempts),
          "max_attempts", std::to_string(job.max_attempts),
          "timeout_ms",   std::to_string(job.timeout_ms),
          "created_at",   std::to_string(job.created_at),
          "updated_at",   std::to_string(job.updated_at),
          "run_at",       std::to_string(job.run_at)};
}

void set_field(job_record& job, const std::string& name, std::string value) {
  if (name == "id")
    job.id = std::move(value);
  else if (name == "queue")
    job.queue = std::move(value);
  else if (name == "type")
    job.type = std::move(value);
  else if (name == "payload")
    job.payload = std::move(value);
  else if (name == "status")
    job.status = std::move(value);
  else if (name == "attempts")
    job.attempts = static_cast<int32_t>(to_int(value));
  else if (name == "max_attempts")
    job.max_attempts = static_cast<int32_t>(to_int(value));
  else if (name == "timeout_ms")
    job.timeout_ms = to_int(value);
  else if (name == "created_at")
    job.created_at = to_int(value);
  else if (name == "updated_at")
    job.updated_at = to_int(value);
  else if (name == "run_at")
    job.run_at = to_int(value);
  else if (name == "started_at")
    job.started_at = to_int(value);
  else if (name == "finished_at")
    job.finished_at = to_int(value);
  else if (name == "result")
    job.result = std::move(value);
  else if (name == "last_error")
    job.last_error = std::move(value);
  else if (name == "worker")
    job.worker = std::move(value);
}

double jitter() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng);
}

} // namespace

job_store::job_store(store_options options)
    : options_(std::move(options)), redis_(options_.redis) {
  redis_.add_script("enqueue", lua::enqueue);
  redis_.add_script("claim", lua::claim);
  redis_.add_script("ack", lua::ack);
  redis_.add_script("requeue", lua::requeue);
  redis_.add_script("promote", lua::promote);
}

void job_store::connect() {
  redis_.connect();
}

bool job_store::create(const job_record& job) {
  return create_many({job}).front();
}

std::vector<bool> job_store::create_many(const std::vector<job_record>& jobs) {
  std::vector<redis_client::script_call> calls;
  calls.reserve(jobs.size());
  for (auto& job : jobs) {
    redis_args args{job.id, job.queue};
    auto fields = job_fields(job);
    args.insert(args.end(), fields.begin(), fields.end());
    calls.push_back({"enqueue",
                     {keys::job(job.id), keys::ready(job.queue),
                      keys::counts(job.queue), keys::queues()},
                     std::move(args)});
  }
  auto replies = redis_.eval_many(calls);
  std::vector<bool> created;
  created.reserve(replies.size());
  for (auto& reply : replies)
    created.push_back(expect_integer(reply, "enqueue") == 1);
  return created;
}

std::optional<job_record> job_store::find(const std::string& id) {
  auto reply = redis_.command({"HGETALL", keys::job(id)});
  expect_ok(reply, "HGETALL");
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
    return std::nullopt;
  job_record job;
  for (size_t i = 0; i + 1 < reply->elements; i += 2)
    set_field(job, reply_string(reply->element[i]),
              reply_string(reply->element[i + 1]));
  return job;
}

std::vector<delivery> job_store::claim(const std::string& worker_id,
                                       const std::vector<std::string>& queues,
                                       uint32_t max, int64_t now) {
  std::vector<delivery> out;
  for (auto& queue : queues) {
    if (out.size() >= max)
      break;
    auto wanted = max - static_cast<uint32_t>(out.size());
    auto reply = redis_.eval(
        "claim",
        {keys::ready(queue), keys::inflight(worker_id), keys::counts(queue)},
        {std::to_string(wanted), worker_id, std::to_string(now),
         std::string{keys::job_prefix}});
    expect_ok(reply, "claim");
    for (size_t i = 0; i + 4 < reply->elements; i += 5) {
      delivery d;
      d.job_id = reply_string(reply->element[i]);
      d.queue = queue;
      d.type = reply_string(reply->element[i + 1]);
      d.payload = reply_string(reply->element[i + 2]);
      d.attempt
          = static_cast<int32_t>(to_int(reply_string(reply->element[i + 3])));
      d.timeout_ms = to_int(reply_string(reply->element[i + 4]));
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<bool> job_store::ack(const std::string& worker_id,
                                 const std::vector<job_outcome>& outcomes,
                                 int64_t now) {
  std::vector<redis_client::script_call> calls;
  calls.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    auto delay_ms = retry_delay_ms(options_.backoff, outcome.attempt, jitter());
    auto retry_at_ms = now / 1000 + delay_ms;
    calls.push_back(
        {"ack",
         {keys::job(outcome.job_id), keys::inflight(worker_id),
          keys::scheduled()},
         {outcome.job_id, std::to_string(outcome.attempt), worker_id,
          outcome.succeeded ? "1" : "0", outcome.retryable ? "1" : "0",
          outcome.succeeded ? outcome.result : outcome.error,
          std::to_string(now), std::to_string(retry_at_ms),
          std::to_string(retry_at_ms * 1000),
          std::to_string(options_.retention_s),
          std::string{keys::queue_prefix}}});
  }
  auto replies = redis_.eval_many(calls);
  std::vector<bool> applied;
  applied.reserve(replies.size());
  for (auto& reply : replies)
    applied.push_back(expect_integer(reply, "ack") == 1);
  return applied;
}

uint32_t job_store::requeue(const std::string& worker_id,
                            const std::vector<std::string>& held, bool forget,
                            int64_t now) {
  redis_args args{worker_id,
                  std::to_string(now),
                  std::string{keys::job_prefix},
                  std::string{keys::queue_prefix},
                  forget ? "1" : "0",
                  std::to_string(options_.retention_s)};
  args.insert(args.end(), held.begin(), held.end());
  auto reply = redis_.eval("requeue",
                           {keys::inflight(worker_id), keys::workers()}, args);
  return static_cast<uint32_t>(expect_integer(reply, "requeue"));
}

void job_store::remember_worker(const std::string& worker_id, int64_t now) {
  auto reply = redis_.command(
      {"HSET", keys::workers(), worker_id, std::to_string(now / 1000)});
  expect_ok(reply, "HSET workers");
}

std::vector<std::string> job_store::known_workers() {
  auto reply = redis_.command({"HKEYS", keys::workers()});
  expect_ok(reply, "HKEYS workers");
  std::vector<std::string> ids;
  for (size_t i = 0; i < reply->elements; ++i)
    ids.push_back(reply_string(reply->element[i]));
  return ids;
}

uint32_t job_store::promote_due(int64_t now, uint32_t limit) {
  auto reply = redis_.eval("promote", {keys::scheduled()},
                           {std::to_string(now / 1000), std::to_string(limit),
                            std::to_string(now), std::string{keys::job_prefix},
                            std::string{keys::queue_prefix}});
  return static_cast<uint32_t>(expect_integer(reply, "promote"));
}

} // namespace jobstack
