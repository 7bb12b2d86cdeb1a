// Inputs that once broke a decoder of peer data; the fuzz harnesses in
// fuzz/ keep the same inputs in their seed corpora (files named regress-*).
#include <cstdint>
#include <functional>
#include <iostream>
#include <string>

#include "client/client_instance.h"
#include "common/errors.h"
#include "common/json.h"
#include "message/compression.h"
#include "message/message.h"
#include "remoting/remoting_command.h"
#include "checks.h"

using namespace rmq;

namespace {

// True when `body` throws MQException(kProtocol).
bool rejects(const std::function<void()>& body) {
  try {
    body();
  } catch (const MQException& e) {
    return e.kind() == ErrorKind::kProtocol;
  }
  return false;
}

std::string jsonFrame(const std::string& header) {
  std::string frame;
  const uint32_t mark = static_cast<uint32_t>(header.size());
  frame.push_back(static_cast<char>(mark >> 24));
  frame.push_back(static_cast<char>(mark >> 16));
  frame.push_back(static_cast<char>(mark >> 8));
  frame.push_back(static_cast<char>(mark));
  return frame + header;
}

// Object keys (fastjson's MessageQueue-keyed maps) used to recurse without
// the nesting limit, so a frame of '{' overflowed the stack.
void testNestedObjectKeys() {
  CHECK(rejects([] { Json::parse(std::string(200000, '{')); }));
  const std::string deepFrame = jsonFrame(std::string(200000, '{'));
  CHECK(rejects([&] { RemotingCommand::decode(deepFrame.data(), deepFrame.size()); }));
  CHECK(rejects([] { TopicRouteData::fromJson("{\"queueDatas\":[" + std::string(200000, '{')); }));
}

// An object key is kept as its JSON text, and every object key inside it
// was escaped once more: each level doubled the text, so ~100 bytes made
// the parser allocate gigabytes. Object keys within object keys are refused.
void testObjectKeysWithinObjectKeys() {
  std::string nested = "{\"x\":1}";
  for (int i = 0; i < 40; ++i) nested = "{" + nested + ":1}";
  CHECK(rejects([&] { Json::parse(nested); }));
  CHECK(rejects([] { Json::parse(R"({{"a":{{"b":1}:2}}:3})"); }));
  const std::string frame = jsonFrame(R"({"code":0,"extFields":{{{"k":1}:1}:1}})");
  CHECK(rejects([&] { RemotingCommand::decode(frame.data(), frame.size()); }));
  // A map keyed by MessageQueue, as fastjson writes it, reads as before,
  // and so do nested objects among a key's values.
  Json table = Json::parse(R"({"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:42,)"
                           R"({"brokerName":"b","queueId":2,"topic":"T"}:43}})");
  CHECK(table["offsetTable"].size() == 2);
  CHECK(table["offsetTable"][R"({"brokerName":"b","queueId":2,"topic":"T"})"].asInt64() == 43);
  Json valueObjects = Json::parse(R"({{"a":{"b":{"c":"\""}}}:3})");
  CHECK(valueObjects.items().size() == 1 && valueObjects.items().begin()->second.asInt64() == 3);
  CHECK(valueObjects.items().begin()->first == R"({"a":{"b":{"c":"\""}}})");
}

// A number too large for int64_t was cast to it (undefined behaviour);
// it now saturates as Java's (long) cast does.
void testHugeNumbersSaturate() {
  CHECK(Json::parse("1e300").asInt64() == INT64_MAX);
  CHECK(Json::parse("-1e300").asInt64() == INT64_MIN);
  CHECK(Json::parse("1e999").asInt64() == INT64_MAX);
  CHECK(Json::parse("9.3e18").asInt64() == INT64_MAX);
  CHECK(Json::parse("-9.2233720368547758e18").asInt64() == INT64_MIN);
  CHECK(Json::parse("12.9").asInt64() == 12 && Json::parse("-12.9").asInt64() == -12);
  CHECK(Json::parse("123456789012345678901").asInt64() == INT64_MAX);

  const std::string frame = jsonFrame(R"({"code":1.5e3,"opaque":9.2e20,"flag":-1e30,"version":409})");
  RemotingCommand cmd = RemotingCommand::decode(frame.data(), frame.size());
  CHECK(cmd.code == 1500 && cmd.version == 409);

  TopicRouteData route = TopicRouteData::fromJson(
      R"({"brokerDatas":[],"queueDatas":[{"brokerName":"b","perm":1e300,"readQueueNums":4.0,)"
      R"("writeQueueNums":-1e300}]})");
  CHECK(route.queueDatas.size() == 1 && route.queueDatas[0].readQueueNums == 4);
}

// The name/value separator of a property was searched up to the end of the
// whole string, quadratic in the number of pairs; it is now searched within
// the pair, which must not change what is decoded.
void testPropertySeparatorSearch() {
  const std::string text("a\x02" "b\x01" "c\x02" "\x01" "d\x02" "e\x01\x02" "f\x01" "g\x01" "h");
  const auto props = Message::decodeProperties(text.data(), text.size());
  CHECK(props.size() == 2);
  CHECK(props.get("b") == "c");
  CHECK(props.get("f") == "g\x01" "h");
  const std::string many = std::string(65535, '\x02');
  CHECK(Message::decodeProperties(many.data(), many.size()).empty());
}

// A small compressed body may not inflate without bound.
void testInflateIsBounded() {
  const std::string zeros(200 * 1024, '\0');
  const std::string packed = zlibCompress(zeros, 9);
  CHECK(packed.size() < 2048);
  CHECK(rejects([&] { zlibDecompress(packed.data(), packed.size(), 100 * 1024); }));
  CHECK(zlibDecompress(packed.data(), packed.size()) == zeros);
}

}  // namespace

int main() {
  testNestedObjectKeys();
  testObjectKeysWithinObjectKeys();
  testHugeNumbersSaturate();
  testPropertySeparatorSearch();
  testInflateIsBounded();
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
