// RemotingClient over loopback against a fake server: request/response
// matching, timeouts and the race of a late answer with them, async
// completions (exactly once each, in the order answers came, on the
// callback thread or where they were read), and the request hook being
// applied only while one is set.
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
  // Once the connection is watched (after the first request), each caller
  // reads its own answer: the I/O thread is not woken to hand it over.
  CHECK(client.answersReadByCallers() >= 195);
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

// A request hook (ACL signing) sees, and may add to, fields a request
// carries already written as JSON; the peer gets them all.
void testHookSeesEncodedFields() {
  fake::FakeServer server([](int, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
    response->setRemark(request.field("a") + "," + request.field("b") + "," + request.field("signed"));
    return true;
  });
  rmq::RemotingClient client;
  client.start();
  std::string seenByHook;
  client.setRequestHook([&seenByHook](const std::string&, rmq::RemotingCommand& request) {
    seenByHook = request.field("b");
    request.extFields["signed"] = "yes";
  });
  rmq::RemotingCommand request = rmq::RemotingCommand::makeRequest(kEchoCode);
  request.encodedExtFields = "\"a\":\"x\",\"b\":\"y\\\"z\"";
  auto response = client.invokeSync(server.address(), request, 3000);
  CHECK(response != nullptr);
  CHECK(response && response->remark == "x,y\"z,yes");
  CHECK(seenByHook == "y\"z");
  client.setRequestHook(rmq::RequestHook());
  rmq::RemotingCommand unsigned_ = rmq::RemotingCommand::makeRequest(kEchoCode);
  unsigned_.encodedExtFields = "\"a\":\"x\",\"b\":\"w\"";
  response = client.invokeSync(server.address(), unsigned_, 3000);
  CHECK(response && response->remark == "x,w,");
  client.shutdown();
}

constexpr int kPushFirstCode = 313;  // the server sends a request of its own before answering
constexpr int kHangUpCode = 314;     // the server closes the connection instead of answering
constexpr int kServerAskCode = 900;  // what the server asks the client

// While a sync caller reads its own answer, everything else arriving on the
// socket first (an async answer, a request from the server) is handled as
// the I/O thread would handle it.
void testSyncCallerHandlesWhatArrivesBeforeItsAnswer() {
  fake::FakeServer server([](int fd, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
    if (request.code == kLateCode) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (request.code == kPushFirstCode) {
      rmq::RemotingCommand ask = rmq::RemotingCommand::makeRequest(kServerAskCode);
      ask.opaque = 777001;
      fake::writeAll(fd, ask.encode());
    }
    auto found = request.extFields.find("n");
    response->setRemark(found == request.extFields.end() ? "" : found->second);
    return true;
  });
  rmq::RemotingClient client;
  std::atomic<int> asked{0};
  client.setRequestHandler(kServerAskCode, [&](const std::string&, rmq::RemotingCommand& request) {
    ++asked;
    return std::unique_ptr<rmq::RemotingCommand>(
        new rmq::RemotingCommand(rmq::RemotingCommand::makeResponse(request, 0, "asked")));
  });
  client.start();
  rmq::RemotingCommand warmUp = numbered(kEchoCode, 0);
  CHECK(client.invokeSync(server.address(), warmUp, 3000) != nullptr);  // connected and watched

  std::atomic<int> asyncCalls{0};
  std::string asyncRemark;
  std::mutex mutex;
  rmq::RemotingCommand slow = numbered(kLateCode, 41);
  client.invokeAsync(server.address(), slow, 5000,
                     [&](std::unique_ptr<rmq::RemotingCommand> response, std::exception_ptr error) {
                       std::lock_guard<std::mutex> lock(mutex);
                       ++asyncCalls;
                       asyncRemark = error || !response ? "failed" : response->remark;
                     });
  // Answered after the slow async one, on the same connection.
  rmq::RemotingCommand sync = numbered(kPushFirstCode, 42);
  auto response = client.invokeSync(server.address(), sync, 5000);
  CHECK(response && response->remark == "42");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((asyncCalls == 0 || asked == 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(asyncCalls == 1);
    CHECK(asyncRemark == "41");
  }
  CHECK(asked == 1);
  // The server's request was answered on the same connection.
  bool answered = false;
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    answered = server.answered(777001);
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(answered);
  // Later requests go on as before: the I/O thread reads the socket again in between.
  bool allMatched = true;
  for (int n = 100; n < 150; ++n) {
    rmq::RemotingCommand request = numbered(kEchoCode, n);
    auto again = client.invokeSync(server.address(), request, 3000);
    allMatched = allMatched && again && again->remark == std::to_string(n);
  }
  CHECK(allMatched);
  client.shutdown();
}

// Several threads sending sync requests on one connection, async ones mixed
// in: only one reads at a time, and every answer reaches its own caller.
void testConcurrentSyncCallersEachGetTheirAnswer() {
  fake::FakeServer server(echoHandler());
  rmq::RemotingClient client;
  client.start();
  std::atomic<int> mismatches{0};
  std::atomic<int> asyncDone{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const int n = t * 1000 + i;
        if (i % 10 == 0) {
          rmq::RemotingCommand request = numbered(kEchoCode, -n);
          client.invokeAsync(server.address(), request, 5000,
                             [&](std::unique_ptr<rmq::RemotingCommand> response, std::exception_ptr error) {
                               if (!error && response) ++asyncDone;
                             });
        }
        rmq::RemotingCommand request = numbered(kEchoCode, n);
        try {
          auto response = client.invokeSync(server.address(), request, 5000);
          if (!response || response->remark != std::to_string(n)) ++mismatches;
        } catch (const std::exception&) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (asyncDone < 60 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(mismatches == 0);
  CHECK(asyncDone == 60);
  client.shutdown();
}

// A caller waiting for its answer learns at once that the connection went
// away, or that the client shut down: it does not wait out its timeout.
void testSyncCallerIsWokenByHangUpAndShutdown() {
  fake::FakeServer server([](int fd, rmq::RemotingCommand& request, rmq::RemotingCommand*) {
    if (request.code == kHangUpCode) {
      ::shutdown(fd, SHUT_RDWR);
      return false;
    }
    return request.code != kSilentCode;
  });
  rmq::RemotingClient client;
  client.start();
  rmq::RemotingCommand warmUp = numbered(kEchoCode, 0);
  CHECK(client.invokeSync(server.address(), warmUp, 3000) != nullptr);

  auto started = std::chrono::steady_clock::now();
  rmq::ErrorKind kind = rmq::ErrorKind::kInternal;
  try {
    rmq::RemotingCommand request = numbered(kHangUpCode, 1);
    client.invokeSync(server.address(), request, 10000);
  } catch (const rmq::MQException& e) {
    kind = e.kind();
  }
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(kind == rmq::ErrorKind::kConnectFailed);
  CHECK(waited < std::chrono::seconds(2));

  // Reconnects; then a silent request, and shutdown from another thread.
  rmq::RemotingCommand again = numbered(kEchoCode, 2);
  CHECK(client.invokeSync(server.address(), again, 3000) != nullptr);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    client.shutdown();
  });
  started = std::chrono::steady_clock::now();
  kind = rmq::ErrorKind::kInternal;
  try {
    rmq::RemotingCommand request = numbered(kSilentCode, 3);
    client.invokeSync(server.address(), request, 10000);
  } catch (const rmq::MQException& e) {
    kind = e.kind();
  }
  waited = std::chrono::steady_clock::now() - started;
  stopper.join();
  CHECK(kind == rmq::ErrorKind::kIllegalState);
  CHECK(waited < std::chrono::seconds(2));
}

constexpr int kOnewayCode = 315;

// The extFields["n"] of every request with `code` the server got, once it
// got `expected` of them (or after 5 s).
std::vector<int> numbersReceived(fake::FakeServer& server, int code, size_t expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<rmq::RemotingCommand> got = server.requestsWith(code);
  while (got.size() < expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got = server.requestsWith(code);
  }
  std::vector<int> numbers;
  for (auto& request : got) numbers.push_back(std::stoi(request.extFields["n"]));
  return numbers;
}

std::vector<int> zeroTo(int count) {
  std::vector<int> numbers;
  for (int n = 0; n < count; ++n) numbers.push_back(n);
  return numbers;
}

// Oneway requests sent back to back linger to be written together: each
// still arrives, once and in order, and a sync request sent behind them
// takes them along instead of waiting for the linger timer.
void testStreamedOnewaysArriveWholeAndInOrder() {
  fake::FakeServer server([](int, rmq::RemotingCommand& request, rmq::RemotingCommand* response) {
    auto found = request.extFields.find("n");
    response->setRemark(found == request.extFields.end() ? "" : found->second);
    return true;
  });
  rmq::RemotingClient client;
  client.start();
  rmq::RemotingCommand warmUp = numbered(kEchoCode, 0);
  CHECK(client.invokeSync(server.address(), warmUp, 3000) != nullptr);

  constexpr int kStream = 2000;
  for (int n = 0; n < kStream; ++n) {
    rmq::RemotingCommand request = numbered(kOnewayCode, n);
    client.invokeOneway(server.address(), request, 3000);
  }
  CHECK(numbersReceived(server, kOnewayCode, kStream) == zeroTo(kStream));

  // A short stream, then at once a sync request: one server thread serves
  // the connection in order, so it has seen the stream when it answers.
  for (int n = 0; n < 10; ++n) {
    rmq::RemotingCommand request = numbered(kOnewayCode + 1, n);
    client.invokeOneway(server.address(), request, 3000);
  }
  rmq::RemotingCommand sync = numbered(kEchoCode, 99);
  auto started = std::chrono::steady_clock::now();
  CHECK(client.invokeSync(server.address(), sync, 3000) != nullptr);
  CHECK(server.requestsWith(kOnewayCode + 1).size() == 10);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
  client.shutdown();
}

// Oneway requests still lingering when the client shuts down are written
// before the sockets close (a consumer's last offsets go out this way).
void testLingeringOnewaysAreWrittenAtShutdown() {
  fake::FakeServer server(echoHandler());
  rmq::RemotingClient client;
  client.start();
  rmq::RemotingCommand warmUp = numbered(kEchoCode, 0);
  CHECK(client.invokeSync(server.address(), warmUp, 3000) != nullptr);
  for (int n = 0; n < 50; ++n) {
    rmq::RemotingCommand request = numbered(kOnewayCode, n);
    client.invokeOneway(server.address(), request, 3000);
  }
  client.shutdown();
  CHECK(numbersReceived(server, kOnewayCode, 50) == zeroTo(50));
}

// kCallbackOnReader: answers and failures reach the callback on the thread
// that read (or failed) them, never on the callback thread; each request
// still completes once, in answer order. A plain async request does run on
// the callback thread.
void testCallbackOnReaderSkipsTheCallbackThread() {
  fake::FakeServer server(echoHandler());
  rmq::RemotingClient client;
  client.start();
  std::mutex mutex;
  std::condition_variable changed;
  std::thread::id callbackThread;
  bool known = false;
  client.post([&] {
    std::lock_guard<std::mutex> lock(mutex);
    callbackThread = std::this_thread::get_id();
    known = true;
    changed.notify_all();
  });
  std::vector<std::string> remarks;
  int onCallbackThread = 0;
  int failures = 0;
  bool plainOnCallbackThread = false;
  auto record = [&](std::unique_ptr<rmq::RemotingCommand> response, std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex);
    if (std::this_thread::get_id() == callbackThread) ++onCallbackThread;
    if (error || !response) {
      ++failures;
    } else {
      remarks.push_back(response->remark);
    }
    changed.notify_all();
  };
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(5), [&] { return known; });
  }
  constexpr int kRequests = 200;
  for (int n = 0; n < kRequests; ++n) {
    rmq::RemotingCommand request = numbered(kEchoCode, n);
    client.invokeAsync(server.address(), request, 5000, record, rmq::RemotingClient::kCallbackOnReader);
  }
  rmq::RemotingCommand silent = numbered(kSilentCode, 0);
  client.invokeAsync(server.address(), silent, 100, record, rmq::RemotingClient::kCallbackOnReader);
  rmq::RemotingCommand plain = numbered(kEchoCode, 0);
  client.invokeAsync(server.address(), plain, 5000, [&](std::unique_ptr<rmq::RemotingCommand>, std::exception_ptr) {
    std::lock_guard<std::mutex> lock(mutex);
    plainOnCallbackThread = std::this_thread::get_id() == callbackThread;
    changed.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(20), [&] {
      return static_cast<int>(remarks.size()) + failures >= kRequests + 1 && plainOnCallbackThread;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a second completion would show now
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(static_cast<int>(remarks.size()) == kRequests);
  CHECK(failures == 1);
  CHECK(onCallbackThread == 0);
  CHECK(plainOnCallbackThread);
  bool inOrder = static_cast<int>(remarks.size()) == kRequests;
  for (int n = 0; inOrder && n < kRequests; ++n) inOrder = remarks[static_cast<size_t>(n)] == std::to_string(n);
  CHECK(inOrder);
  client.shutdown();
}

}  // namespace

int main() {
  testSyncAnswersAndTimeouts();
  testAsyncCompletesEachOnceInAnswerOrder();
  testAsyncFailuresReachTheCallbackOnce();
  testHookAppliesOnlyWhileSet();
  testHookSeesEncodedFields();
  testSyncCallerHandlesWhatArrivesBeforeItsAnswer();
  testConcurrentSyncCallersEachGetTheirAnswer();
  testSyncCallerIsWokenByHangUpAndShutdown();
  testStreamedOnewaysArriveWholeAndInOrder();
  testLingeringOnewaysAreWrittenAtShutdown();
  testCallbackOnReaderSkipsTheCallbackThread();
  std::printf("test_remoting_client: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
