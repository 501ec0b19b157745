// TLS for the CAF links between nodes (server, workers, jobstack-ctl) via
// CAF's OpenSSL module. Off unless a certificate is configured; then every
// link is mutually authenticated: both sides present a certificate signed
// by node.tls_ca, so a node without one cannot join or inspect.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/publish.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>

namespace jobstack {

class settings_reader;

struct node_tls_options {
  std::string certificate;
  std::string key;
  std::string ca;
  std::string passphrase;

  bool enabled() const {
    return !certificate.empty();
  }
};

/// Reads node.tls_*: all of certificate, key and CA, or none; the files
/// must be readable. Throws settings_error.
node_tls_options read_node_tls(const settings_reader& in);

/// Loads CAF's OpenSSL module with these files; call before the
/// actor_system is made. Nothing when TLS is off.
void enable_node_tls(caf::actor_system_config& cfg,
                     const node_tls_options& tls);

/// Publishes `whom` on `port` (0: any free port) over TLS or plain TCP.
template <class Handle>
caf::expected<uint16_t> publish_node_actor(const Handle& whom, uint16_t port,
                                           bool tls) {
  if (tls)
    return caf::openssl::publish(whom, port, nullptr, true);
  return caf::io::publish(whom, port, nullptr, true);
}

/// Connects to the actor another node published, over TLS or plain TCP.
template <class Handle>
caf::expected<Handle> connect_node_actor(caf::actor_system& sys,
                                         const std::string& host, uint16_t port,
                                         bool tls) {
  if (tls)
    return caf::openssl::remote_actor<Handle>(sys, host, port);
  return sys.middleman().remote_actor<Handle>(host, port);
}

} // namespace jobstack
