// The HTTP ingress actor; see ingress.hpp.
#include "actors/ingress.hpp"

#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

#include "core/job_id.hpp"
#include "core/job_json.hpp"
#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

void stamp_new_job(job_record& job, int64_t now) {
  job.id = make_job_id(now);
  job.status = status::queued;
  job.attempts = 0;
  job.created_at = now;
  job.updated_at = now;
}

http_reply error_to_reply(const caf::error& err) {
  if (err == errc::not_found)
    return error_reply(404, "not_found", "job not found");
  if (err == errc::conflict)
    return error_reply(409, "conflict", "the job's state forbids this");
  // Everything else (Redis down, broker slow or gone) is "try again".
  auto reply = error_reply(503, "unavailable",
                           "the job store is unavailable; nothing was written");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

namespace {

http_reply job_reply(int status, const job_record& job) {
  http_reply reply;
  reply.status = status;
  reply.body = job_to_json(job).dump();
  return reply;
}

} // namespace

ingress_actor::behavior_type
ingress(ingress_actor::stateful_pointer<ingress_state> self,
        broker_actor broker, ingress_options options) {
  return {
      [=](create_atom, job_record& job, const reply_sink& sink) {
        stamp_new_job(job, now_us());
        self->request(broker, options.broker_timeout, submit_atom::value,
                      std::move(job))
            .then(
                [=](const job_record& stored) {
                  auto reply = job_reply(201, stored);
                  reply.headers.emplace_back("Location",
                                             "/v1/jobs/" + stored.id);
                  sink.deliver(std::move(reply));
                },
                [=](caf::error& err) {
                  spdlog::warn("ingress: create failed: {}",
                               caf::to_string(err));
                  sink.deliver(error_to_reply(err));
                });
      },
      [=](get_atom, const std::string& id, const reply_sink& sink) {
        self->request(broker, options.broker_timeout, get_atom::value, id)
            .then(
                [=](const job_record& job) {
                  sink.deliver(job_reply(200, job));
                },
                [=](caf::error& err) { sink.deliver(error_to_reply(err)); });
      },
  };
}

} // namespace jobstack
