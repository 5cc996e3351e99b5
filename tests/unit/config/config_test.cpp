// The configuration's rules for worker mode's key pairs (contract 1), the previous pair of a key rotation
// included: held to the current pair's strength, both or neither, another key id; problems name variables,
// never values.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/config.h"

using namespace upgate;

namespace {

const std::string kCurrentSecret(40, 'c');
const std::string kPreviousSecret(40, 'p');

json environment(const std::string& app_env, const json& extra = json::object()) {
  json env{{"APP_ENV", app_env},
           {"JWT_SECRET", std::string(40, 'j')},
           {"UPLOAD_SIGNING_KEY_ID", "AKCURRENT"},
           {"UPLOAD_SIGNING_SECRET", kCurrentSecret}};
  env.update(extra);
  return env;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("without a previous pair, production is usable and verifies with the current pair only") {
  const Config config = load_config(environment("production"));
  CHECK(config.usable());
  CHECK(config.upload_previous_key_id.empty());
  CHECK(config.upload_previous_secret.empty());
}

TEST_CASE("a complete previous pair is taken, in production as in development") {
  for (const char* app_env : {"production", "development"}) {
    CAPTURE(app_env);
    const Config config = load_config(environment(app_env, {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", " AKPREVIOUS "},
                                                            {"UPLOAD_SIGNING_SECRET_PREVIOUS", kPreviousSecret}}));
    CHECK(config.problems.empty());
    CHECK_FALSE(mentions(config.notes, "PREVIOUS"));
    CHECK(config.upload_previous_key_id == "AKPREVIOUS");  // trimmed, as the current key id is
    CHECK(config.upload_previous_secret == kPreviousSecret);
    CHECK(config.upload_key_id == "AKCURRENT");
    CHECK(config.upload_secret == kCurrentSecret);
  }
}

TEST_CASE("half a previous pair is a problem in production and is never used") {
  const Config key_only = load_config(environment("production", {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUS"}}));
  CHECK_FALSE(key_only.usable());
  CHECK(mentions(key_only.problems,
                 "UPLOAD_SIGNING_KEY_ID_PREVIOUS is set without UPLOAD_SIGNING_SECRET_PREVIOUS; set both or neither"));
  CHECK(key_only.upload_previous_key_id.empty());

  const Config secret_only =
      load_config(environment("production", {{"UPLOAD_SIGNING_SECRET_PREVIOUS", kPreviousSecret}}));
  CHECK_FALSE(secret_only.usable());
  CHECK(mentions(secret_only.problems,
                 "UPLOAD_SIGNING_SECRET_PREVIOUS is set without UPLOAD_SIGNING_KEY_ID_PREVIOUS; set both or neither"));
  CHECK(secret_only.upload_previous_secret.empty());
}

TEST_CASE("half a previous pair is a note in development, and the pair is not used") {
  const Config config = load_config(environment("development", {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUS"}}));
  CHECK(config.usable());
  CHECK(mentions(config.notes, "UPLOAD_SIGNING_KEY_ID_PREVIOUS is set without UPLOAD_SIGNING_SECRET_PREVIOUS"));
  CHECK(config.upload_previous_key_id.empty());
}

TEST_CASE("a previous key id equal to the current one is refused") {
  const json pair{{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKCURRENT"}, {"UPLOAD_SIGNING_SECRET_PREVIOUS", kPreviousSecret}};
  const Config production = load_config(environment("production", pair));
  CHECK_FALSE(production.usable());
  CHECK(mentions(production.problems, "UPLOAD_SIGNING_KEY_ID_PREVIOUS must differ from UPLOAD_SIGNING_KEY_ID"));
  CHECK(production.upload_previous_secret.empty());

  const Config development = load_config(environment("development", pair));
  CHECK(development.usable());
  CHECK(mentions(development.notes, "UPLOAD_SIGNING_KEY_ID_PREVIOUS must differ from UPLOAD_SIGNING_KEY_ID"));
  CHECK(development.upload_previous_secret.empty());  // the current secret alone verifies AKCURRENT
}

TEST_CASE("the previous secret is held to the current secret's strength rule") {
  const json weak{{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUS"},
                  {"UPLOAD_SIGNING_SECRET_PREVIOUS", std::string(31, 'w')}};
  const Config production = load_config(environment("production", weak));
  CHECK_FALSE(production.usable());
  CHECK(mentions(production.problems, "UPLOAD_SIGNING_SECRET_PREVIOUS is shorter than 32 bytes"));
  // The same rule, the same words, as for the current secret.
  const Config weak_current = load_config(environment("production", {{"UPLOAD_SIGNING_SECRET", std::string(31, 'w')}}));
  CHECK(mentions(weak_current.problems, "UPLOAD_SIGNING_SECRET is shorter than 32 bytes"));

  // Development is lenient with it as with the current secret: a note, and the pair is used.
  const Config development = load_config(environment("development", weak));
  CHECK(development.usable());
  CHECK(mentions(development.notes, "UPLOAD_SIGNING_SECRET_PREVIOUS is shorter than 32 bytes"));
  CHECK(development.upload_previous_key_id == "AKPREVIOUS");

  const Config exactly_32 =
      load_config(environment("production", {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUS"},
                                             {"UPLOAD_SIGNING_SECRET_PREVIOUS", std::string(32, 'x')}}));
  CHECK(exactly_32.usable());
}

TEST_CASE("the config report names the previous pair's problems, never its values") {
  const std::string weak = "weak-previous-secret-value";
  const std::vector<json> broken{
      {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUSVALUE"}},
      {{"UPLOAD_SIGNING_SECRET_PREVIOUS", weak}},
      {{"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUSVALUE"}, {"UPLOAD_SIGNING_SECRET_PREVIOUS", weak}},
  };
  for (const json& extra : broken) {
    for (const char* app_env : {"production", "development"}) {
      const Config config = load_config(environment(app_env, extra));
      std::vector<std::string> report = config.problems;
      report.insert(report.end(), config.notes.begin(), config.notes.end());
      CHECK(mentions(report, "_PREVIOUS"));
      CHECK_FALSE(mentions(report, weak));
      CHECK_FALSE(mentions(report, "AKPREVIOUSVALUE"));
      CHECK_FALSE(mentions(report, "AKCURRENT"));
    }
  }
}

TEST_CASE("s3 mode has no worker-mode key pairs, previous or current") {
  const Config config =
      load_config(environment("production", {{"UPLOAD_MODE", "s3"},
                                             {"R2_S3_ENDPOINT", "https://account.r2.cloudflarestorage.com"},
                                             {"R2_BUCKET_NAME", "photos"},
                                             {"R2_ACCESS_KEY_ID", "R2KEY"},
                                             {"R2_SECRET_ACCESS_KEY", std::string(40, 'r')},
                                             {"UPLOAD_SIGNING_KEY_ID_PREVIOUS", "AKPREVIOUS"}}));
  CHECK(config.usable());
  CHECK(config.upload_key_id.empty());
  CHECK(config.upload_previous_key_id.empty());
}
