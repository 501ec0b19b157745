// The ingress turns broker answers into HTTP replies: 201/200 + Location
// for creates, 404/409 for missing or busy jobs, 503 + Retry-After when the
// store is down or the broker does not answer, and /readyz's checks.
#define CAF_SUITE actors.ingress
#include "test_config.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "actors/ingress.hpp"
#include "tests/unit/fake_broker.hpp"

using namespace jobstack;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct fixture : test::fixture_base {
  broker_actor hub;
  ingress_actor front;
  std::shared_ptr<http_reply> last = std::make_shared<http_reply>();

  fixture() {
    hub = sys.spawn(test::fake_broker, test::spawn_tag{});
    front = sys.spawn(ingress, hub, ingress_options{});
  }

  test::fake_broker_state& hub_state() {
    return deref<broker_actor::stateful_base<test::fake_broker_state>>(hub)
        .state;
  }

  void send(api_command cmd) {
    auto out = last;
    self->send(front, std::move(cmd), reply_sink{[out](http_reply r) {
                 *out = std::move(r);
               }});
    run();
  }

  api_command cmd(api_op op, std::string name = {}) {
    api_command c;
    c.op = op;
    c.name = std::move(name);
    return c;
  }

  api_command create(std::string type, std::string key = {}) {
    auto c = cmd(api_op::create);
    job_record job;
    job.id = "J1";
    job.type = std::move(type);
    job.status = "queued";
    c.submit.jobs.push_back(job);
    c.submit.idempotency_key = std::move(key);
    return c;
  }

  std::string header(const std::string& name) {
    for (auto& [k, v] : last->headers)
      if (k == name)
        return v;
    return "";
  }

  json body() {
    return json::parse(last->body);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingress_tests, fixture)

CAF_TEST(a created job is answered 201 with its location) {
  send(create("echo"));
  CAF_CHECK_EQUAL(last->status, 201);
  auto b = body();
  CAF_CHECK_EQUAL(b["id"], "J1");
  CAF_CHECK_EQUAL(b["status"], "queued");
  CAF_CHECK_EQUAL(header("Location"), "/v1/jobs/J1");
  CAF_CHECK_EQUAL(last->content_type, "application/json");
}

CAF_TEST(a repeated idempotency key is answered 200) {
  send(create("echo", "repeat"));
  CAF_CHECK_EQUAL(last->status, 200);
  CAF_CHECK_EQUAL(hub_state().submits.back().idempotency_key, "repeat");
}

CAF_TEST(a batch is answered with its jobs in order) {
  auto c = create("echo");
  c.op = api_op::create_batch;
  c.submit.jobs.push_back(c.submit.jobs.front());
  c.submit.jobs.back().id = "J2";
  send(c);
  CAF_CHECK_EQUAL(last->status, 201);
  auto b = body();
  CAF_REQUIRE_EQUAL(b["jobs"].size(), 2u);
  CAF_CHECK_EQUAL(b["jobs"][1]["id"], "J2");
}

CAF_TEST(an unavailable store is answered 503 with retry after) {
  send(create("down"));
  CAF_CHECK_EQUAL(last->status, 503);
  CAF_CHECK_EQUAL(header("Retry-After"), "1");
  auto b = body();
  CAF_CHECK_EQUAL(b["error"]["code"], "unavailable");
}

CAF_TEST(unknown jobs and queues are 404 and busy jobs 409) {
  send(cmd(api_op::get, "known"));
  CAF_CHECK_EQUAL(last->status, 200);
  send(cmd(api_op::get, "missing"));
  CAF_CHECK_EQUAL(last->status, 404);
  auto b = body();
  CAF_CHECK_EQUAL(b["error"]["code"], "not_found");
  send(cmd(api_op::cancel, "busy"));
  CAF_CHECK_EQUAL(last->status, 409);
  auto c = body();
  CAF_CHECK_EQUAL(c["error"]["code"], "conflict");
  CAF_CHECK_NOT_EQUAL(c["error"]["message"].get<std::string>().find("running"),
                      std::string::npos);
  send(cmd(api_op::queue_stats, "nope"));
  CAF_CHECK_EQUAL(last->status, 404);
  send(cmd(api_op::queue_stats, "default"));
  auto s = body();
  CAF_CHECK_EQUAL(s["queued"], 3);
}

CAF_TEST(a listing carries the next cursor) {
  auto c = cmd(api_op::list);
  c.query.limit = 10;
  c.query.offset = 20;
  send(c);
  CAF_CHECK_EQUAL(last->status, 200);
  auto b = body();
  CAF_CHECK_EQUAL(b["next_cursor"], "30");
  CAF_CHECK(b["jobs"].is_array());
}

CAF_TEST(readiness follows the redis check) {
  send(cmd(api_op::ready));
  CAF_CHECK_EQUAL(last->status, 200);
  auto ok = body();
  CAF_CHECK_EQUAL(ok["status"], "ready");
  CAF_CHECK_EQUAL(ok["checks"]["redis"], "ok");
  hub_state().redis_up = false;
  send(cmd(api_op::ready));
  CAF_CHECK_EQUAL(last->status, 503);
  auto down = body();
  CAF_CHECK_EQUAL(down["status"], "unavailable");
  CAF_CHECK_EQUAL(down["checks"]["redis"], "redis down");
  CAF_CHECK_EQUAL(down["checks"]["broker"], "ok");
  CAF_CHECK_EQUAL(header("Retry-After"), "1");
}

CAF_TEST(a broker that does not answer in time gives 503) {
  // Takes every request and never answers it.
  auto silent = sys.spawn(
      [](caf::event_based_actor* silent_self,
         test::spawn_tag) -> caf::behavior {
        silent_self->set_default_handler(
            [](caf::scheduled_actor*,
               caf::message_view&) -> caf::result<caf::message> {
              return caf::delegated<caf::message>{}; // nobody ever answers
            });
        return {[](test::spawn_tag) {
        }};
      },
      test::spawn_tag{});
  auto slow = sys.spawn(ingress, caf::actor_cast<broker_actor>(silent),
                        ingress_options{});
  auto out = last;
  self->send(slow, cmd(api_op::get, "x"), reply_sink{[out](http_reply r) {
               *out = std::move(r);
             }});
  sched.run();                            // the messages only, no timers
  CAF_CHECK_NOT_EQUAL(last->status, 503); // not answered yet
  run();                                  // fires the ingress' deadline tick
  CAF_CHECK_EQUAL(last->status, 503);
  CAF_CHECK_EQUAL(header("Retry-After"), "1");
}

CAF_TEST(deadlines expire in order and skip answered requests) {
  ask_deadlines book;
  std::vector<int> statuses;
  auto once = [&](int tag) {
    return std::make_shared<answer_once>(
        reply_sink{[&statuses, tag](const http_reply& r) {
          statuses.push_back(tag * 1000 + r.status);
        }});
  };
  auto t0 = caf::actor_clock::time_point{};
  auto a = once(1);
  auto b = once(2);
  auto c = once(3);
  book.push(t0 + 1s, a);
  book.push(t0 + 2s, b);
  book.push(t0 + 3s, c);
  http_reply ok;
  ok.status = 201;
  a->deliver(ok); // answered in time
  http_reply late;
  late.status = 503;
  CAF_CHECK_EQUAL(book.expire(t0 + 1500ms, late), 0u);
  CAF_CHECK_EQUAL(book.size(), 2u); // the answered one is gone
  CAF_CHECK_EQUAL(book.expire(t0 + 2s, late), 1u);
  b->deliver(ok); // too late: answered once only
  CAF_CHECK_EQUAL(statuses, (std::vector<int>{1201, 2503}));
  CAF_CHECK_EQUAL(book.size(), 1u);
}

CAF_TEST(an answer in time leaves no deadline behind) {
  send(create("echo"));
  CAF_CHECK_EQUAL(last->status, 201);
  auto& st = deref<ingress_actor::stateful_base<ingress_state>>(front).state;
  run(); // the next deadline tick drops the answered request
  CAF_CHECK(st.deadlines.empty());
  CAF_CHECK(!st.tick_scheduled);
}

CAF_TEST(error replies have the api error shape) {
  auto reply = error_reply(400, "validation_failed", "type: bad", "type");
  auto b = json::parse(reply.body);
  CAF_CHECK_EQUAL(b["error"]["code"], "validation_failed");
  CAF_CHECK_EQUAL(b["error"]["message"], "type: bad");
  CAF_CHECK_EQUAL(b["error"]["details"]["field"], "type");
}

CAF_TEST_FIXTURE_SCOPE_END()
