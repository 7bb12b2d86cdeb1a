// Which messages need a 5.x broker, and how a broker's version is read from
// its GET_BROKER_RUNTIME_INFO table.
#include <cstdio>
#include <string>

#include "common/errors.h"
#include "producer/timer_support.h"
#include "checks.h"

namespace {

rmq::Json runtimeTable(const char* version, const char* description) {
  rmq::Json table = rmq::Json::object();
  table["brokerVersion"] = version;
  table["brokerVersionDesc"] = description;
  return table;
}

bool rejectedAsProtocolError(const rmq::Json& table) {
  try {
    rmq::brokerVersionOf(table);
  } catch (const rmq::MQException& e) {
    return e.kind() == rmq::ErrorKind::kProtocol;
  }
  return false;
}

}  // namespace

int main() {
  rmq::Message plain("T");
  plain.setDelayTimeLevel(3);
  CHECK(!rmq::wantsTimedDelivery(plain));
  for (const char* name : {rmq::property::kTimerDeliverMs, rmq::property::kTimerDelaySec,
                           rmq::property::kTimerDelayMs}) {
    rmq::Message timed("T");
    timed.putProperty(name, "1000");
    check(rmq::wantsTimedDelivery(timed), std::string("a message with ") + name + " wants timed delivery");
  }

  const rmq::BrokerVersion v5 = rmq::brokerVersionOf(runtimeTable("475", "V5_3_1"));
  CHECK(v5.ordinal == 475 && v5.description == "V5_3_1");
  CHECK(v5.ordinal >= rmq::kFirstTimerBrokerVersion);
  const rmq::BrokerVersion v4 = rmq::brokerVersionOf(runtimeTable("409", "V4_9_8"));
  CHECK(v4.ordinal < rmq::kFirstTimerBrokerVersion);
  CHECK(rejectedAsProtocolError(runtimeTable("", "V4_9_8")));
  CHECK(rejectedAsProtocolError(runtimeTable("4x", "V4_9_8")));
  CHECK(rejectedAsProtocolError(runtimeTable("-1", "")));
  CHECK(rejectedAsProtocolError(rmq::Json::object()));

  const std::string text = rmq::timerUnsupportedMessage("broker-a", "127.0.0.1:10911", v4);
  CHECK(text.find("broker-a") != std::string::npos);
  CHECK(text.find("127.0.0.1:10911") != std::string::npos);
  CHECK(text.find("V4_9_8") != std::string::npos);
  CHECK(text.find(rmq::kTimerUnsupportedMarker) != std::string::npos);
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
