// Which messages need a 5.x broker, how a broker's version is read from its
// GET_BROKER_RUNTIME_INFO table, and when it is asked: once per connection,
// against scripted brokers on 127.0.0.1.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "client/client_instance.h"
#include "common/errors.h"
#include "producer/timer_support.h"
#include "remoting/protocol_codes.h"
#include "checks.h"
#include "fake_server.h"

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

// A broker that reports `version`, counting how often it was asked.
struct VersionedBroker {
  explicit VersionedBroker(std::string version)
      : server([this, version](int, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
          if (request.code == rmq::request_code::kGetBrokerRuntimeInfo) {
            ++asked;
            response->body = "{\"table\":{\"brokerVersion\":\"" + version + "\",\"brokerVersionDesc\":\"V" +
                             version + "\"}}";
          }
          return true;
        }) {}
  std::atomic<int> asked{0};
  fake::FakeServer server;
};

bool refusedAsTooOld(rmq::BrokerVersions& versions, rmq::ClientInstance& client, const std::string& addr) {
  try {
    versions.requireTimerSupport(client, "broker-old", addr, 3000);
  } catch (const rmq::MQException& e) {
    return std::string(e.what()).find(rmq::kTimerUnsupportedMarker) != std::string::npos;
  }
  return false;
}

void askedOncePerConnection() {
  VersionedBroker old("409");
  VersionedBroker current("475");
  rmq::ClientConfig config;
  config.namesrvAddr = old.server.address();
  rmq::ClientInstance client(config);
  client.start();
  rmq::BrokerVersions versions;

  CHECK(refusedAsTooOld(versions, client, old.server.address()));
  CHECK(refusedAsTooOld(versions, client, old.server.address()));
  CHECK(old.asked == 1);
  versions.requireTimerSupport(client, "broker-new", current.server.address(), 3000);
  versions.requireTimerSupport(client, "broker-new", current.server.address(), 3000);
  CHECK(current.asked == 1);

  // A lost connection: the next check asks again, over the new one, once.
  const uint64_t before = client.remoting().connectionGeneration(old.server.address());
  client.remoting().closeConnection(old.server.address(), "test");
  for (int i = 0; i < 200 && client.remoting().connectionGeneration(old.server.address()) == before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(client.remoting().connectionGeneration(old.server.address()) != before);
  CHECK(refusedAsTooOld(versions, client, old.server.address()));
  CHECK(refusedAsTooOld(versions, client, old.server.address()));
  CHECK(old.asked == 2);
  client.shutdown();
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

  askedOncePerConnection();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
