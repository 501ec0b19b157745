// The ingress turns broker answers into HTTP replies: 201 + Location for a
// new job, 404 for an unknown one, 503 + Retry-After when the store is down.
#define CAF_SUITE actors.ingress
#include "test_config.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "actors/ingress.hpp"
#include "messages/errors.hpp"

using namespace jobstack;
using namespace std::chrono_literals;

namespace {

// Stores a submitted job unless its type is "down"; knows no job ids.
broker_actor::behavior_type fake_broker() {
  return {
      [](submit_atom, job_record job) -> caf::result<job_record> {
        if (job.type == "down")
          return caf::make_error(errc::unavailable);
        return job;
      },
      [](get_atom, const std::string& id) -> caf::result<job_record> {
        if (id == "known") {
          job_record job;
          job.id = id;
          job.status = "queued";
          return job;
        }
        return caf::make_error(errc::not_found);
      },
      [](join_atom, const worker_info&, const worker_node_actor&) {
        return true;
      },
      [](pull_atom, const std::string&, uint32_t) {
        return std::vector<delivery>{};
      },
      [](ack_atom, const std::string&, const std::vector<job_outcome>&) {
        return uint32_t{0};
      },
      [](tick_atom) {},
      [](grace_atom) {},
  };
}

struct fixture : test::fixture_base {
  ingress_actor front;
  std::shared_ptr<http_reply> last = std::make_shared<http_reply>();

  fixture() {
    front = sys.spawn(ingress, sys.spawn(fake_broker), ingress_options{});
  }

  reply_sink sink() {
    auto out = last;
    return reply_sink{[out](http_reply r) {
      *out = std::move(r);
    }};
  }

  std::string header(const std::string& name) {
    for (auto& [k, v] : last->headers)
      if (k == name)
        return v;
    return "";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ingress_tests, fixture)

CAF_TEST(a created job is answered 201 with its location) {
  job_record job;
  job.type = "echo";
  job.queue = "default";
  job.payload = "{}";
  self->send(front, create_atom::value, job, sink());
  run();
  CAF_CHECK_EQUAL(last->status, 201);
  auto body = nlohmann::json::parse(last->body);
  CAF_CHECK_EQUAL(body["status"], "queued");
  CAF_CHECK_EQUAL(body["attempts"], 0);
  auto id = body["id"].get<std::string>();
  CAF_CHECK_EQUAL(id.size(), 26u);
  CAF_CHECK_EQUAL(header("Location"), "/v1/jobs/" + id);
}

CAF_TEST(an unavailable store is answered 503 with retry after) {
  job_record job;
  job.type = "down";
  self->send(front, create_atom::value, job, sink());
  run();
  CAF_CHECK_EQUAL(last->status, 503);
  CAF_CHECK_EQUAL(header("Retry-After"), "1");
  auto body = nlohmann::json::parse(last->body);
  CAF_CHECK_EQUAL(body["error"]["code"], "unavailable");
}

CAF_TEST(reading jobs maps not found to 404) {
  self->send(front, get_atom::value, std::string{"known"}, sink());
  run();
  CAF_CHECK_EQUAL(last->status, 200);
  self->send(front, get_atom::value, std::string{"missing"}, sink());
  run();
  CAF_CHECK_EQUAL(last->status, 404);
  auto body = nlohmann::json::parse(last->body);
  CAF_CHECK_EQUAL(body["error"]["code"], "not_found");
}

CAF_TEST(a broker that does not answer in time gives 503) {
  auto silent = sys.spawn([]() -> broker_actor::behavior_type {
    return {
        [](submit_atom, job_record) -> caf::result<job_record> {
          return caf::make_error(caf::sec::request_timeout);
        },
        [](get_atom, const std::string&) -> caf::result<job_record> {
          return caf::make_error(caf::sec::request_timeout);
        },
        [](join_atom, const worker_info&, const worker_node_actor&) {
          return true;
        },
        [](pull_atom, const std::string&, uint32_t) {
          return std::vector<delivery>{};
        },
        [](ack_atom, const std::string&, const std::vector<job_outcome>&) {
          return uint32_t{0};
        },
        [](tick_atom) {},
        [](grace_atom) {},
    };
  });
  auto slow_front = sys.spawn(ingress, silent, ingress_options{});
  self->send(slow_front, get_atom::value, std::string{"x"}, sink());
  run();
  CAF_CHECK_EQUAL(last->status, 503);
}

CAF_TEST(error replies have the api error shape) {
  auto reply = error_reply(400, "validation_failed", "type: bad", "type");
  auto body = nlohmann::json::parse(reply.body);
  CAF_CHECK_EQUAL(body["error"]["code"], "validation_failed");
  CAF_CHECK_EQUAL(body["error"]["message"], "type: bad");
  CAF_CHECK_EQUAL(body["error"]["details"]["field"], "type");
}

CAF_TEST_FIXTURE_SCOPE_END()
