// The auth.* and http.rate_* settings; see auth_settings.hpp.
#include "http/auth_settings.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "http/jwt.hpp"

namespace jobstack {

namespace {

// "auth.tokens (CSC_AUTH_TOKENS)": how errors name a setting.
std::string label(const setting& s) {
  return std::string{s.key} + " (" + s.env + ")";
}

bool read_flag(const settings_reader& in, const setting& s) {
  auto text = in.text(s);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (text == "true" || text == "1" || text == "yes" || text == "on")
    return true;
  if (text == "false" || text == "0" || text == "no" || text == "off")
    return false;
  throw settings_error(label(s) + "=" + in.text(s) + ": must be true or false");
}

std::string read_file(const setting& s, const std::string& path) {
  std::ifstream file{path, std::ios::binary};
  if (!file)
    throw settings_error(label(s) + "=" + path + ": cannot read it ("
                         + std::strerror(errno) + ")");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::shared_ptr<const jwt_verifier> read_jwt(const settings_reader& in) {
  using namespace settings;
  jwt_options opts;
  opts.hs256_secret = in.text(auth_jwt_hs256_secret);
  opts.issuer = in.text(auth_jwt_issuer);
  opts.audience = in.text(auth_jwt_audience);
  auto key_file = in.text(auth_jwt_rs256_public_key_file);
  if (!key_file.empty())
    opts.rs256_public_key_pem
        = read_file(auth_jwt_rs256_public_key_file, key_file);
  if (opts.hs256_secret.empty() && key_file.empty()) {
    if (!opts.issuer.empty() || !opts.audience.empty())
      throw settings_error(
          label(auth_jwt_issuer) + " or " + label(auth_jwt_audience)
          + " is set, but no JWT key is: set " + label(auth_jwt_hs256_secret)
          + " or " + label(auth_jwt_rs256_public_key_file));
    return nullptr;
  }
  // Each key checked on its own, so the error names the right setting
  // (and never shows the secret).
  try {
    check_hs256_secret(opts.hs256_secret);
  } catch (const auth_config_error& e) {
    throw settings_error(label(auth_jwt_hs256_secret) + ": " + e.what());
  }
  try {
    if (!key_file.empty())
      load_rs256_public_key(opts.rs256_public_key_pem);
  } catch (const auth_config_error& e) {
    throw settings_error(label(auth_jwt_rs256_public_key_file) + "=" + key_file
                         + ": " + e.what());
  }
  return std::make_shared<const jwt_verifier>(std::move(opts));
}

std::shared_ptr<rate_limiter> read_limiter(const settings_reader& in) {
  auto rate = in.integer(settings::http_rate_limit, 0, 1000000);
  auto burst = in.integer(settings::http_rate_burst, 0, 1000000);
  if (rate == 0)
    return nullptr;
  return std::make_shared<rate_limiter>(
      static_cast<double>(rate),
      static_cast<double>(burst == 0 ? rate : burst));
}

} // namespace

std::vector<const setting*> access_setting_list() {
  using namespace settings;
  return {&auth_enabled,          &auth_tokens,
          &auth_jwt_hs256_secret, &auth_jwt_rs256_public_key_file,
          &auth_jwt_issuer,       &auth_jwt_audience,
          &auth_open_ops,         &http_rate_limit,
          &http_rate_burst};
}

access_settings read_access_settings(const settings_reader& in) {
  using namespace settings;
  auto auth = std::make_shared<auth_options>();
  auth->enabled = read_flag(in, auth_enabled);
  auth->open_ops = read_flag(in, auth_open_ops);
  try {
    auth->tokens = parse_token_entries(in.text(auth_tokens));
  } catch (const auth_config_error& e) {
    throw settings_error(label(auth_tokens) + ": " + e.what());
  }
  auth->jwt = read_jwt(in);
  if (auth->enabled && auth->tokens.empty() && !auth->jwt)
    throw settings_error(
        label(auth_enabled) + " is true, but no token can pass: set "
        + label(auth_tokens) + " or a JWT key (" + label(auth_jwt_hs256_secret)
        + ", " + label(auth_jwt_rs256_public_key_file) + ")");
  access_settings out;
  out.auth = std::move(auth);
  out.limiter = read_limiter(in);
  return out;
}

std::string describe_access(const access_settings& s) {
  std::string out;
  if (!s.auth || !s.auth->enabled) {
    out = "authorization off";
  } else {
    std::string names;
    for (auto& t : s.auth->tokens)
      names += (names.empty() ? "" : ", ") + t.name;
    out = "authorization on: " + std::to_string(s.auth->tokens.size())
          + " token(s)" + (names.empty() ? "" : " (" + names + ")")
          + (s.auth->jwt ? ", JWT " + s.auth->jwt->algorithms() : "")
          + (s.auth->open_ops ? ", ops routes open"
                              : ", ops routes need a token");
  }
  if (s.limiter)
    out += "; rate limit " + std::to_string(std::llround(s.limiter->rate()))
           + "/s, burst " + std::to_string(std::llround(s.limiter->burst()));
  else
    out += "; no rate limit";
  return out;
}

} // namespace jobstack
