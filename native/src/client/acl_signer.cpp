#include "client/acl_signer.h"

#include "common/hmac_sha1.h"

namespace rmq {

namespace field {
constexpr const char* kAccessKey = "AccessKey";
constexpr const char* kSignature = "Signature";
constexpr const char* kChannel = "OnsChannel";
constexpr const char* kSecurityToken = "SecurityToken";
}  // namespace field

void signRequest(RemotingCommand& request, const AclCredentials& credentials) {
  request.extFields[field::kAccessKey] = credentials.accessKey;
  if (!credentials.channel.empty()) request.extFields[field::kChannel] = credentials.channel;
  if (!credentials.securityToken.empty()) request.extFields[field::kSecurityToken] = credentials.securityToken;
  request.extFields.erase(field::kSignature);

  // extFields are kept sorted by name, so iteration is already in key order.
  std::string content;
  for (const auto& entry : request.extFields) content += entry.second;
  content += request.body;
  auto digest = hmacSha1(credentials.secretKey, content);
  request.extFields[field::kSignature] = base64Encode(digest.data(), digest.size());
}

}  // namespace rmq
