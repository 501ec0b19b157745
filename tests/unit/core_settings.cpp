// Settings: the reader's precedence (command line > environment > default)
// and checks; the file layers are in core_config.cpp.
#define CAF_SUITE core.settings
#include <caf/test/unit_test.hpp>

#include <map>

#include "core/settings.hpp"

using namespace jobstack;

namespace {

struct fixture {
  std::map<std::string, std::string> env;
  node_config cfg{
      "test",
      "test",
      {&settings::http_port, &settings::queues, &settings::redis_password}};

  env_lookup lookup() {
    return [this](const char* name) -> const char* {
      auto i = env.find(name);
      return i == env.end() ? nullptr : i->second.c_str();
    };
  }

  settings_reader reader() {
    return settings_reader{cfg, lookup()};
  }

  // The injected environment also keeps the caller's APP_CONFIG_PATH out.
  void parse(std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("test")};
    for (auto& a : args)
      argv.push_back(a.data());
    parse_node_config(cfg, static_cast<int>(argv.size()), argv.data(),
                      lookup());
  }

  template <class F>
  static bool throws(F f) {
    try {
      f();
    } catch (const settings_error&) {
      return true;
    }
    return false;
  }

  std::string error_of(const setting& s) {
    try {
      reader().port(s);
    } catch (const settings_error& e) {
      return e.what();
    }
    return "no error";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(settings_tests, fixture)

CAF_TEST(defaults apply when nothing is set) {
  CAF_CHECK_EQUAL(reader().port(settings::http_port), 3000);
  CAF_CHECK_EQUAL(reader().list(settings::queues),
                  std::vector<std::string>{"default"});
}

CAF_TEST(environment beats default and command line beats environment) {
  env["CSC_HTTP_PORT"] = "3001";
  CAF_CHECK_EQUAL(reader().port(settings::http_port), 3001);
  parse({"--http.port=3002"});
  CAF_CHECK_EQUAL(reader().port(settings::http_port), 3002);
  CAF_CHECK_EQUAL(reader().resolve(settings::http_port).name, "--http.port");
}

CAF_TEST(bad ports name their source) {
  env["CSC_HTTP_PORT"] = "abc";
  CAF_CHECK_EQUAL(error_of(settings::http_port),
                  "CSC_HTTP_PORT=abc: must be an integer from 1 to 65535");
  env["CSC_HTTP_PORT"] = "70000";
  CAF_CHECK_NOT_EQUAL(error_of(settings::http_port), "no error");
  env["CSC_HTTP_PORT"] = "80x";
  CAF_CHECK_NOT_EQUAL(error_of(settings::http_port), "no error");
  env["CSC_HTTP_PORT"] = "0";
  CAF_CHECK_NOT_EQUAL(error_of(settings::http_port), "no error");
}

CAF_TEST(lists are trimmed and refuse empty items) {
  env["CSC_QUEUES"] = " mail , default";
  CAF_CHECK_EQUAL(reader().list(settings::queues),
                  (std::vector<std::string>{"mail", "default"}));
  env["CSC_QUEUES"] = "mail,,default";
  CAF_CHECK(throws([&] { reader().list(settings::queues); }));
}

CAF_TEST(unknown options are an error) {
  CAF_CHECK(throws([&] { parse({"--bogus=1"}); }));
}

CAF_TEST_FIXTURE_SCOPE_END()
