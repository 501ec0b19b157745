// The HTTP ingress: takes routed API commands from the HTTP layer, asks the
// broker, and writes the answer through the request's reply callback.
// Lives in jobstack-server next to the HTTP server; never blocks.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <caf/actor_clock.hpp>

#include "core/cluster_metrics.hpp"

#include "messages/broker.hpp"
#include "messages/ingress.hpp"

namespace jobstack {

struct ingress_options {
  /// Below RESTinio's handle_request_timeout, so the client always gets an
  /// answer (a 503) instead of a closed connection.
  std::chrono::milliseconds broker_timeout{5000};
  /// /readyz waits this long for the broker's Redis check.
  std::chrono::milliseconds ready_timeout{2000};
  /// GET /metrics waits this long for the queue gauges; without them it
  /// still answers (Prometheus must see the Redis error counters then).
  std::chrono::milliseconds metrics_timeout{2000};
  /// Renders GET /metrics: the node's registries plus the cluster gauges.
  std::function<std::string(const cluster_snapshot&)> render_metrics;
};

/// A reply callback that answers at most once: with the broker's answer or
/// with a deadline's 503, whichever comes first.
class answer_once {
public:
  explicit answer_once(reply_sink sink) : sink_(std::move(sink)) {
  }

  bool answered() const {
    return answered_;
  }

  void deliver(const http_reply& reply) {
    if (answered_)
      return;
    answered_ = true;
    auto sink = std::move(sink_); // frees the request as soon as answered
    sink.deliver(reply);
  }

private:
  reply_sink sink_;
  bool answered_ = false;
};

/// Deadlines of the requests the ingress waits on, in the order they were
/// asked. All broker requests share one timeout, so the oldest is always
/// the next to expire: a queue, no timer per request.
class ask_deadlines {
public:
  using time_point = caf::actor_clock::time_point;

  void push(time_point deadline, std::shared_ptr<answer_once> once) {
    pending_.emplace_back(deadline, std::move(once));
  }

  /// Answers `late` to every unanswered request due by `now`; drops those
  /// answered meanwhile from the front. Returns how many expired.
  size_t expire(time_point now, const http_reply& late) {
    size_t expired = 0;
    while (!pending_.empty()) {
      auto& [deadline, once] = pending_.front();
      if (!once->answered()) {
        if (deadline > now)
          break;
        once->deliver(late);
        ++expired;
      }
      pending_.pop_front();
    }
    return expired;
  }

  bool empty() const {
    return pending_.empty();
  }

  time_point next() const {
    return pending_.front().first;
  }

  size_t size() const {
    return pending_.size();
  }

private:
  std::deque<std::pair<time_point, std::shared_ptr<answer_once>>> pending_;
};

/// How often the ingress looks at its deadlines while requests are open;
/// an answer past its deadline comes at most this much late.
constexpr std::chrono::milliseconds deadline_tick{100};

struct ingress_state {
  static inline const char* name = "ingress";
  ask_deadlines deadlines;
  bool tick_scheduled = false;
};

/// Maps an error from the broker or store to the API's error reply;
/// `what` names the resource for 404s ("job", "queue").
http_reply error_to_reply(const caf::error& err, const std::string& what);

ingress_actor::behavior_type
ingress(ingress_actor::stateful_pointer<ingress_state> self,
        broker_actor broker, ingress_options options);

} // namespace jobstack
