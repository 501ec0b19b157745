// Synchronous hiredis client with reconnect and script handling; see
// redis_client.hpp.
#include "store/redis_client.hpp"

#include <algorithm>
#include <cstring>
#include <sys/time.h>

namespace jobstack {

namespace {

constexpr auto min_retry_delay = std::chrono::milliseconds{100};
constexpr auto max_retry_delay = std::chrono::milliseconds{2000};

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

bool is_noscript(const reply_ptr& reply) {
  return reply && reply->type == REDIS_REPLY_ERROR
         && std::strncmp(reply->str, "NOSCRIPT", 8) == 0;
}

} // namespace

void expect_ok(const reply_ptr& reply, const char* what) {
  if (!reply)
    throw redis_error(std::string{what} + ": no reply");
  if (reply->type == REDIS_REPLY_ERROR)
    throw redis_error(std::string{what} + ": " + reply->str);
}

redis_client::redis_client(redis_options options)
    : options_(std::move(options)) {
  // nop
}

redis_client::~redis_client() {
  disconnect();
}

void redis_client::add_script(const std::string& name,
                              const std::string& source) {
  script_sources_[name] = source;
}

void redis_client::disconnect() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

void redis_client::fail(const std::string& what) {
  std::string reason = ctx_ != nullptr && ctx_->err != 0 ? ctx_->errstr : "";
  disconnect();
  if (options_.observer)
    options_.observer->command_error();
  // Back off before the next connect, so a down Redis costs little.
  retry_delay_ = std::clamp(retry_delay_ * 2, min_retry_delay, max_retry_delay);
  next_attempt_ = std::chrono::steady_clock::now() + retry_delay_;
  throw redis_error("redis " + what + (reason.empty() ? "" : ": " + reason));
}

void redis_client::connect() {
  if (ctx_ != nullptr)
    return;
  auto tv = to_timeval(options_.connect_timeout);
  ctx_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (ctx_ == nullptr || ctx_->err != 0)
    fail("connect to " + options_.host + ":" + std::to_string(options_.port));
  auto cmd_tv = to_timeval(options_.command_timeout);
  if (redisSetTimeout(ctx_, cmd_tv) != REDIS_OK)
    fail("set timeout");
  redisEnableKeepAlive(ctx_);
  if (!options_.password.empty()) {
    auto reply = options_.username.empty()
                     ? command({"AUTH", options_.password})
                     : command({"AUTH", options_.username, options_.password});
    if (reply->type == REDIS_REPLY_ERROR) {
      // Do not echo the reply: keep the message free of secrets.
      disconnect();
      throw redis_error("redis AUTH failed");
    }
  }
  load_scripts();
  run_connect_commands();
  measure_clock();
  retry_delay_ = std::chrono::milliseconds{0};
  if (ever_connected_ && options_.observer)
    options_.observer->reconnected();
  ever_connected_ = true;
}

void redis_client::ensure_connected() {
  if (ctx_ != nullptr)
    return;
  if (std::chrono::steady_clock::now() < next_attempt_)
    throw redis_error("redis unavailable (reconnecting)");
  connect();
}

void redis_client::measure_clock() {
  using namespace std::chrono;
  auto local_ms = [] {
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
        .count();
  };
  auto before = local_ms();
  auto reply = command({"TIME"});
  auto after = local_ms();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2)
    return;
  auto redis_ms = std::stoll(reply->element[0]->str) * 1000
                  + std::stoll(reply->element[1]->str) / 1000;
  clock_offset_ms_ = redis_ms - (before + after) / 2;
}

void redis_client::load_scripts() {
  for (auto& [name, source] : script_sources_) {
    auto reply = command({"SCRIPT", "LOAD", source});
    expect_ok(reply, "SCRIPT LOAD");
    script_shas_[name] = std::string{reply->str, reply->len};
  }
}

void redis_client::add_connect_command(redis_args args) {
  connect_commands_.push_back(std::move(args));
}

void redis_client::run_connect_commands() {
  for (auto& args : connect_commands_)
    expect_ok(command(args), "connect command");
}

reply_ptr redis_client::command(const redis_args& args) {
  auto replies = pipeline({args});
  return std::move(replies.front());
}

std::vector<reply_ptr>
redis_client::pipeline(const std::vector<redis_args>& commands) {
  last_pipeline_sent_ = false;
  ensure_connected();
  auto started = std::chrono::steady_clock::now();
  std::vector<const char*> argv;
  std::vector<size_t> argv_len;
  for (auto& args : commands) {
    argv.clear();
    argv_len.clear();
    for (auto& arg : args) {
      argv.push_back(arg.data());
      argv_len.push_back(arg.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(),
                               argv_len.data())
        != REDIS_OK)
      fail("append");
  }
  last_pipeline_sent_ = true; // hiredis writes them on the first read
  std::vector<reply_ptr> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      if (replies.empty())
        fail("read");
      // Some commands ran: say which (the rest stay null), so no caller
      // reports a write that happened as failed.
      try {
        fail("read");
      } catch (const redis_error&) {
        replies.resize(commands.size());
        return replies;
      }
    }
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  observe(replies, std::chrono::steady_clock::now() - started);
  return replies;
}

void redis_client::observe(const std::vector<reply_ptr>& replies,
                           std::chrono::steady_clock::duration took) {
  auto* observer = options_.observer.get();
  if (observer == nullptr)
    return;
  observer->round_trip(std::chrono::duration<double>(took).count());
  // NOSCRIPT is handled (scripts reloaded), not an error anyone must see.
  for (auto& reply : replies)
    if (reply && reply->type == REDIS_REPLY_ERROR && !is_noscript(reply))
      observer->command_error();
}

redis_args redis_client::evalsha_args(const script_call& call) const {
  auto sha = script_shas_.find(call.script);
  if (sha == script_shas_.end())
    throw redis_error("unknown script " + call.script);
  redis_args argv;
  argv.reserve(3 + call.keys.size() + call.args.size());
  argv.emplace_back("EVALSHA");
  argv.push_back(sha->second);
  argv.push_back(std::to_string(call.keys.size()));
  argv.insert(argv.end(), call.keys.begin(), call.keys.end());
  argv.insert(argv.end(), call.args.begin(), call.args.end());
  return argv;
}

reply_ptr redis_client::eval(const std::string& script, const redis_args& keys,
                             const redis_args& args) {
  auto replies = eval_many({script_call{script, keys, args}});
  return std::move(replies.front());
}

std::vector<reply_ptr>
redis_client::eval_many(const std::vector<script_call>& calls) {
  last_pipeline_sent_ = false;
  ensure_connected(); // (re)loads the scripts, so the SHAs below exist
  std::vector<redis_args> commands;
  commands.reserve(calls.size());
  for (auto& call : calls)
    commands.push_back(evalsha_args(call));
  auto replies = pipeline(commands);
  // NOSCRIPT (someone ran SCRIPT FLUSH) means the call did not run: reload
  // and run just those calls again.
  if (connected() && std::any_of(replies.begin(), replies.end(), is_noscript)) {
    load_scripts();
    for (size_t i = 0; i < replies.size(); ++i)
      if (is_noscript(replies[i]))
        replies[i] = command(evalsha_args(calls[i]));
  }
  return replies;
}

} // namespace jobstack
