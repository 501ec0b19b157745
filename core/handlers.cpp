// Built-in handlers and the attempt runner; see handlers.hpp.
#include "core/handlers.hpp"

#include <thread>

namespace jobstack {

using nlohmann::json;

bool handler_context::sleep_for(std::chrono::milliseconds duration) const {
  // Short steps keep cancellation prompt without a condition variable.
  constexpr auto step = std::chrono::milliseconds{5};
  auto deadline = std::chrono::steady_clock::now() + duration;
  while (!cancelled()) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds::zero())
      return true;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(left, step));
  }
  return false;
}

namespace {

int64_t int_field(const json& payload, const char* name) {
  if (!payload.is_object() || !payload.contains(name)
      || !payload[name].is_number_integer() || payload[name].get<int64_t>() < 0)
    throw permanent_error(std::string{"payload."} + name
                          + " must be a non-negative integer");
  return payload[name].get<int64_t>();
}

json sleep_handler(const json& payload, handler_context& ctx) {
  auto ms = int_field(payload, "ms");
  if (!ctx.sleep_for(std::chrono::milliseconds{ms}))
    throw std::runtime_error("cancelled while sleeping");
  return json{{"slept_ms", ms}};
}

json fail_handler(const json& payload, handler_context&) {
  std::string message = "failed on purpose";
  if (payload.is_object() && payload.contains("message")
      && payload["message"].is_string())
    message = payload["message"].get<std::string>();
  throw std::runtime_error(message);
}

json flaky_handler(const json& payload, handler_context& ctx) {
  auto fail_times = int_field(payload, "fail_times");
  if (ctx.job().attempt <= fail_times)
    throw std::runtime_error(
        "flaky: attempt " + std::to_string(ctx.job().attempt) + " of "
        + std::to_string(fail_times) + " planned failures");
  return json{{"attempts", ctx.job().attempt}};
}

job_outcome failed(const delivery& job, std::string error, bool retryable) {
  job_outcome out;
  out.job_id = job.job_id;
  out.attempt = job.attempt;
  out.succeeded = false;
  out.retryable = retryable;
  out.error = std::move(error);
  return out;
}

} // namespace

void add_builtin_handlers(handler_registry& registry) {
  registry.add_inline(
      "echo", [](const json& payload, handler_context&) { return payload; });
  registry.add("sleep", sleep_handler);
  registry.add_inline("fail", fail_handler);
  registry.add_inline("flaky", flaky_handler);
}

job_outcome run_job(const handler_registry& registry, const delivery& job,
                    std::function<bool()> cancelled) {
  auto* handler = registry.find(job.type);
  if (handler == nullptr)
    return failed(job, "no handler for job type '" + job.type + "'", false);
  auto payload = json::parse(job.payload, nullptr, false);
  if (payload.is_discarded())
    return failed(job, "stored payload is not valid JSON", false);
  handler_context ctx{job, std::move(cancelled)};
  try {
    auto result = (*handler)(payload, ctx);
    job_outcome out;
    out.job_id = job.job_id;
    out.attempt = job.attempt;
    out.succeeded = true;
    out.result = result.dump();
    return out;
  } catch (const permanent_error& e) {
    return failed(job, e.what(), false);
  } catch (const std::exception& e) {
    return failed(job, e.what(), true);
  } catch (...) {
    return failed(job, "handler threw a non-standard exception", true);
  }
}

} // namespace jobstack
