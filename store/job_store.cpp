// Redis operations of the job store; see job_store.hpp and store/lua/.
#include "store/job_store.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include "core/backoff.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "store/lua_sources.hpp"
#include "store/redis_keys.hpp"

namespace jobstack {

namespace {

const std::string key_prefix{keys::prefix};

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

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    ids.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return ids;
}

// The 13 values per job that enqueue.lua expects.
void append_job(redis_args& args, const job_record& job) {
  for (auto value :
       {job.id, job.queue, job.type, job.payload, job.status,
        std::to_string(job.attempts), std::to_string(job.max_attempts),
        std::to_string(job.timeout_ms), std::to_string(job.created_at),
        std::to_string(job.updated_at), std::to_string(job.run_at),
        std::to_string(job.run_at / 1000), job.request_id})
    args.push_back(std::move(value));
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
  else if (name == "request_id")
    job.request_id = std::move(value);
}

// A job hash as read by HGETALL; enqueue.lua leaves out the id (it is in
// the key) and fields at their defaults.
std::optional<job_record> to_job(const std::string& id,
                                 const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY
      || reply->elements == 0)
    return std::nullopt;
  job_record job;
  job.id = id;
  for (size_t i = 0; i + 1 < reply->elements; i += 2)
    set_field(job, reply_string(reply->element[i]),
              reply_string(reply->element[i + 1]));
  if (job.updated_at == 0)
    job.updated_at = job.created_at;
  return job;
}

std::vector<std::string> to_strings(const reply_ptr& reply) {
  std::vector<std::string> out;
  if (reply && reply->type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < reply->elements; ++i)
      out.push_back(reply_string(reply->element[i]));
  return out;
}

// The command that reads a page of ids, in the order API decisions give.
redis_args page_command(const list_query& q, int64_t first, int64_t last) {
  auto from = std::to_string(first);
  auto to = std::to_string(last);
  if (q.status.empty())
    return {"ZREVRANGE", keys::all_jobs(q.queue), from, to};
  if (q.status == status::queued)
    return {"LRANGE", keys::ready(q.queue), from, to};
  if (q.status == status::scheduled)
    return {"ZRANGE", keys::status_index(q.queue, q.status), from, to};
  return {"ZREVRANGE", keys::status_index(q.queue, q.status), from, to};
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
  redis_.add_script("cancel", lua::cancel);
  redis_.add_script("retry", lua::retry);
  redis_.add_script("expire", lua::expire);
  redis_.add_script("reap", lua::reap);
  redis_.add_script("withdraw", lua::withdraw);
  redis_.add_script("archive_read", lua::archive_read);
  redis_.add_script("archive_mark", lua::archive_mark);
  redis_.add_script("archive_off", lua::archive_off);
  // Set again at every connect: a Redis restored from an old backup must
  // not expire finished jobs before they are archived.
  if (options_.archive)
    redis_.add_connect_command({"SET", keys::archive_on(), "1"});
  else
    redis_.add_connect_command({"DEL", keys::archive_on()});
}

void job_store::connect() {
  redis_.connect();
}

// -- the API
// --------------------------------------------------------------------

std::vector<submit_result>
job_store::submit(const std::vector<submit_request>& requests) {
  settle_in_doubt();
  // One script call per chunk of requests (a chunk ends once it holds this
  // many jobs), so a call stays short and a batch costs one round trip.
  constexpr size_t jobs_per_call = 2000;
  std::vector<redis_client::script_call> calls;
  std::vector<size_t> first_request; // of each call
  auto deadline = write_deadline();
  for (size_t i = 0; i < requests.size();) {
    redis_args args{key_prefix, std::to_string(options_.idempotency_ttl_s),
                    deadline, ""};
    size_t n = 0;
    size_t jobs = 0;
    first_request.push_back(i);
    for (; i < requests.size() && (n == 0 || jobs < jobs_per_call); ++i, ++n) {
      auto& req = requests[i];
      args.push_back(req.idempotency_key);
      args.push_back(std::to_string(req.jobs.size()));
      for (auto& job : req.jobs)
        append_job(args, job);
      jobs += req.jobs.size();
    }
    args[3] = std::to_string(n);
    calls.push_back({"enqueue", {}, std::move(args)});
  }
  first_request.push_back(requests.size());
  std::vector<reply_ptr> replies;
  try {
    replies = redis_.eval_many(calls);
  } catch (const redis_error&) {
    if (redis_.last_pipeline_sent())
      for (auto& req : requests)
        remember_in_doubt(req);
    throw;
  }
  std::vector<submit_result> results(requests.size());
  for (size_t c = 0; c < replies.size(); ++c) {
    auto& reply = replies[c];
    auto from = first_request[c];
    auto to = first_request[c + 1];
    if (!reply) { // the connection failed first: see write_window_ms
      for (auto i = from; i < to; ++i) {
        remember_in_doubt(requests[i]);
        results[i].created = false;
        results[i].unavailable = true;
      }
      continue;
    }
    expect_ok(reply, "enqueue");
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
      throw redis_error("enqueue: unexpected reply");
    if (reply->element[0]->integer == -2)
      throw redis_error("redis answered too late; nothing was written");
    if (reply->elements != 2 * (to - from))
      throw redis_error("enqueue: unexpected reply");
    for (auto i = from; i < to; ++i)
      read_enqueue_reply(requests[i], reply->element[2 * (i - from)],
                         reply->element[2 * (i - from) + 1], results[i]);
  }
  return results;
}

void job_store::read_enqueue_reply(const submit_request& request,
                                   const redisReply* code,
                                   const redisReply* detail,
                                   submit_result& result) {
  if (code->integer == 1) {
    result.jobs = request.jobs;
  } else if (code->integer == 0) { // a repeated idempotency key
    result.created = false;
    for (auto& job : find_many(split_ids(reply_string(detail))))
      if (job)
        result.jobs.push_back(std::move(*job));
  } else {
    throw redis_error("enqueue: job id " + reply_string(detail) + " exists");
  }
}

// Bounded: during a long outage every request is in doubt, but past the
// write window Redis refuses them anyway; the newest matter.
constexpr size_t max_in_doubt = 10000;

void job_store::remember_in_doubt(const submit_request& request) {
  std::string joined;
  for (auto& job : request.jobs)
    joined += (joined.empty() ? "" : ",") + job.id;
  if (in_doubt_.size() >= max_in_doubt)
    in_doubt_.pop_front();
  in_doubt_.emplace_back(request.idempotency_key, std::move(joined));
}

// Hands back, attempt not counted, the jobs of claims whose reply was
// lost: the broker never delivered them. claim.lua recorded their ids under
// the claim's token.
uint32_t job_store::settle_claims_in_doubt() {
  uint32_t released = 0;
  while (!claims_in_doubt_.empty()) {
    auto& [worker_id, token] = claims_in_doubt_.front();
    auto key = std::string{key_prefix} + "claim:" + token;
    auto ids = split_ids(reply_string(redis_.command({"GET", key}).get()));
    if (!ids.empty())
      released += take_back(worker_id, "release", ids, false, now_us());
    redis_.command({"DEL", key});
    claims_in_doubt_.pop_front();
  }
  if (released > 0)
    logs::warn("store", fmt::format("handed back {} job(s) claimed by a claim "
                                    "whose reply was lost",
                                    released));
  return released;
}

std::pair<uint32_t, uint32_t> job_store::settle_in_doubt() {
  settle_claims_in_doubt();
  if (in_doubt_.empty())
    return {0, 0};
  redis_args args{key_prefix, std::to_string(in_doubt_.size())};
  for (auto& [idem_key, ids] : in_doubt_) {
    args.push_back(idem_key);
    args.push_back(ids);
  }
  auto reply = redis_.eval("withdraw", {}, args); // throws: try again later
  expect_ok(reply, "withdraw");
  in_doubt_.clear();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
    throw redis_error("withdraw: unexpected reply");
  auto withdrawn = static_cast<uint32_t>(reply->element[0]->integer);
  auto kept = static_cast<uint32_t>(reply->element[1]->integer);
  if (withdrawn > 0)
    logs::warn("store", fmt::format("withdrew {} job(s) Redis wrote after "
                                    "their request was answered 503",
                                    withdrawn));
  if (kept > 0)
    logs::error("store", fmt::format("{} job(s) answered 503 were delivered "
                                     "before they could be withdrawn",
                                     kept));
  return {withdrawn, kept};
}

bool job_store::create(const job_record& job) {
  try {
    return submit({submit_request{{job}, ""}}).front().created;
  } catch (const redis_error& e) {
    if (std::string_view{e.what()}.find("exists") != std::string_view::npos)
      return false;
    throw;
  }
}

std::optional<job_record> job_store::find(const std::string& id) {
  settle_in_doubt();
  return find_many({id}).front();
}

std::vector<std::optional<job_record>>
job_store::find_many(const std::vector<std::string>& ids) {
  std::vector<redis_args> commands;
  commands.reserve(ids.size());
  for (auto& id : ids)
    commands.push_back({"HGETALL", keys::job(id)});
  std::vector<std::optional<job_record>> jobs;
  if (commands.empty())
    return jobs;
  auto replies = redis_.pipeline(commands);
  for (size_t i = 0; i < replies.size(); ++i) {
    expect_ok(replies[i], "HGETALL");
    jobs.push_back(to_job(ids[i], replies[i].get()));
  }
  return jobs;
}

job_page job_store::list(const list_query& query) {
  settle_in_doubt();
  if (options_.archive && status::is_finished(query.status))
    return list_before_archive(query);
  auto first = static_cast<int64_t>(query.offset);
  // One more than the page, to know whether another page follows.
  auto ids = to_strings(
      redis_.command(page_command(query, first, first + query.limit)));
  job_page page;
  if (ids.size() > query.limit) {
    ids.pop_back();
    page.next_offset = query.offset + query.limit;
  }
  for (auto& job : find_many(ids))
    if (job) // expired since it was indexed
      page.jobs.push_back(std::move(*job));
  return page;
}

// With archiving on, a finished index is listed from Redis up to its first
// job that has expired there (archived jobs expire oldest first), then the
// listing goes on in the archive after the last job listed from Redis: no
// job twice, none skipped.
job_page job_store::list_before_archive(const list_query& query) {
  auto index = keys::status_index(query.queue, query.status);
  auto first = static_cast<int64_t>(query.offset);
  auto entries = to_strings(
      redis_.command({"ZREVRANGE", index, std::to_string(first),
                      std::to_string(first + query.limit), "WITHSCORES"}));
  std::vector<std::string> ids;
  std::vector<archive_key> entry_keys;
  for (size_t i = 0; i + 1 < entries.size(); i += 2) {
    ids.push_back(entries[i]);
    entry_keys.push_back({to_int(entries[i + 1]), entries[i]});
  }
  auto jobs = find_many(ids);
  // The index entry before the i-th of this page: the archive goes on
  // after it (it was listed, on this page or the one before).
  auto before = [&](size_t i) -> archive_key {
    if (i > 0)
      return entry_keys[i - 1];
    if (first == 0)
      return {};
    auto at = std::to_string(first - 1);
    auto prev = to_strings(
        redis_.command({"ZREVRANGE", index, at, at, "WITHSCORES"}));
    return prev.size() == 2 ? archive_key{to_int(prev[1]), prev[0]}
                            : archive_key{};
  };
  job_page page;
  size_t shown = std::min<size_t>(jobs.size(), query.limit);
  for (size_t i = 0; i < shown; ++i) {
    if (!jobs[i]) {
      page.archive_next = true;
      page.next_key = before(i);
      return page;
    }
    page.jobs.push_back(std::move(*jobs[i]));
  }
  if (jobs.size() > query.limit) {
    page.next_offset = query.offset + query.limit;
  } else {
    page.archive_next = true;
    page.next_key = before(shown);
  }
  return page;
}

change_result job_store::change(const char* script, const std::string& id,
                                redis_args extra) {
  redis_args args{key_prefix, id};
  args.insert(args.end(), extra.begin(), extra.end());
  auto reply = redis_.eval(script, {}, args);
  expect_ok(reply, script);
  change_result result{reply_string(reply.get()), std::nullopt};
  if (result.outcome == "too_late")
    throw redis_error("redis answered too late; nothing was written");
  if (result.outcome == "ok")
    result.job = find(id);
  return result;
}

change_result job_store::cancel(const std::string& id, int64_t now) {
  return change("cancel", id,
                {std::to_string(now), std::to_string(options_.retention_s),
                 write_deadline()});
}

change_result job_store::retry(const std::string& id, int64_t now) {
  return change("retry", id, {std::to_string(now), write_deadline()});
}

std::optional<queue_stats> job_store::stats(const std::string& queue) {
  auto member = redis_.command({"SISMEMBER", keys::queues(), queue});
  if (expect_integer(member, "SISMEMBER") == 0)
    return std::nullopt;
  auto all = all_stats();
  for (auto& s : all)
    if (s.name == queue)
      return s;
  return std::nullopt;
}

std::vector<queue_stats> job_store::all_stats() {
  auto names = to_strings(redis_.command({"SMEMBERS", keys::queues()}));
  std::sort(names.begin(), names.end());
  static const char* indexed[]
      = {status::scheduled, status::running, status::succeeded, status::dead,
         status::cancelled};
  std::vector<redis_args> commands;
  for (auto& name : names) {
    commands.push_back({"LLEN", keys::ready(name)});
    for (auto* s : indexed)
      commands.push_back({"ZCARD", keys::status_index(name, s)});
    // The bottom of the LIFO stack has waited longest (queue latency).
    commands.push_back({"LINDEX", keys::ready(name), "-1"});
  }
  std::vector<queue_stats> out;
  if (commands.empty())
    return out;
  auto replies = redis_.pipeline(commands);
  size_t i = 0;
  std::vector<std::string> oldest_ids;
  for (auto& name : names) {
    queue_stats s;
    s.name = name;
    for (auto* field : {&s.queued, &s.scheduled, &s.running, &s.succeeded,
                        &s.dead, &s.cancelled})
      *field = expect_integer(replies[i++], "count");
    oldest_ids.push_back(reply_string(replies[i++].get()));
    out.push_back(std::move(s));
  }
  fill_oldest_ready_at(out, oldest_ids);
  return out;
}

void job_store::fill_oldest_ready_at(std::vector<queue_stats>& stats,
                                     const std::vector<std::string>& ids) {
  std::vector<redis_args> commands;
  for (auto& id : ids)
    if (!id.empty())
      commands.push_back({"HMGET", keys::job(id), "created_at", "run_at"});
  if (commands.empty())
    return;
  auto replies = redis_.pipeline(commands);
  size_t next = 0;
  for (size_t q = 0; q < ids.size() && next < replies.size(); ++q) {
    if (ids[q].empty())
      continue;
    auto& r = replies[next++];
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
      stats[q].oldest_ready_at = std::max(to_int(reply_string(r->element[0])),
                                          to_int(reply_string(r->element[1])));
  }
}

std::vector<std::vector<std::string>>
job_store::inflight(const std::vector<std::string>& worker_ids) {
  std::vector<std::vector<std::string>> out;
  if (worker_ids.empty())
    return out;
  std::vector<redis_args> commands;
  for (auto& id : worker_ids)
    commands.push_back({"LRANGE", keys::inflight(id), "0", "-1"});
  for (auto& reply : redis_.pipeline(commands))
    out.push_back(to_strings(reply));
  return out;
}

bool job_store::ping() {
  auto reply = redis_.command({"PING"});
  return reply && reply->type == REDIS_REPLY_STATUS;
}

// -- worker nodes
// -----------------------------------------------------------------

std::vector<delivery> job_store::claim(const std::string& worker_id,
                                       const std::vector<std::string>& queues,
                                       uint32_t max, int64_t now) {
  settle_in_doubt();
  auto token = worker_id + ":" + std::to_string(++claim_seq_) + ":"
               + std::to_string(now);
  redis_args args{key_prefix,
                  std::to_string(max),
                  worker_id,
                  std::to_string(now),
                  std::to_string(now / 1000),
                  std::to_string(options_.lease_grace_ms),
                  write_deadline(),
                  token,
                  last_claim_token_};
  args.insert(args.end(), queues.begin(), queues.end());
  reply_ptr reply;
  try {
    reply = redis_.eval("claim", {}, args);
  } catch (const redis_error&) {
    if (redis_.last_pipeline_sent()) // it may have claimed: see claim.lua
      claims_in_doubt_.emplace_back(worker_id, token);
    throw;
  }
  expect_ok(reply, "claim");
  std::vector<delivery> out;
  for (size_t i = 0; i + 8 < reply->elements; i += 9) {
    delivery d;
    d.job_id = reply_string(reply->element[i]);
    d.queue = reply_string(reply->element[i + 1]);
    d.type = reply_string(reply->element[i + 2]);
    d.payload = reply_string(reply->element[i + 3]);
    d.attempt
        = static_cast<int32_t>(to_int(reply_string(reply->element[i + 4])));
    d.timeout_ms = to_int(reply_string(reply->element[i + 5]));
    d.request_id = reply_string(reply->element[i + 6]);
    d.ready_at = std::max(to_int(reply_string(reply->element[i + 7])),
                          to_int(reply_string(reply->element[i + 8])));
    out.push_back(std::move(d));
  }
  last_claim_token_ = out.empty() ? std::string{} : token;
  return out;
}

std::vector<std::string>
job_store::ack(const std::string& worker_id,
               const std::vector<job_outcome>& outcomes, int64_t now) {
  // One script call per chunk of outcomes; chunks keep each call short.
  constexpr size_t outcomes_per_call = 200;
  std::vector<redis_client::script_call> calls;
  for (size_t first = 0; first < outcomes.size(); first += outcomes_per_call) {
    auto n = std::min(outcomes_per_call, outcomes.size() - first);
    redis_args args{key_prefix, worker_id, std::to_string(now),
                    std::to_string(options_.retention_s), std::to_string(n)};
    args.reserve(args.size() + n * 7);
    for (size_t i = first; i < first + n; ++i) {
      auto& outcome = outcomes[i];
      auto delay_ms
          = retry_delay_ms(options_.backoff, outcome.attempt, jitter());
      auto retry_at_ms = now / 1000 + delay_ms;
      args.push_back(outcome.job_id);
      args.push_back(std::to_string(outcome.attempt));
      args.emplace_back(outcome.succeeded ? "1" : "0");
      args.emplace_back(outcome.retryable ? "1" : "0");
      args.push_back(outcome.succeeded ? outcome.result : outcome.error);
      args.push_back(std::to_string(retry_at_ms));
      args.push_back(std::to_string(retry_at_ms * 1000));
    }
    calls.push_back({"ack", {}, std::move(args)});
  }
  static const char* verdicts[] = {ack_verdict::stale, ack_verdict::succeeded,
                                   ack_verdict::retry, ack_verdict::dead};
  std::vector<std::string> out;
  out.reserve(outcomes.size());
  for (auto& reply : redis_.eval_many(calls)) {
    expect_ok(reply, "ack");
    if (reply->type != REDIS_REPLY_ARRAY)
      throw redis_error("ack: unexpected reply");
    for (size_t i = 0; i < reply->elements; ++i) {
      auto code = reply->element[i]->integer;
      out.emplace_back(verdicts[code >= 0 && code <= 3 ? code : 0]);
    }
  }
  return out;
}

uint32_t job_store::requeue(const std::string& worker_id,
                            const std::vector<std::string>& held, bool forget,
                            int64_t now) {
  return take_back(worker_id, "keep", held, forget, now);
}

uint32_t job_store::release(const std::string& worker_id,
                            const std::vector<std::string>& ids, int64_t now) {
  return take_back(worker_id, "release", ids, false, now);
}

uint32_t job_store::take_back(const std::string& worker_id, const char* mode,
                              const std::vector<std::string>& ids, bool forget,
                              int64_t now) {
  redis_args args{key_prefix,
                  worker_id,
                  std::to_string(now),
                  forget ? "1" : "0",
                  std::to_string(options_.retention_s),
                  mode};
  args.insert(args.end(), ids.begin(), ids.end());
  auto reply = redis_.eval("requeue", {}, args);
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
  return to_strings(reply);
}

// -- housekeeping
// -----------------------------------------------------------------

uint32_t job_store::promote_due(int64_t now, uint32_t limit) {
  auto reply = redis_.eval("promote", {},
                           {key_prefix, std::to_string(now / 1000),
                            std::to_string(limit), std::to_string(now)});
  return static_cast<uint32_t>(expect_integer(reply, "promote"));
}

uint32_t job_store::expire_finished(int64_t now) {
  auto cutoff = now - options_.retention_s * 1000000;
  auto reply
      = redis_.eval("expire", {}, {key_prefix, std::to_string(cutoff), "1000"});
  auto dropped = static_cast<uint32_t>(expect_integer(reply, "expire"));
  if (!options_.archive) // what archiving left behind, if it was on once
    release_archive_backlog(now, 1000);
  return dropped;
}

uint32_t job_store::reap_expired(int64_t now) {
  auto retry_at_ms = now / 1000 + options_.backoff.base_ms;
  auto reply = redis_.eval("reap", {},
                           {key_prefix, std::to_string(now / 1000), "100",
                            std::to_string(now), std::to_string(retry_at_ms),
                            std::to_string(retry_at_ms * 1000),
                            std::to_string(options_.retention_s)});
  return static_cast<uint32_t>(expect_integer(reply, "reap"));
}

// -- the job-history archive
// ------------------------------------------------------

archive_batch job_store::read_archive_backlog(uint32_t max) {
  auto reply
      = redis_.eval("archive_read", {}, {key_prefix, std::to_string(max)});
  expect_ok(reply, "archive_read");
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
    throw redis_error("archive_read: unexpected reply");
  archive_batch batch;
  batch.backlog = reply->element[0]->integer;
  for (size_t i = 1; i + 2 < reply->elements; i += 3) {
    archive_key key{to_int(reply_string(reply->element[i + 1])),
                    reply_string(reply->element[i])};
    auto job = to_job(key.id, reply->element[i + 2]);
    if (job && status::is_finished(job->status))
      batch.jobs.push_back(std::move(*job));
    else
      batch.skipped.push_back(std::move(key));
  }
  return batch;
}

uint32_t job_store::mark_archived(const std::vector<archive_key>& done,
                                  int64_t now) {
  if (done.empty())
    return 0;
  redis_args args{key_prefix, std::to_string(now),
                  std::to_string(options_.retention_s)};
  for (auto& key : done) {
    args.push_back(key.id);
    args.push_back(std::to_string(key.finished_at));
  }
  auto reply = redis_.eval("archive_mark", {}, args);
  return static_cast<uint32_t>(expect_integer(reply, "archive_mark"));
}

uint32_t job_store::release_archive_backlog(int64_t now, uint32_t max) {
  auto reply = redis_.eval("archive_off", {},
                           {key_prefix, std::to_string(now),
                            std::to_string(options_.retention_s),
                            std::to_string(max)});
  return static_cast<uint32_t>(expect_integer(reply, "archive_off"));
}

std::string job_store::write_deadline() const {
  using namespace std::chrono;
  auto now_ms
      = duration_cast<milliseconds>(system_clock::now().time_since_epoch())
            .count();
  return std::to_string(now_ms + redis_.clock_offset_ms()
                        + options_.write_window_ms);
}

} // namespace jobstack
