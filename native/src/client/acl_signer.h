// Request signing for brokers and name servers with ACL enabled, as Apache
// RocketMQ's AclClientRPCHook (and rocketmq-client-cpp's ClientRPCHook) do:
// AccessKey, the channel (OnsChannel) and SecurityToken join the extFields,
// the values of all extFields sorted by key (Signature excluded) are
// concatenated, the body appended, and HmacSHA1 with the secret key, Base64
// encoded, goes into the Signature field.
#pragma once

#include <string>

#include "remoting/remoting_command.h"

namespace rmq {

struct AclCredentials {
  std::string accessKey;
  std::string secretKey;
  std::string channel;        // sent as OnsChannel when not empty
  std::string securityToken;  // sent as SecurityToken when not empty
};

void signRequest(RemotingCommand& request, const AclCredentials& credentials);

}  // namespace rmq
