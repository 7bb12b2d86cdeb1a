// SHA-1 / HMAC-SHA1 known answers (FIPS 180 and RFC 2202), Base64, and the
// request signature layout.
#include <cstdio>
#include <string>

#include "client/acl_signer.h"
#include "common/hmac_sha1.h"
#include "checks.h"

namespace {

std::string hex(const std::array<uint8_t, 20>& digest) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

std::string b64(const std::string& text) {
  return rmq::base64Encode(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

int main() {
  check(hex(rmq::sha1("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1 of nothing");
  check(hex(rmq::sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d", "sha1 of abc");
  check(hex(rmq::sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
        "sha1 of the two-block message");
  check(hex(rmq::hmacSha1(std::string(20, '\x0b'), "Hi There")) == "b617318655057264e28bc0b6fb378c8ef146be00",
        "RFC 2202 case 1");
  check(hex(rmq::hmacSha1("Jefe", "what do ya want for nothing?")) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        "RFC 2202 case 2");
  check(hex(rmq::hmacSha1(std::string(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
            "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        "RFC 2202 case 6 (key longer than a block)");
  check(b64("Man") == "TWFu" && b64("Ma") == "TWE=" && b64("M") == "TQ==" && b64("").empty(), "base64 padding");

  rmq::RemotingCommand request = rmq::RemotingCommand::makeRequest(105);
  request.extFields["topic"] = "T";
  request.extFields["Signature"] = "stale";
  request.body = "B";
  rmq::signRequest(request, rmq::AclCredentials{"AK", "SK", "ALIYUN", ""});
  // Sorted keys: AccessKey, OnsChannel, topic -> "AK" + "ALIYUN" + "T", then the body.
  auto expected = rmq::hmacSha1("SK", "AKALIYUNTB");
  check(request.extFields["Signature"] == rmq::base64Encode(expected.data(), expected.size()),
        "signature over sorted field values and body");
  check(request.extFields["AccessKey"] == "AK" && request.extFields["OnsChannel"] == "ALIYUN",
        "access key and channel fields");
  check(request.extFields.count("SecurityToken") == 0, "no security token unless configured");

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
