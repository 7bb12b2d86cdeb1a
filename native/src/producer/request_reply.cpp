#include "producer/request_reply.h"

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>

#include "common/log.h"
#include "message/compression.h"
#include "message/sysflag.h"
#include "producer/producer.h"
#include "producer/reply_table.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

int64_t steadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t wallNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The longest request timeout: what a C int holds, about 24 days (longer
// ones would overflow the timer's arithmetic).
constexpr int64_t kMaxRequestTimeoutMs = 2147483647;

// A sync request waits this much past its timeout for the timer to report
// it, in case the timer thread is stopping; then it reports the timeout itself.
constexpr int64_t kTimerGraceMs = 5000;

int64_t parseLong(const std::string& text, const char* field) {
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0') {
    throw MQException(ErrorKind::kProtocol, std::string("reply message field ") + field + " is not a number: '" +
                                                text + "'");
  }
  return value;
}

const std::string& required(const RemotingCommand& request, const char* field) {
  const std::string& value = request.field(field);
  if (value.empty()) {
    throw MQException(ErrorKind::kProtocol, std::string("reply message lacks the ") + field + " field");
  }
  return value;
}

// "ip:port" as InetAddress.getHostAddress() + ":" + port writes it (IPv6
// without brackets); brackets are accepted too. Returns false for anything else.
bool parseHost(const std::string& text, HostBytes* out) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string ip = text.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  char* end = nullptr;
  const long port = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (end == text.c_str() + colon + 1 || *end != '\0' || port < 0 || port > 65535) return false;
  if (::inet_pton(AF_INET, ip.c_str(), out->ip.data()) == 1) {
    out->ipLength = 4;
  } else if (::inet_pton(AF_INET6, ip.c_str(), out->ip.data()) == 1) {
    out->ipLength = 16;
  } else {
    return false;
  }
  out->port = static_cast<int32_t>(port);
  return true;
}

}  // namespace

bool isReplyMessage(const Message& msg) { return msg.property(property::kMessageType) == kReplyMessageFlag; }

std::string createCorrelationId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  const uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;   // IETF variant
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

MessageExt decodePushedReply(const RemotingCommand& request, int64_t arrivedWallMs) {
  MessageExt msg;
  msg.setTopic(required(request, "topic"));
  msg.queueId = static_cast<int>(parseLong(required(request, "queueId"), "queueId"));
  msg.storeTimestamp = parseLong(required(request, "storeTimestamp"), "storeTimestamp");
  msg.bornTimestamp = parseLong(required(request, "bornTimestamp"), "bornTimestamp");
  msg.sysFlag = static_cast<int>(parseLong(required(request, "sysFlag"), "sysFlag"));
  msg.setFlag(static_cast<int>(parseLong(request.field("flag", "0"), "flag")));
  msg.reconsumeTimes = static_cast<int>(parseLong(request.field("reconsumeTimes", "0"), "reconsumeTimes"));
  // Hosts are informative only: one the peer wrote oddly is left empty.
  parseHost(request.field("bornHost"), &msg.bornHostBytes);
  parseHost(request.field("storeHost"), &msg.storeHostBytes);
  const std::string& properties = request.field("properties");
  msg.mutableProperties() = Message::decodeProperties(properties.data(), properties.size());
  msg.putProperty(property::kReplyMessageArriveTime, std::to_string(arrivedWallMs));
  if (msg.sysFlag & sysflag::kCompressed) {
    msg.setBody(zlibDecompress(request.body.data(), request.body.size()));
  } else {
    msg.setBody(request.body);
  }
  return msg;
}

// ---- Producer: the requester's side ----

void Producer::requestAsync(const Message& msg, int64_t timeoutMs, ReplyCallback callback) {
  startRequest(msg, timeoutMs, std::move(callback));
}

std::string Producer::startRequest(const Message& msg, int64_t timeoutMs, ReplyCallback callback) {
  if (timeoutMs <= 0 || timeoutMs > kMaxRequestTimeoutMs) {
    throw MQException(ErrorKind::kIllegalArgument, "request timeout must be between 1 and " +
                                                       std::to_string(kMaxRequestTimeoutMs) + " ms, not " +
                                                       std::to_string(timeoutMs));
  }
  auto client = runningClient();
  // prepareSendRequest, on a copy: the caller's message stays as it was.
  Message request = msg;
  const std::string correlationId = createCorrelationId();
  request.putProperty(property::kCorrelationId, correlationId);
  request.putProperty(property::kReplyToClient, client->clientId());
  request.putProperty(property::kMessageTtl, std::to_string(timeoutMs));
  if (firstRequestTo(request.topic())) {
    // The brokers must know this client's id before a reply can find its
    // connection, and the periodic heartbeat may be up to 30 s away.
    try {
      publishInfo(*client, request.topic(), timeoutMs);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      requestTopics_.erase(request.topic());
      throw;
    }
    client->sendHeartbeatToAllBrokers();
  }

  auto table = replies_;
  table->add(correlationId, request.topic(), timeoutMs, steadyNowMs(), std::move(callback));
  Scheduler& scheduler = client->scheduler();
  const uint64_t timer = scheduler.scheduleOnce(
      [table, correlationId] { table->expire(correlationId, steadyNowMs()); }, timeoutMs);
  if (!table->setTimer(correlationId, timer)) scheduler.cancel(timer);
  try {
    sendAsync(request, [table, correlationId, client](const SendResult* sent, const MQException* error) {
      if (sent != nullptr) {
        table->markSent(correlationId);
        return;
      }
      uint64_t timerId = 0;
      if (table->fail(correlationId, *error, &timerId) && timerId != 0) client->scheduler().cancel(timerId);
    });
  } catch (...) {
    // Refused before sending (bad message, shut down): the caller hears it
    // from this throw, not from the callback.
    uint64_t timerId = 0;
    if (table->forget(correlationId, &timerId) && timerId != 0) scheduler.cancel(timerId);
    throw;
  }
  return correlationId;
}

MessageExt Producer::request(const Message& msg, int64_t timeoutMs) {
  auto outcome = std::make_shared<std::promise<MessageExt>>();
  std::future<MessageExt> reply = outcome->get_future();
  const std::string correlationId = startRequest(msg, timeoutMs, [outcome](const MessageExt* received, const MQException* error) {
    if (received != nullptr) {
      outcome->set_value(*received);
    } else if (dynamic_cast<const RequestTimeout*>(error) != nullptr) {
      outcome->set_exception(std::make_exception_ptr(RequestTimeout(error->what())));
    } else {
      outcome->set_exception(std::make_exception_ptr(*error));
    }
  });
  if (reply.wait_for(std::chrono::milliseconds(timeoutMs + kTimerGraceMs)) != std::future_status::ready) {
    uint64_t timerId = 0;
    replies_->forget(correlationId, &timerId);
    throw RequestTimeout("no reply message within " + std::to_string(timeoutMs) + " ms");
  }
  return reply.get();
}

bool Producer::firstRequestTo(const std::string& topic) {
  std::lock_guard<std::mutex> lock(mutex_);
  return requestTopics_.insert(topic).second;
}

uint64_t Producer::lateReplies() const { return replies_->lateReplies(); }

std::unique_ptr<RemotingCommand> Producer::onPushReplyMessage(const std::string& addr, RemotingCommand& request) {
  try {
    const MessageExt reply = decodePushedReply(request, wallNowMs());
    uint64_t timerId = 0;
    if (replies_->complete(reply.property(property::kCorrelationId), reply, &timerId)) {
      if (timerId != 0) {
        std::shared_ptr<ClientInstance> client;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          client = client_;
        }
        if (client) client->scheduler().cancel(timerId);
      }
    } else {
      RMQ_LOG(kWarn, "reply message from " << reply.bornHost() << " matched no waiting request, correlation id "
                                           << reply.property(property::kCorrelationId) << " (late or unknown)");
    }
    return std::make_unique<RemotingCommand>(RemotingCommand::makeResponse(request, response_code::kSuccess));
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "reply message pushed by " << addr << " dropped: " << e.what());
    return std::make_unique<RemotingCommand>(
        RemotingCommand::makeResponse(request, response_code::kSystemError, "process reply message fail"));
  }
}

}  // namespace rmq
