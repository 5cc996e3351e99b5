// The one key lookup for URLs to this Worker (uploads/signing_keys.h): new URLs are signed with the current pair; a URL
// verifies with the pair its X-Amz-Credential names, the current one or, during a rotation, the previous one;
// any other key id is refused.
#include <doctest/doctest.h>

#include <string>

#include "config/config.h"
#include "sigv4/sigv4.h"
#include "uploads/signing_keys.h"
#include "uploads/upload_url.h"

using namespace upgate;

namespace {

const std::string kCurrentSecret(40, 'b');
const std::string kPreviousSecret(40, 'a');
constexpr int64_t kNow = 1795332000;  // 2026-11-22T08:00:00Z

Config worker_config(bool with_previous) {
  json env{{"APP_ENV", "production"},
           {"JWT_SECRET", std::string(40, 'j')},
           {"UPLOAD_SIGNING_KEY_ID", "AKKEYB"},
           {"UPLOAD_SIGNING_SECRET", kCurrentSecret}};
  if (with_previous) {
    env["UPLOAD_SIGNING_KEY_ID_PREVIOUS"] = "AKKEYA";
    env["UPLOAD_SIGNING_SECRET_PREVIOUS"] = kPreviousSecret;
  }
  Config config = load_config(env);
  REQUIRE(config.usable());
  return config;
}

// A download URL of the Worker's, presigned by `signer` as any SigV4 library would, then verified through
// the lookup against `config`: "ok" or sigv4's failure code.
std::string verify_signed_by(const sigv4::Credentials& signer, const Config& config) {
  sigv4::SigningKeyCache cache;
  sigv4::PresignInput input{"GET", "upgate.test", "/download/shoots/wed-1/wed-1_20261122_0001.jpg", {}, {}, kNow, 900};
  const sigv4::Presigned presigned = sigv4::presign(signer, sigv4::Scope{}, input, cache);
  const std::string& url = presigned.url_path_and_query;
  const size_t question = url.find('?');
  const sigv4::IncomingRequest request{
      "GET", url.substr(0, question), url.substr(question + 1), {{"host", "upgate.test"}}};
  const auto outcome = sigv4::verify(
      request, sigv4::Scope{},
      [&config](std::string_view key_id) { return worker_verifying_credentials(config, key_id); }, kNow + 60, cache);
  return outcome ? "ok" : outcome.failure().code;
}

}  // namespace

TEST_CASE("the current key id finds the current pair, the previous key id the previous pair") {
  const Config config = worker_config(true);
  const auto current = worker_verifying_credentials(config, "AKKEYB");
  REQUIRE(current);
  CHECK(current->access_key_id == "AKKEYB");
  CHECK(current->secret_access_key == kCurrentSecret);
  const auto previous = worker_verifying_credentials(config, "AKKEYA");
  REQUIRE(previous);
  CHECK(previous->access_key_id == "AKKEYA");
  CHECK(previous->secret_access_key == kPreviousSecret);
}

TEST_CASE("any other key id finds nothing: unknown, empty, differently cased, or the previous one after the window") {
  const Config rotating = worker_config(true);
  CHECK_FALSE(worker_verifying_credentials(rotating, "AKKEYC"));
  CHECK_FALSE(worker_verifying_credentials(rotating, ""));
  CHECK_FALSE(worker_verifying_credentials(rotating, "akkeya"));
  CHECK_FALSE(worker_verifying_credentials(rotating, "AKKEYA "));
  const Config after = worker_config(false);
  CHECK(worker_verifying_credentials(after, "AKKEYB"));
  CHECK_FALSE(worker_verifying_credentials(after, "AKKEYA"));
  CHECK_FALSE(worker_verifying_credentials(after, ""));  // no previous pair is never an empty key id that matches
}

TEST_CASE("s3 mode signs and verifies the Worker's own URLs with the R2 key pair, and no worker-mode pair") {
  Config config = worker_config(true);
  config.upload_mode = UploadMode::S3;
  config.r2_key_id = "R2KEY";
  config.r2_secret = "r2-secret-for-the-test";
  CHECK_FALSE(worker_verifying_credentials(config, "AKKEYB"));
  CHECK_FALSE(worker_verifying_credentials(config, "AKKEYA"));
  CHECK_FALSE(worker_verifying_credentials(config, ""));
  const auto r2 = worker_verifying_credentials(config, "R2KEY");
  REQUIRE(r2);
  CHECK(r2->secret_access_key == "r2-secret-for-the-test");
  CHECK(worker_signing_credentials(config).access_key_id == "R2KEY");
}

TEST_CASE("new URLs are always signed with the current pair, during a rotation too") {
  for (const bool with_previous : {true, false}) {
    const Config config = worker_config(with_previous);
    const sigv4::Credentials signer = worker_signing_credentials(config);
    CHECK(signer.access_key_id == "AKKEYB");
    CHECK(signer.secret_access_key == kCurrentSecret);
    sigv4::SigningKeyCache cache;
    const DownloadUrl url =
        presign_download(config, "https", "upgate.test", "shoots/wed-1/wed-1_20261122_0001.jpg", kNow * 1000, cache);
    CHECK(url.url.find("X-Amz-Credential=AKKEYB%2F20261122%2Fauto%2Fs3%2Faws4_request") != std::string::npos);
    CHECK(url.url.find("AKKEYA") == std::string::npos);
  }
}

TEST_CASE("a URL signed with the previous pair verifies during the window and is refused after it") {
  const sigv4::Credentials pair_a{"AKKEYA", kPreviousSecret};
  const sigv4::Credentials pair_b{"AKKEYB", kCurrentSecret};
  CHECK(verify_signed_by(pair_a, worker_config(true)) == "ok");
  CHECK(verify_signed_by(pair_b, worker_config(true)) == "ok");
  CHECK(verify_signed_by(pair_a, worker_config(false)) == "bad_credential_scope");
  CHECK(verify_signed_by(pair_b, worker_config(false)) == "ok");
  // The key id chooses the secret: the previous key id with the current secret (or the reverse) does not verify.
  CHECK(verify_signed_by(sigv4::Credentials{"AKKEYA", kCurrentSecret}, worker_config(true)) == "signature_mismatch");
  CHECK(verify_signed_by(sigv4::Credentials{"AKKEYB", kPreviousSecret}, worker_config(true)) == "signature_mismatch");
}
