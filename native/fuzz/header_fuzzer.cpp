// Remoting headers: the input is a header as it follows the two length
// words of a frame. It is parsed as JSON (Json::parse, which also reads the
// name server's and fastjson's non-standard forms) and then decoded as the
// header of a frame in each serialize type, JSON and binary "ROCKETMQ".
//
// Properties: every accessor works on every parsed value; what dump()
// writes parses again and settles after one round; accepted commands
// survive an encode/decode round trip; whatever the fast JSON header reader
// accepts, the generic decoder accepts too and reads as the same command.
#include <cstddef>
#include <cstdint>
#include <string>

#include "command_checks.h"
#include "common/json.h"
#include "fuzz_support.h"
#include "remoting/remoting_command.h"

using rmq::Json;
using rmq::RemotingCommand;
using rmq::fuzz::accepts;

namespace {

// Reads every value the way the client's lenient accessors do.
void touch(const Json& value) {
  (void)value.asString("fallback");
  (void)value.asInt64(-1);
  (void)value.asInt(-1);
  (void)value.asBool(true);
  (void)value.asDouble(-1.0);
  (void)value.size();
  (void)value["key"].isNull();
  for (const Json& element : value.elements()) touch(element);
  for (const auto& item : value.items()) {
    FUZZ_ASSERT(value.contains(item.first));
    touch(item.second);
  }
}

void checkJson(const char* data, size_t size) {
  Json parsed;
  if (!accepts([&] { parsed = Json::parse(data, size); })) return;
  touch(parsed);

  // dump() output is what the client sends (heartbeats, offsets) and what
  // it uses as the key of an object-keyed map: it must always parse again.
  const std::string first = parsed.dump();
  Json second;
  FUZZ_ASSERT(accepts([&] { second = Json::parse(first); }));
  const std::string secondText = second.dump();
  Json third;
  FUZZ_ASSERT(accepts([&] { third = Json::parse(secondText); }));
  FUZZ_ASSERT(third.dump() == secondText);
}

void checkHeader(rmq::SerializeType type, const char* data, size_t size) {
  if (size > 0xFFFFFF) return;
  // Frame content after the length word: type/header-length word, header, a short body.
  std::string frame;
  const uint32_t mark = (static_cast<uint32_t>(type) << 24) | static_cast<uint32_t>(size);
  frame.push_back(static_cast<char>(mark >> 24));
  frame.push_back(static_cast<char>(mark >> 16));
  frame.push_back(static_cast<char>(mark >> 8));
  frame.push_back(static_cast<char>(mark));
  frame.append(data, size);
  frame.append("body", 4);
  RemotingCommand cmd;
  if (!accepts([&] { cmd = RemotingCommand::decode(frame.data(), frame.size()); })) return;
  FUZZ_ASSERT(cmd.serializeType == type && cmd.body == "body");
  rmq::fuzz::checkRoundTrip(cmd);
}

// The fast reader is a shortcut: it may refuse anything, but never disagree.
void checkFastHeader(const char* data, size_t size) {
  RemotingCommand fast;
  if (!rmq::header_codec::decodeJsonFast(data, size, fast)) return;
  RemotingCommand generic;
  FUZZ_ASSERT(accepts([&] { rmq::header_codec::decodeJsonGeneric(data, size, generic); }));
  FUZZ_ASSERT(rmq::fuzz::sameCommand(fast, generic));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  checkJson(bytes, size);
  checkFastHeader(bytes, size);
  checkHeader(rmq::SerializeType::kJson, bytes, size);
  checkHeader(rmq::SerializeType::kRocketMQ, bytes, size);
  return 0;
}
