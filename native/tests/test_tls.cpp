// The connection layer's TLS diagnostics against scripted loopback servers:
// a plain client meeting a server that wants TLS, a TLS client meeting a
// server that does not speak it, and which hosts count as IP literals (those
// get no SNI and are matched against a certificate's IP addresses).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>

#include "common/errors.h"
#include "remoting/remoting_client.h"
#include "remoting/remoting_command.h"
#include "remoting/tls.h"
#include "checks.h"
#include "fake_server.h"

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Waits until the client hangs up (or 5 s pass).
void awaitHangUp(int fd) {
  char sink[4096];
  while (::recv(fd, sink, sizeof(sink), 0) > 0) {
  }
}

// Accepts one connection on 127.0.0.1 and hands it to `script` on a thread.
class OneShotServer {
 public:
  explicit OneShotServer(std::function<void(int fd)> script) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length);
    ::listen(listener_, 4);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    addr_ = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    thread_ = std::thread([this, script] {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      timeval limit{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
      script(fd);
      ::close(fd);
    });
  }
  ~OneShotServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  const std::string& addr() const { return addr_; }

 private:
  int listener_ = -1;
  std::string addr_;
  std::thread thread_;
};

// The error of one request to `addr`, or "" when it was answered.
std::string requestError(rmq::RemotingClient& client, const std::string& addr) {
  rmq::RemotingCommand request = rmq::RemotingCommand::makeRequest(105);
  try {
    client.invokeSync(addr, request, 3000);
  } catch (const rmq::MQException& e) {
    return e.what();
  }
  return "";
}

void testIpLiterals() {
  check(rmq::isIpLiteral("127.0.0.1"), "IPv4 literal");
  check(rmq::isIpLiteral("::1") && rmq::isIpLiteral("[::1]"), "IPv6 literal, bare and in brackets");
  check(rmq::isIpLiteral("fe80::1%eth0"), "IPv6 literal with a scope");
  check(!rmq::isIpLiteral("localhost") && !rmq::isIpLiteral("broker-1.example.com"), "DNS names");
  check(!rmq::isIpLiteral("") && !rmq::isIpLiteral("[]") && !rmq::isIpLiteral("1.2.3.4.example"),
        "empty and almost-IP names");
}

void testPlainClientAgainstTlsServers() {
  rmq::RemotingClient client;
  client.start();
  {
    // A TLS-only server drops a connection whose first bytes are no TLS record.
    OneShotServer server([](int fd) {
      char hello[64];
      ::recv(fd, hello, sizeof(hello), 0);
    });
    std::string error = requestError(client, server.addr());
    check(contains(error, "connection to " + server.addr() + " closed") &&
              contains(error, "before any response; the server may require TLS (enable it with set_tls)"),
          "a server dropping a plain client before any frame: " + error);
  }
  {
    // ... or answers it with a TLS alert (content type 21, version 3.3).
    OneShotServer server([](int fd) {
      rmq::RemotingCommand request;
      fake::readFrame(fd, request);
      fake::writeAll(fd, std::string("\x15\x03\x03\x00\x02\x02\x46", 7));
      awaitHangUp(fd);
    });
    std::string error = requestError(client, server.addr());
    check(contains(error, server.addr()) &&
              contains(error, "the server answered with a TLS record; the server may require TLS"),
          "a server answering a plain client with a TLS alert: " + error);
  }
  {
    // Once a valid frame came in, a close is just a close.
    OneShotServer server([](int fd) {
      rmq::RemotingCommand request;
      if (!fake::readFrame(fd, request)) return;
      fake::writeAll(fd, rmq::RemotingCommand::makeResponse(request, 0, "").encode());
      fake::readFrame(fd, request);
    });
    check(requestError(client, server.addr()).empty(), "a plain server answers");
    std::string error = requestError(client, server.addr());
    check(contains(error, "closed by peer") && !contains(error, "TLS"),
          "a close after a valid frame has no TLS hint: " + error);
  }
  client.shutdown();
}

void testTlsClientAgainstPlainServers() {
  rmq::TlsOptions options;
  options.enabled = true;
  try {
    rmq::makeTlsContext(options);
  } catch (const rmq::MQException& e) {
    std::printf("TLS client checks skipped: %s\n", e.what());
    return;
  }
  rmq::RemotingClient client;
  client.setTls(options);
  client.start();
  {
    // A plain RocketMQ server reads the ClientHello as an oversized frame and hangs up.
    OneShotServer server([](int fd) {
      char hello[4096];
      ::recv(fd, hello, sizeof(hello), 0);
    });
    std::string error = requestError(client, server.addr());
    check(contains(error, "TLS handshake with 127.0.0.1 failed") &&
              contains(error, "the server closed the connection without a TLS answer (the server does not speak TLS?)"),
          "a plain server hanging up on a TLS client: " + error);
  }
  {
    OneShotServer server([](int fd) {
      char hello[4096];
      ::recv(fd, hello, sizeof(hello), 0);
      fake::writeAll(fd, "HTTP/1.1 400 Bad Request\r\n\r\n");
      awaitHangUp(fd);
    });
    std::string error = requestError(client, server.addr());
    check(contains(error, "TLS handshake with 127.0.0.1 failed") &&
              contains(error, "the server answered with bytes that are not TLS (the server does not speak TLS?)"),
          "a plain server answering a TLS client in clear text: " + error);
  }
  client.shutdown();
}

}  // namespace

int main() {
  testIpLiterals();
  testPlainClientAgainstTlsServers();
  testTlsClientAgainstPlainServers();
  std::printf("tls: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
