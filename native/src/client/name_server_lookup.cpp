#include "client/name_server_lookup.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/errors.h"

namespace rmq {

namespace {

using Clock = std::chrono::steady_clock;

struct Url {
  std::string host;
  std::string port = "80";
  std::string path = "/";
};

Url parseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    throw MQException(ErrorKind::kIllegalArgument, "name server lookup URL must start with http://: " + url);
  }
  Url parsed;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) parsed.path = rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    parsed.host = authority.substr(0, colon);
    parsed.port = authority.substr(colon + 1);
  } else {
    parsed.host = authority;
  }
  if (parsed.host.empty()) throw MQException(ErrorKind::kIllegalArgument, "no host in " + url);
  return parsed;
}

int millisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on `fd`; false on timeout.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int left = millisLeft(deadline);
    if (left == 0) return false;
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, left);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return std::string();
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

std::string nameServerLookupUrl(const std::string& domain) {
  std::string value = trim(domain);
  if (value.compare(0, 7, "http://") == 0) return value;
  if (value.find(':') != std::string::npos) return "http://" + value + "/rocketmq/nsaddr";
  return "http://" + value + ":8080/rocketmq/nsaddr";
}

std::string fetchNameServerAddresses(const std::string& url, int64_t timeoutMs) {
  Url target = parseUrl(url);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found) != 0 || found == nullptr) {
    throw MQException(ErrorKind::kConnectFailed, "cannot resolve " + target.host);
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd < 0 ? -1 : ::connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (fd < 0) throw MQException(ErrorKind::kConnectFailed, std::string("socket(): ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (rc != 0 && errno != EINPROGRESS) {
    throw MQException(ErrorKind::kConnectFailed, "connect to " + url + " failed: " + std::strerror(errno));
  }
  if (!waitFor(fd, POLLOUT, deadline)) throw MQException(ErrorKind::kTimeout, "connect to " + url + " timed out");
  int error = 0;
  socklen_t errorLen = sizeof(error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &errorLen);
  if (error != 0) {
    throw MQException(ErrorKind::kConnectFailed, "connect to " + url + " failed: " + std::strerror(error));
  }

  std::string request = "GET " + target.path + " HTTP/1.0\r\nHost: " + target.host + "\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!waitFor(fd, POLLOUT, deadline)) throw MQException(ErrorKind::kTimeout, "request to " + url + " timed out");
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      throw MQException(ErrorKind::kConnectFailed, "sending to " + url + " failed: " + std::strerror(errno));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }

  // HTTP/1.0 with Connection: close: the response ends when the peer closes.
  constexpr size_t kMaxResponse = 64 * 1024;
  std::string response;
  char chunk[4096];
  while (true) {
    if (!waitFor(fd, POLLIN, deadline)) throw MQException(ErrorKind::kTimeout, "response from " + url + " timed out");
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      throw MQException(ErrorKind::kConnectFailed, "reading from " + url + " failed: " + std::strerror(errno));
    }
    response.append(chunk, static_cast<size_t>(n));
    if (response.size() > kMaxResponse) throw MQException(ErrorKind::kProtocol, "response from " + url + " too large");
  }

  size_t statusEnd = response.find("\r\n");
  std::string statusLine = response.substr(0, statusEnd);
  size_t space = statusLine.find(' ');
  if (space == std::string::npos || statusLine.compare(space + 1, 3, "200") != 0) {
    throw MQException(ErrorKind::kProtocol, "name server lookup " + url + " answered: " + statusLine);
  }
  size_t bodyStart = response.find("\r\n\r\n");
  std::string body = bodyStart == std::string::npos ? std::string() : trim(response.substr(bodyStart + 4));
  if (body.empty()) throw MQException(ErrorKind::kProtocol, "name server lookup " + url + " returned no address");
  return body;
}

}  // namespace rmq
