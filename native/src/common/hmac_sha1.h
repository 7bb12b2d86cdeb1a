// SHA-1, HMAC-SHA1 and Base64: what request signing for RocketMQ's ACL needs
// (AclClientRPCHook signs with HmacSHA1 and sends the Base64 digest).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace rmq {

std::array<uint8_t, 20> sha1(const std::string& data);
std::array<uint8_t, 20> hmacSha1(const std::string& key, const std::string& data);
std::string base64Encode(const uint8_t* data, size_t len);

}  // namespace rmq
