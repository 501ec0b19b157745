// Rendering of the job resource; see job_json.hpp.
#include "core/job_json.hpp"

#include "core/time.hpp"

namespace jobstack {

namespace {

using nlohmann::json;

json time_or_null(int64_t us) {
  return us == 0 ? json(nullptr) : json(format_rfc3339(us));
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

// Stored JSON text was produced by json::dump, so it parses; a corrupt value
// is shown as null rather than failing the whole response.
json embedded_json(const std::string& text) {
  if (text.empty())
    return nullptr;
  auto value = json::parse(text, nullptr, false);
  return value.is_discarded() ? json(nullptr) : value;
}

} // namespace

json job_to_json(const job_record& job) {
  return json{{"id", job.id},
              {"queue", job.queue},
              {"type", job.type},
              {"payload", embedded_json(job.payload)},
              {"status", job.status},
              {"attempts", job.attempts},
              {"max_attempts", job.max_attempts},
              {"timeout_ms", job.timeout_ms},
              {"created_at", time_or_null(job.created_at)},
              {"updated_at", time_or_null(job.updated_at)},
              {"run_at", time_or_null(job.run_at)},
              {"started_at", time_or_null(job.started_at)},
              {"finished_at", time_or_null(job.finished_at)},
              {"result", embedded_json(job.result)},
              {"last_error", text_or_null(job.last_error)},
              {"worker", text_or_null(job.worker)}};
}

} // namespace jobstack
