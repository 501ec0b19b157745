// Every Redis key jobstack uses, built in one place. No literal key appears
// anywhere else; the Lua scripts get `prefix` as ARGV[1] and build the same
// names in store/lua/prelude/keys.lua (a unit test checks they agree).
//
// jobstack needs a standalone Redis: the scripts touch keys they compute,
// which Redis Cluster does not allow.
#pragma once

#include <string>
#include <string_view>

namespace jobstack::keys {

inline constexpr std::string_view prefix = "jobstack:";

/// HASH: one job's record (fields of job_record). Expires `retention`
/// after the job finished.
inline std::string job(std::string_view id) {
  return std::string{prefix}.append("job:").append(id);
}

/// Queue keys: "jobstack:queue:<queue>:<part>".
inline std::string queue_part(std::string_view queue, std::string_view part) {
  return std::string{prefix}.append("queue:").append(queue).append(":").append(
      part);
}

/// LIST: a queue's ready stack of job ids (status queued). LPUSH + LMOVE
/// LEFT = LIFO; the list order is the delivery order.
inline std::string ready(std::string_view queue) {
  return queue_part(queue, "ready");
}

/// ZSET: a queue's jobs in one status other than queued, scored by the time
/// that orders them: scheduled by run_at (unix ms), running by started_at,
/// succeeded/dead/cancelled by finished_at (unix us). Counts are ZCARDs.
inline std::string status_index(std::string_view queue,
                                std::string_view status) {
  return queue_part(queue, status);
}

/// ZSET: every job of a queue, scored by created_at (unix us).
inline std::string all_jobs(std::string_view queue) {
  return queue_part(queue, "all");
}

/// SET: names of all queues that ever had a job.
inline std::string queues() {
  return std::string{prefix}.append("queues");
}

/// ZSET: all scheduled job ids (retry backoff, delayed jobs), scored by the
/// unix time in ms when they become ready; the promoter scans it.
inline std::string scheduled() {
  return std::string{prefix}.append("scheduled");
}

/// ZSET: running job ids scored by their lease deadline (unix ms): started
/// + timeout_ms + grace. A job still running past it is taken back, so a
/// hung handler on a live node cannot hold a job forever.
inline std::string leases() {
  return std::string{prefix}.append("leases");
}

/// LIST: job ids delivered to one worker node and not yet acked. A delivery
/// never lives only in memory.
inline std::string inflight(std::string_view worker_id) {
  return std::string{prefix}.append("worker:").append(worker_id).append(
      ":inflight");
}

/// HASH: worker id -> unix ms it last joined; lets a restarted server find
/// the in-flight lists of workers that never come back.
inline std::string workers() {
  return std::string{prefix}.append("workers");
}

/// STRING: the job ids created under an Idempotency-Key, comma-separated;
/// expires after 24 h.
inline std::string idempotency(std::string_view key) {
  return std::string{prefix}.append("idem:").append(key);
}

/// ZSET: the archive backlog: finished jobs not yet in PostgreSQL, scored
/// by finished_at (unix us). While a job is here its hash has no expiry;
/// archive_mark.lua takes it off and sets the rest of its retention.
inline std::string archive_backlog() {
  return std::string{prefix}.append("archive");
}

/// STRING: present while archiving is on (servers with DB_HOSTNAME set it
/// at every connect, servers without delete it): finish_job then puts
/// finished jobs on the archive backlog instead of expiring them.
inline std::string archive_on() {
  return std::string{prefix}.append("archive:on");
}

} // namespace jobstack::keys
