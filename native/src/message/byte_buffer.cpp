#include "message/byte_buffer.h"

namespace rmq {

namespace {
constexpr char kHexDigits[] = "0123456789ABCDEF";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

void ByteReader::truncated(size_t n) const {
  throw MQException(ErrorKind::kProtocol, "truncated message data: needed " + std::to_string(n) +
                                              " bytes at offset " + std::to_string(pos_) + ", have " +
                                              std::to_string(remaining()));
}

std::string toHex(const char* data, size_t len) {
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    const auto b = static_cast<uint8_t>(data[i]);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
  }
  return out;
}

std::string fromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) {
    throw MQException(ErrorKind::kIllegalArgument, "hex string has odd length: " + hex);
  }
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hexValue(hex[i]);
    const int lo = hexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      throw MQException(ErrorKind::kIllegalArgument, "not a hex string: " + hex);
    }
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

}  // namespace rmq
