// Redis connection metrics; see redis_metrics.hpp.
#include "store/redis_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace jobstack {

namespace {

class redis_metrics : public redis_observer {
public:
  redis_metrics(prometheus::Registry& registry, const std::string& connection)
      : errors_(prometheus::BuildCounter()
                    .Name("jobstack_redis_command_errors_total")
                    .Help("Redis error replies and I/O failures (connect, "
                          "write, read, timeout), by connection")
                    .Register(registry)
                    .Add({{"connection", connection}})),
        reconnects_(prometheus::BuildCounter()
                        .Name("jobstack_redis_reconnects_total")
                        .Help("Redis connections made again after one was "
                              "lost, by connection")
                        .Register(registry)
                        .Add({{"connection", connection}})),
        round_trips_(prometheus::BuildHistogram()
                         .Name("jobstack_redis_command_duration_seconds")
                         .Help("Round-trip time of a Redis command or "
                               "pipeline, by connection")
                         .Register(registry)
                         .Add({{"connection", connection}},
                              prometheus::Histogram::BucketBoundaries{
                                  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1})) {
    // nop
  }

  void round_trip(double seconds) override {
    round_trips_.Observe(seconds);
  }

  void command_error() override {
    errors_.Increment();
  }

  void reconnected() override {
    reconnects_.Increment();
  }

private:
  prometheus::Counter& errors_;
  prometheus::Counter& reconnects_;
  prometheus::Histogram& round_trips_;
};

} // namespace

std::shared_ptr<redis_observer>
make_redis_metrics(prometheus::Registry& registry,
                   const std::string& connection) {
  return std::make_shared<redis_metrics>(registry, connection);
}

} // namespace jobstack
