// The broker's message flow against a scripted store (no Redis): parked
// pulls, wake-ups, node loss and the post-restart grace period.
#define CAF_SUITE actors.broker
#include "test_config.hpp"

#include <deque>

#include "actors/broker.hpp"
#include "messages/errors.hpp"

using namespace jobstack;
using namespace std::chrono_literals;

namespace {

// A store that answers from a script and records what it was asked.
struct fake_store_state {
  std::deque<std::vector<delivery>> claim_replies;
  std::vector<std::string> known;
  std::vector<std::pair<std::string, bool>> requeued; // worker, forget
  std::vector<std::string> joined;
  int claims = 0;
  size_t submitted = 0;
  bool redis_up = true;
  std::vector<std::string> released;
};

store_actor::behavior_type
fake_store(store_actor::stateful_pointer<fake_store_state> self,
           test::spawn_tag) {
  return {
      [=](submit_atom, const std::vector<submit_request>& reqs) {
        std::vector<submit_result> results;
        for (auto& req : reqs) {
          self->state.submitted += req.jobs.size();
          results.push_back(submit_result{req.jobs, true});
        }
        return results;
      },
      [](get_atom, const std::string&) -> caf::result<job_record> {
        return caf::make_error(errc::not_found);
      },
      [](list_atom, const list_query&) { return job_page{}; },
      [](cancel_atom, const std::string&) -> caf::result<job_record> {
        return caf::make_error(errc::not_found);
      },
      [](retry_atom, const std::string& id) {
        job_record job;
        job.id = id;
        job.queue = "default";
        return job;
      },
      [](stats_atom, const std::string&) { return queue_stats{}; },
      [](stats_atom) { return std::vector<queue_stats>{}; },
      [=](ping_atom) { return self->state.redis_up; },
      [](expire_atom) { return uint32_t{0}; },
      [](reap_atom) { return uint32_t{0}; },
      [=](release_atom, const std::string&,
          const std::vector<std::string>& ids) {
        auto& released = self->state.released;
        released.insert(released.end(), ids.begin(), ids.end());
        return static_cast<uint32_t>(ids.size());
      },
      [=](claim_atom, const std::string&, const std::vector<std::string>&,
          uint32_t) {
        auto& st = self->state;
        ++st.claims;
        if (st.claim_replies.empty())
          return std::vector<delivery>{};
        auto reply = st.claim_replies.front();
        st.claim_replies.pop_front();
        return reply;
      },
      [](ack_atom, const std::string&, const std::vector<job_outcome>& xs) {
        std::vector<std::string> verdicts;
        for (auto& x : xs)
          verdicts.emplace_back(x.succeeded ? ack_verdict::succeeded
                                            : ack_verdict::retry);
        return verdicts;
      },
      [=](requeue_atom, const std::string& worker,
          const std::vector<std::string>&, bool forget) {
        self->state.requeued.emplace_back(worker, forget);
        return uint32_t{0};
      },
      [=](join_atom, const std::string& worker) {
        self->state.joined.push_back(worker);
        return true;
      },
      [=](known_atom) { return self->state.known; },
      [](inflight_atom, const std::vector<std::string>& ids) {
        return std::vector<std::vector<std::string>>(ids.size());
      },
      [](promote_atom) { return uint32_t{0}; },
      [](archive_atom, uint32_t) { return archive_batch{}; },
      [](archived_atom, const std::vector<archive_key>&) {
        return uint32_t{0};
      },
      [](completion& done) { done.run(); },
  };
}

worker_node_actor::behavior_type dummy_node(test::spawn_tag) {
  return {[](status_atom) {
    return uint32_t{0};
  }};
}

delivery make_delivery(std::string id) {
  delivery d;
  d.job_id = std::move(id);
  d.type = "echo";
  d.payload = "{}";
  d.attempt = 1;
  return d;
}

struct fixture : test::fixture_base {
  store_actor db;
  broker_actor hub;
  worker_node_actor node;

  fixture() {
    db = sys.spawn(fake_store, test::spawn_tag{});
    node = sys.spawn(dummy_node, test::spawn_tag{});
  }

  ~fixture() {
    // A parked pull's promise keeps the broker alive; stop it explicitly.
    if (hub)
      caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
    run();
  }

  void start_broker(std::vector<std::string> known = {}) {
    store_state().known = std::move(known);
    broker_options opts;
    opts.tick_interval = 0ms; // the test drives time
    opts.worker_grace = 5s;
    hub = sys.spawn(broker, db, db, opts);
    consume_messages();
  }

  fake_store_state& store_state() {
    return deref<store_actor::stateful_base<fake_store_state>>(db).state;
  }

  broker_state& hub_state() {
    return deref<broker_actor::stateful_base<broker_state>>(hub).state;
  }

  void join(const std::string& id) {
    worker_info info;
    info.worker_id = id;
    info.concurrency = 2;
    info.queues = {"default"};
    auto h = self->request(hub, caf::infinite, join_atom::value, info, node);
    consume_messages();
    h.receive([](bool ok) { CAF_CHECK(ok); },
              [](caf::error& err) { CAF_FAIL("join failed: " << err); });
  }

  submit_request job_in(std::string queue) {
    job_record job;
    job.id = "J";
    job.queue = std::move(queue);
    job.status = "queued";
    return submit_request{{job}, ""};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(broker_tests, fixture)

CAF_TEST(a pull is answered with what the store claims) {
  start_broker();
  join("w1");
  store_state().claim_replies.push_back({make_delivery("J1")});
  auto h = self->request(hub, caf::infinite, pull_atom::value,
                         std::string{"w1"}, uint32_t{2}, true);
  consume_messages();
  h.receive(
      [](std::vector<delivery>& ds) {
        CAF_REQUIRE_EQUAL(ds.size(), 1u);
        CAF_CHECK_EQUAL(ds[0].job_id, "J1");
      },
      [](caf::error& err) { CAF_FAIL("pull failed: " << err); });
}

CAF_TEST(an empty claim parks the pull until a job arrives) {
  start_broker();
  join("w1");
  auto pull = self->request(hub, caf::infinite, pull_atom::value,
                            std::string{"w1"}, uint32_t{2}, true);
  consume_messages();
  CAF_CHECK_EQUAL(store_state().claims, 1);
  CAF_REQUIRE(hub_state().workers.find("w1") != nullptr);
  CAF_CHECK(hub_state().workers.find("w1")->pull_open);
  // A job for another queue does not wake it.
  self->send(hub, submit_atom::value, job_in("other"));
  consume_messages();
  CAF_CHECK_EQUAL(store_state().claims, 1);
  // A job for its queue does.
  store_state().claim_replies.push_back({make_delivery("J2")});
  self->send(hub, submit_atom::value, job_in("default"));
  consume_messages();
  CAF_CHECK_EQUAL(store_state().claims, 2);
  pull.receive(
      [](std::vector<delivery>& ds) {
        CAF_REQUIRE_EQUAL(ds.size(), 1u);
        CAF_CHECK_EQUAL(ds[0].job_id, "J2");
      },
      [](caf::error& err) { CAF_FAIL("pull failed: " << err); });
  CAF_CHECK(!hub_state().workers.find("w1")->pull_open);
}

CAF_TEST(a pull that may not wait is answered at once) {
  start_broker();
  join("w1");
  auto h = self->request(hub, caf::infinite, pull_atom::value,
                         std::string{"w1"}, uint32_t{2}, false);
  consume_messages();
  h.receive([](std::vector<delivery>& ds) { CAF_CHECK(ds.empty()); },
            [](caf::error& err) { CAF_FAIL("pull failed: " << err); });
  CAF_CHECK(!hub_state().workers.find("w1")->pull_open);
}

CAF_TEST(jobs claimed for a withdrawn pull are handed back) {
  start_broker();
  join("w1");
  store_state().claim_replies.push_back({make_delivery("J1")});
  // The node stops while its claim is at the store: it withdraws the pull.
  self->send(hub, pull_atom::value, std::string{"w1"}, uint32_t{1}, true);
  self->send(hub, pull_atom::value, std::string{"w1"}, uint32_t{0}, false);
  consume_messages();
  CAF_CHECK_EQUAL(store_state().released, std::vector<std::string>{"J1"});
  CAF_CHECK(!hub_state().workers.find("w1")->pull_open);
}

CAF_TEST(a pull from a worker that never joined is refused) {
  start_broker();
  auto h = self->request(hub, caf::infinite, pull_atom::value,
                         std::string{"ghost"}, uint32_t{1}, true);
  consume_messages();
  h.receive([](std::vector<delivery>&) { CAF_FAIL("ghost got work"); },
            [](caf::error& err) { CAF_CHECK(err == errc::unknown_worker); });
}

CAF_TEST(joining records the worker and reconciles its in flight list) {
  start_broker();
  join("w1");
  CAF_CHECK_EQUAL(store_state().joined, std::vector<std::string>{"w1"});
  // The re-join reconcile keeps the worker known (forget = false).
  CAF_REQUIRE_EQUAL(store_state().requeued.size(), 1u);
  CAF_CHECK_EQUAL(store_state().requeued[0].first, "w1");
  CAF_CHECK_EQUAL(store_state().requeued[0].second, false);
}

CAF_TEST(a worker node that goes down loses its in flight jobs) {
  start_broker();
  join("w1");
  store_state().requeued.clear();
  caf::anon_send_exit(node, caf::exit_reason::kill);
  consume_messages();
  CAF_REQUIRE_EQUAL(store_state().requeued.size(), 1u);
  CAF_CHECK_EQUAL(store_state().requeued[0].first, "w1");
  CAF_CHECK_EQUAL(store_state().requeued[0].second, true);
  CAF_CHECK(hub_state().workers.find("w1") == nullptr);
}

CAF_TEST(known workers that do not rejoin within the grace are requeued) {
  start_broker({"old1", "old2"});
  join("old2");
  store_state().requeued.clear();
  CAF_CHECK_EQUAL(hub_state().awaiting_rejoin.size(), 1u);
  advance_time(4s);
  consume_messages();
  CAF_CHECK(store_state().requeued.empty());
  advance_time(1s);
  consume_messages();
  CAF_REQUIRE_EQUAL(store_state().requeued.size(), 1u);
  CAF_CHECK_EQUAL(store_state().requeued[0].first, "old1");
  CAF_CHECK_EQUAL(store_state().requeued[0].second, true);
}

CAF_TEST(submits that arrive together go to the store in one batch) {
  start_broker();
  for (int i = 0; i < 5; ++i)
    self->send(hub, submit_atom::value, job_in("default"));
  consume_messages();
  CAF_CHECK_EQUAL(store_state().submitted, 5u);
  CAF_CHECK(!hub_state().submitting);
  CAF_CHECK(hub_state().pending_submits.empty());
}

CAF_TEST(a retried job wakes a parked pull of its queue) {
  start_broker();
  join("w1");
  self->send(hub, pull_atom::value, std::string{"w1"}, uint32_t{1}, true);
  consume_messages();
  CAF_CHECK_EQUAL(store_state().claims, 1);
  self->send(hub, retry_atom::value, std::string{"J9"});
  consume_messages();
  CAF_CHECK_EQUAL(store_state().claims, 2);
}

CAF_TEST(the workers view counts deliveries and outcomes) {
  start_broker();
  join("w1");
  store_state().claim_replies.push_back(
      {make_delivery("J1"), make_delivery("J2")});
  self->send(hub, pull_atom::value, std::string{"w1"}, uint32_t{2}, true);
  consume_messages();
  job_outcome ok;
  ok.job_id = "J1";
  ok.succeeded = true;
  job_outcome bad;
  bad.job_id = "J2";
  self->send(hub, ack_atom::value, std::string{"w1"},
             std::vector<job_outcome>{ok});
  consume_messages();
  auto h = self->request(hub, caf::infinite, workers_atom::value);
  consume_messages();
  h.receive(
      [](std::vector<worker_view>& ws) {
        CAF_REQUIRE_EQUAL(ws.size(), 1u);
        CAF_CHECK_EQUAL(ws[0].id, "w1");
        CAF_CHECK_EQUAL(ws[0].concurrency, 2u);
        CAF_CHECK_EQUAL(ws[0].running, 1u);
        CAF_CHECK_EQUAL(ws[0].processed, 1u);
        CAF_CHECK_EQUAL(ws[0].failed, 0u);
        CAF_CHECK_NOT_EQUAL(ws[0].last_seen, 0);
      },
      [](caf::error& err) { CAF_FAIL("workers failed: " << err); });
}

CAF_TEST(readiness reports the redis check) {
  start_broker();
  store_state().redis_up = false;
  auto h = self->request(hub, caf::infinite, ready_atom::value);
  consume_messages();
  h.receive([](bool ok) { CAF_CHECK(!ok); },
            [](caf::error& err) { CAF_FAIL("ready failed: " << err); });
}

CAF_TEST(worker table wakes one idle puller and flags busy ones) {
  worker_table table;
  worker_info a;
  a.worker_id = "a";
  a.queues = {"q"};
  auto& ea = table.add(a, node);
  ea.pull_open = true;
  ea.claiming = true;
  worker_info b = a;
  b.worker_id = "b";
  auto& eb = table.add(b, sys.spawn(dummy_node, test::spawn_tag{}));
  eb.pull_open = true;
  auto woken = table.wake("q", 1);
  CAF_CHECK_EQUAL(woken, std::vector<std::string>{"b"});
  CAF_CHECK(table.find("a")->recheck);
  CAF_CHECK(table.wake("other", 5).empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
