// A RocketMQ remoting frame (RemotingCommand in the Java source).
//
// Wire layout: int32 total length (not counting itself), int32
// (serializeType << 24 | headerLength), header bytes, body bytes. All
// integers big-endian. The header is JSON by default; the binary
// "ROCKETMQ" serialize type is decoded too because a broker answers in the
// serialize type of the request and other peers may use it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "remoting/header_fields.h"

namespace rmq {

enum class SerializeType : uint8_t { kJson = 0, kRocketMQ = 1 };

// Java's LanguageCode enum; JSON carries the name, the binary header the ordinal.
constexpr const char* kLanguageName = "CPP";
constexpr uint8_t kLanguageCode = 1;  // LanguageCode.CPP code

// MQVersion.Version ordinal the client announces (V4_9_8).
constexpr int kClientVersion = 409;

constexpr int kFlagResponse = 1 << 0;
constexpr int kFlagOneway = 1 << 1;

// Largest frame accepted from a peer (NettyDecoder's 16 MiB limit).
constexpr uint32_t kMaxFrameLength = 16 * 1024 * 1024;

// What the bytes buffered from a peer start with, as NettyDecoder's
// length-field framing sees them before a frame reaches decode().
enum class FrameScan {
  kIncomplete,  // fewer than 4 bytes, or the frame is not all there yet
  kComplete,    // a whole frame is there; `length` says how long
  kInvalid,     // length word below 4 or above kMaxFrameLength: drop the connection
};

// Looks at the start of `len` buffered bytes. On kComplete, `length` is the
// frame's length word: the number of bytes after it that decode() takes.
// An out-of-range length word is kInvalid even before the frame is all there.
FrameScan scanFrame(const char* data, size_t len, uint32_t& length);

struct RemotingCommand {
  int32_t code = 0;
  std::string language = kLanguageName;
  int32_t version = kClientVersion;
  int32_t opaque = 0;
  int32_t flag = 0;
  std::string remark;
  bool hasRemark = false;
  // extFields: every value is a string on the wire. Kept sorted by name,
  // which is also the order the ACL signature needs.
  HeaderFields extFields;
  // More extFields, already written as JSON members ("a":"x","b":"y") in
  // name order: requests built straight for the wire (every send) skip the
  // field-by-field map. Encoding writes them ahead of extFields;
  // expandEncodedFields() moves them into extFields for code that reads or
  // changes fields (a request hook). field() does not see them.
  std::string encodedExtFields;
  std::string body;
  SerializeType serializeType = SerializeType::kJson;

  // A request with a fresh process-unique opaque.
  static RemotingCommand makeRequest(int32_t code);
  // A response to `request` (same opaque, response flag set).
  static RemotingCommand makeResponse(const RemotingCommand& request, int32_t code,
                                      const std::string& remark = std::string());

  bool isResponse() const { return (flag & kFlagResponse) != 0; }
  bool isOneway() const { return (flag & kFlagOneway) != 0; }
  void markOneway() { flag |= kFlagOneway; }

  // Parses encodedExtFields into extFields and clears them; throws
  // MQException(kProtocol) if they are not JSON members.
  void expandEncodedFields();

  // Returns the value of an extField, or `fallback` when absent.
  const std::string& field(std::string_view key, const std::string& fallback = empty()) const;
  void setRemark(const std::string& r) {
    remark = r;
    hasRemark = true;
  }

  // Whole frame including the leading 4-byte length.
  std::string encode() const;
  // Header only, as it would appear on the wire after the two length words.
  std::string encodeHeader() const;
  // The frame up to its body: the 4-byte length (for a body of `bodySize`
  // bytes), the serialize type and header length, the header.
  std::string encodeFrameHead(size_t bodySize) const;
  // Decodes a frame *without* its leading 4-byte length (i.e. what follows it).
  // Throws MQException(kProtocol) on malformed input.
  static RemotingCommand decode(const char* data, size_t len);

 private:
  static const std::string& empty();
  void appendHeader(std::string& out) const;
};

// The JSON header decoders, apart for tests and fuzzing: decodeJsonFast reads
// the flat headers brokers send without a JSON tree and returns false for
// anything else (cmd is then unspecified); decode() falls back to the generic
// one, which reads any JSON. For every header the fast one accepts, both give
// the same command.
namespace header_codec {
bool decodeJsonFast(const char* data, size_t len, RemotingCommand& cmd);
void decodeJsonGeneric(const char* data, size_t len, RemotingCommand& cmd);
}  // namespace header_codec

}  // namespace rmq
