// The job spec of POST /v1/jobs: parsing and validation against the rules of
// API.md, as a pure function the HTTP layer and the fuzzer can call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/job.hpp"

namespace jobstack {

/// Why a body was refused: `code` is `invalid_json` or `validation_failed`;
/// `field` names the offending field (empty for invalid_json).
struct spec_error {
  std::string code;
  std::string message;
  std::string field;
};

/// Deepest nesting of arrays/objects a body may have; deeper bodies are
/// refused before parsing, so no parser recursion can exhaust the stack.
inline constexpr int max_json_depth = 64;

/// A parsed spec: `job` has queue, type, payload, max_attempts and
/// timeout_ms set when `error` is empty.
struct parsed_spec {
  job_record job;
  std::optional<spec_error> error;
};

parsed_spec parse_job_spec(std::string_view body);

/// True if `name` is a valid queue name: [a-z0-9_-]{1,64}.
bool is_valid_queue_name(std::string_view name);

/// True if `type` is a valid job type: [A-Za-z0-9._:-]{1,128}.
bool is_valid_job_type(std::string_view type);

/// Deepest nesting of `[`/`{` outside strings in `text`.
int json_nesting_depth(std::string_view text);

} // namespace jobstack
