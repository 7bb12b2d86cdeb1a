// Frame codec, JSON and route parsing: round trips, the name server's
// non-standard JSON, and hostile input that must be rejected, not crash.
#include <cstdio>
#include <cstring>
#include <limits>
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

bool sameCommand(const rmq::RemotingCommand& a, const rmq::RemotingCommand& b) {
  return a.code == b.code && a.language == b.language && a.version == b.version && a.opaque == b.opaque &&
         a.flag == b.flag && a.remark == b.remark && a.hasRemark == b.hasRemark && a.extFields == b.extFields;
}

// The fast JSON header reader takes `header` and reads it as the generic one does.
bool fastAgrees(const std::string& header) {
  rmq::RemotingCommand fast;
  rmq::RemotingCommand generic;
  if (!rmq::header_codec::decodeJsonFast(header.data(), header.size(), fast)) return false;
  rmq::header_codec::decodeJsonGeneric(header.data(), header.size(), generic);
  return sameCommand(fast, generic);
}

bool fastRefuses(const std::string& header) {
  rmq::RemotingCommand cmd;
  return !rmq::header_codec::decodeJsonFast(header.data(), header.size(), cmd);
}

// Fields come out in name order however they went in: the JSON header and
// the ACL signature both rely on it.
void testHeaderFieldsOrder() {
  rmq::HeaderFields fields;
  fields["topic"] = "T";
  fields["a"] = "1";
  fields["queueId"] = "3";
  fields["b"] = "2";
  fields["a"] = "one";  // replaced, not added
  std::string order;
  for (const auto& field : fields) order += field.first + "=" + field.second + ";";
  check(order == "a=one;b=2;queueId=3;topic=T;", "fields iterate sorted by name");
  check(fields.size() == 4 && fields.count("b") == 1 && fields.find("missing") == fields.end(), "lookups");
  check(fields.erase("b") == 1 && fields.erase("b") == 0 && fields.size() == 3, "erase");
  const rmq::HeaderFields& view = fields;
  check(view.find("topic") != view.end() && view.find("topic")->second == "T", "const lookup");
  rmq::HeaderFields same;
  same["queueId"] = "3";
  same["topic"] = "T";
  same["a"] = "one";
  check(same == fields, "equal whatever the order of insertion");

  // Added together, in any order: as one by one, a repeated name keeping its last value.
  std::pair<std::string_view, std::string_view> batch[] = {
      {"queueOffset", "9"}, {"TRACE_ON", "true"}, {"msgId", "M"}, {"TRACE_ON", "false"}, {"MSG_REGION", "R"}};
  rmq::HeaderFields together;
  together.addUnordered(batch, 5);
  rmq::HeaderFields oneByOne;
  for (const auto& [name, value] : {std::pair<const char*, const char*>{"queueOffset", "9"}, {"TRACE_ON", "true"},
                                    {"msgId", "M"}, {"TRACE_ON", "false"}, {"MSG_REGION", "R"}}) {
    oneByOne[name] = value;
  }
  check(together == oneByOne && together.size() == 4 && together.find("TRACE_ON")->second == "false",
        "fields added together: sorted, the last of a repeated name kept");
  std::pair<std::string_view, std::string_view> more[] = {{"a", "x"}, {"msgId", "N"}};
  together.addUnordered(more, 2);
  check(together.size() == 5 && together.find("msgId")->second == "N" && together.begin()->first == "MSG_REGION",
        "fields added together to a header that has some");
}

void testFastHeaderReader() {
  // A send response as a 4.9.8 broker writes it.
  const std::string response =
      R"({"code":0,"extFields":{"msgId":"7F00000100002A9F0000000000001F40","queueId":"3","queueOffset":"41",)"
      R"("MSG_REGION":"DefaultRegion","TRACE_ON":"true"},"flag":1,"language":"JAVA","opaque":77,)"
      R"("serializeTypeCurrentRPC":"JSON","version":433})";
  check(fastAgrees(response), "fast reader reads a send response as the generic one");
  rmq::RemotingCommand cmd;
  rmq::header_codec::decodeJsonFast(response.data(), response.size(), cmd);
  check(cmd.code == 0 && cmd.opaque == 77 && cmd.flag == 1 && cmd.version == 433 && cmd.language == "JAVA",
        "fast reader: numbers and language");
  check(cmd.field("queueOffset") == "41" && cmd.extFields.size() == 5 && !cmd.hasRemark,
        "fast reader: extFields, no remark");
  check(fastAgrees(R"( { "code" : 1 , "remark" : "topic not exist" , "extFields" : null } )"),
        "fast reader: spaces, remark, null extFields");
  check(fastAgrees(R"({"code":-3,"remark":null,"opaque":12})"), "fast reader: null remark, defaults");
  check(fastAgrees("{}"), "fast reader: empty header gets the generic defaults");
  check(fastAgrees(R"({"code":0,"extFields":{"a":"1","a":"2"},"x":true,"y":false,"z":null,"n":5})"),
        "fast reader: repeated ext key, skipped scalars");
  // More ext fields than the reader collects at once, out of order, one
  // repeated across the batches.
  std::string many = R"({"code":0,"extFields":{"k07":"first",)";
  for (int i = 40; i > 0; --i) many += "\"k" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\":\"v" + std::to_string(i) + "\",";
  many += R"("k07":"last"}})";
  check(fastAgrees(many), "fast reader: forty ext fields, one repeated across batches");
  rmq::RemotingCommand manyRead;
  rmq::header_codec::decodeJsonFast(many.data(), many.size(), manyRead);
  check(manyRead.extFields.size() == 40 && manyRead.field("k07") == "last" && manyRead.field("k40") == "v40",
        "fast reader: forty ext fields, the last value of a repeated one");
  check(fastAgrees(std::string("{\"code\":0,\"remark\":\"caf\xc3\xa9 \x01\"}")),
        "fast reader: raw UTF-8 and control bytes");
  // Left to the generic decoder.
  check(fastRefuses(R"({"code":0,"remark":"say "hi""})"), "escapes go to the generic reader");
  check(fastRefuses(R"({"code":"12"})"), "a numeric string code goes to the generic reader");
  check(fastRefuses(R"({"code":1.5})"), "a fraction goes to the generic reader");
  check(fastRefuses(R"({"code":1e3})"), "an exponent goes to the generic reader");
  check(fastRefuses(R"({"code":1234567890123456789})"), "19 digits go to the generic reader");
  check(fastRefuses(R"({"code":922337203685477184467440737095516155})"),
        "a long run of digits goes to the generic reader (without overflowing on the way)");
  check(fastRefuses(R"({"code":1,"code":2})"), "a repeated known key goes to the generic reader");
  check(fastRefuses(R"({"code":0,"extFields":{"n":5}})"), "a numeric ext value goes to the generic reader");
  check(fastRefuses(R"({"code":0,"other":[1]})"), "an array goes to the generic reader");
  check(fastRefuses(R"({code:0})"), "a bare key goes to the generic reader");
  check(fastRefuses(R"({"code":0} x)"), "trailing text goes to the generic reader");
  check(fastRefuses(R"({"code":0)"), "a truncated header goes to the generic reader");
}

// Escapes `text` one byte at a time: what appendJsonString must write.
std::string escapedByteByByte(const std::string& text) {
  std::string out = "\"";
  for (unsigned char u : text) {
    switch (u) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", u);
          out += escape;
        } else {
          out.push_back(static_cast<char>(u));
        }
    }
  }
  return out + "\"";
}

// JsonMembers writes what appending the pieces one by one writes, growing
// its room when a member needs more than was expected.
void testJsonMembers() {
  for (size_t expected : {size_t(0), size_t(3), size_t(4096)}) {
    std::string out;
    rmq::JsonMembers members(out, expected);
    const std::string longText(300, '\x01');
    members.add("a", "plain");
    members.add("b", std::numeric_limits<int64_t>::min());
    members.add("c\"", longText);
    members.add("d", int64_t(42));
    members.finish();
    std::string byPieces;
    rmq::appendJsonString(byPieces, "a");
    byPieces += ':';
    rmq::appendJsonString(byPieces, "plain");
    byPieces += ",\"b\":\"" + std::to_string(std::numeric_limits<int64_t>::min()) + "\",";
    rmq::appendJsonString(byPieces, "c\"");
    byPieces += ':';
    rmq::appendJsonString(byPieces, longText);
    byPieces += ",\"d\":\"42\"";
    CHECK(out == byPieces);
  }
  std::string prefixed = "\"x\":\"1\"";
  rmq::JsonMembers more(prefixed, 16);
  more.add("y", "2");
  more.addWritten("\"z\":\"3\"");
  more.finish();
  CHECK(prefixed == "\"x\":\"1\",\"y\":\"2\",\"z\":\"3\"");
}

void testJsonStringEscapes() {
  // Every byte value, at every offset within the 8-byte words the scan
  // reads, in strings of every length up to three words.
  int mismatches = 0;
  for (int value = 0; value < 256; ++value) {
    for (size_t length = 1; length <= 24; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(value);
        std::string out = "prefix";
        rmq::appendJsonString(out, text);
        if (out != "prefix" + escapedByteByByte(text)) ++mismatches;
      }
    }
  }
  check(mismatches == 0, "each byte escaped wherever it falls in the scanned words");
  const std::string properties = "UNIQ_KEY\x01" "7F000001\x02" "TAGS\x01" "a\"b\\c\x02WAIT\x01true\x02";
  std::string out;
  rmq::appendJsonString(out, properties);
  check(out == escapedByteByByte(properties), "property separators and quotes together");
  check(rmq::Json::parse(out).asString() == properties, "escaped text parses back to the original");
  out.clear();
  rmq::appendJsonString(out, "");
  check(out == "\"\"", "the empty string");
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

  testHeaderFieldsOrder();
  testJsonStringEscapes();
  testJsonMembers();
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

  testFastHeaderReader();

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
