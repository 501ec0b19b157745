// The worker node's scheduler: joins, pulls as many jobs as it has idle
// workers, runs them on the pool and acks their outcomes; outcomes that
// could not be acked are kept and named as held on the next join. In once
// mode (jobstack-worker --once) it pulls without waiting and reports when the
// queues are drained and every outcome is acked.
#define CAF_SUITE actors.scheduler
#include "test_config.hpp"

#include <algorithm>

#include "actors/scheduler.hpp"
#include "core/handlers.hpp"
#include "tests/unit/fake_broker.hpp"

using namespace jobstack;
using jobstack::test::fake_broker;
using jobstack::test::fake_broker_state;
using namespace std::chrono_literals;

namespace {

// Runs jobs inline: the real worker hands them to its own thread, which
// the deterministic test scheduler cannot wait for.
worker_actor::behavior_type
inline_worker(std::shared_ptr<const handler_registry> registry,
              std::shared_ptr<std::atomic<bool>> cancel) {
  return {
      [=](run_atom, const delivery& job) {
        return run_job(*registry, job, [cancel] { return cancel->load(); });
      },
      [](completion& done) { done.run(); },
      [](timeout_atom, uint64_t) {},
  };
}

delivery echo_job(std::string id, std::string payload) {
  delivery d;
  d.job_id = std::move(id);
  d.type = "echo";
  d.payload = std::move(payload);
  d.attempt = 1;
  return d;
}

struct fixture : test::fixture_base {
  broker_actor hub;
  scheduler_actor sched;

  fixture() {
    hub = sys.spawn(fake_broker, test::spawn_tag{});
    sched = spawn_scheduler(options());
  }

  // Two inline workers, id w1, queue default, no retry tick.
  static scheduler_options options() {
    scheduler_options opts;
    opts.info.worker_id = "w1";
    opts.info.queues = {"default"};
    opts.info.concurrency = 2;
    opts.tick_interval = 0ms;
    return opts;
  }

  scheduler_actor spawn_scheduler(scheduler_options opts) {
    auto registry = std::make_shared<handler_registry>();
    add_builtin_handlers(*registry);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    std::vector<worker_actor> pool;
    for (int i = 0; i < 2; ++i)
      pool.push_back(sys.spawn(inline_worker, registry, cancel));
    auto result = sys.spawn(scheduler, std::move(opts), std::move(pool));
    consume_messages();
    return result;
  }

  fake_broker_state& hub_state() {
    return deref<broker_actor::stateful_base<fake_broker_state>>(hub).state;
  }

  scheduler_state& sched_state() {
    return deref<scheduler_actor::stateful_base<scheduler_state>>(sched).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(scheduler_tests, fixture)

CAF_TEST(it joins then pulls for every idle worker) {
  self->send(sched, connect_atom::value, hub);
  consume_messages();
  CAF_REQUIRE_EQUAL(hub_state().joins.size(), 1u);
  CAF_CHECK_EQUAL(hub_state().joins[0].worker_id, "w1");
  CAF_CHECK_EQUAL(hub_state().pulled_slots, std::vector<uint32_t>{2});
}

CAF_TEST(pulled jobs run and their outcomes are acked) {
  hub_state().pull_replies.push_back(
      {echo_job("J1", R"({"a":1})"), echo_job("J2", "[2]")});
  self->send(sched, connect_atom::value, hub);
  consume_messages();
  auto& acked = hub_state().acked;
  CAF_REQUIRE_EQUAL(acked.size(), 2u);
  for (auto& outcome : acked) {
    CAF_CHECK(outcome.succeeded);
    CAF_CHECK_EQUAL(outcome.result,
                    outcome.job_id == "J1" ? R"({"a":1})" : "[2]");
  }
  // The first to finish asks for one more job; the broker parks that pull,
  // so the second does not ask again (one open pull per node).
  CAF_CHECK_EQUAL(hub_state().pulled_slots, (std::vector<uint32_t>{2, 1}));
  CAF_CHECK(sched_state().running.empty());
}

CAF_TEST(unacked outcomes are kept and named on the next join) {
  hub_state().refuse_acks = true;
  hub_state().pull_replies.push_back({echo_job("J1", "{}")});
  self->send(sched, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK(hub_state().acked.empty());
  CAF_REQUIRE_EQUAL(sched_state().unacked.size(), 1u);
  hub_state().refuse_acks = false;
  self->send(sched, connect_atom::value, hub); // a re-join
  consume_messages();
  CAF_REQUIRE_EQUAL(hub_state().joins.size(), 2u);
  CAF_CHECK_EQUAL(hub_state().joins[1].held_job_ids,
                  std::vector<std::string>{"J1"});
  CAF_REQUIRE_EQUAL(hub_state().acked.size(), 1u);
  CAF_CHECK_EQUAL(hub_state().acked[0].job_id, "J1");
}

CAF_TEST(release hands back the jobs still running) {
  hub_state().pull_replies.push_back({echo_job("J1", "{}")});
  self->send(sched, connect_atom::value, hub);
  consume_messages();
  // Pretend J7 is still running when the node must stop.
  sched_state().running.emplace("J7", echo_job("J7", "{}"));
  auto h = self->request(sched, caf::infinite, release_atom::value);
  consume_messages();
  h.receive([](uint32_t n) { CAF_CHECK_EQUAL(n, 1u); },
            [](caf::error& err) { CAF_FAIL("release failed: " << err); });
  CAF_CHECK_EQUAL(hub_state().released, std::vector<std::string>{"J7"});
}

CAF_TEST(stopping withdraws an open pull and the drain waits for it) {
  self->send(sched, connect_atom::value, hub);
  consume_messages(); // joined; its pull is parked at the broker
  CAF_CHECK(sched_state().pulling);
  auto busy = self->request(sched, caf::infinite, status_atom::value);
  consume_messages();
  busy.receive([](uint32_t n) { CAF_CHECK_EQUAL(n, 1u); },
               [](caf::error& err) { CAF_FAIL("status failed: " << err); });
  self->send(sched, stop_atom::value);
  consume_messages();
  CAF_CHECK_EQUAL(hub_state().pulled_slots, (std::vector<uint32_t>{2, 0}));
}

CAF_TEST(a stopping scheduler takes no new work) {
  self->send(sched, stop_atom::value);
  self->send(sched, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK(hub_state().pulled_slots.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

// jobstack-worker --once: a scheduler whose on_drained counts its calls.
struct once_fixture : fixture {
  int drained = 0;
  scheduler_actor once;

  once_fixture() {
    auto opts = options();
    opts.once = true;
    opts.on_drained = [this] {
      ++drained;
    };
    once = spawn_scheduler(std::move(opts));
  }

  scheduler_state& once_state() {
    return deref<scheduler_actor::stateful_base<scheduler_state>>(once).state;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(scheduler_once_tests, once_fixture)

CAF_TEST(once it takes jobs without waiting and reports drained when done) {
  hub_state().pull_replies.push_back(
      {echo_job("J1", "{}"), echo_job("J2", "{}")});
  hub_state().pull_replies.push_back({echo_job("J3", "{}")});
  hub_state().pull_replies.push_back({}); // the queues are empty now
  self->send(once, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK_EQUAL(hub_state().acked.size(), 3u);
  CAF_CHECK(once_state().running.empty());
  CAF_CHECK_EQUAL(drained, 1);
  auto& waits = hub_state().pull_waits;
  CAF_CHECK(!waits.empty());
  CAF_CHECK(std::none_of(waits.begin(), waits.end(), [](bool w) { return w; }));
  // The window stays closed: no more pulls, no second report.
  auto pulls = hub_state().pulled_slots.size();
  self->send(once, tick_atom::value);
  consume_messages();
  CAF_CHECK_EQUAL(hub_state().pulled_slots.size(), pulls);
  CAF_CHECK_EQUAL(drained, 1);
}

CAF_TEST(once with empty queues it reports drained at once) {
  hub_state().pull_replies.push_back({});
  self->send(once, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK_EQUAL(hub_state().pulled_slots, std::vector<uint32_t>{2});
  CAF_CHECK_EQUAL(drained, 1);
}

CAF_TEST(once it is not drained while an outcome is not acked) {
  hub_state().refuse_acks = true;
  hub_state().pull_replies.push_back({echo_job("J1", "{}")});
  hub_state().pull_replies.push_back({});
  self->send(once, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK(!once_state().window_open);
  CAF_REQUIRE_EQUAL(once_state().unacked.size(), 1u);
  CAF_CHECK_EQUAL(drained, 0);
  hub_state().refuse_acks = false;
  self->send(once, connect_atom::value, hub); // re-join: the ack goes out
  consume_messages();
  CAF_CHECK_EQUAL(hub_state().acked.size(), 1u);
  CAF_CHECK_EQUAL(drained, 1);
}

CAF_TEST(on_drained is for once mode only) {
  auto opts = options();
  int calls = 0;
  opts.on_drained = [&calls] {
    ++calls;
  };
  auto plain = spawn_scheduler(std::move(opts));
  hub_state().pull_replies.push_back({});
  self->send(plain, connect_atom::value, hub);
  consume_messages();
  CAF_CHECK_EQUAL(calls, 0);
  CAF_CHECK_EQUAL(hub_state().pull_waits, (std::vector<bool>{true, true}));
}

CAF_TEST_FIXTURE_SCOPE_END()
