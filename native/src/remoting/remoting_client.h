// Client side of the remoting protocol: one I/O thread multiplexing all TCP
// connections of a client instance, request/response matching by opaque,
// per-request deadlines, and dispatch of requests the broker initiates.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "remoting/remoting_command.h"
#include "remoting/tls.h"

namespace rmq {

// Invoked once per async request, on the callback executor (never on the I/O
// thread). Exactly one of `response` / `error` is set.
using ResponseCallback =
    std::function<void(std::unique_ptr<RemotingCommand> response, std::exception_ptr error)>;

// Handles a request initiated by the peer (e.g. CHECK_TRANSACTION_STATE).
// Runs on the callback executor. Returning nullptr sends no response (the
// request was oneway, or the handler answers later through sendResponse).
using RequestHandler =
    std::function<std::unique_ptr<RemotingCommand>(const std::string& addr, RemotingCommand& request)>;

// Called on every outgoing request just before it is encoded; used for ACL
// signing (adds AccessKey/Signature extFields).
using RequestHook = std::function<void(const std::string& addr, RemotingCommand& request)>;

class RemotingClient {
 public:
  RemotingClient();
  ~RemotingClient();  // calls shutdown()
  RemotingClient(const RemotingClient&) = delete;
  RemotingClient& operator=(const RemotingClient&) = delete;

  // Starts the I/O thread and the callback executor thread.
  void start();
  // Closes every connection, fails all pending requests with kIllegalState,
  // and joins both threads. Idempotent. Safe to call from a callback thread
  // (then it does not join that thread itself but detaches the work safely).
  void shutdown();

  // TLS for every connection made from now on (set before start()).
  void setTls(const TlsOptions& options);

  void setRequestHandler(int32_t code, RequestHandler handler);
  void setRequestHook(RequestHook hook);

  // `addr` is "host:port". Connections are created lazily, one per address,
  // reused, and re-created after a failure. A connect attempt counts against
  // the timeout. Throws MQException (kConnectFailed, kTimeout, kIllegalState).
  // Blocks the calling thread only (no lock held while waiting).
  std::unique_ptr<RemotingCommand> invokeSync(const std::string& addr, RemotingCommand& request,
                                              int64_t timeoutMs);
  // Never blocks on the network; `callback` always fires exactly once
  // (error on connect failure, timeout, or shutdown).
  // `flags` (AsyncFlags, or-ed): kWriteAtOnce writes the request at once
  // even in a stream of requests (see Core::send), for requests whose answer
  // gates more work, such as pulls. kCallbackOnReader runs `callback` on the
  // thread that read the answer (or failed the request) instead of the
  // callback thread: one thread hand-off less, for callbacks that return at
  // once and never wait on the network (they may post()).
  enum AsyncFlags : unsigned { kWriteAtOnce = 1u, kCallbackOnReader = 2u };
  void invokeAsync(const std::string& addr, RemotingCommand& request, int64_t timeoutMs,
                   ResponseCallback callback, unsigned flags = 0);
  // Fire and forget; sets the oneway flag. Throws only if the connection
  // cannot be established within `timeoutMs`.
  void invokeOneway(const std::string& addr, RemotingCommand& request, int64_t timeoutMs);

  // Sends a response to a request received through a RequestHandler.
  void sendResponse(const std::string& addr, const RemotingCommand& response);

  // Runs `task` on the callback executor thread (FIFO).
  void post(std::function<void()> task);

  // Drops the connection to `addr` (next request reconnects); its pending
  // requests fail with `why`.
  void closeConnection(const std::string& addr, const std::string& why = "closed by the client");

  // Counts connections to `addr` established and lost (0: none yet). A
  // change means the peer may be another process than before.
  uint64_t connectionGeneration(const std::string& addr) const;

  // Why `addr` looks down: its last connect attempt failed, its connection
  // broke, or it let a request time out in silence. "" when it answered
  // since (or never failed). Callers use it to prefer another address.
  std::string downReason(const std::string& addr) const;
  // Clears what downReason() would say about `addr` (e.g. it re-registered).
  void forgetFailures(const std::string& addr);

  // Sync answers the calling thread read from the socket itself rather than
  // being handed them by the I/O thread (see invokeSync); for tests and diagnostics.
  uint64_t answersReadByCallers() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rmq
