// Every Redis key jobstack uses, built in one place. No literal key appears
// anywhere else (Lua scripts get theirs as KEYS or as these prefixes).
#pragma once

#include <string>
#include <string_view>

namespace jobstack::keys {

inline constexpr std::string_view prefix = "jobstack:";

/// HASH: one job's record (fields of job_record).
inline constexpr std::string_view job_prefix = "jobstack:job:";
inline std::string job(std::string_view id) {
  return std::string{job_prefix}.append(id);
}

/// Queue keys share this prefix; the Lua scripts append "<queue>:ready" etc.
inline constexpr std::string_view queue_prefix = "jobstack:queue:";

/// LIST: a queue's ready stack of job ids. LPUSH + LMOVE LEFT = LIFO.
inline std::string ready(std::string_view queue) {
  return std::string{queue_prefix}.append(queue).append(":ready");
}

/// HASH: a queue's job count per status (queued, running, ...), kept by the
/// Lua scripts so queue stats are O(1).
inline std::string counts(std::string_view queue) {
  return std::string{queue_prefix}.append(queue).append(":counts");
}

/// SET: names of all queues that ever had a job.
inline std::string queues() {
  return std::string{prefix}.append("queues");
}

/// ZSET: job ids waiting for a time (retry backoff, delayed jobs), scored by
/// the unix time in ms when they become ready.
inline std::string scheduled() {
  return std::string{prefix}.append("scheduled");
}

/// LIST: job ids delivered to one worker node and not yet acked. A delivery
/// never lives only in memory.
inline constexpr std::string_view inflight_prefix = "jobstack:worker:";
inline std::string inflight(std::string_view worker_id) {
  return std::string{inflight_prefix}.append(worker_id).append(":inflight");
}

/// HASH: worker id -> unix ms it last joined; lets a restarted server find
/// the in-flight lists of workers that never come back.
inline std::string workers() {
  return std::string{prefix}.append("workers");
}

} // namespace jobstack::keys
