// Message model tests: property encoding, unique ids, batch layout, decoding
// of stored messages (plain, compressed, IPv6), validation rules, hostile
// input, and the message functions of the C API.
#include <unistd.h>

#include <cstring>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "CMessage.h"
#include "CMessageFields.h"
#include "CBatchMessage.h"
#include "CErrorMessage.h"
#include "CMessageExt.h"
#include "capi/handles.h"
#include "common/errors.h"
#include "message/byte_buffer.h"
#include "message/compression.h"
#include "message/message.h"
#include "message/message_id.h"
#include "message/sysflag.h"
#include "producer/validators.h"
#include "checks.h"

using namespace rmq;

namespace {

// Expects `body` to throw MQException of `kind`.
void expectThrows(ErrorKind kind, const std::function<void()>& body, int line) {
  try {
    body();
  } catch (const MQException& e) {
    if (e.kind() == kind) {
      ++passed;
      return;
    }
    std::cerr << "line " << line << ": wrong error kind: " << e.what() << "\n";
    ++failed;
    return;
  } catch (const std::exception& e) {
    std::cerr << "line " << line << ": unexpected exception: " << e.what() << "\n";
    ++failed;
    return;
  }
  std::cerr << "line " << line << ": expected an exception\n";
  ++failed;
}
#define EXPECT_THROWS(kind, stmt) expectThrows(ErrorKind::kind, [&] { stmt; }, __LINE__)

void expectNoThrow(const std::function<void()>& body, int line) {
  try {
    body();
    ++passed;
  } catch (const std::exception& e) {
    std::cerr << "line " << line << ": unexpected exception: " << e.what() << "\n";
    ++failed;
  }
}
#define EXPECT_OK(stmt) expectNoThrow([&] { stmt; }, __LINE__)

// A stored message laid out as the broker's commit log holds it.
struct StoredMessage {
  int32_t queueId = 3;
  int32_t flag = 7;
  int64_t queueOffset = 42;
  int64_t commitLogOffset = 0x1234567890LL;
  int32_t sysFlag = 0;
  int64_t bornTimestamp = 1700000000000LL;
  std::string bornIp = std::string("\x0a\x00\x00\x05", 4);
  int32_t bornPort = 50000;
  int64_t storeTimestamp = 1700000000123LL;
  std::string storeIp = std::string("\x7f\x00\x00\x01", 4);
  int32_t storePort = 10911;
  int32_t reconsumeTimes = 1;
  int64_t preparedOffset = 9;
  std::string body = "hello";
  std::string topic = "TopicTest";
  std::string properties;

  std::string encode() const {
    std::string rest;
    appendI32(rest, 0x5A5A5A5A);  // magic, not checked by the decoder
    appendI32(rest, 0);          // body CRC
    appendI32(rest, queueId);
    appendI32(rest, flag);
    appendI64(rest, queueOffset);
    appendI64(rest, commitLogOffset);
    appendI32(rest, sysFlag);
    appendI64(rest, bornTimestamp);
    rest += bornIp;
    appendI32(rest, bornPort);
    appendI64(rest, storeTimestamp);
    rest += storeIp;
    appendI32(rest, storePort);
    appendI32(rest, reconsumeTimes);
    appendI64(rest, preparedOffset);
    appendI32(rest, static_cast<int32_t>(body.size()));
    rest += body;
    rest.push_back(static_cast<char>(topic.size()));
    rest += topic;
    appendI16(rest, static_cast<int16_t>(properties.size()));
    rest += properties;
    std::string out;
    appendI32(out, static_cast<int32_t>(rest.size() + 4));
    return out + rest;
  }
};

void testProperties() {
  Message m("T");
  m.setTags("TagA");
  m.setKeys("k1 k2");
  m.putProperty("custom", "v\x03x");
  const std::string encoded = m.encodedProperties();
  CHECK(encoded == std::string("TAGS\x01TagA\x02KEYS\x01k1 k2\x02""custom\x01v\x03x"));
  CHECK(encoded.back() != '\x02');
  const auto decoded = Message::decodeProperties(encoded.data(), encoded.size());
  CHECK(decoded == m.properties());

  // Tolerated like the Java decoder: empty keys/values and stray separators.
  const std::string messy("\x02" "a\x01" "1\x02\x01" "x\x02" "b\x01\x02" "c\x01" "3\x02");
  const auto lenient = Message::decodeProperties(messy.data(), messy.size());
  CHECK(lenient.size() == 2);
  CHECK(lenient.get("a") == "1");
  CHECK(lenient.get("c") == "3");
  CHECK(Message().encodedProperties().empty());

  Message d;
  CHECK(d.delayTimeLevel() == 0);
  d.setDelayTimeLevel(3);
  CHECK(d.delayTimeLevel() == 3);
  CHECK(d.property("DELAY") == "3");
  CHECK(d.property("missing").empty());
}

void testPropertyStore() {
  rmq::MessageProperties p;
  CHECK(p.empty() && p.find("a") == nullptr && p.nameAt(0) == nullptr);
  p.set("a", "1");
  p.set("bb", "22");
  p.set("c", "3");
  CHECK(p.size() == 3 && std::string(p.nameAt(1)) == "bb" && std::string(p.find("c")) == "3");
  p.set("a", "9");  // same length: replaced where it is
  CHECK(std::string(p.nameAt(0)) == "a" && p.get("a") == "9");
  p.set("a", "longer");  // moves to the end
  CHECK(p.size() == 3 && std::string(p.nameAt(2)) == "a" && p.get("a") == "longer");
  p.set("c", p.find("a"));  // a value read from the store itself
  CHECK(p.get("c") == "longer");
  p.erase("bb");
  p.erase("missing");
  CHECK(p.size() == 2 && !p.contains("bb") && p.encode() == "a\x01longer\x02" "c\x01longer");

  // Order does not matter for equality; values do.
  rmq::MessageProperties q;
  q.set("a", "longer");
  q.set("c", "longer");
  CHECK(q == p);
  q.set("c", "other!");
  CHECK(q != p);

  // NUL bytes inside a value survive a round trip.
  const char raw[] = "k\x01v\0w\x02k2\x01x";
  const std::string withNul(raw, sizeof raw - 1);
  const auto decoded = Message::decodeProperties(withNul.data(), withNul.size());
  CHECK(decoded.get("k") == std::string("v\0w", 3) && decoded.encode() == withNul);

  // A later pair with the same name wins, among a few pairs or many.
  const std::string few("x\x01" "1\x02y\x01" "2\x02x\x01" "3");
  const auto fewDecoded = Message::decodeProperties(few.data(), few.size());
  CHECK(fewDecoded.size() == 2 && fewDecoded.get("x") == "3" && fewDecoded.get("y") == "2");
  // Names alike in length and first bytes are still told apart; a repeat
  // among them is still dropped.
  const std::string alike("MIN_OFFSET\x01" "0\x02MAX_OFFSET\x01" "9\x02PREFIX__A\x01" "a\x02PREFIX__B\x01" "b");
  const auto alikeDecoded = Message::decodeProperties(alike.data(), alike.size());
  CHECK(alikeDecoded.size() == 4 && alikeDecoded.get("MIN_OFFSET") == "0" && alikeDecoded.get("MAX_OFFSET") == "9" &&
        alikeDecoded.get("PREFIX__A") == "a" && alikeDecoded.get("PREFIX__B") == "b");
  CHECK(alikeDecoded.encode() == alike);
  const std::string alikeTwice = alike + "\x02PREFIX__A\x01" "again";
  const auto twiceDecoded = Message::decodeProperties(alikeTwice.data(), alikeTwice.size());
  CHECK(twiceDecoded.size() == 4 && twiceDecoded.get("PREFIX__A") == "again" &&
        std::string(twiceDecoded.nameAt(3)) == "PREFIX__A");
  // More pairs than are checked one by one, all different, then one repeated.
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += "name" + std::to_string(i) + "\x01v" + std::to_string(i) + "\x02";
  const auto twentyDecoded = Message::decodeProperties(twenty.data(), twenty.size());
  CHECK(twentyDecoded.size() == 20 && twentyDecoded.get("name19") == "v19");
  twenty += "name3\x01last";
  const auto twentyOneDecoded = Message::decodeProperties(twenty.data(), twenty.size());
  CHECK(twentyOneDecoded.size() == 20 && twentyOneDecoded.get("name3") == "last");
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "n" + std::to_string(i % 2000) + "\x01v" + std::to_string(i) + "\x02";
  const auto manyDecoded = Message::decodeProperties(many.data(), many.size());
  CHECK(manyDecoded.size() == 2000);
  CHECK(manyDecoded.get("n0") == "v4000" && manyDecoded.get("n1999") == "v3999");
  CHECK(std::string(manyDecoded.nameAt(0)) == "n1000");  // the survivors keep their wire order
}

void testUniqueId() {
  std::set<std::string> seen;
  std::string first;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = createUniqueMessageId();
    if (i == 0) first = id;
    CHECK(id.size() == 32);
    bool upperHex = true;
    for (char c : id) upperHex = upperHex && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
    CHECK(upperHex);
    CHECK(id.compare(0, 20, first, 0, 20) == 0);  // IP + pid + per-process prefix
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  const std::string raw = fromHex(first);
  const auto pid = static_cast<uint16_t>((static_cast<uint8_t>(raw[4]) << 8) | static_cast<uint8_t>(raw[5]));
  CHECK(pid == static_cast<uint16_t>(getpid()));
  // Milliseconds since the start of the month: under 31 days, which needs
  // all 32 bits (read unsigned: past day 24 the signed value is negative).
  ByteReader r(raw.data() + 10, 4);
  const uint32_t sinceMonthStart = static_cast<uint32_t>(r.i32());
  CHECK(sinceMonthStart <= 31ULL * 24 * 3600 * 1000);
  // The last two bytes count the ids made: one more for each.
  const std::string next = createUniqueMessageId();
  const std::string after = createUniqueMessageId();
  const auto counter = [](const std::string& id) {
    const std::string bytes = fromHex(id);
    return static_cast<uint16_t>((static_cast<uint8_t>(bytes[14]) << 8) | static_cast<uint8_t>(bytes[15]));
  };
  CHECK(static_cast<uint16_t>(counter(next) + 1) == counter(after));
  CHECK(toHex(raw.data(), raw.size()) == first);
}

void testBatchLayout() {
  std::vector<Message> batch(2, Message("BatchTopic"));
  batch[0].setBody("abc");
  batch[0].setFlag(5);
  batch[0].putProperty("UNIQ_KEY", "ID1");
  batch[1].setBody(std::string("\x00\x01", 2));
  const std::string encoded = encodeBatch(batch);
  const size_t first = 20 + 3 + 2 + std::strlen("UNIQ_KEY\x01ID1");
  const size_t second = 20 + 2 + 2;
  CHECK(encoded.size() == first + second);
  ByteReader r(encoded.data(), encoded.size());
  CHECK(r.i32() == static_cast<int32_t>(first));
  CHECK(r.i32() == 0);  // magic
  CHECK(r.i32() == 0);  // body CRC
  CHECK(r.i32() == 5);  // flag
  CHECK(r.i32() == 3);
  CHECK(std::string(r.bytes(3), 3) == "abc");
  CHECK(r.i16() == static_cast<int16_t>(std::strlen("UNIQ_KEY\x01ID1")));
  CHECK(std::string(r.bytes(12), 12) == "UNIQ_KEY\x01ID1");
  CHECK(r.i32() == static_cast<int32_t>(second));
  r.skip(8);
  CHECK(r.i32() == 0);
  CHECK(r.i32() == 2);
  CHECK(std::string(r.bytes(2), 2) == std::string("\x00\x01", 2));
  CHECK(r.i16() == 0);
  CHECK(r.remaining() == 0);
}

void testDecodePlain() {
  StoredMessage s;
  s.properties = std::string("UNIQ_KEY\x01" "ABCDEF\x02TAGS\x01TagA\x02KEYS\x01k");
  const std::string one = s.encode();
  StoredMessage s2;
  s2.queueOffset = 43;
  s2.body = std::string("bin\x00ary", 7);
  const std::string two = one + s2.encode();
  const auto msgs = decodeMessages(two.data(), two.size());
  CHECK(msgs.size() == 2);
  const MessageExt& m = msgs[0];
  CHECK(m.topic() == "TopicTest");
  CHECK(m.body() == "hello");
  CHECK(m.queueId == 3);
  CHECK(m.flag() == 7);
  CHECK(m.queueOffset == 42);
  CHECK(m.commitLogOffset == 0x1234567890LL);
  CHECK(m.bornTimestamp == 1700000000000LL);
  CHECK(m.storeTimestamp == 1700000000123LL);
  CHECK(m.bornHost() == "10.0.0.5:50000");
  CHECK(m.storeHost() == "127.0.0.1:10911");
  CHECK(m.reconsumeTimes == 1);
  CHECK(m.preparedTransactionOffset == 9);
  CHECK(m.storeSize == static_cast<int>(one.size()));
  CHECK(m.tags() == "TagA");
  CHECK(m.keys() == "k");
  CHECK(m.msgId() == "ABCDEF");
  CHECK(m.offsetMsgId() == "7F00000100002A9F0000001234567890");
  CHECK(msgs[1].msgId() == msgs[1].offsetMsgId());  // no UNIQ_KEY
  CHECK(msgs[1].body() == std::string("bin\x00ary", 7));
  CHECK(msgs[1].queueOffset == 43);

  const OffsetMessageId id = decodeOffsetMessageId(m.offsetMsgId());
  CHECK(id.host == "127.0.0.1:10911");
  CHECK(id.commitLogOffset == 0x1234567890LL);
}

void testDecodeCompressedAndV6() {
  const std::string original(10000, 'z');
  StoredMessage s;
  s.sysFlag = sysflag::kCompressed | sysflag::kBornHostV6 | sysflag::kStoreHostV6;
  s.body = zlibCompress(original, 5);
  CHECK(s.body.size() < original.size());
  s.bornIp = std::string(15, '\0') + "\x01";
  s.storeIp = std::string("\xfe\x80", 2) + std::string(13, '\0') + "\x02";
  const std::string data = s.encode();
  const auto msgs = decodeMessages(data.data(), data.size());
  CHECK(msgs.size() == 1);
  CHECK(msgs[0].body() == original);
  CHECK(msgs[0].bornHost() == "[::1]:50000");
  CHECK(msgs[0].storeHost() == "[fe80::2]:10911");
  CHECK(msgs[0].offsetMsgId().size() == 56);
  const OffsetMessageId id = decodeOffsetMessageId(msgs[0].offsetMsgId());
  CHECK(id.host == "[fe80::2]:10911");
  CHECK(id.commitLogOffset == s.commitLogOffset);

  // Explicit zlib compression type bits are accepted too.
  StoredMessage typed;
  typed.sysFlag = sysflag::kCompressed | sysflag::kCompressionZlib;
  typed.body = zlibCompress("typed body", 9);
  const std::string typedData = typed.encode();
  CHECK(decodeMessages(typedData.data(), typedData.size())[0].body() == "typed body");
  CHECK(zlibDecompress(zlibCompress("", 5).data(), zlibCompress("", 5).size()).empty());
}

void testGarbageRejected() {
  StoredMessage s;
  s.properties = "a\x01" "b";
  const std::string good = s.encode();
  for (size_t cut = 1; cut < good.size(); cut += 7) {
    EXPECT_THROWS(kProtocol, decodeMessages(good.data(), cut));
  }
  const std::string junk = "this is not a stored message at all, just text";
  EXPECT_THROWS(kProtocol, decodeMessages(junk.data(), junk.size()));
  std::string negative = good;
  negative[0] = '\xff';
  EXPECT_THROWS(kProtocol, decodeMessages(negative.data(), negative.size()));
  StoredMessage badZip;
  badZip.sysFlag = sysflag::kCompressed;
  badZip.body = "not zlib data";
  const std::string bz = badZip.encode();
  EXPECT_THROWS(kProtocol, decodeMessages(bz.data(), bz.size()));
  CHECK(decodeMessages("", 0).empty());
  EXPECT_THROWS(kIllegalArgument, decodeOffsetMessageId("XYZ"));
  EXPECT_THROWS(kIllegalArgument, decodeOffsetMessageId(std::string(32, 'G')));
}

void testValidation() {
  EXPECT_OK(checkTopic("TopicTest"));
  EXPECT_OK(checkTopic("rocketmq-xxx|namespace_python%topic1"));
  EXPECT_OK(checkTopic(std::string(kTopicMaxLength, 'a')));
  EXPECT_THROWS(kIllegalArgument, checkTopic(std::string(kTopicMaxLength + 1, 'a')));
  EXPECT_THROWS(kIllegalArgument, checkTopic(""));
  EXPECT_THROWS(kIllegalArgument, checkTopic("   "));
  EXPECT_THROWS(kIllegalArgument, checkTopic("topic with space"));
  EXPECT_THROWS(kIllegalArgument, checkTopic("topic.dot"));
  EXPECT_THROWS(kIllegalArgument, checkTopic("t\xc3\xa9"));
  EXPECT_THROWS(kIllegalArgument, checkTopic("TBW102"));
  EXPECT_THROWS(kIllegalArgument, checkTopic("RMQ_SYS_TRANS_HALF_TOPIC"));
  EXPECT_THROWS(kIllegalArgument, checkTopic("SCHEDULE_TOPIC_XXXX"));
  try {
    checkTopic("bad topic");
  } catch (const MQException& e) {
    CHECK(std::string(e.what()).find("topic name contains illegal characters: bad topic") == 0);
  }

  EXPECT_OK(checkGroup("rocketmq-xxx|namespace_python%group1"));
  EXPECT_OK(checkGroup(std::string(kGroupMaxLength, 'g')));
  EXPECT_THROWS(kIllegalArgument, checkGroup(std::string(kGroupMaxLength + 1, 'g')));
  EXPECT_THROWS(kIllegalArgument, checkGroup(""));
  EXPECT_THROWS(kIllegalArgument, checkGroup("group/1"));

  Message m("T1");
  EXPECT_THROWS(kIllegalArgument, checkMessage(m, 100));  // empty body
  m.setBody(std::string(100, 'x'));
  EXPECT_OK(checkMessage(m, 100));
  m.setBody(std::string(101, 'x'));
  EXPECT_THROWS(kIllegalArgument, checkMessage(m, 100));
  m.setBody("x");
  m.setDelayTimeLevel(18);
  EXPECT_OK(checkMessage(m, 100));
  m.setDelayTimeLevel(19);
  EXPECT_THROWS(kIllegalArgument, checkMessage(m, 100));
  m.setDelayTimeLevel(-1);
  EXPECT_THROWS(kIllegalArgument, checkMessage(m, 100));

  std::vector<Message> batch(2, Message("T1"));
  batch[0].setBody("a");
  batch[1].setBody("b");
  EXPECT_OK(checkBatch(batch, 100));
  batch[1].setTopic("T2");
  EXPECT_THROWS(kIllegalArgument, checkBatch(batch, 100));
  batch[1].setTopic("T1");
  batch[1].setDelayTimeLevel(2);
  EXPECT_THROWS(kIllegalArgument, checkBatch(batch, 100));
  std::vector<Message> retry(1, Message("%RETRY%group"));
  retry[0].setBody("r");
  EXPECT_THROWS(kIllegalArgument, checkBatch(retry, 100));
  EXPECT_THROWS(kIllegalArgument, checkBatch(std::vector<Message>(), 100));
}

void testCMessageApi() {
  CMessage* msg = CreateMessage("CTopic");
  CHECK(msg != nullptr);
  CHECK(std::string(GetOriginMessageTopic(msg)) == "CTopic");
  CHECK(std::string(GetOriginMessageTags(msg)).empty());
  CHECK(SetMessageTags(msg, "TagB") == OK);
  CHECK(SetMessageKeys(msg, "KeyB") == OK);
  CHECK(SetMessageProperty(msg, "p", "q") == OK);
  CHECK(SetDelayTimeLevel(msg, 4) == OK);
  const char bin[] = {'a', '\0', 'b', '\0'};
  CHECK(SetByteMessageBody(msg, bin, 4) == OK);
  CHECK(GetOriginMessageBodyLength(msg) == 4);
  CHECK(std::memcmp(GetOriginMessageBody(msg), bin, 4) == 0);
  CHECK(SetMessageBody(msg, "text") == OK);
  CHECK(GetOriginMessageBodyLength(msg) == 4);
  CHECK(std::string(GetOriginMessageBody(msg)) == "text");
  CHECK(std::string(GetOriginMessageTags(msg)) == "TagB");
  CHECK(std::string(GetOriginMessageKeys(msg)) == "KeyB");
  CHECK(std::string(GetOriginMessageProperty(msg, "p")) == "q");
  CHECK(std::string(GetOriginMessageProperty(msg, "absent")).empty());
  CHECK(GetOriginDelayTimeLevel(msg) == 4);

  CHECK(SetMessageTags(nullptr, "x") == NULL_POINTER);
  CHECK(std::string(GetLatestErrorMessage()).find("NULL") != std::string::npos);
  CHECK(SetMessageTags(msg, nullptr) == NULL_POINTER);
  CHECK(GetOriginMessageTopic(nullptr) == nullptr);

  CBatchMessage* batch = CreateBatchMessage();
  CHECK(AddMessage(batch, msg) == OK);
  CHECK(AddMessage(batch, nullptr) == NULL_POINTER);
  CHECK(DestroyBatchMessage(batch) == OK);
  CHECK(DestroyMessage(msg) == OK);
  CHECK(DestroyMessage(nullptr) == NULL_POINTER);
}

void testCMessageWithFields() {
  const char bin[] = {'a', '\0', 'b'};
  CMessage* msg = CreateMessageWithFields("FTopic", "TagF", "KeyF", bin, 3);
  CHECK(msg != nullptr);
  CHECK(std::string(GetOriginMessageTopic(msg)) == "FTopic");
  CHECK(std::string(GetOriginMessageTags(msg)) == "TagF");
  CHECK(std::string(GetOriginMessageKeys(msg)) == "KeyF");
  CHECK(GetOriginMessageBodyLength(msg) == 3);
  CHECK(std::memcmp(GetOriginMessageBody(msg), bin, 3) == 0);
  // The same message as the four calls it stands for.
  CMessage* stepwise = CreateMessage("FTopic");
  CHECK(SetMessageTags(stepwise, "TagF") == OK);
  CHECK(SetMessageKeys(stepwise, "KeyF") == OK);
  CHECK(SetByteMessageBody(stepwise, bin, 3) == OK);
  CHECK(msg->message.encodedProperties() == stepwise->message.encodedProperties());
  CHECK(msg->message.body() == stepwise->message.body());
  CHECK(DestroyMessage(stepwise) == OK);
  CHECK(DestroyMessage(msg) == OK);

  // NULL tags, keys and body leave them unset; an empty tag is still set.
  msg = CreateMessageWithFields("FTopic", "", nullptr, nullptr, 0);
  CHECK(msg != nullptr);
  CHECK(msg->message.hasProperty(property::kTags));
  CHECK(!msg->message.hasProperty(property::kKeys));
  CHECK(GetOriginMessageBodyLength(msg) == 0);
  CHECK(DestroyMessage(msg) == OK);

  CMessage* several[3] = {CreateMessage("A"), nullptr, CreateMessageWithFields("B", "t", "k", bin, 3)};
  CHECK(DestroyMessages(several, 3) == OK);  // ASan and valgrind see both freed
  CHECK(DestroyMessages(nullptr, 0) == OK);
  CHECK(DestroyMessages(nullptr, 1) == NULL_POINTER);
  CHECK(DestroyMessages(several, -1) == NULL_POINTER);

  CHECK(CreateMessageWithFields("FTopic", nullptr, nullptr, bin, -1) == nullptr);
  CHECK(std::string(GetLatestErrorMessage()).find("negative") != std::string::npos);
  CHECK(CreateMessageWithFields("FTopic", nullptr, nullptr, nullptr, 2) == nullptr);
  CHECK(std::string(GetLatestErrorMessage()).find("NULL") != std::string::npos);
}

void testCMessageExtApi() {
  StoredMessage s;
  s.body = std::string("x\0y", 3);
  s.properties = std::string("UNIQ_KEY\x01" "ID9\x02" "TAGS\x01" "T\x02" "KEYS\x01" "K\x02" "DELAY\x01" "2");
  const std::string data = s.encode();
  CMessageExt ext(decodeMessages(data.data(), data.size()).front());
  CHECK(std::string(GetMessageTopic(&ext)) == "TopicTest");
  CHECK(std::string(GetMessageTags(&ext)) == "T");
  CHECK(std::string(GetMessageKeys(&ext)) == "K");
  CHECK(std::string(GetMessageId(&ext)) == "ID9");
  CHECK(GetMessageBodyLength(&ext) == 3);
  CHECK(std::memcmp(GetMessageBody(&ext), "x\0y", 3) == 0);
  CHECK(std::string(GetMessageProperty(&ext, "UNIQ_KEY")) == "ID9");
  CHECK(GetMessageDelayTimeLevel(&ext) == 2);
  CHECK(GetMessageQueueId(&ext) == 3);
  CHECK(GetMessageReconsumeTimes(&ext) == 1);
  CHECK(GetMessageStoreSize(&ext) == static_cast<int>(data.size()));
  CHECK(GetMessageBornTimestamp(&ext) == s.bornTimestamp);
  CHECK(GetMessageStoreTimestamp(&ext) == s.storeTimestamp);
  CHECK(GetMessageQueueOffset(&ext) == 42);
  CHECK(GetMessageCommitLogOffset(&ext) == s.commitLogOffset);
  CHECK(GetMessagePreparedTransactionOffset(&ext) == 9);
  CHECK(GetMessageTopic(nullptr) == nullptr);
}

}  // namespace

int main() {
  testProperties();
  testPropertyStore();
  testUniqueId();
  testBatchLayout();
  testDecodePlain();
  testDecodeCompressedAndV6();
  testGarbageRejected();
  testValidation();
  testCMessageApi();
  testCMessageWithFields();
  testCMessageExtApi();
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
