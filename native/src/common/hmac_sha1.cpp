#include "common/hmac_sha1.h"

#include <cstring>

namespace rmq {

namespace {

uint32_t rotateLeft(uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

// Processes one 64-byte block (FIPS 180-4, section 6.1.2).
void compress(uint32_t state[5], const uint8_t block[64]) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t(block[4 * i]) << 24) | (uint32_t(block[4 * i + 1]) << 16) | (uint32_t(block[4 * i + 2]) << 8) |
           uint32_t(block[4 * i + 3]);
  }
  for (int i = 16; i < 80; ++i) w[i] = rotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t next = rotateLeft(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotateLeft(b, 30);
    b = a;
    a = next;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

}  // namespace

std::array<uint8_t, 20> sha1(const std::string& data) {
  uint32_t state[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t full = data.size() / 64;
  for (size_t i = 0; i < full; ++i) compress(state, bytes + 64 * i);

  // Padding: 0x80, zeros, then the message length in bits, big-endian.
  uint8_t tail[128] = {0};
  size_t rest = data.size() - 64 * full;
  std::memcpy(tail, bytes + 64 * full, rest);
  tail[rest] = 0x80;
  size_t tailLen = rest + 1 + 8 <= 64 ? 64 : 128;
  uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tailLen - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t offset = 0; offset < tailLen; offset += 64) compress(state, tail + offset);

  std::array<uint8_t, 20> digest{};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(state[i] >> (24 - 8 * j));
  }
  return digest;
}

std::array<uint8_t, 20> hmacSha1(const std::string& key, const std::string& data) {
  std::string blockKey = key;
  if (blockKey.size() > 64) {
    auto hashed = sha1(blockKey);
    blockKey.assign(reinterpret_cast<const char*>(hashed.data()), hashed.size());
  }
  blockKey.resize(64, '\0');
  std::string inner(64, '\0');
  std::string outer(64, '\0');
  for (size_t i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(blockKey[i] ^ 0x36);
    outer[i] = static_cast<char>(blockKey[i] ^ 0x5c);
  }
  auto innerDigest = sha1(inner + data);
  outer.append(reinterpret_cast<const char*>(innerDigest.data()), innerDigest.size());
  return sha1(outer);
}

std::string base64Encode(const uint8_t* data, size_t len) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  for (size_t i = 0; i < len; i += 3) {
    uint32_t chunk = uint32_t(data[i]) << 16;
    if (i + 1 < len) chunk |= uint32_t(data[i + 1]) << 8;
    if (i + 2 < len) chunk |= uint32_t(data[i + 2]);
    out.push_back(kAlphabet[(chunk >> 18) & 63]);
    out.push_back(kAlphabet[(chunk >> 12) & 63]);
    out.push_back(i + 1 < len ? kAlphabet[(chunk >> 6) & 63] : '=');
    out.push_back(i + 2 < len ? kAlphabet[chunk & 63] : '=');
  }
  return out;
}

}  // namespace rmq
