// A narrow, synchronous Redis client over hiredis: plain commands, pipelines
// and Lua scripts by SHA. Blocking by design: it lives on the store's own
// thread, never on CAF's scheduler threads. Every call has a
// timeout; a broken connection is dropped and re-made on a later call, with
// backoff, so callers only ever see redis_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <hiredis/hiredis.h>

namespace jobstack {

struct redis_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Hooks for a client's metrics; called on the client's (the store's)
/// thread, so implementations must be thread-safe toward scrapers.
class redis_observer {
public:
  virtual ~redis_observer() = default;
  /// One round trip (a command or a pipeline), in seconds.
  virtual void round_trip(double seconds) = 0;
  /// An error reply, or an I/O failure (connect, write, read, timeout).
  virtual void command_error() = 0;
  /// A connection made again after it was lost.
  virtual void reconnected() = 0;
};

struct redis_options {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  std::string username; ///< ACL user for AUTH; empty: the default user
  std::string password; ///< sent with AUTH when not empty; never logged
  // Short on purpose: a write answered 503 must not have happened, and the
  // API answers within 2 s (queue budget + at most 2 round trips).
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};
  std::shared_ptr<redis_observer> observer; ///< may be null
};

struct reply_deleter {
  void operator()(redisReply* r) const {
    freeReplyObject(r);
  }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// One command or script call: its arguments, binary-safe.
using redis_args = std::vector<std::string>;

class redis_client {
public:
  explicit redis_client(redis_options options);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Adds a Lua script, loaded on every (re)connect and called by name.
  void add_script(const std::string& name, const std::string& source);

  /// Adds a command run after every (re)connect, once the scripts are
  /// loaded: state Redis must hold whatever happened to it meanwhile.
  void add_connect_command(redis_args args);

  /// Connects now if not connected (ignores the reconnect backoff).
  void connect();

  bool connected() const {
    return ctx_ != nullptr;
  }

  /// Redis' clock minus ours (ms), measured at connect: deadlines checked
  /// by scripts against Redis' TIME are set on Redis' clock.
  int64_t clock_offset_ms() const {
    return clock_offset_ms_;
  }

  /// Runs one command. Error replies are returned, I/O failures throw.
  reply_ptr command(const redis_args& args);

  /// Sends all commands in one round trip; replies in the same order. If
  /// the connection fails after some replies were read, the rest are null
  /// (those commands may or may not have run); if before, it throws.
  std::vector<reply_ptr> pipeline(const std::vector<redis_args>& commands);

  /// EVALSHA of a script added with add_script; reloads it on NOSCRIPT.
  reply_ptr eval(const std::string& script, const redis_args& keys,
                 const redis_args& args);

  /// Many EVALSHA calls in one round trip (each: script, keys, args).
  struct script_call {
    std::string script;
    redis_args keys;
    redis_args args;
  };
  std::vector<reply_ptr> eval_many(const std::vector<script_call>& calls);

  /// Whether the last pipeline got as far as sending: if it then failed,
  /// its commands may have run.
  bool last_pipeline_sent() const {
    return last_pipeline_sent_;
  }

private:
  void ensure_connected();
  void disconnect();
  void load_scripts();
  void run_connect_commands();
  void measure_clock();
  redis_args evalsha_args(const script_call& call) const;
  void observe(const std::vector<reply_ptr>& replies,
               std::chrono::steady_clock::duration took);
  [[noreturn]] void fail(const std::string& what);

  redis_options options_;
  redisContext* ctx_ = nullptr;
  std::map<std::string, std::string> script_sources_;
  std::map<std::string, std::string> script_shas_;
  std::vector<redis_args> connect_commands_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds retry_delay_{0};
  int64_t clock_offset_ms_ = 0;
  bool ever_connected_ = false;
  bool last_pipeline_sent_ = false;
};

/// Throws redis_error if `reply` is an error reply.
void expect_ok(const reply_ptr& reply, const char* what);

} // namespace jobstack
