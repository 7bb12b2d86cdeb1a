// Stored-message decoding: the input is the body of a pull result (or of a
// CHECK_TRANSACTION_STATE request), i.e. one or more messages in the
// broker's store layout, possibly with zlib-compressed bodies. It goes
// through decodeMessages(); the same bytes are also read as a property
// string by Message::decodeProperties().
//
// Properties: accepted records account for every input byte; decoded
// properties encode and decode back to themselves.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "message/message.h"

using rmq::Message;
using rmq::MessageExt;
using rmq::fuzz::accepts;

namespace {

void checkProperties(const char* data, size_t size) {
  rmq::MessageProperties decoded;
  if (!accepts([&] { decoded = Message::decodeProperties(data, size); })) return;
  decoded.forEach([](std::string_view name, std::string_view value) { FUZZ_ASSERT(!name.empty() && !value.empty()); });
  Message message;
  message.mutableProperties() = decoded;
  const std::string encoded = message.encodedProperties();
  rmq::MessageProperties again;
  FUZZ_ASSERT(accepts([&] { again = Message::decodeProperties(encoded.data(), encoded.size()); }));
  FUZZ_ASSERT(again == decoded);
}

void checkMessages(const char* data, size_t size) {
  std::vector<MessageExt> messages;
  if (!accepts([&] { messages = rmq::decodeMessages(data, size); })) return;
  size_t covered = 0;
  for (const MessageExt& m : messages) {
    FUZZ_ASSERT(m.storeSize > 0);
    covered += static_cast<size_t>(m.storeSize);
    // What a consumer reads first.
    (void)m.msgId();
    (void)m.tags();
    (void)m.keys();
    FUZZ_ASSERT(!m.bornHost().empty() && !m.storeHost().empty() && !m.offsetMsgId().empty());
  }
  FUZZ_ASSERT(covered == size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  checkMessages(bytes, size);
  checkProperties(bytes, size);
  return 0;
}
