// jobstack-ctl; see ctl_node.hpp.
//
// Every failure is one line on stderr and an exit code: 2 usage, 3 the node
// cannot be reached (or is no jobstack node), 4 timeout, 5 another jobstack
// protocol, 1 anything else. Connecting has its own deadline: CAF's
// remote_actor blocks, so it runs on a helper thread we stop waiting for.
#include "nodes/ctl_node.hpp"

#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "core/ctl_render.hpp"
#include "core/node_tls.hpp"
#include "core/settings.hpp"
#include "core/time.hpp"
#include "http/auth.hpp"
#include "messages/errors.hpp"
#include "messages/inspect.hpp"

namespace jobstack {

namespace {

enum exit_code : int {
  ok = 0,
  other = 1,
  usage = 2,
  unreachable = 3,
  timed_out = 4,
  mismatch = 5,
};

[[noreturn]] void fail_now(int code, const std::string& message) {
  std::fprintf(stderr, "jobstack-ctl: %s\n", message.c_str());
  std::fflush(stderr);
  // A connect may still block a CAF thread: do not wait for it.
  std::_Exit(code);
}

int code_of(const caf::error& err) {
  // CAF's own handshake deadline may come before ours: a timeout too.
  if (err == caf::sec::request_timeout || err == caf::sec::connection_timeout)
    return timed_out;
  if (err == caf::sec::incompatible_application_ids
      || err == caf::sec::incompatible_versions
      || err == errc::protocol_mismatch)
    return mismatch;
  return other;
}

std::string describe(const caf::actor_system& sys, const caf::error& err) {
  if (err == caf::sec::incompatible_application_ids)
    return std::string{"the node speaks another protocol than "}
           + protocol_version + " (another jobstack version, or no jobstack)";
  if (err == caf::sec::incompatible_versions)
    return "the node runs another CAF version";
  if (err == caf::sec::request_timeout || err == caf::sec::connection_timeout)
    return "no answer within the timeout";
  if (err == caf::sec::cannot_connect_to_node)
    return "connection refused or host unreachable (is a jobstack node "
           "listening there?)";
  if (err == caf::sec::disconnect_during_handshake)
    return "not a jobstack node (it closed the connection during CAF's "
           "handshake)";
  if (err == errc::invalid || err == errc::protocol_mismatch) {
    auto& ctx = err.context();
    if (ctx.match_elements<std::string>())
      return ctx.get_as<std::string>(0);
  }
  return sys.render(err);
}

inspect_actor connect(caf::actor_system& sys, const ctl_args& args) {
  auto target = args.host + ":" + std::to_string(args.port);
  auto pending = std::async(std::launch::async, [&sys, args] {
    return connect_node_actor<inspect_actor>(sys, args.host, args.port,
                                             args.tls);
  });
  if (pending.wait_for(args.timeout) != std::future_status::ready)
    fail_now(timed_out, "no CAF handshake from " + target + " within "
                            + std::to_string(args.timeout.count()) + " ms");
  auto result = pending.get();
  if (!result) {
    auto& err = result.error();
    auto code = code_of(err);
    fail_now(code == other ? unreachable : code,
             "cannot reach " + target + ": " + describe(sys, err));
  }
  return *result;
}

// Asks `node` and prints the answer; returns the exit code.
template <class Answer, class Question, class Print>
int ask(caf::actor_system& sys, const inspect_actor& node, const ctl_args& args,
        Question question, Print print) {
  caf::scoped_actor self{sys};
  int rc = ok;
  auto target = args.host + ":" + std::to_string(args.port);
  self->request(node, args.timeout, question, std::string{protocol_version})
      .receive([&](Answer& answer) { print(answer); },
               [&](caf::error& err) {
                 rc = code_of(err);
                 std::fprintf(stderr, "jobstack-ctl: %s: %s\n", target.c_str(),
                              describe(sys, err).c_str());
               });
  return rc;
}

// hash-token: prints the SHA-256 hex that auth.tokens wants. Local, no CAF;
// the token itself is never printed, not even in an error.
int hash_token(const ctl_args& args) {
  std::string token = args.token;
  if (token == "-") {
    std::getline(std::cin, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' '))
      token.pop_back();
  }
  if (!is_valid_bearer_token(token)) {
    std::fprintf(stderr, "jobstack-ctl: a token must be 1 to 8192 characters "
                         "of A-Z a-z 0-9 - . _ ~ + / (then '=' padding)\n");
    return usage;
  }
  std::cout << sha256_hex(token) << "\n";
  return ok;
}

} // namespace

int run_ctl(int argc, char** argv) {
  std::vector<std::string> raw(argv + 1, argv + argc);
  for (auto& a : raw)
    if (a == "--help" || a == "-h") {
      std::fputs(ctl_usage().c_str(), stdout);
      return ok;
    }
  std::string error;
  auto args = parse_ctl_args(raw, error);
  if (!args) {
    std::fprintf(stderr, "jobstack-ctl: %s\n%s", error.c_str(),
                 ctl_usage().c_str());
    return usage;
  }
  if (args->command == "hash-token")
    return hash_token(*args);
  node_config cfg{"jobstack-ctl", "jobstack-ctl: inspects live nodes.", {}};
  // The cluster's node TLS files, from the same CSC_NODE_TLS_* variables.
  try {
    auto tls = read_node_tls(settings_reader{cfg});
    enable_node_tls(cfg, tls);
    args->tls = tls.enabled();
  } catch (const settings_error& e) {
    std::fprintf(stderr, "jobstack-ctl: %s\n", e.what());
    return usage;
  }
  caf::actor_system sys{cfg};
  auto node = connect(sys, *args);
  auto target = args->host + ":" + std::to_string(args->port);
  int rc = ok;
  if (args->command == "inspect") {
    rc = ask<node_report>(
        sys, node, *args, inspect_atom::value, [&](const node_report& r) {
          auto j = report_to_json(r);
          std::cout << (args->json ? j.dump(2) + "\n" : report_to_text(j));
        });
  } else {
    rc = ask<std::vector<node_entry>>(
        sys, node, *args, nodes_atom::value,
        [&](const std::vector<node_entry>& nodes) {
          auto j = nodes_to_json(nodes, target, now_us());
          std::cout << (args->json ? j.dump(2) + "\n" : nodes_to_text(j));
        });
  }
  std::cout.flush();
  // Leaving without tearing the actor system down: the link to the node
  // would otherwise wait for CAF's connection shutdown.
  std::_Exit(rc);
}

} // namespace jobstack
