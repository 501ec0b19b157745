// The HTTP ingress actor; see ingress.hpp. One small function per API
// operation: ask the broker, render the answer.
#include "actors/ingress.hpp"

#include <caf/sec.hpp>
#include <spdlog/spdlog.h>

#include "core/job_json.hpp"
#include "core/logging.hpp"
#include "core/time.hpp"
#include "messages/errors.hpp"

namespace jobstack {

using nlohmann::json;

http_reply error_to_reply(const caf::error& err, const std::string& what) {
  if (err == errc::not_found)
    return error_reply(404, "not_found", what + " not found");
  if (err == errc::conflict) {
    std::string status = "in a state that";
    auto& ctx = err.context();
    if (ctx.match_elements<std::string>())
      status = "already " + ctx.get_as<std::string>(0) + ", which";
    return error_reply(409, "conflict",
                       "the " + what + " is " + status + " forbids this");
  }
  // Everything else (Redis down, broker slow or gone) is "try again".
  auto reply = error_reply(503, "unavailable",
                           "the job store is unavailable; try again");
  reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

namespace {

using self_ptr = ingress_actor::stateful_pointer<ingress_state>;

http_reply json_reply(int status, const json& body) {
  http_reply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

// Answers `sink` once: with the broker's answer, or with a 503 when its
// deadline passed first, whichever comes first.
void track_deadline(self_ptr self, const std::shared_ptr<answer_once>& once,
                    std::chrono::milliseconds timeout);

// Asks the broker and renders its answer (type T) with `render`. The
// deadline is kept by the ingress itself (see ask_deadlines) rather than by
// a CAF request timeout per request, which costs a wake-up of CAF's clock
// thread and a timeout message for every request, even answered ones.
template <class T, class Render, class... Ts>
void ask(self_ptr self, const broker_actor& broker,
         std::chrono::milliseconds timeout, const reply_sink& sink,
         const std::string& what, Render render, Ts&&... xs) {
  auto once = std::make_shared<answer_once>(sink);
  track_deadline(self, once, timeout);
  self->request(broker, caf::infinite, std::forward<Ts>(xs)...)
      .then([once, render](T& answer) { once->deliver(render(answer)); },
            [once, what](caf::error& err) {
              if (err != errc::not_found && err != errc::conflict)
                logs::warn("ingress", fmt::format("broker request failed: {}",
                                                  caf::to_string(err)));
              once->deliver(error_to_reply(err, what));
            });
}

void schedule_tick(self_ptr self) {
  auto& st = self->state;
  if (st.tick_scheduled || st.deadlines.empty())
    return;
  st.tick_scheduled = true;
  auto wait = std::max(caf::timespan{0},
                       std::min(st.deadlines.next() - self->clock().now(),
                                caf::timespan{deadline_tick}));
  self->delayed_send(self, wait, tick_atom::value);
}

void track_deadline(self_ptr self, const std::shared_ptr<answer_once>& once,
                    std::chrono::milliseconds timeout) {
  self->state.deadlines.push(self->clock().now() + timeout, once);
  schedule_tick(self);
}

void on_tick(self_ptr self) {
  self->state.tick_scheduled = false;
  auto late = error_to_reply(caf::sec::request_timeout, "job");
  if (auto n = self->state.deadlines.expire(self->clock().now(), late))
    logs::warn("ingress",
               fmt::format("the broker did not answer {} request(s) in time; "
                           "answered 503",
                           n));
  schedule_tick(self);
}

http_reply created_reply(const submit_result& result, bool batch) {
  int status = result.created ? 201 : 200;
  if (batch)
    return json_reply(status, jobs_to_json(result.jobs));
  if (result.jobs.empty()) // the jobs of a repeated key expired
    return error_reply(404, "not_found", "job not found");
  auto reply = json_reply(status, job_to_json(result.jobs.front()));
  reply.headers.emplace_back("Location", "/v1/jobs/" + result.jobs.front().id);
  return reply;
}

// The reason carried by an error (a store failure says what Redis said).
std::string error_text(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

http_reply ready_reply(bool redis_ok, const std::string& redis,
                       const std::string& broker) {
  auto ok = redis_ok && broker == "ok";
  auto reply = json_reply(
      ok ? 200 : 503, json{{"status", ok ? "ready" : "unavailable"},
                           {"checks", {{"redis", redis}, {"broker", broker}}}});
  if (!ok)
    reply.headers.emplace_back("Retry-After", "1");
  return reply;
}

void check_ready(self_ptr self, const broker_actor& broker,
                 std::chrono::milliseconds timeout, const reply_sink& sink) {
  self->request(broker, timeout, ready_atom::value)
      .then(
          [sink](bool ok) {
            sink.deliver(
                ready_reply(ok, ok ? "ok" : "no answer to PING", "ok"));
          },
          [sink](caf::error& err) {
            // The broker answered with Redis' failure, or did not answer.
            if (err == caf::sec::request_timeout)
              sink.deliver(ready_reply(false, "unknown", "not answering"));
            else
              sink.deliver(ready_reply(false, error_text(err), "ok"));
          });
}

http_reply metrics_reply(const ingress_options& options,
                         const cluster_snapshot& snapshot) {
  http_reply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  if (options.render_metrics)
    reply.body = options.render_metrics(snapshot);
  return reply;
}

// Queue gauges (Redis, via the broker), then the worker table, then render.
void scrape(self_ptr self, const broker_actor& broker,
            const ingress_options& options, const reply_sink& sink) {
  auto snapshot = std::make_shared<cluster_snapshot>();
  auto finish = [=] {
    self->request(broker, options.metrics_timeout, workers_atom::value)
        .then(
            [=](std::vector<worker_view>& workers) {
              snapshot->workers = std::move(workers);
              snapshot->now = now_us();
              sink.deliver(metrics_reply(options, *snapshot));
            },
            [=](caf::error&) {
              snapshot->now = now_us();
              sink.deliver(metrics_reply(options, *snapshot));
            });
  };
  self->request(broker, options.metrics_timeout, stats_atom::value)
      .then(
          [=](std::vector<queue_stats>& queues) {
            snapshot->queues = std::move(queues);
            finish();
          },
          [=](caf::error&) { finish(); });
}

} // namespace

ingress_actor::behavior_type
ingress(ingress_actor::stateful_pointer<ingress_state> self,
        broker_actor broker, ingress_options options) {
  auto t = options.broker_timeout;
  auto job = [](const job_record& j) {
    return json_reply(200, job_to_json(j));
  };
  return {
      [=](tick_atom) { on_tick(self); },
      [=](api_command& cmd, const reply_sink& sink) {
        switch (cmd.op) {
        case api_op::create:
        case api_op::create_batch: {
          bool batch = cmd.op == api_op::create_batch;
          ask<submit_result>(
              self, broker, t, sink, "job",
              [batch](const submit_result& r) {
                return created_reply(r, batch);
              },
              submit_atom::value, std::move(cmd.submit));
          break;
        }
        case api_op::get:
          ask<job_record>(self, broker, t, sink, "job", job, get_atom::value,
                          cmd.name);
          break;
        case api_op::list:
          ask<job_page>(
              self, broker, t, sink, "job",
              [](const job_page& p) {
                return json_reply(200, page_to_json(p));
              },
              list_atom::value, cmd.query);
          break;
        case api_op::cancel:
          ask<job_record>(self, broker, t, sink, "job", job, cancel_atom::value,
                          cmd.name);
          break;
        case api_op::retry:
          ask<job_record>(self, broker, t, sink, "job", job, retry_atom::value,
                          cmd.name);
          break;
        case api_op::queue_stats:
          ask<queue_stats>(
              self, broker, t, sink, "queue",
              [](const queue_stats& s) {
                return json_reply(200, stats_to_json(s));
              },
              stats_atom::value, cmd.name);
          break;
        case api_op::queue_list:
          ask<std::vector<queue_stats>>(
              self, broker, t, sink, "queue",
              [](const std::vector<queue_stats>& s) {
                return json_reply(200, stats_list_to_json(s));
              },
              stats_atom::value);
          break;
        case api_op::workers:
          ask<std::vector<worker_view>>(
              self, broker, t, sink, "worker",
              [](const std::vector<worker_view>& w) {
                return json_reply(200, workers_to_json(w));
              },
              workers_atom::value);
          break;
        case api_op::ready:
          check_ready(self, broker, options.ready_timeout, sink);
          break;
        case api_op::metrics:
          scrape(self, broker, options, sink);
          break;
        }
      },
  };
}

} // namespace jobstack
