#include "consumer/consume_directly.h"

#include <chrono>
#include <vector>

#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "message/message.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

int64_t steadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void answerError(ClientInstance& client, const std::string& addr, const RemotingCommand& request,
                 const std::string& remark) {
  client.remoting().sendResponse(addr, RemotingCommand::makeResponse(request, response_code::kSystemError, remark));
}

}  // namespace

std::string directResultJson(ConsumeResult result, bool orderly, int64_t spentMs, const std::string& failure) {
  // CMResult names; an orderly listener's SUSPEND_CURRENT_QUEUE_A_MOMENT is
  // CR_LATER too, and only a throwing listener is CR_THROW_EXCEPTION.
  const char* name = "CR_SUCCESS";
  std::string remark;
  if (result == ConsumeResult::kReconsumeLater) name = "CR_LATER";
  if (result == ConsumeResult::kListenerFailed) {
    name = "CR_THROW_EXCEPTION";
    // Java gives the exception and where it was thrown (exceptionSimpleDesc).
    remark = failure.empty() ? "the message listener raised an exception (see the consumer's log)" : failure;
  }
  Json answer = Json::object();
  answer["order"] = orderly;
  answer["autoCommit"] = true;
  answer["consumeResult"] = name;
  if (!remark.empty()) answer["remark"] = remark;
  answer["spentTimeMills"] = spentMs;
  return answer.dump();
}

void consumeDirectly(const DirectConsumer& consumer, const std::string& addr, const RemotingCommand& request) {
  std::shared_ptr<ClientInstance> client = consumer.client.lock();
  if (!client) return;  // shutting down: nothing left to answer with
  if (request.field("consumerGroup") != consumer.group) {
    answerError(*client, addr, request,
                "The Consumer Group <" + request.field("consumerGroup") + "> not exist in this consumer");
    return;
  }
  std::shared_ptr<MessageExt> message;
  try {
    std::vector<MessageExt> decoded = decodeMessages(request.body.data(), request.body.size());
    if (decoded.empty()) throw MQException(ErrorKind::kProtocol, "no message in the request");
    message = std::make_shared<MessageExt>(std::move(decoded.front()));
  } catch (const MQException& e) {
    answerError(*client, addr, request, std::string("bad CONSUME_MESSAGE_DIRECTLY body: ") + e.what());
    return;
  }
  message->brokerName = request.field("brokerName");
  // resetRetryAndNamespace: a retried message shows the topic it was sent to.
  restoreRetryTopic(*message);
  if (consumer.pool->closed()) {
    answerError(*client, addr, request, "the consumer is shutting down");
    return;
  }
  auto response = std::make_shared<RemotingCommand>(RemotingCommand::makeResponse(request, response_code::kSuccess));
  std::weak_ptr<ClientInstance> weakClient = consumer.client;
  auto listener = consumer.listener;
  const bool orderly = consumer.orderly;
  consumer.pool->submit([weakClient, listener, message, response, addr, orderly] {
    const int64_t started = steadyMs();
    std::string failure;
    const ConsumeResult result = listener->consumeOne(*message, &failure);
    response->body = directResultJson(result, orderly, steadyMs() - started, failure);
    if (auto client = weakClient.lock()) client->remoting().sendResponse(addr, *response);
    RMQ_LOG(kInfo, "consumed " << message->msgId() << " directly: " << response->body);
  });
}

}  // namespace rmq
