// The TCP log shipper against a real listener on 127.0.0.1: lines arrive
// whole, a missing aggregator never blocks the caller (drops are counted),
// the shipper reconnects with backoff, and stop() is bounded in time.
#define CAF_SUITE core.log_shipper
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/log_shipper.hpp"
#include "core/logging.hpp"
#include "tests/unit/tcp_listener.hpp"

using namespace jobstack;
using namespace std::chrono_literals;
using jobstack::test::tcp_listener;

namespace {

using clock_type = std::chrono::steady_clock;

std::string json_line(const std::string& message) {
  log_record r;
  r.ts_us = 1796077855123456;
  r.actor = "broker";
  r.message = message;
  r.fields.job_id = "01JDX3Q7ZK8M2V6W4T9R5N1B0C";
  return format_json_line(r, "server");
}

std::string message_of(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() && j.contains("message") && j["message"].is_string()
             ? j["message"].get<std::string>()
             : "<not a JSON record: " + line + ">";
}

bool has_message(const std::vector<std::string>& lines,
                 const std::string& message) {
  for (auto& line : lines)
    if (message_of(line) == message)
      return true;
  return false;
}

struct fixture {
  tcp_listener aggregator;

  // Short backoff so reconnecting is quick to observe.
  std::unique_ptr<log_shipper> make_shipper(size_t queue_lines = 1000) {
    log_shipper_options o;
    o.host = "127.0.0.1";
    o.port = aggregator.port();
    o.queue_lines = queue_lines;
    o.min_backoff = 10ms;
    o.max_backoff = 200ms;
    return std::make_unique<log_shipper>(o);
  }

  template <class F>
  static std::chrono::milliseconds time_of(F f) {
    auto start = clock_type::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        clock_type::now() - start);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(log_shipper_tests, fixture)

CAF_TEST(lines arrive in order as well - formed json) {
  auto shipper = make_shipper();
  for (int i = 0; i < 100; ++i)
    CAF_CHECK(shipper->push(json_line("line " + std::to_string(i))));
  CAF_REQUIRE(aggregator.collect(100, 5s));
  CAF_CHECK_EQUAL(aggregator.lines().size(), 100u);
  for (size_t i = 0; i < aggregator.lines().size(); ++i)
    CAF_CHECK_EQUAL(message_of(aggregator.lines()[i]),
                    "line " + std::to_string(i));
  CAF_CHECK_EQUAL(shipper->dropped(), 0u);
}

CAF_TEST(a vanished aggregator never blocks logging and drops are counted) {
  auto port = aggregator.port();
  auto shipper = make_shipper(1000);
  shipper->push(json_line("first"));
  CAF_REQUIRE(aggregator.collect(1, 5s));
  aggregator.close();
  uint64_t refused = 0;
  // "Never blocks" as the slowest single call: a call that waited on the
  // network would take a connect or send timeout (1 s, 2 s); a queue push
  // takes microseconds even under sanitizers on a busy machine.
  std::chrono::milliseconds slowest{0};
  for (int i = 0; i < 20000; ++i) {
    bool pushed = true;
    auto took = time_of([&] {
      pushed = shipper->push(json_line("while away " + std::to_string(i)));
    });
    slowest = std::max(slowest, took);
    if (!pushed)
      ++refused;
  }
  CAF_MESSAGE("slowest of 20000 calls: " << slowest.count() << " ms");
  CAF_CHECK_LESS(slowest.count(), 500);
  CAF_CHECK_GREATER(refused, 0u);
  CAF_CHECK_EQUAL(shipper->dropped(), refused);
  // The aggregator comes back on the same port: the shipper reconnects
  // (backoff capped at 200 ms here) and new lines arrive again.
  tcp_listener back{port};
  bool arrived = back.collect_until(
      [&](auto& lines) {
        shipper->push(json_line("back")); // dropped while the queue is full
        return has_message(lines, "back");
      },
      10s);
  CAF_CHECK(arrived);
  for (auto& line : back.lines())
    CAF_CHECK(nlohmann::json::accept(line));
}

CAF_TEST(stop sends what is queued within its grace) {
  auto shipper = make_shipper();
  for (int i = 0; i < 500; ++i)
    shipper->push(json_line("queued " + std::to_string(i)));
  auto took = time_of([&] { shipper->stop(1000ms); });
  CAF_CHECK_LESS(took.count(), 1500);
  CAF_CHECK(aggregator.collect(500, 5s));
  CAF_CHECK_EQUAL(aggregator.lines().size(), 500u);
  CAF_CHECK_EQUAL(shipper->dropped(), 0u);
  CAF_CHECK(!shipper->push(json_line("after stop")));
}

CAF_TEST(stop is bounded when the aggregator is down) {
  log_shipper_options o;
  o.host = "127.0.0.1";
  o.port = test::closed_port();
  o.min_backoff = 10ms;
  log_shipper shipper{o};
  for (int i = 0; i < 100; ++i)
    shipper.push(json_line("never sent"));
  auto took = time_of([&] { shipper.stop(200ms); });
  CAF_CHECK_LESS(took.count(), 700);
  CAF_CHECK_EQUAL(shipper.dropped(), 100u);
}

CAF_TEST(stop is bounded when the aggregator stops reading) {
  // This listener never accepts or reads: once the socket buffers are full
  // every send would block forever.
  auto shipper = make_shipper(200);
  std::string big(8192, 'x');
  for (int i = 0; i < 5000; ++i)
    shipper->push(json_line(big));
  auto took = time_of([&] { shipper->stop(300ms); });
  // Bounded: far below the 2 s a blocked send would wait (busy machines
  // and sanitizers add time, not seconds).
  CAF_CHECK_LESS(took.count(), 1800);
  CAF_CHECK_GREATER(shipper->dropped(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
