// Big-endian reading and writing of the fixed-width integers RocketMQ puts
// in message encodings. The reader checks every access against the end of
// its input so that truncated or hostile data cannot read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/errors.h"

namespace rmq {

class ByteReader {
 public:
  ByteReader(const char* data, size_t len) : data_(reinterpret_cast<const uint8_t*>(data)), len_(len) {}

  size_t remaining() const { return len_ - pos_; }
  size_t position() const { return pos_; }

  uint8_t u8() { return need(1)[0]; }
  int16_t i16() { return static_cast<int16_t>(readUnsigned(2)); }
  int32_t i32() { return static_cast<int32_t>(readUnsigned(4)); }
  int64_t i64() { return static_cast<int64_t>(readUnsigned(8)); }

  // Pointer to the next `n` bytes, which are then consumed.
  const char* bytes(size_t n) { return reinterpret_cast<const char*>(need(n)); }
  void skip(size_t n) { need(n); }

 private:
  // Inlined into every field read of every message; the throw lives out of
  // line so that building its text does not keep the check from inlining.
  const uint8_t* need(size_t n) {
    if (n > remaining()) truncated(n);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  [[noreturn]] void truncated(size_t n) const;
  uint64_t readUnsigned(size_t width) {
    const uint8_t* p = need(width);
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | p[i];
    return v;
  }

  const uint8_t* data_;
  size_t len_;
  size_t pos_ = 0;
};

// Appends big-endian integers to a string used as a byte buffer.
inline void appendBigEndian(std::string& out, uint64_t value, size_t width) {
  for (size_t i = width; i-- > 0;) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}
inline void appendI16(std::string& out, int16_t v) { appendBigEndian(out, static_cast<uint16_t>(v), 2); }
inline void appendI32(std::string& out, int32_t v) { appendBigEndian(out, static_cast<uint32_t>(v), 4); }
inline void appendI64(std::string& out, int64_t v) { appendBigEndian(out, static_cast<uint64_t>(v), 8); }

// Uppercase hex of raw bytes (UtilAll.bytes2string) and its inverse; the
// inverse throws MQException(kIllegalArgument) on odd length or non-hex input.
std::string toHex(const char* data, size_t len);
std::string fromHex(const std::string& hex);

}  // namespace rmq
