// jobstack's error codes as CAF errors, so they cross node links intact
// (category 'jobstack') and the HTTP layer can map them to statuses.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace jobstack {

enum class errc : uint8_t {
  none = 0,
  not_found,   ///< no such job
  unavailable, ///< Redis unreachable or the broker not ready; nothing written
  conflict,    ///< the job's state forbids the action
  unknown_worker,    ///< a worker that has not joined (or was dropped) asked
  invalid,           ///< a request the receiver cannot accept
  protocol_mismatch, ///< the asker speaks another inter-node protocol
};

std::string to_string(errc x);

} // namespace jobstack

CAF_ERROR_CODE_ENUM(jobstack::errc, "jobstack")
