// TLS for broker and name server connections, on the system's OpenSSL
// loaded at run time (libssl.so.3, else libssl.so.1.1) the first time a TLS
// connection is made: the library does not link OpenSSL, so a process that
// never turns TLS on never needs it, and the wheel carries no OpenSSL.
//
// Like the Java client (TlsHelper), a client without a CA file encrypts but
// does not authenticate the server; with one, the server's certificate chain
// must verify against it and, unless verifyHostname is off, name the host the
// client connected to (a DNS name, or an IPv4/IPv6 literal matched against
// the certificate's IP addresses). The Java client does no such name check.
// SNI carries DNS names only, never IP literals (RFC 6066).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace rmq {

struct TlsOptions {
  bool enabled = false;
  std::string caFile;  // PEM bundle; empty: no server authentication
  bool verifyHostname = true;  // with a CA file: the certificate must name the host
};

// True for an IPv4 or IPv6 literal (IPv6 with or without brackets).
bool isIpLiteral(const std::string& host);

class TlsContext;

// One TLS connection over a connected non-blocking socket.
class TlsSession {
 public:
  // Handshakes within the deadline with `host` (name or IP literal, IPv6
  // possibly in brackets); throws MQException(kConnectFailed / kTimeout)
  // with OpenSSL's reason, naming the host on a certificate name mismatch
  // and saying so when the server answered with something other than TLS.
  static std::unique_ptr<TlsSession> connect(const std::shared_ptr<TlsContext>& context, int fd,
                                             const std::string& host,
                                             std::chrono::steady_clock::time_point deadline);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // > 0 bytes moved; 0 would block; -1 closed by the peer or failed (see error()).
  long read(char* data, size_t size);
  long write(const char* data, size_t size);
  const std::string& error() const { return error_; }

 private:
  TlsSession(std::shared_ptr<TlsContext> context, void* ssl);
  long settle(int result, const char* operation);

  std::shared_ptr<TlsContext> context_;
  void* ssl_;
  std::string error_;
};

// An SSL_CTX configured from TlsOptions; throws MQException(kIllegalState)
// when no OpenSSL can be loaded or the CA file is unusable.
std::shared_ptr<TlsContext> makeTlsContext(const TlsOptions& options);

}  // namespace rmq
