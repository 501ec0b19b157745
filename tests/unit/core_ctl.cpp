// jobstack-ctl's pure parts: its command line, the protocol check every node
// applies, and how reports and node lists print.
#define CAF_SUITE core.ctl
#include "test_config.hpp"

#include "core/ctl_render.hpp"
#include "core/inspect_report.hpp"
#include "messages/errors.hpp"

using namespace jobstack;
using nlohmann::json;

namespace {

std::optional<ctl_args> parse(std::vector<std::string> args,
                              std::string* error_out = nullptr) {
  std::string error;
  auto result = parse_ctl_args(args, error);
  if (error_out)
    *error_out = error;
  return result;
}

} // namespace

CAF_TEST(the command line is checked) {
  auto ok = parse({"inspect", "127.0.0.1:4242", "--json", "--timeout=1.5"});
  CAF_REQUIRE(ok.has_value());
  CAF_CHECK_EQUAL(ok->command, "inspect");
  CAF_CHECK_EQUAL(ok->host, "127.0.0.1");
  CAF_CHECK_EQUAL(ok->port, 4242u);
  CAF_CHECK(ok->json);
  CAF_CHECK_EQUAL(ok->timeout.count(), 1500);
  auto nodes = parse({"nodes", "broker.internal:1"});
  CAF_REQUIRE(nodes.has_value());
  CAF_CHECK(!nodes->json);
  CAF_CHECK_EQUAL(nodes->timeout.count(), 5000); // a few seconds by default
  std::string error;
  for (auto bad : std::vector<std::vector<std::string>>{
           {},
           {"inspect"},
           {"frobnicate", "h:1"},
           {"inspect", "h"},
           {"inspect", "h:0"},
           {"inspect", "h:65536"},
           {"inspect", ":80"},
           {"inspect", "h:80x"},
           {"inspect", "h:80", "--timeout=0"},
           {"inspect", "h:80", "--timeout=abc"},
           {"inspect", "h:80", "--verbose"},
           {"inspect", "h:80", "extra"}}) {
    CAF_CHECK(!parse(bad, &error).has_value());
    CAF_CHECK(!error.empty() && error.find('\n') == std::string::npos);
  }
}

CAF_TEST(hash token takes one token or a dash) {
  auto direct = parse({"hash-token", "--starts-with-dashes"});
  CAF_REQUIRE(direct.has_value());
  CAF_CHECK_EQUAL(direct->command, "hash-token");
  CAF_CHECK_EQUAL(direct->token, "--starts-with-dashes");
  auto piped = parse({"hash-token", "-"});
  CAF_REQUIRE(piped.has_value());
  CAF_CHECK_EQUAL(piped->token, "-");
  std::string error;
  CAF_CHECK(!parse({"hash-token"}, &error).has_value());
  CAF_CHECK_EQUAL(error, "hash-token wants exactly one TOKEN (or '-' for "
                         "stdin)");
  CAF_CHECK(!parse({"hash-token", "a", "b"}).has_value());
  CAF_CHECK(ctl_usage().find("jobstack-ctl hash-token TOKEN|-")
            != std::string::npos);
}

CAF_TEST(a node refuses another protocol with a clear error) {
  CAF_CHECK(!check_protocol(protocol_version));
  auto err = check_protocol("jobstack-protocol-0");
  CAF_CHECK(err == errc::protocol_mismatch);
  auto text = err.context().get_as<std::string>(0);
  CAF_CHECK(text.find(protocol_version) != std::string::npos);
  CAF_CHECK(text.find("jobstack-protocol-0") != std::string::npos);
}

CAF_TEST(reports print as json and text) {
  auto report = make_node_report("NODE#1", "worker", "w1", 1000000);
  report.now = report.started_at + 2500000;
  scheduler_facts facts;
  facts.worker_id = "w1";
  facts.concurrency = 2;
  delivery job;
  job.job_id = "J1";
  job.queue = "default";
  job.type = "sleep";
  job.attempt = 1;
  facts.running.push_back({job, 1234});
  report.actors.push_back({"scheduler", 0, scheduler_state_json(facts)});
  report.actors.push_back({"workers", -1, workers_state_json(facts)});
  auto j = report_to_json(report);
  CAF_CHECK_EQUAL(j["role"], "worker");
  CAF_CHECK_EQUAL(j["version"], jobstack_release());
  CAF_CHECK_EQUAL(j["uptime_s"], 2.5);
  CAF_CHECK_EQUAL(j["actors"][0]["mailbox"], 0);
  CAF_CHECK(j["actors"][1]["mailbox"].is_null());
  auto& running = j["actors"][1]["state"]["running"];
  CAF_REQUIRE_EQUAL(running.size(), 1u);
  CAF_CHECK_EQUAL(running[0]["job_id"], "J1");
  CAF_CHECK_EQUAL(running[0]["age_ms"], 1234);
  auto text = report_to_text(j);
  CAF_CHECK(text.find("worker w1") != std::string::npos);
  CAF_CHECK(text.find("job_id=J1") != std::string::npos);
  CAF_CHECK(text.find("[scheduler]  mailbox 0") != std::string::npos);
}

CAF_TEST(node lists name where to inspect each node) {
  node_entry server;
  server.role = "server";
  server.id = "server";
  node_entry worker;
  worker.role = "worker";
  worker.id = "w1";
  worker.inspect = "10.0.0.2:5000";
  worker.queues = {"default", "mail"};
  worker.running = 3;
  worker.last_seen = 1000000;
  auto j = nodes_to_json({server, worker}, "10.0.0.1:4242", 3000000);
  CAF_CHECK_EQUAL(j[0]["inspect"], "10.0.0.1:4242"); // where ctl reached it
  CAF_CHECK_EQUAL(j[1]["inspect"], "10.0.0.2:5000");
  CAF_CHECK_EQUAL(j[1]["last_seen_s_ago"], 2.0);
  auto text = nodes_to_text(j);
  CAF_CHECK(text.find("default,mail") != std::string::npos);
  CAF_CHECK(text.find("10.0.0.2:5000") != std::string::npos);
}
