// Job spec validation; see job_spec.hpp. Rules are those of API.md.
#include "core/job_spec.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/job_id.hpp"
#include "core/time.hpp"

namespace jobstack {

namespace {

using nlohmann::json;

constexpr int32_t default_max_attempts = 3;
constexpr int64_t default_timeout_ms = 30000;
constexpr int64_t max_timeout_ms = 86400000;
constexpr int64_t max_delay_ms = 31536000000;

spec_error invalid(std::string field, std::string message) {
  // A JSON key may be empty; the message still has to name it.
  auto label = field.empty() ? std::string{"\"\""} : field;
  return {"validation_failed", label + ": " + message, field};
}

// Only true JSON integers count: "3" and 3.5 are refused, 3.0 too.
bool read_integer(const json& value, int64_t lo, int64_t hi, int64_t& out) {
  if (!value.is_number_integer())
    return false;
  if (value.is_number_unsigned()) {
    auto u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(hi))
      return false;
    out = static_cast<int64_t>(u);
  } else {
    out = value.get<int64_t>();
  }
  return out >= lo && out <= hi;
}

std::optional<spec_error> read_field(const std::string& key, const json& value,
                                     job_record& job, int64_t now) {
  int64_t n = 0;
  if (key == "type") {
    if (!value.is_string() || !is_valid_job_type(value.get<std::string>()))
      return invalid(key, "must match [A-Za-z0-9._:-]{1,128}");
    job.type = value.get<std::string>();
  } else if (key == "queue") {
    if (!value.is_string() || !is_valid_queue_name(value.get<std::string>()))
      return invalid(key, "must match [a-z0-9_-]{1,64}");
    job.queue = value.get<std::string>();
  } else if (key == "payload") {
    job.payload = value.dump();
  } else if (key == "max_attempts") {
    if (!read_integer(value, 1, 100, n))
      return invalid(key, "must be an integer from 1 to 100");
    job.max_attempts = static_cast<int32_t>(n);
  } else if (key == "timeout_ms") {
    if (!read_integer(value, 1, max_timeout_ms, n))
      return invalid(key, "must be an integer from 1 to 86400000");
    job.timeout_ms = n;
  } else if (key == "delay_ms") {
    if (!read_integer(value, 0, max_delay_ms, n))
      return invalid(key, "must be an integer from 0 to 31536000000");
    job.run_at = now + n * 1000;
  } else if (key == "run_at") {
    std::optional<int64_t> at;
    if (value.is_string())
      at = parse_rfc3339(value.get<std::string>());
    if (!at || *at <= 0)
      return invalid(key, "must be an RFC 3339 date-time, e.g. "
                          "2026-12-01T00:00:00Z");
    job.run_at = *at;
  } else {
    return invalid(key, "unknown field");
  }
  return std::nullopt;
}

bool in_set(char c, std::string_view extra) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
         || extra.find(c) != std::string_view::npos;
}

// Refuses bodies nested too deep, before the parser sees them.
std::optional<spec_error> check_depth(std::string_view body,
                                      const char* field) {
  if (json_nesting_depth(body) > max_json_depth)
    return invalid(field, "nested deeper than 64 levels");
  return std::nullopt;
}

std::optional<json> parse_json(std::string_view body,
                               std::optional<spec_error>& error) {
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) {
    error = spec_error{"invalid_json", "body is not valid JSON", ""};
    return std::nullopt;
  }
  if (!doc.is_object()) {
    error = invalid("body", "must be a JSON object");
    return std::nullopt;
  }
  return doc;
}

} // namespace

bool is_valid_queue_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return in_set(c, "_-"); });
}

bool is_valid_job_type(std::string_view type) {
  if (type.empty() || type.size() > 128)
    return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return in_set(c, "._:-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  });
}

bool is_valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 200)
    return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

int json_nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<spec_error> read_job_spec(const json& spec, job_record& job,
                                        int64_t now) {
  if (!spec.is_object())
    return invalid("body", "must be a JSON object");
  job.queue = "default";
  job.payload = "{}";
  job.max_attempts = default_max_attempts;
  job.timeout_ms = default_timeout_ms;
  job.run_at = 0;
  if (spec.contains("run_at") && spec.contains("delay_ms"))
    return invalid("run_at", "give run_at or delay_ms, not both");
  for (auto& [key, value] : spec.items())
    if (auto err = read_field(key, value, job, now))
      return err;
  if (job.type.empty())
    return invalid("type", "is required");
  return std::nullopt;
}

parsed_spec parse_job_spec(std::string_view body, int64_t now) {
  parsed_spec out;
  if ((out.error = check_depth(body, "payload")))
    return out;
  if (auto doc = parse_json(body, out.error))
    out.error = read_job_spec(*doc, out.job, now);
  return out;
}

parsed_batch parse_batch(std::string_view body, int64_t now) {
  parsed_batch out;
  if ((out.error = check_depth(body, "jobs")))
    return out;
  auto doc = parse_json(body, out.error);
  if (!doc)
    return out;
  for (auto& [key, value] : doc->items()) {
    if (key != "jobs") {
      out.error = invalid(key, "unknown field");
      return out;
    }
  }
  auto items = doc->find("jobs");
  if (items == doc->end() || !items->is_array() || items->empty()
      || items->size() > max_batch_size) {
    out.error = invalid("jobs", "must be an array of 1 to 1000 job specs");
    return out;
  }
  out.jobs.resize(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    if (auto err = read_job_spec((*items)[i], out.jobs[i], now)) {
      err->index = static_cast<int>(i);
      err->message = "jobs[" + std::to_string(i) + "]." + err->message;
      out.error = std::move(err);
      out.jobs.clear();
      return out;
    }
  }
  return out;
}

void stamp_new_job(job_record& job, int64_t now) {
  job.id = make_job_id(now);
  job.status = job.run_at > now ? status::scheduled : status::queued;
  job.attempts = 0;
  job.created_at = now;
  job.updated_at = now;
}

} // namespace jobstack
