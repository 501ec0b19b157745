// Node-link TLS settings; see node_tls.hpp.
#include "core/node_tls.hpp"

#include <fstream>

#include <caf/openssl/manager.hpp>

#include "core/settings.hpp"

namespace jobstack {

namespace {

void check_readable(const setting& s, const std::string& path) {
  if (path.empty())
    return;
  std::ifstream in{path};
  if (!in)
    throw settings_error(std::string{s.key} + " (" + s.env + ") '" + path
                         + "': cannot read the file");
}

} // namespace

node_tls_options read_node_tls(const settings_reader& in) {
  node_tls_options out;
  out.certificate = in.text(settings::node_tls_cert);
  out.key = in.text(settings::node_tls_key);
  out.ca = in.text(settings::node_tls_ca);
  out.passphrase = in.text(settings::node_tls_passphrase);
  auto set = !out.certificate.empty() + !out.key.empty() + !out.ca.empty();
  if (set != 0 && set != 3)
    throw settings_error("node TLS needs all of CSC_NODE_TLS_CERT, "
                         "CSC_NODE_TLS_KEY and CSC_NODE_TLS_CA, or none");
  check_readable(settings::node_tls_cert, out.certificate);
  check_readable(settings::node_tls_key, out.key);
  check_readable(settings::node_tls_ca, out.ca);
  return out;
}

void enable_node_tls(caf::actor_system_config& cfg,
                     const node_tls_options& tls) {
  if (!tls.enabled())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca;
  cfg.openssl_passphrase = tls.passphrase;
}

} // namespace jobstack
