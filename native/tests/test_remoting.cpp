// Frame codec, JSON and route parsing: round trips, the name server's
// non-standard JSON, and hostile input that must be rejected, not crash.
#include <cstdio>
#include <cstring>
#include <string>

#include "client/client_instance.h"
#include "common/errors.h"
#include "common/json.h"
#include "remoting/remoting_command.h"
#include "checks.h"

namespace {

template <typename Body>
bool rejects(Body body) {
  try {
    body();
  } catch (const rmq::MQException& e) {
    return e.kind() == rmq::ErrorKind::kProtocol;
  }
  return false;
}

rmq::RemotingCommand sampleRequest(rmq::SerializeType type) {
  rmq::RemotingCommand cmd = rmq::RemotingCommand::makeRequest(310);
  cmd.serializeType = type;
  cmd.extFields["a"] = "group \"quoted\" \\ back";
  cmd.extFields["b"] = "Topic\x01with\x02controls";
  cmd.setRemark("r\xc3\xa9mark");
  cmd.body = std::string("body\0with\0nul", 13);
  return cmd;
}

void testCommandRoundTrip(rmq::SerializeType type, const char* what) {
  rmq::RemotingCommand sent = sampleRequest(type);
  std::string frame = sent.encode();
  uint32_t length = (uint32_t(uint8_t(frame[0])) << 24) | (uint32_t(uint8_t(frame[1])) << 16) |
                    (uint32_t(uint8_t(frame[2])) << 8) | uint32_t(uint8_t(frame[3]));
  check(length == frame.size() - 4, what);
  rmq::RemotingCommand got = rmq::RemotingCommand::decode(frame.data() + 4, frame.size() - 4);
  check(got.code == 310 && got.opaque == sent.opaque && got.flag == 0, what);
  check(got.extFields == sent.extFields && got.remark == sent.remark && got.body == sent.body, what);
  check(got.serializeType == type && got.language == "CPP", what);
}

}  // namespace

int main() {
  // JSON as the Java name server writes it.
  rmq::Json route = rmq::Json::parse(R"({"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"n":-5,)"
                                     R"("s":"\u00e9\ud83d\ude00\n","ok":true,"none":null,"list":[1,2.5,"x"]})");
  check(route["brokerAddrs"]["0"].asString() == "127.0.0.1:10911", "unquoted integer keys");
  check(route["brokerAddrs"]["1"].asString() == "127.0.0.1:10921", "second unquoted key");
  check(route["n"].asInt64() == -5 && route["ok"].asBool() && route["none"].isNull(), "scalars");
  check(route["s"].asString() == "\xc3\xa9\xf0\x9f\x98\x80\n", "unicode escapes and surrogate pairs");
  check(route["list"].size() == 3 && route["list"].elements()[1].asDouble() == 2.5, "arrays");
  check(route["missing"]["deeper"].isNull(), "missing keys read as null");
  rmq::Json again = rmq::Json::parse(route.dump());
  check(again.dump() == route.dump(), "dump and parse round trip");

  rmq::Json table = rmq::Json::parse(R"({"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:42}})");
  const auto& items = table["offsetTable"].items();
  check(items.size() == 1 && items.begin()->second.asInt64() == 42, "object used as a map key");
  check(rmq::Json::parse(items.begin()->first)["queueId"].asInt() == 1, "object key reads back as JSON");

  rmq::Json copy = route;
  copy["n"] = 7;
  check(route["n"].asInt64() == -5, "copies do not share writes");

  check(rejects([] { rmq::Json::parse("{\"a\":"); }), "truncated JSON rejected");
  check(rejects([] { rmq::Json::parse("{\"a\" 1}"); }), "missing colon rejected");
  check(rejects([] { rmq::Json::parse("[1,2] trailing"); }), "trailing bytes rejected");
  check(rejects([] { rmq::Json::parse(std::string(100000, '[')); }), "deep nesting rejected without overflow");
  check(rejects([] { rmq::Json::parse("\"\\uZZZZ\""); }), "bad escape rejected");

  testCommandRoundTrip(rmq::SerializeType::kJson, "JSON header round trip");
  testCommandRoundTrip(rmq::SerializeType::kRocketMQ, "binary header round trip");

  rmq::RemotingCommand request = sampleRequest(rmq::SerializeType::kRocketMQ);
  rmq::RemotingCommand response = rmq::RemotingCommand::makeResponse(request, 17, "nope");
  check(response.isResponse() && response.opaque == request.opaque, "response matches request opaque");
  check(response.serializeType == rmq::SerializeType::kRocketMQ, "response uses the request's serialize type");

  check(rejects([] { rmq::RemotingCommand::decode("\x00\x00", 2); }), "short frame rejected");
  check(rejects([] { rmq::RemotingCommand::decode("\x00\xff\xff\xff{}", 6); }), "header longer than frame rejected");
  check(rejects([] { rmq::RemotingCommand::decode("\x07\x00\x00\x02{}", 6); }), "unknown serialize type rejected");
  check(rejects([] { rmq::RemotingCommand::decode("\x00\x00\x00\x05hello", 9); }), "non-JSON header rejected");
  check(rejects([] { rmq::RemotingCommand::decode("\x01\x00\x00\x03\x00\x0a\x01", 7); }),
        "truncated binary header rejected");

  // TopicRouteData -> writable queues, as topicRouteData2TopicPublishInfo.
  rmq::TopicRouteData data = rmq::TopicRouteData::fromJson(
      R"({"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"b","cluster":"c"},)"
      R"({"brokerAddrs":{1:"127.0.0.1:10922"},"brokerName":"slave-only","cluster":"c"},)"
      R"({"brokerAddrs":{0:"127.0.0.1:10931"},"brokerName":"a","cluster":"c"}],)"
      R"("queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,"writeQueueNums":4,"topicSysFlag":0},)"
      R"({"brokerName":"slave-only","perm":6,"readQueueNums":2,"writeQueueNums":2,"topicSysFlag":0},)"
      R"({"brokerName":"a","perm":4,"readQueueNums":2,"writeQueueNums":2,"topicSysFlag":0}]})");
  check(data.brokerDatas.size() == 3 && data.queueDatas.size() == 3, "route parsed");
  check(data.brokerDatas[0].brokerName == "a" && data.brokerDatas[0].brokerAddrs.at(0) == "127.0.0.1:10931",
        "brokers sorted by name, master address by id 0");
  rmq::TopicRouteData other = rmq::TopicRouteData::fromJson(
      R"({"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10931"},"brokerName":"a","cluster":"c"}],"queueDatas":[]})");
  check(!(data == other), "different routes compare unequal");
  check(data == rmq::TopicRouteData(data), "a route equals its copy");

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
