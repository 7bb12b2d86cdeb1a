// RemotingClient over loopback against a fake server: request/response
// matching, timeouts and the race of a late answer with them, async
// completions (exactly once each, in the order answers came), and the
// request hook being applied only while one is set.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/errors.h"
#include "remoting/remoting_client.h"
#include "checks.h"
#include "fake_server.h"

namespace {

constexpr int kEchoCode = 310;
constexpr int kSilentCode = 311;   // the server never answers it
constexpr int kLateCode = 312;     // the server answers after a pause

// Answers with the request's extFields["n"] as remark; kSilentCode gets no
// answer, kLateCode one after 300 ms.
fake::FakeServer::Handler echoHandler() {
  return [](int, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
    if (request.code == kSilentCode) return false;
    if (request.code == kLateCode) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto found = request.extFields.find("n");
    response->setRemark(found == request.extFields.end() ? "" : found->second);
    return true;
  };
}

rmq::RemotingCommand numbered(int code, int n) {
  rmq::RemotingCommand request = rmq::RemotingCommand::makeRequest(code);
  request.extFields["n"] = std::to_string(n);
  return request;
}

// True when a request with `code` fails with kTimeout.
bool timesOut(rmq::RemotingClient& client, const std::string& addr, int code, int64_t timeoutMs) {
  rmq::RemotingCommand request = numbered(code, 0);
  try {
    client.invokeSync(addr, request, timeoutMs);
  } catch (const rmq::MQException& e) {
    return e.kind() == rmq::ErrorKind::kTimeout;
  }
  return false;
}

void testSyncAnswersAndTimeouts() {
  fake::FakeServer server(echoHandler());
  rmq::RemotingClient client;
  client.start();
  bool allMatched = true;
  for (int n = 0; n < 200; ++n) {
    rmq::RemotingCommand request = numbered(kEchoCode, n);
    auto response = client.invokeSync(server.address(), request, 3000);
    allMatched = allMatched && response && response->remark == std::to_string(n);
  }
  CHECK(allMatched);
  CHECK(timesOut(client, server.address(), kSilentCode, 100));
  // Answered after the caller gave up: the answer is dropped, the caller saw a timeout.
  CHECK(timesOut(client, server.address(), kLateCode, 100));
  // The connection still serves requests after both.
  rmq::RemotingCommand again = numbered(kEchoCode, 7);
  auto response = client.invokeSync(server.address(), again, 3000);
  CHECK(response && response->remark == "7");
  client.shutdown();
}

void testAsyncCompletesEachOnceInAnswerOrder() {
  fake::FakeServer server(echoHandler());
  rmq::RemotingClient client;
  client.start();
  constexpr int kRequests = 500;
  std::mutex mutex;
  std::condition_variable allDone;
  std::vector<std::string> remarks;
  int errors = 0;
  for (int n = 0; n < kRequests; ++n) {
    rmq::RemotingCommand request = numbered(kEchoCode, n);
    client.invokeAsync(server.address(), request, 5000,
                       [&](std::unique_ptr<rmq::RemotingCommand> response, std::exception_ptr error) {
                         std::lock_guard<std::mutex> lock(mutex);
                         if (error || !response) {
                           ++errors;
                         } else {
                           remarks.push_back(response->remark);
                         }
                         allDone.notify_all();
                       });
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    allDone.wait_for(lock, std::chrono::seconds(20),
                     [&] { return static_cast<int>(remarks.size()) + errors >= kRequests; });
  }
  // A little longer: a second completion of any request would show now.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(errors == 0);
  CHECK(static_cast<int>(remarks.size()) == kRequests);
  // One server thread answers one connection in order: callbacks keep that order.
  bool inOrder = static_cast<int>(remarks.size()) == kRequests;
  for (int n = 0; inOrder && n < kRequests; ++n) inOrder = remarks[static_cast<size_t>(n)] == std::to_string(n);
  CHECK(inOrder);
  client.shutdown();
}

void testAsyncFailuresReachTheCallbackOnce() {
  rmq::RemotingClient client;
  client.start();
  std::atomic<int> calls{0};
  std::atomic<int> failures{0};
  auto count = [&](std::unique_ptr<rmq::RemotingCommand>, std::exception_ptr error) {
    ++calls;
    if (error) ++failures;
  };
  {
    // Nothing listens on this port once the server is gone.
    std::string deadAddr;
    {
      fake::FakeServer gone(echoHandler());
      deadAddr = gone.address();
    }
    rmq::RemotingCommand request = numbered(kEchoCode, 1);
    client.invokeAsync(deadAddr, request, 1000, count);
  }
  {
    fake::FakeServer server(echoHandler());
    rmq::RemotingCommand request = numbered(kSilentCode, 2);
    client.invokeAsync(server.address(), request, 100, count);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (calls < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(calls == 2);
  CHECK(failures == 2);
  client.shutdown();
}

void testHookAppliesOnlyWhileSet() {
  fake::FakeServer server([](int, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
    auto found = request.extFields.find("signed");
    response->setRemark(found == request.extFields.end() ? "unsigned" : found->second);
    return true;
  });
  rmq::RemotingClient client;
  client.start();
  auto remarkOf = [&] {
    rmq::RemotingCommand request = rmq::RemotingCommand::makeRequest(kEchoCode);
    auto response = client.invokeSync(server.address(), request, 3000);
    return response ? response->remark : std::string("no response");
  };
  CHECK(remarkOf() == "unsigned");
  client.setRequestHook([](const std::string&, rmq::RemotingCommand& request) { request.extFields["signed"] = "yes"; });
  CHECK(remarkOf() == "yes");
  client.setRequestHook(rmq::RequestHook());
  CHECK(remarkOf() == "unsigned");
  client.shutdown();
}

}  // namespace

int main() {
  testSyncAnswersAndTimeouts();
  testAsyncCompletesEachOnceInAnswerOrder();
  testAsyncFailuresReachTheCallbackOnce();
  testHookAppliesOnlyWhileSet();
  std::printf("test_remoting_client: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
