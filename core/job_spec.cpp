// Job spec validation; see job_spec.hpp. Rules are those of API.md.
#include "core/job_spec.hpp"

#include <nlohmann/json.hpp>

namespace jobstack {

namespace {

using nlohmann::json;

constexpr int32_t default_max_attempts = 3;
constexpr int64_t default_timeout_ms = 30000;
constexpr int64_t max_timeout_ms = 86400000;

spec_error invalid(std::string field, std::string message) {
  return {"validation_failed", field + ": " + message, field};
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
                                     job_record& job) {
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
  } else {
    return invalid(key, "unknown field");
  }
  return std::nullopt;
}

bool in_set(char c, std::string_view extra) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
         || extra.find(c) != std::string_view::npos;
}

} // namespace

bool is_valid_queue_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (char c : name)
    if (!in_set(c, "_-"))
      return false;
  return true;
}

bool is_valid_job_type(std::string_view type) {
  if (type.empty() || type.size() > 128)
    return false;
  for (char c : type)
    if (!in_set(c, "._:-ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
      return false;
  return true;
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

parsed_spec parse_job_spec(std::string_view body) {
  parsed_spec out;
  if (json_nesting_depth(body) > max_json_depth) {
    out.error = invalid("payload", "nested deeper than 64 levels");
    return out;
  }
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.error = spec_error{"invalid_json", "body is not valid JSON", ""};
    return out;
  }
  if (!doc.is_object()) {
    out.error = spec_error{"validation_failed", "body: must be a JSON object",
                           "body"};
    return out;
  }
  auto& job = out.job;
  job.queue = "default";
  job.payload = "{}";
  job.max_attempts = default_max_attempts;
  job.timeout_ms = default_timeout_ms;
  for (auto& [key, value] : doc.items()) {
    if (auto err = read_field(key, value, job)) {
      out.error = std::move(err);
      return out;
    }
  }
  if (job.type.empty())
    out.error = invalid("type", "is required");
  return out;
}

} // namespace jobstack
