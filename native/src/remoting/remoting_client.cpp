#include "remoting/remoting_client.h"
#include "remoting/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/errors.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

using Clock = std::chrono::steady_clock;

// How often the I/O thread looks for expired async requests while some are pending.
constexpr int kDeadlineScanMs = 10;
constexpr size_t kReadChunk = 64 * 1024;
// A request that times out on a connection that has been silent at least
// this long since the request was sent closes the connection: the peer is
// hung (stopped, or a half-open socket), and every later request on it would
// wait out its own timeout too. Shorter timeouts leave the connection alone,
// so a caller's tight deadline on a busy broker does not cost a reconnect.
constexpr int64_t kSilenceBeforeCloseMs = 1000;
// Bytes a connection may hold unwritten before senders wait for the peer to
// read (the Java client bounds its oneway and async requests in flight the
// same way): a producer faster than its broker must not grow without bound.
constexpr size_t kOutboxHighWater = 8 * 1024 * 1024;
constexpr size_t kOutboxLowWater = 4 * 1024 * 1024;
// A oneway or async request sent within this long of the connection's last
// write is part of a stream: it waits up to this long for the ones behind it,
// and they go out in one write (see Core::send).
constexpr int64_t kLingerUs = 200;

int64_t steadyNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}
constexpr const char* kClosedByPeer = "closed by peer";

Clock::time_point deadlineAfter(int64_t timeoutMs) {
  return Clock::now() + std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs);
}

// "host:port" -> sockaddr; numeric IPv4/IPv6 first, then a resolver lookup.
bool resolve(const std::string& addr, sockaddr_storage& out, socklen_t& outLen) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= addr.size()) return false;
  std::string host = addr.substr(0, colon);
  std::string port = addr.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return false;
  std::memcpy(&out, found->ai_addr, found->ai_addrlen);
  outLen = static_cast<socklen_t>(found->ai_addrlen);
  freeaddrinfo(found);
  return true;
}

// Connects with a deadline; returns a connected non-blocking socket.
int connectWithin(const std::string& addr, Clock::time_point deadline) {
  sockaddr_storage sa{};
  socklen_t saLen = 0;
  if (!resolve(addr, sa, saLen)) throw MQException(ErrorKind::kConnectFailed, "cannot resolve address " + addr);
  int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw MQException(ErrorKind::kConnectFailed, std::string("socket(): ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), saLen);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    ::close(fd);
    throw MQException(ErrorKind::kConnectFailed, "connect to " + addr + " failed: " + std::strerror(err));
  }
  if (rc != 0) {
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        ::close(fd);
        throw MQException(ErrorKind::kTimeout, "connect to " + addr + " timed out");
      }
      pollfd p{fd, POLLOUT, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) continue;
      int err = 0;
      socklen_t errLen = sizeof(err);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errLen);
      if (err != 0) {
        ::close(fd);
        throw MQException(ErrorKind::kConnectFailed, "connect to " + addr + " failed: " + std::strerror(err));
      }
      break;
    }
  }
  return fd;
}

// A frame ready to write: length words + header, and the body kept apart so
// that it is never copied again on its way to the socket.
struct OutFrame {
  std::string head;
  std::string body;
  size_t written = 0;

  size_t total() const { return head.size() + body.size(); }
};

OutFrame makeFrame(const RemotingCommand& cmd, std::string body) {
  OutFrame frame;
  frame.head = cmd.encodeFrameHead(body.size());
  frame.body = std::move(body);
  return frame;
}

struct Connection {
  explicit Connection(std::string a) : addr(std::move(a)) {}

  const std::string addr;
  std::timed_mutex connectMutex;  // one connect attempt at a time per address

  std::mutex writeMutex;          // guards fd, closed, closeReason, outbox, writeProgressMs and every use of tls
  int fd = -1;
  bool closed = false;
  std::string closeReason;        // why it was marked closed, for the log and failed requests
  std::deque<OutFrame> outbox;    // what the socket did not take yet
  size_t outboxBytes = 0;         // the frames' total size
  std::condition_variable drained;  // outboxBytes fell below kOutboxLowWater, or closed
  int64_t writeProgressMs = 0;    // when the outbox last moved (or became non-empty)
  std::unique_ptr<TlsSession> tls;  // set for TLS connections: all bytes go through it

  // Whoever reads the socket holds readMutex: the I/O thread, or a sync
  // caller reading its own answer (RemotingClient::invokeSync).
  std::mutex readMutex;
  std::string inbox;              // under readMutex
  std::atomic<int64_t> lastReadMs{0};  // steady clock of the last byte received
  bool framed = false;            // under readMutex: a valid frame came in

  // The socket's registration with the I/O thread's epoll set, under
  // writeMutex. While a caller reads, the set does not watch for input, so
  // the answer wakes only that caller.
  bool inEpoll = false;
  uint32_t epollEvents = 0;
  bool callerReading = false;
  // Under writeMutex: the outbox waits for the linger timer, and when the
  // socket was last written to (steady clock, microseconds).
  bool lingering = false;
  int64_t lastWriteUs = 0;

  // What the I/O thread should be told about: input unless a caller reads
  // it, room to write while the outbox holds something that is not
  // lingering. Under writeMutex.
  uint32_t wantedEvents() const {
    const bool writable = !outbox.empty() && !lingering;
    return (callerReading ? 0u : static_cast<uint32_t>(EPOLLIN)) | (writable ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  }
};

struct Pending {
  std::string addr;
  Clock::time_point deadline;
  ResponseCallback callback;  // async; empty for sync waiters
  bool callbackOnReader = false;      // run the callback where the answer is read (kCallbackOnReader)
  int64_t sentMs = 0;                 // steady clock when it was handed to the connection
  std::weak_ptr<Connection> conn;     // the connection it went out on

  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::unique_ptr<RemotingCommand> response;
  std::exception_ptr error;
};

}  // namespace

// State shared by the caller threads, the I/O thread and the callback thread.
// Held through shared_ptr so that a shutdown() issued from the callback
// thread can leave that thread to finish on its own.
struct Core {
  std::mutex mutex;  // guards connections, handlers, hook, stopping, tls
  std::map<std::string, std::shared_ptr<Connection>> connections;
  // Connections established or lost per address: what a peer said about
  // itself on an older connection may no longer hold (it may have been
  // replaced by an upgraded process).
  std::map<std::string, uint64_t> connectionChanges;
  TlsOptions tlsOptions;
  std::shared_ptr<TlsContext> tlsContext;  // made on the first TLS connection
  // The request table has a lock of its own: callers register a request
  // and the I/O thread takes its answer out once per request, and neither
  // should wait for the other's connection or handler look-ups.
  std::mutex pendingMutex;  // guards pending
  std::unordered_map<int32_t, std::shared_ptr<Pending>> pending;
  std::map<int32_t, RequestHandler> handlers;
  RequestHook hook;
  // Lets every request skip the lock while no hook is set (the usual case).
  std::atomic<bool> hookSet{false};
  bool started = false;
  std::atomic<bool> stopping{false};
  int wakeFd = -1;
  int epollFd = -1;  // the I/O thread's; callers change a socket's events in it (see Connection)
  int lingerFd = -1;  // timerfd: lingering outboxes are written when it fires
  std::atomic<bool> lingerArmed{false};
  // Addresses whose last connection attempt, connection or request failed,
  // with the reason, until one of them answers again. The count lets the
  // I/O thread skip the lock on every response while nothing is down.
  std::map<std::string, std::string> down;
  std::atomic<size_t> downCount{0};
  std::atomic<uint64_t> answersReadByCallers{0};

  std::mutex tasksMutex;
  std::condition_variable tasksReady;
  std::deque<std::function<void()>> tasks;
  bool tasksClosed = false;

  ~Core() {
    if (wakeFd >= 0) ::close(wakeFd);
    if (epollFd >= 0) ::close(epollFd);
    if (lingerFd >= 0) ::close(lingerFd);
  }

  // Starts the linger timer unless it runs already.
  void armLinger() {
    if (lingerArmed.exchange(true)) return;
    itimerspec when{};
    when.it_value.tv_nsec = kLingerUs * 1000;
    ::timerfd_settime(lingerFd, 0, &when, nullptr);
  }

  // Tells epoll what `conn` wants now. Called with conn.writeMutex held.
  void updateEvents(Connection& conn) {
    if (!conn.inEpoll || conn.fd < 0) return;
    const uint32_t wanted = conn.wantedEvents();
    if (wanted == conn.epollEvents) return;
    epoll_event event{};
    event.events = wanted;
    event.data.ptr = &conn;
    if (::epoll_ctl(epollFd, EPOLL_CTL_MOD, conn.fd, &event) == 0) conn.epollEvents = wanted;
  }

  void wake() {
    uint64_t one = 1;
    if (wakeFd >= 0) {
      ssize_t ignored = ::write(wakeFd, &one, sizeof(one));
      (void)ignored;
    }
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(tasksMutex);
      if (tasksClosed) return;
      tasks.push_back(std::move(task));
    }
    tasksReady.notify_one();
  }

  void markDown(const std::string& addr, const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex);
    down[addr] = why;
    downCount = down.size();
  }

  void markUp(const std::string& addr) {
    if (downCount == 0) return;
    std::lock_guard<std::mutex> lock(mutex);
    if (down.erase(addr) == 0) return;
    downCount = down.size();
    RMQ_LOG(kInfo, addr << " answers again");
  }

  // Marks a connection for the I/O thread to close, failing its requests with `why`.
  void closeSoon(const std::shared_ptr<Connection>& conn, const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(conn->writeMutex);
      if (conn->closed) return;
      conn->closed = true;
      conn->closeReason = why;
      conn->drained.notify_all();  // senders waiting for room give up now
    }
    wake();
  }

  // Called when `p` timed out: a connection that stayed silent since the
  // request went out is taken for hung and closed.
  void closeIfSilent(const Pending& p, int64_t timeoutMs) {
    auto conn = p.conn.lock();
    if (!conn) return;
    const int64_t now = steadyNowMs();
    if (conn->lastReadMs.load() >= p.sentMs || now - p.sentMs < kSilenceBeforeCloseMs) return;
    const std::string why = "no answer for " + std::to_string(timeoutMs) + " ms and nothing else received since: the peer looks hung";
    markDown(p.addr, why);
    closeSoon(conn, why);
  }

  // An async request's callback; what it throws is logged, not propagated
  // into the thread that happened to complete the request.
  static void runCallback(const ResponseCallback& callback, std::unique_ptr<RemotingCommand> response,
                          std::exception_ptr error) {
    try {
      callback(std::move(response), error);
    } catch (const std::exception& e) {
      RMQ_LOG(kError, "response callback threw: " << e.what());
    } catch (...) {
      RMQ_LOG(kError, "response callback threw an unknown exception");
    }
  }

  // Completes a request exactly once, from whichever thread sees its end.
  void complete(const std::shared_ptr<Pending>& p, std::unique_ptr<RemotingCommand> response,
                std::exception_ptr error) {
    if (p->callback && p->callbackOnReader) {
      auto callback = std::move(p->callback);
      runCallback(callback, std::move(response), error);
      return;
    }
    if (p->callback) {
      auto callback = std::move(p->callback);
      auto shared = std::make_shared<std::unique_ptr<RemotingCommand>>(std::move(response));
      post([callback, shared, error] { runCallback(callback, std::move(*shared), error); });
      return;
    }
    {
      std::lock_guard<std::mutex> lock(p->mutex);
      p->response = std::move(response);
      p->error = error;
      p->finished = true;
    }
    p->done.notify_all();
  }

  void addPending(int32_t opaque, std::shared_ptr<Pending> p) {
    std::lock_guard<std::mutex> lock(pendingMutex);
    pending[opaque] = std::move(p);
  }

  std::shared_ptr<Pending> takePending(int32_t opaque) {
    std::lock_guard<std::mutex> lock(pendingMutex);
    auto found = pending.find(opaque);
    if (found == pending.end()) return nullptr;
    auto p = found->second;
    pending.erase(found);
    return p;
  }

  void failPendingOf(const std::string& addr, ErrorKind kind, const std::string& why) {
    std::vector<std::shared_ptr<Pending>> failed;
    {
      std::lock_guard<std::mutex> lock(pendingMutex);
      for (auto it = pending.begin(); it != pending.end();) {
        if (addr.empty() || it->second->addr == addr) {
          failed.push_back(it->second);
          it = pending.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& p : failed) complete(p, nullptr, std::make_exception_ptr(MQException(kind, why)));
  }

  // Drops the written front frame; wakes senders waiting for room. Called
  // with conn.writeMutex held.
  static void popFront(Connection& conn) {
    conn.outboxBytes -= conn.outbox.front().total();
    conn.outbox.pop_front();
    if (conn.outboxBytes < kOutboxLowWater) conn.drained.notify_all();
  }

  // flush() for a TLS connection: frame parts one by one through the session.
  static bool flushTls(Connection& conn) {
    while (!conn.outbox.empty()) {
      OutFrame& front = conn.outbox.front();
      const bool inHead = front.written < front.head.size();
      const std::string& part = inHead ? front.head : front.body;
      size_t offset = inHead ? front.written : front.written - front.head.size();
      if (offset < part.size()) {
        long n = conn.tls->write(part.data() + offset, part.size() - offset);
        if (n < 0) return false;
        if (n == 0) return true;  // wait for POLLOUT
        front.written += static_cast<size_t>(n);
        conn.writeProgressMs = steadyNowMs();
      }
      if (front.written >= front.total()) popFront(conn);
    }
    return true;
  }

  // Writes what the socket takes now; the rest waits for POLLOUT. Called
  // with conn->writeMutex held. Returns false when the connection broke.
  static bool flush(Connection& conn) {
    if (conn.tls) return flushTls(conn);
    while (!conn.outbox.empty()) {
      iovec parts[32];
      int count = 0;
      size_t skip = conn.outbox.front().written;
      for (auto& frame : conn.outbox) {
        if (count + 2 > 32) break;
        size_t offset = (&frame == &conn.outbox.front()) ? skip : 0;
        if (offset < frame.head.size()) {
          parts[count++] = {const_cast<char*>(frame.head.data()) + offset, frame.head.size() - offset};
          offset = 0;
        } else {
          offset -= frame.head.size();
        }
        if (offset < frame.body.size()) {
          parts[count++] = {const_cast<char*>(frame.body.data()) + offset, frame.body.size() - offset};
        }
      }
      msghdr msg{};
      msg.msg_iov = parts;
      msg.msg_iovlen = static_cast<size_t>(count);
      ssize_t n = ::sendmsg(conn.fd, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        return false;
      }
      size_t sent = static_cast<size_t>(n);
      if (sent > 0) conn.writeProgressMs = steadyNowMs();
      while (sent > 0 && !conn.outbox.empty()) {
        OutFrame& front = conn.outbox.front();
        size_t left = front.total() - front.written;
        if (sent >= left) {
          sent -= left;
          popFront(conn);
        } else {
          front.written += sent;
          sent = 0;
        }
      }
    }
    return true;
  }

  static bool isOpen(Connection& conn) {
    std::lock_guard<std::mutex> lock(conn.writeMutex);
    return conn.fd >= 0 && !conn.closed;
  }

  // The TLS context when TLS is on (closing `fd` if it cannot be made).
  std::shared_ptr<TlsContext> tlsContextIfEnabled(int fd) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!tlsOptions.enabled) return nullptr;
    if (!tlsContext) {
      try {
        tlsContext = makeTlsContext(tlsOptions);
      } catch (...) {
        ::close(fd);
        throw;
      }
    }
    return tlsContext;
  }

  std::shared_ptr<Connection> connection(const std::string& addr, Clock::time_point deadline) {
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (stopping) throw MQException(ErrorKind::kIllegalState, "remoting client is shut down");
      auto& slot = connections[addr];
      if (!slot) slot = std::make_shared<Connection>(addr);
      conn = slot;
    }
    if (isOpen(*conn)) return conn;
    std::unique_lock<std::timed_mutex> connecting(conn->connectMutex, std::defer_lock);
    if (!connecting.try_lock_until(deadline)) {
      throw MQException(ErrorKind::kTimeout, "connect to " + addr + " timed out");
    }
    {
      // Another caller may have connected while we waited for the lock.
      std::shared_ptr<Connection> current;
      {
        std::lock_guard<std::mutex> lock(mutex);
        auto found = connections.find(addr);
        if (found != connections.end()) current = found->second;
      }
      if (current && isOpen(*current)) return current;
    }
    int fd = -1;
    std::unique_ptr<TlsSession> tls;
    try {
      fd = connectWithin(addr, deadline);
      std::shared_ptr<TlsContext> tlsContext = tlsContextIfEnabled(fd);
      if (tlsContext) {
        try {
          tls = TlsSession::connect(tlsContext, fd, addr.substr(0, addr.rfind(':')), deadline);
        } catch (...) {
          ::close(fd);
          throw;
        }
      }
    } catch (const MQException& e) {
      if (e.kind() != ErrorKind::kIllegalState) markDown(addr, e.what());
      throw;
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) {
      ::close(fd);
      throw MQException(ErrorKind::kIllegalState, "remoting client is shut down");
    }
    // A broken connection is replaced by a fresh object so that the I/O
    // thread's clean-up of the old one cannot touch the new socket.
    auto fresh = std::make_shared<Connection>(addr);
    fresh->fd = fd;
    fresh->tls = std::move(tls);
    connections[addr] = fresh;
    ++connectionChanges[addr];
    wake();
    RMQ_LOG(kInfo, "connected to " << addr);
    return fresh;
  }

  // Queues `frame` and writes what the socket takes now. A peer that has
  // taken nothing of what is already queued for `stallLimitMs` is not
  // reading (a stopped process): the connection is closed rather than
  // letting the queue grow, and the call fails with kTimeout.
  //
  // `mayLinger` (oneway and async requests, which nobody waits on): on
  // loopback each write also runs the receiver's TCP input and wakes its
  // thread, which costs more than the rest of a send. A request that follows
  // the connection's last write within kLingerUs is part of a stream: it is
  // queued and the linger timer writes it together with the ones queued
  // behind it. A lone request, and every sync one, is written at once (a
  // sync one takes what lingers with it).
  void send(const std::shared_ptr<Connection>& conn, OutFrame frame, int64_t stallLimitMs,
            bool mayLinger = false) {
    bool broken = false;
    bool stalled = false;
    std::string reason;
    {
      std::unique_lock<std::mutex> lock(conn->writeMutex);
      if (!conn->closed && conn->outboxBytes >= kOutboxHighWater) {
        // Backpressure: wait (no GIL held, the caller is in C) for the peer
        // to read, at most as long as this request may take.
        conn->drained.wait_for(lock, std::chrono::milliseconds(stallLimitMs < 0 ? 0 : stallLimitMs),
                               [&] { return conn->closed || conn->outboxBytes < kOutboxLowWater; });
        if (!conn->closed && conn->outboxBytes >= kOutboxLowWater) {
          stalled = true;
          reason = std::to_string(conn->outboxBytes) + " bytes still unwritten after " +
                   std::to_string(stallLimitMs) + " ms: the peer reads too slowly or not at all";
        }
      }
      if (stalled) {
        // Reported below; the connection stays (it moves, just slowly).
      } else if (conn->closed || conn->fd < 0) {
        broken = true;
        reason = conn->closeReason;
      } else if (!conn->outbox.empty() && steadyNowMs() - conn->writeProgressMs > stallLimitMs) {
        stalled = true;
        reason = "the peer has read nothing for " + std::to_string(steadyNowMs() - conn->writeProgressMs) +
                 " ms: it looks hung";
        conn->closed = true;
        if (conn->closeReason.empty()) conn->closeReason = reason;
      } else {
        bool wasIdle = conn->outbox.empty();
        conn->outboxBytes += frame.total();
        conn->outbox.push_back(std::move(frame));
        const int64_t nowUs = wasIdle || (conn->lingering && !mayLinger) ? steadyNowUs() : 0;
        if (wasIdle && mayLinger && conn->inEpoll && !conn->tls && nowUs - conn->lastWriteUs < kLingerUs) {
          conn->writeProgressMs = nowUs / 1000;
          conn->lingering = true;
          armLinger();
        } else if (conn->lingering && !mayLinger) {
          conn->lingering = false;
          conn->lastWriteUs = nowUs;
          broken = !flush(*conn);
          if (!broken) updateEvents(*conn);
        } else if (wasIdle) {
          conn->writeProgressMs = nowUs / 1000;
          conn->lastWriteUs = nowUs;
          broken = !flush(*conn);
          if (!broken && !conn->outbox.empty()) {
            // The I/O thread writes the rest once the socket has room.
            if (conn->inEpoll) {
              updateEvents(*conn);
            } else {
              wake();
            }
          }
        }
      }
      // Marked closed so nobody else writes to it; the I/O thread closes the
      // socket and fails the requests waiting on it.
      if (broken) {
        conn->closed = true;
        if (conn->closeReason.empty()) conn->closeReason = "write failed";
      }
      if (conn->closed) conn->drained.notify_all();
    }
    if (broken || stalled) wake();
    if (stalled) {
      markDown(conn->addr, reason);
      throw MQException(ErrorKind::kTimeout, "connection to " + conn->addr + ": " + reason);
    }
    if (broken) {
      throw MQException(ErrorKind::kConnectFailed,
                        "connection to " + conn->addr + " is closed" + (reason.empty() ? "" : ": " + reason));
    }
  }
};

struct RemotingClient::Impl {
  std::shared_ptr<Core> core = std::make_shared<Core>();
  std::thread ioThread;
  std::thread callbackThread;
  std::mutex lifecycle;
};

namespace {

// Appends what the socket has to the inbox; returns why the connection
// broke, or "" when it is still fine.
std::string readPlain(int fd, Connection& conn, std::vector<char>& chunk) {
  while (true) {
    ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      conn.lastReadMs = steadyNowMs();
      conn.inbox.append(chunk.data(), static_cast<size_t>(n));
      if (static_cast<size_t>(n) < chunk.size()) return "";
      continue;
    }
    if (n == 0) return kClosedByPeer;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return std::strerror(errno);
    return "";
  }
}

// readPlain for TLS: drains the session completely, since bytes it has
// already decrypted raise no POLLIN.
std::string readTls(Connection& conn, std::vector<char>& chunk) {
  std::lock_guard<std::mutex> lock(conn.writeMutex);
  while (!conn.closed) {
    long n = conn.tls->read(chunk.data(), chunk.size());
    if (n > 0) {
      conn.lastReadMs = steadyNowMs();
      conn.inbox.append(chunk.data(), static_cast<size_t>(n));
      continue;
    }
    return n < 0 ? conn.tls->error() : "";
  }
  return "";
}

// Why a plain connection broke, with a hint when the server seems to want
// TLS: it dropped the connection before sending one valid frame, or what it
// sent starts like a TLS record (alert or handshake, version 3.x).
std::string explainPlainBreak(const Connection& conn, const std::string& why) {
  if (conn.framed) return why;
  const std::string& in = conn.inbox;
  const bool tlsRecord = in.size() >= 2 && (in[0] == '\x15' || in[0] == '\x16') && in[1] == '\x03';
  const bool dropped = why == kClosedByPeer || why == std::strerror(ECONNRESET);
  if (!tlsRecord && !dropped) return why;
  // (closeConnection puts the address in front.)
  return (tlsRecord ? std::string("the server answered with a TLS record") : why + " before any response") +
         "; the server may require TLS (enable it with set_tls)";
}

// The connections in the epoll set, by the pointer their events carry. Only
// the I/O thread adds and removes entries, so an event never names a
// connection that was freed meanwhile.
using Registry = std::unordered_map<Connection*, std::shared_ptr<Connection>>;

// Closes the socket of `conn` for good (I/O thread only).
void closeSocket(Core& core, Connection& conn) {
  int fd = -1;
  {
    std::lock_guard<std::mutex> lock(conn.writeMutex);
    fd = conn.fd;
    conn.closed = true;
    conn.outbox.clear();
    conn.outboxBytes = 0;
    conn.drained.notify_all();
    if (conn.inEpoll && fd >= 0) ::epoll_ctl(core.epollFd, EPOLL_CTL_DEL, fd, nullptr);
    conn.inEpoll = false;
  }
  if (fd < 0) return;
  // A sync caller may be waiting for input on it (see CallerRead): shutting
  // the socket down wakes it, and it lets go of the socket before the
  // descriptor is closed and its number can be reused.
  ::shutdown(fd, SHUT_RDWR);
  { std::lock_guard<std::mutex> reading(conn.readMutex); }
  std::lock_guard<std::mutex> lock(conn.writeMutex);
  ::close(fd);
  conn.fd = -1;
}

void closeConnection(Core& core, Registry& registry, const std::shared_ptr<Connection>& conn,
                     const std::string& why) {
  closeSocket(core, *conn);
  registry.erase(conn.get());
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    auto found = core.connections.find(conn->addr);
    if (found != core.connections.end() && found->second == conn) {
      core.connections.erase(found);
      ++core.connectionChanges[conn->addr];
    }
  }
  RMQ_LOG(kInfo, "connection to " << conn->addr << " closed: " << why);
  if (!core.stopping) core.markDown(conn->addr, why);
  core.failPendingOf(conn->addr, ErrorKind::kConnectFailed, "connection to " + conn->addr + " closed: " + why);
}

void dispatchRequest(const std::shared_ptr<Core>& core, const std::string& addr, RemotingCommand request) {
  RequestHandler handler;
  {
    std::lock_guard<std::mutex> lock(core->mutex);
    auto found = core->handlers.find(request.code);
    if (found != core->handlers.end()) handler = found->second;
  }
  auto shared = std::make_shared<RemotingCommand>(std::move(request));
  core->post([core, addr, handler, shared] {
    std::unique_ptr<RemotingCommand> response;
    if (!handler) {
      response.reset(new RemotingCommand(RemotingCommand::makeResponse(
          *shared, response_code::kRequestCodeNotSupported,
          "request code " + std::to_string(shared->code) + " not supported")));
    } else {
      try {
        response = handler(addr, *shared);
      } catch (const std::exception& e) {
        RMQ_LOG(kError, "handler for request code " << shared->code << " failed: " << e.what());
        response.reset(
            new RemotingCommand(RemotingCommand::makeResponse(*shared, response_code::kSystemError, e.what())));
      }
    }
    if (!response || shared->isOneway()) return;
    response->opaque = shared->opaque;
    response->flag |= kFlagResponse;
    std::shared_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(core->mutex);
      auto found = core->connections.find(addr);
      if (found != core->connections.end()) conn = found->second;
    }
    if (!conn) return;
    std::string body = std::move(response->body);
    try {
      core->send(conn, makeFrame(*response, std::move(body)), kSilenceBeforeCloseMs * 30);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "could not answer " << addr << ": " << e.what());
    }
  });
}

// Splits the inbox into frames; false when the peer sent garbage.
bool consumeFrames(const std::shared_ptr<Core>& core, Connection& conn) {
  size_t offset = 0;
  std::string& in = conn.inbox;
  while (true) {
    uint32_t length = 0;
    FrameScan scan = scanFrame(in.data() + offset, in.size() - offset, length);
    if (scan == FrameScan::kInvalid) return false;
    if (scan == FrameScan::kIncomplete) break;
    RemotingCommand cmd;
    try {
      cmd = RemotingCommand::decode(in.data() + offset + 4, length);
    } catch (const std::exception& e) {
      // Not only MQException: a frame that cannot be held (bad_alloc) must
      // cost the connection, not the I/O thread and with it the process.
      RMQ_LOG(kWarn, "bad frame from " << conn.addr << ": " << e.what());
      return false;
    }
    offset += 4 + length;
    conn.framed = true;
    if (cmd.isResponse()) {
      core->markUp(conn.addr);
      auto pending = core->takePending(cmd.opaque);
      if (pending) {
        core->complete(pending, std::unique_ptr<RemotingCommand>(new RemotingCommand(std::move(cmd))), nullptr);
      } else {
        RMQ_LOG(kDebug, "response for unknown opaque " << cmd.opaque << " from " << conn.addr);
      }
    } else {
      dispatchRequest(core, conn.addr, std::move(cmd));
    }
  }
  in.erase(0, offset);
  return true;
}

void expireDeadlines(Core& core) {
  auto now = Clock::now();
  std::vector<std::shared_ptr<Pending>> expired;
  {
    std::lock_guard<std::mutex> lock(core.pendingMutex);
    for (auto it = core.pending.begin(); it != core.pending.end();) {
      // Sync waiters time out by themselves; only async ones need the loop.
      if (it->second->callback && it->second->deadline <= now) {
        expired.push_back(it->second);
        it = core.pending.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& p : expired) {
    const int64_t waitedMs = steadyNowMs() - p->sentMs;
    core.closeIfSilent(*p, waitedMs);
    core.complete(p, nullptr,
                  std::make_exception_ptr(MQException(ErrorKind::kTimeout, "request to " + p->addr + " timed out after " +
                                                                               std::to_string(waitedMs) + " ms")));
  }
}

// Brings the epoll set up to date: connections made since the last round
// join it; closed ones (also those a caller replaced with a fresh one) are
// returned to be closed.
std::vector<std::shared_ptr<Connection>> syncRegistry(Core& core, Registry& registry) {
  std::vector<std::shared_ptr<Connection>> doomed;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    for (auto& entry : core.connections) {
      auto& conn = entry.second;
      if (registry.count(conn.get())) continue;
      std::lock_guard<std::mutex> wlock(conn->writeMutex);
      if (conn->fd < 0) continue;
      if (conn->closed) {
        doomed.push_back(conn);
        continue;
      }
      epoll_event event{};
      event.events = conn->wantedEvents();
      event.data.ptr = conn.get();
      if (::epoll_ctl(core.epollFd, EPOLL_CTL_ADD, conn->fd, &event) != 0) {
        RMQ_LOG(kError, "epoll_ctl(ADD) for " << conn->addr << " failed: " << std::strerror(errno));
        conn->closed = true;
        if (conn->closeReason.empty()) conn->closeReason = "cannot watch the socket";
        doomed.push_back(conn);
        continue;
      }
      conn->inEpoll = true;
      conn->epollEvents = event.events;
      registry[conn.get()] = conn;
    }
  }
  for (auto& entry : registry) {
    std::lock_guard<std::mutex> wlock(entry.second->writeMutex);
    if (entry.second->closed) doomed.push_back(entry.second);
  }
  return doomed;
}

// Writes every outbox that waited for the linger timer; what the socket
// does not take now goes out on EPOLLOUT as usual.
void writeLingering(Core& core, Registry& registry) {
  const int64_t nowUs = steadyNowUs();
  for (auto& entry : registry) {
    Connection& conn = *entry.second;
    std::lock_guard<std::mutex> lock(conn.writeMutex);
    if (!conn.lingering) continue;
    conn.lingering = false;
    conn.lastWriteUs = nowUs;
    if (!conn.closed && !Core::flush(conn)) {
      conn.closed = true;
      if (conn.closeReason.empty()) conn.closeReason = "write failed";
    }
    core.updateEvents(conn);
  }
}

void ioLoop(std::shared_ptr<Core> core) {
  std::vector<epoll_event> ready(64);
  Registry registry;
  std::vector<char> chunk(kReadChunk);
  auto lastScan = Clock::now();
  while (!core->stopping) {
    bool anyPending = false;
    {
      std::lock_guard<std::mutex> lock(core->pendingMutex);
      anyPending = !core->pending.empty();
    }
    for (auto& conn : syncRegistry(*core, registry)) {
      std::string why;
      {
        std::lock_guard<std::mutex> lock(conn->writeMutex);
        why = conn->closeReason.empty() ? "write failed" : conn->closeReason;
      }
      closeConnection(*core, registry, conn, why);
    }
    int timeout = anyPending ? kDeadlineScanMs : 1000;
    int count = ::epoll_wait(core->epollFd, ready.data(), static_cast<int>(ready.size()), timeout);
    if (count < 0) {
      if (errno != EINTR) RMQ_LOG(kError, "epoll_wait failed: " << std::strerror(errno));
      count = 0;
    }
    for (int i = 0; i < count; ++i) {
      const uint32_t events = ready[i].events;
      if (ready[i].data.ptr == nullptr) {  // the wake-up eventfd
        uint64_t drained;
        ssize_t ignored = ::read(core->wakeFd, &drained, sizeof(drained));
        (void)ignored;
        continue;
      }
      if (ready[i].data.ptr == &core->lingerFd) {
        uint64_t expirations;
        ssize_t ignored = ::read(core->lingerFd, &expirations, sizeof(expirations));
        (void)ignored;
        core->lingerArmed = false;
        writeLingering(*core, registry);
        continue;
      }
      auto found = registry.find(static_cast<Connection*>(ready[i].data.ptr));
      if (found == registry.end()) continue;
      std::shared_ptr<Connection> conn = found->second;
      std::string broken;
      if (events & EPOLLOUT) {
        std::lock_guard<std::mutex> lock(conn->writeMutex);
        if (!conn->closed && !Core::flush(*conn)) broken = "write failed";
        core->updateEvents(*conn);  // stop watching for room once the outbox is empty
      }
      if (broken.empty() && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        // Busy means a sync caller reads this socket itself (its input is
        // not watched meanwhile); a hang-up is reported anyway, and that
        // caller sees it too.
        std::unique_lock<std::mutex> reading(conn->readMutex, std::try_to_lock);
        if (reading.owns_lock()) {
          broken = conn->tls ? readTls(*conn, chunk) : readPlain(conn->fd, *conn, chunk);
          if (!consumeFrames(core, *conn) && broken.empty()) broken = "protocol error";
          if (!broken.empty() && !conn->tls) broken = explainPlainBreak(*conn, broken);
        }
      }
      if (!broken.empty()) closeConnection(*core, registry, conn, broken);
    }
    auto now = Clock::now();
    if (now - lastScan >= std::chrono::milliseconds(kDeadlineScanMs)) {
      lastScan = now;
      expireDeadlines(*core);
    }
  }
  // Shutting down: close every socket and fail whatever is still pending.
  std::vector<std::shared_ptr<Connection>> all;
  {
    std::lock_guard<std::mutex> lock(core->mutex);
    for (auto& entry : core->connections) all.push_back(entry.second);
    core->connections.clear();
  }
  for (auto& entry : registry) all.push_back(entry.second);
  // Oneway requests sent just before shutdown (a consumer's last offsets) may still linger.
  writeLingering(*core, registry);
  for (auto& conn : all) closeSocket(*core, *conn);
  registry.clear();
  core->failPendingOf("", ErrorKind::kIllegalState, "remoting client is shut down");
}

void runTask(std::function<void()>& task) {
  try {
    task();
  } catch (const std::exception& e) {
    RMQ_LOG(kError, "callback task failed: " << e.what());
  } catch (...) {
    RMQ_LOG(kError, "callback task failed with an unknown exception");
  }
}

void callbackLoop(std::shared_ptr<Core> core) {
  // Everything queued is taken in one go: under load the I/O thread posts a
  // response while the previous one runs, and taking them one lock round at
  // a time would have both threads contend for the queue once per response.
  std::deque<std::function<void()>> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(core->tasksMutex);
      core->tasksReady.wait(lock, [&] { return !core->tasks.empty() || core->tasksClosed; });
      if (core->tasks.empty()) return;  // closed and drained
      batch.swap(core->tasks);
    }
    for (auto& task : batch) runTask(task);
    batch.clear();
  }
}

}  // namespace

RemotingClient::RemotingClient() : impl_(new Impl) {}

RemotingClient::~RemotingClient() { shutdown(); }

void RemotingClient::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  auto& core = impl_->core;
  if (core->started) return;
  core->wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (core->wakeFd < 0) throw MQException(ErrorKind::kInternal, std::string("eventfd: ") + std::strerror(errno));
  core->epollFd = ::epoll_create1(EPOLL_CLOEXEC);
  if (core->epollFd < 0) throw MQException(ErrorKind::kInternal, std::string("epoll_create1: ") + std::strerror(errno));
  core->lingerFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (core->lingerFd < 0) throw MQException(ErrorKind::kInternal, std::string("timerfd_create: ") + std::strerror(errno));
  epoll_event wakeEvent{};
  wakeEvent.events = EPOLLIN;
  wakeEvent.data.ptr = nullptr;
  epoll_event lingerEvent{};
  lingerEvent.events = EPOLLIN;
  lingerEvent.data.ptr = &core->lingerFd;
  if (::epoll_ctl(core->epollFd, EPOLL_CTL_ADD, core->wakeFd, &wakeEvent) != 0 ||
      ::epoll_ctl(core->epollFd, EPOLL_CTL_ADD, core->lingerFd, &lingerEvent) != 0) {
    throw MQException(ErrorKind::kInternal, std::string("epoll_ctl: ") + std::strerror(errno));
  }
  core->started = true;
  impl_->ioThread = std::thread(ioLoop, core);
  nameThread(impl_->ioThread, "rmq-io");
  impl_->callbackThread = std::thread(callbackLoop, core);
  nameThread(impl_->callbackThread, "rmq-callbacks");
}

void RemotingClient::shutdown() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  auto& core = impl_->core;
  if (core->stopping.exchange(true)) return;
  core->wake();
  if (impl_->ioThread.joinable()) impl_->ioThread.join();
  {
    std::lock_guard<std::mutex> tasksLock(core->tasksMutex);
    core->tasksClosed = true;  // queued callbacks (including the failures above) still run
  }
  core->tasksReady.notify_all();
  if (impl_->callbackThread.joinable()) {
    if (impl_->callbackThread.get_id() == std::this_thread::get_id()) {
      impl_->callbackThread.detach();  // it holds its own reference to the core
    } else {
      impl_->callbackThread.join();
    }
  }
}

void RemotingClient::setTls(const TlsOptions& options) {
  std::lock_guard<std::mutex> lock(impl_->core->mutex);
  impl_->core->tlsOptions = options;
  impl_->core->tlsContext.reset();
}

void RemotingClient::setRequestHandler(int32_t code, RequestHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->core->mutex);
  impl_->core->handlers[code] = std::move(handler);
}

void RemotingClient::setRequestHook(RequestHook hook) {
  std::lock_guard<std::mutex> lock(impl_->core->mutex);
  impl_->core->hookSet = static_cast<bool>(hook);
  impl_->core->hook = std::move(hook);
}

namespace {

void applyHook(Core& core, const std::string& addr, RemotingCommand& request) {
  if (!core.hookSet) return;
  RequestHook hook;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    hook = core.hook;
  }
  if (!hook) return;
  request.expandEncodedFields();  // the hook reads (and signs) every field
  hook(addr, request);
}

void requireStarted(Core& core) {
  if (!core.started || core.stopping) {
    throw MQException(ErrorKind::kIllegalState, "remoting client is not running");
  }
}

// A sync caller reading the answer from the socket itself, while nobody
// else reads it. Handing the answer over from the I/O thread costs two
// thread switches per request (the I/O thread wakes up, then wakes the
// caller); reading it here costs one. Meanwhile the socket's input is not
// watched by the I/O thread, and whatever else arrives on it (answers to
// other requests, requests from the broker) is dispatched here exactly as
// the I/O thread would. TLS connections are always read by the I/O thread.
class CallerRead {
 public:
  CallerRead(Core& core, Connection& conn) : core_(core), conn_(conn), reading_(conn.readMutex, std::try_to_lock) {
    if (!reading_.owns_lock()) return;  // the I/O thread or another caller reads it now
    std::lock_guard<std::mutex> lock(conn.writeMutex);
    if (!conn.tls && !conn.closed && conn.fd >= 0 && conn.inEpoll) {
      conn.callerReading = true;
      core.updateEvents(conn);
      if ((conn.epollEvents & EPOLLIN) == 0) {
        fd_ = conn.fd;
        return;
      }
      conn.callerReading = false;  // epoll kept watching: leave the reading to the I/O thread
    }
    reading_.unlock();
  }
  ~CallerRead() { release(); }
  CallerRead(const CallerRead&) = delete;
  CallerRead& operator=(const CallerRead&) = delete;

  bool active() const { return fd_ >= 0; }

  // Reads until `pending` is answered, `deadline` passes or the connection
  // breaks (then marked for the I/O thread to close, which fails `pending`).
  void readUntilAnswered(const std::shared_ptr<Core>& core, const std::shared_ptr<Connection>& conn,
                         Pending& pending, Clock::time_point deadline) {
    thread_local std::vector<char> chunk(kReadChunk);
    while (true) {
      {
        std::lock_guard<std::mutex> lock(pending.mutex);
        if (pending.finished) return;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return;
      pollfd wanted{fd_, POLLIN, 0};
      const int ready = ::poll(&wanted, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
      if (ready < 0 && errno != EINTR) return;
      if (ready <= 0) continue;
      std::string broken = readPlain(fd_, conn_, chunk);
      if (!consumeFrames(core, conn_) && broken.empty()) broken = "protocol error";
      if (!broken.empty()) {
        core->closeSoon(conn, explainPlainBreak(conn_, broken));
        return;
      }
    }
  }

  // Gives the socket's input back to the I/O thread.
  void release() {
    if (!reading_.owns_lock()) return;
    {
      std::lock_guard<std::mutex> lock(conn_.writeMutex);
      conn_.callerReading = false;
      core_.updateEvents(conn_);
    }
    fd_ = -1;
    reading_.unlock();
  }

 private:
  Core& core_;
  Connection& conn_;
  std::unique_lock<std::mutex> reading_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<RemotingCommand> RemotingClient::invokeSync(const std::string& addr, RemotingCommand& request,
                                                            int64_t timeoutMs) {
  Core& core = *impl_->core;
  requireStarted(core);
  auto deadline = deadlineAfter(timeoutMs);
  applyHook(core, addr, request);
  auto conn = core.connection(addr, deadline);

  auto pending = std::make_shared<Pending>();
  pending->addr = addr;
  pending->deadline = deadline;
  pending->sentMs = steadyNowMs();
  pending->conn = conn;
  core.addPending(request.opaque, pending);
  // Taken before the request goes out, so that the answer cannot wake the I/O thread.
  CallerRead reader(core, *conn);
  try {
    core.send(conn, makeFrame(request, std::move(request.body)), timeoutMs);
  } catch (...) {
    core.takePending(request.opaque);
    throw;
  }
  if (reader.active()) {
    reader.readUntilAnswered(impl_->core, conn, *pending, deadline);
    std::lock_guard<std::mutex> lock(pending->mutex);
    if (pending->finished && pending->response) ++core.answersReadByCallers;
  }
  reader.release();
  bool answered = false;
  {
    std::unique_lock<std::mutex> lock(pending->mutex);
    answered = pending->done.wait_until(lock, deadline, [&] { return pending->finished; });
  }
  // An answered request was already taken out of the table by the I/O
  // thread: only a timed-out one needs the table lock to settle the race
  // with an answer arriving just now.
  if (!answered) {
    if (core.takePending(request.opaque)) {
      core.closeIfSilent(*pending, timeoutMs);
      throw MQException(ErrorKind::kTimeout,
                        "request " + std::to_string(request.code) + " to " + addr + " timed out after " +
                            std::to_string(timeoutMs) + " ms");
    }
    // Completed (or failed) by the I/O thread just now; wait for the hand-over.
    std::unique_lock<std::mutex> lock(pending->mutex);
    pending->done.wait(lock, [&] { return pending->finished; });
  }
  if (pending->error) std::rethrow_exception(pending->error);
  return std::move(pending->response);
}

void RemotingClient::invokeAsync(const std::string& addr, RemotingCommand& request, int64_t timeoutMs,
                                 ResponseCallback callback, unsigned flags) {
  auto core = impl_->core;
  // The callback moves into its request once, rather than being copied.
  auto pending = std::make_shared<Pending>();
  pending->callback = std::move(callback);
  pending->callbackOnReader = (flags & kCallbackOnReader) != 0;
  bool registered = false;
  try {
    requireStarted(*core);
    auto deadline = deadlineAfter(timeoutMs);
    applyHook(*core, addr, request);
    auto conn = core->connection(addr, deadline);
    pending->addr = addr;
    pending->deadline = deadline;
    pending->sentMs = steadyNowMs();
    pending->conn = conn;
    core->addPending(request.opaque, pending);
    registered = true;
    core->send(conn, makeFrame(request, std::move(request.body)), timeoutMs, (flags & kWriteAtOnce) == 0);
  } catch (...) {
    // Errors before the request was registered still reach the callback,
    // on the callback thread (this one with kCallbackOnReader), so callers
    // see one completion path. A registered one fails here only if nobody
    // else (the I/O thread, on a close) took it out of the table first.
    std::shared_ptr<Pending> mine = registered ? core->takePending(request.opaque) : pending;
    if (mine) core->complete(mine, nullptr, std::current_exception());
  }
}

void RemotingClient::invokeOneway(const std::string& addr, RemotingCommand& request, int64_t timeoutMs) {
  Core& core = *impl_->core;
  requireStarted(core);
  request.markOneway();
  applyHook(core, addr, request);
  auto conn = core.connection(addr, deadlineAfter(timeoutMs));
  core.send(conn, makeFrame(request, std::move(request.body)), timeoutMs, true);
}

void RemotingClient::sendResponse(const std::string& addr, const RemotingCommand& response) {
  Core& core = *impl_->core;
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    auto found = core.connections.find(addr);
    if (found != core.connections.end()) conn = found->second;
  }
  if (!conn) throw MQException(ErrorKind::kConnectFailed, "no connection to " + addr);
  core.send(conn, makeFrame(response, response.body), kSilenceBeforeCloseMs * 30);
}

void RemotingClient::post(std::function<void()> task) { impl_->core->post(std::move(task)); }

void RemotingClient::closeConnection(const std::string& addr, const std::string& why) {
  Core& core = *impl_->core;
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard<std::mutex> lock(core.mutex);
    auto found = core.connections.find(addr);
    if (found == core.connections.end()) return;
    conn = found->second;
  }
  core.closeSoon(conn, why);  // the I/O thread closes the socket
}

uint64_t RemotingClient::connectionGeneration(const std::string& addr) const {
  Core& core = *impl_->core;
  std::lock_guard<std::mutex> lock(core.mutex);
  auto found = core.connectionChanges.find(addr);
  return found == core.connectionChanges.end() ? 0 : found->second;
}

std::string RemotingClient::downReason(const std::string& addr) const {
  Core& core = *impl_->core;
  if (core.downCount == 0) return std::string();
  std::lock_guard<std::mutex> lock(core.mutex);
  auto found = core.down.find(addr);
  return found == core.down.end() ? std::string() : found->second;
}

void RemotingClient::forgetFailures(const std::string& addr) {
  Core& core = *impl_->core;
  std::lock_guard<std::mutex> lock(core.mutex);
  core.down.erase(addr);
  core.downCount = core.down.size();
}

uint64_t RemotingClient::answersReadByCallers() const { return impl_->core->answersReadByCallers.load(); }

}  // namespace rmq
