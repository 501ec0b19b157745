// The built-in handlers and the attempt runner, without any actor.
#define CAF_SUITE core.handlers
#include <caf/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "core/handlers.hpp"
#include "tests/value_of.hpp"

using namespace jobstack;
using nlohmann::json;

namespace {

struct fixture {
  handler_registry registry;
  std::atomic<bool> cancel{false};

  fixture() {
    add_builtin_handlers(registry);
  }

  job_outcome run(const std::string& type, const std::string& payload,
                  int32_t attempt = 1) {
    delivery d;
    d.job_id = "J1";
    d.type = type;
    d.payload = payload;
    d.attempt = attempt;
    return run_job(registry, d, [this] { return cancel.load(); });
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(handler_tests, fixture)

CAF_TEST(echo returns its payload) {
  auto out = run("echo", R"({"x":[1,2]})");
  CAF_CHECK(out.succeeded);
  CAF_CHECK_EQUAL(out.result, R"({"x":[1,2]})");
  CAF_CHECK_EQUAL(out.job_id, "J1");
  CAF_CHECK_EQUAL(out.attempt, 1);
}

CAF_TEST(fail fails with its message and may be retried) {
  auto out = run("fail", R"({"message":"boom"})");
  CAF_CHECK(!out.succeeded);
  CAF_CHECK(out.retryable);
  CAF_CHECK_EQUAL(out.error, "boom");
}

CAF_TEST(flaky fails its first attempts then succeeds) {
  CAF_CHECK(!test::value_of(run("flaky", R"({"fail_times":2})", 1).succeeded));
  CAF_CHECK(!test::value_of(run("flaky", R"({"fail_times":2})", 2).succeeded));
  auto out = run("flaky", R"({"fail_times":2})", 3);
  CAF_CHECK(out.succeeded);
}

CAF_TEST(sleep sleeps and reports it) {
  auto start = std::chrono::steady_clock::now();
  auto out = run("sleep", R"({"ms":30})");
  CAF_CHECK(out.succeeded);
  auto result = json::parse(out.result);
  CAF_CHECK_EQUAL(result["slept_ms"], 30);
  CAF_CHECK(std::chrono::steady_clock::now() - start
            >= std::chrono::milliseconds{30});
}

CAF_TEST(sleep stops early when the worker is cancelled) {
  std::thread canceller{[this] {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    cancel = true;
  }};
  auto start = std::chrono::steady_clock::now();
  auto out = run("sleep", R"({"ms":60000})");
  canceller.join();
  CAF_CHECK(!out.succeeded);
  CAF_CHECK(std::chrono::steady_clock::now() - start
            < std::chrono::seconds{10});
}

CAF_TEST(a bad payload for a built-in is a permanent failure) {
  auto out = run("sleep", R"({"ms":"soon"})");
  CAF_CHECK(!out.succeeded);
  CAF_CHECK(!out.retryable);
}

CAF_TEST(a type without handler fails for good naming the type) {
  auto out = run("email.send", "{}");
  CAF_CHECK(!out.succeeded);
  CAF_CHECK(!out.retryable);
  CAF_CHECK_NOT_EQUAL(out.error.find("email.send"), std::string::npos);
}

CAF_TEST(application handlers can be registered) {
  registry.add("double", [](const json& p, handler_context&) {
    return json(p.get<int>() * 2);
  });
  registry.add("permanent", [](const json&, handler_context&) -> json {
    throw permanent_error("never works");
  });
  CAF_CHECK_EQUAL(test::value_of(run("double", "21").result), "42");
  auto out = run("permanent", "{}");
  CAF_CHECK(!out.retryable);
  CAF_CHECK_EQUAL(out.error, "never works");
}

CAF_TEST(only handlers that cannot block run inline) {
  CAF_CHECK(registry.runs_inline("echo"));
  CAF_CHECK(registry.runs_inline("fail"));
  CAF_CHECK(registry.runs_inline("flaky"));
  CAF_CHECK(!registry.runs_inline("sleep")); // blocks: its own thread
  CAF_CHECK(!registry.runs_inline("no-such-type"));
  registry.add("app.blocking",
               [](const nlohmann::json& p, handler_context&) { return p; });
  registry.add_inline(
      "app.quick", [](const nlohmann::json& p, handler_context&) { return p; });
  CAF_CHECK(!registry.runs_inline("app.blocking"));
  CAF_CHECK(registry.runs_inline("app.quick"));
}

CAF_TEST_FIXTURE_SCOPE_END()
