#include "remoting/tls.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <mutex>

#include "common/errors.h"

namespace rmq {

namespace {

// The few OpenSSL 1.1 / 3.x entry points used, declared by their stable C
// ABI (opaque pointers, int and long) rather than through OpenSSL's headers.
struct OpenSsl {
  using Method = const void* (*)();
  void* (*ctxNew)(const void* method) = nullptr;
  void (*ctxFree)(void* ctx) = nullptr;
  int (*ctxLoadVerifyLocations)(void* ctx, const char* file, const char* path) = nullptr;
  void (*ctxSetVerify)(void* ctx, int mode, void* callback) = nullptr;
  long (*ctxCtrl)(void* ctx, int cmd, long larg, void* parg) = nullptr;
  Method clientMethod = nullptr;
  void* (*sslNew)(void* ctx) = nullptr;
  void (*sslFree)(void* ssl) = nullptr;
  int (*sslSetFd)(void* ssl, int fd) = nullptr;
  int (*sslConnect)(void* ssl) = nullptr;
  int (*sslRead)(void* ssl, void* buffer, int size) = nullptr;
  int (*sslWrite)(void* ssl, const void* buffer, int size) = nullptr;
  int (*sslGetError)(const void* ssl, int result) = nullptr;
  long (*sslCtrl)(void* ssl, int cmd, long larg, void* parg) = nullptr;
  long (*sslGetVerifyResult)(const void* ssl) = nullptr;
  void* (*sslGet0Param)(void* ssl) = nullptr;
  using MessageCallback = void (*)(int writing, int version, int contentType, const void* data, size_t size,
                                   void* ssl, void* arg);
  void (*sslSetMsgCallback)(void* ssl, MessageCallback callback) = nullptr;
  int (*paramSet1Host)(void* param, const char* name, size_t length) = nullptr;
  int (*paramSet1IpAsc)(void* param, const char* ip) = nullptr;
  void (*paramSetHostflags)(void* param, unsigned int flags) = nullptr;
  const char* (*verifyErrorString)(long code) = nullptr;
  unsigned long (*errGetError)() = nullptr;
  void (*errErrorStringN)(unsigned long code, char* buffer, size_t size) = nullptr;
  void (*errClearError)() = nullptr;
  std::string loadedFrom;
};

// OpenSSL's constants (ssl.h, stable across 1.1 and 3.x).
constexpr int kSslErrorWantRead = 2;
constexpr int kSslErrorWantWrite = 3;
constexpr int kSslErrorZeroReturn = 6;
constexpr int kSslVerifyNone = 0;
constexpr int kSslVerifyPeer = 1;
constexpr int kSslCtrlMode = 33;
constexpr long kSslModePartialWrite = 0x1;
constexpr long kSslModeMovingWriteBuffer = 0x2;
constexpr int kSslCtrlSetMsgCallbackArg = 16;
constexpr int kSslCtrlSetTlsextHostname = 55;
constexpr int kSsl3RtHeader = 0x100;
constexpr long kTlsextNametypeHostName = 0;
constexpr long kX509VerifyOk = 0;
// x509_vfy.h / x509v3.h.
constexpr long kX509HostnameMismatch = 62;
constexpr long kX509IpAddressMismatch = 64;
constexpr unsigned int kX509CheckNoPartialWildcards = 0x4;

template <typename Function>
void bind(void* library, const char* name, Function& target) {
  target = reinterpret_cast<Function>(dlsym(library, name));
  if (target == nullptr) throw MQException(ErrorKind::kIllegalState, std::string("OpenSSL lacks ") + name);
}

const OpenSsl& openSsl() {
  static std::once_flag once;
  static OpenSsl* api = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    void* library = nullptr;
    std::string name;
    for (const char* candidate : {"libssl.so.3", "libssl.so.1.1", "libssl.so"}) {
      library = dlopen(candidate, RTLD_NOW | RTLD_LOCAL);
      if (library != nullptr) {
        name = candidate;
        break;
      }
    }
    if (library == nullptr) {
      failure = "TLS needs OpenSSL 1.1 or 3 (libssl.so.3 or libssl.so.1.1), and none could be loaded";
      return;
    }
    try {
      auto* loaded = new OpenSsl();
      bind(library, "SSL_CTX_new", loaded->ctxNew);
      bind(library, "SSL_CTX_free", loaded->ctxFree);
      bind(library, "SSL_CTX_load_verify_locations", loaded->ctxLoadVerifyLocations);
      bind(library, "SSL_CTX_set_verify", loaded->ctxSetVerify);
      bind(library, "SSL_CTX_ctrl", loaded->ctxCtrl);
      bind(library, "TLS_client_method", loaded->clientMethod);
      bind(library, "SSL_new", loaded->sslNew);
      bind(library, "SSL_free", loaded->sslFree);
      bind(library, "SSL_set_fd", loaded->sslSetFd);
      bind(library, "SSL_connect", loaded->sslConnect);
      bind(library, "SSL_read", loaded->sslRead);
      bind(library, "SSL_write", loaded->sslWrite);
      bind(library, "SSL_get_error", loaded->sslGetError);
      bind(library, "SSL_ctrl", loaded->sslCtrl);
      bind(library, "SSL_get_verify_result", loaded->sslGetVerifyResult);
      bind(library, "SSL_get0_param", loaded->sslGet0Param);
      bind(library, "SSL_set_msg_callback", loaded->sslSetMsgCallback);
      // libcrypto's, reached through libssl's dependencies.
      bind(library, "X509_VERIFY_PARAM_set1_host", loaded->paramSet1Host);
      bind(library, "X509_VERIFY_PARAM_set1_ip_asc", loaded->paramSet1IpAsc);
      bind(library, "X509_VERIFY_PARAM_set_hostflags", loaded->paramSetHostflags);
      bind(library, "X509_verify_cert_error_string", loaded->verifyErrorString);
      bind(library, "ERR_get_error", loaded->errGetError);
      bind(library, "ERR_error_string_n", loaded->errErrorStringN);
      bind(library, "ERR_clear_error", loaded->errClearError);
      loaded->loadedFrom = name;
      api = loaded;  // kept for the life of the process, like the library
    } catch (const MQException& e) {
      failure = std::string(e.what()) + " (" + name + ")";
    }
  });
  if (api == nullptr) throw MQException(ErrorKind::kIllegalState, failure);
  return *api;
}

std::string lastOpenSslError(const OpenSsl& ssl) {
  std::string text;
  for (unsigned long code = ssl.errGetError(); code != 0; code = ssl.errGetError()) {
    char buffer[256];
    ssl.errErrorStringN(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

// "[::1]" -> "::1"; anything else unchanged.
std::string withoutBrackets(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

// The header of the first record the server sent, as OpenSSL reads it
// (before judging it): tells a server that does not speak TLS from one
// that refuses the handshake.
struct ServerStart {
  bool seen = false;
  bool tls = false;
};

void noteServerStart(int writing, int, int contentType, const void* data, size_t size, void*, void* arg) {
  auto* start = static_cast<ServerStart*>(arg);
  if (writing != 0 || contentType != kSsl3RtHeader || start->seen || size < 2) return;
  const auto* header = static_cast<const unsigned char*>(data);
  start->seen = true;
  // Content type 20 to 23 (change cipher spec, alert, handshake, data), major version 3.
  start->tls = header[0] >= 20 && header[0] <= 23 && header[1] == 3;
}

// True when the peer has closed (or reset) the connection.
bool peerHungUp(int fd) {
  char next;
  ssize_t n = ::recv(fd, &next, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

}  // namespace

bool isIpLiteral(const std::string& host) {
  std::string bare = withoutBrackets(host);
  unsigned char address[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, bare.c_str(), address) == 1) return true;
  // A scope ("fe80::1%eth0") is no part of the address a certificate names.
  return ::inet_pton(AF_INET6, bare.substr(0, bare.find('%')).c_str(), address) == 1;
}

class TlsContext {
 public:
  TlsContext(const OpenSsl& api, void* ctx, bool verifyPeer, bool checkName)
      : api_(api), ctx_(ctx), verifyPeer_(verifyPeer), checkName_(checkName) {}
  ~TlsContext() { api_.ctxFree(ctx_); }
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const OpenSsl& api() const { return api_; }
  void* ctx() const { return ctx_; }
  // The server's certificate chain must verify against the CA file.
  bool verifyPeer() const { return verifyPeer_; }
  // ... and name the host connected to.
  bool checkName() const { return checkName_; }

 private:
  const OpenSsl& api_;
  void* ctx_;
  bool verifyPeer_;
  bool checkName_;
};

std::shared_ptr<TlsContext> makeTlsContext(const TlsOptions& options) {
  const OpenSsl& api = openSsl();
  void* ctx = api.ctxNew(api.clientMethod());
  if (ctx == nullptr) throw MQException(ErrorKind::kIllegalState, "SSL_CTX_new failed: " + lastOpenSslError(api));
  const bool verifyPeer = !options.caFile.empty();
  auto context = std::make_shared<TlsContext>(api, ctx, verifyPeer, verifyPeer && options.verifyHostname);
  // Partial writes: the I/O thread resumes a frame where the socket stopped.
  api.ctxCtrl(ctx, kSslCtrlMode, kSslModePartialWrite | kSslModeMovingWriteBuffer, nullptr);
  if (options.caFile.empty()) {
    api.ctxSetVerify(ctx, kSslVerifyNone, nullptr);
  } else {
    if (api.ctxLoadVerifyLocations(ctx, options.caFile.c_str(), nullptr) != 1) {
      throw MQException(ErrorKind::kIllegalState,
                        "cannot use the CA file " + options.caFile + ": " + lastOpenSslError(api));
    }
    api.ctxSetVerify(ctx, kSslVerifyPeer, nullptr);
  }
  return context;
}

TlsSession::TlsSession(std::shared_ptr<TlsContext> context, void* ssl) : context_(std::move(context)), ssl_(ssl) {}

TlsSession::~TlsSession() { context_->api().sslFree(ssl_); }

std::unique_ptr<TlsSession> TlsSession::connect(const std::shared_ptr<TlsContext>& context, int fd,
                                                const std::string& host,
                                                std::chrono::steady_clock::time_point deadline) {
  const OpenSsl& api = context->api();
  const std::string name = withoutBrackets(host);
  const bool ipLiteral = isIpLiteral(name);
  api.errClearError();
  ServerStart start;  // outlives `session`, whose SSL refers to it until the handshake ends
  void* ssl = api.sslNew(context->ctx());
  if (ssl == nullptr) throw MQException(ErrorKind::kConnectFailed, "SSL_new failed: " + lastOpenSslError(api));
  std::unique_ptr<TlsSession> session(new TlsSession(context, ssl));
  api.sslSetFd(ssl, fd);
  if (!ipLiteral) {
    // SNI, for servers behind a TLS-terminating proxy; RFC 6066 allows DNS names only.
    api.sslCtrl(ssl, kSslCtrlSetTlsextHostname, kTlsextNametypeHostName, const_cast<char*>(name.c_str()));
  }
  if (context->checkName()) {
    void* param = api.sslGet0Param(ssl);
    int set = 0;
    if (ipLiteral) {
      set = api.paramSet1IpAsc(param, name.substr(0, name.find('%')).c_str());
    } else {
      api.paramSetHostflags(param, kX509CheckNoPartialWildcards);
      set = api.paramSet1Host(param, name.c_str(), name.size());
    }
    if (set != 1) {
      throw MQException(ErrorKind::kConnectFailed,
                        "cannot check the server's certificate against the host " + name + ": " +
                            lastOpenSslError(api));
    }
  }
  api.sslSetMsgCallback(ssl, noteServerStart);
  api.sslCtrl(ssl, kSslCtrlSetMsgCallbackArg, 0, &start);
  while (true) {
    int result = api.sslConnect(ssl);
    if (result == 1) break;
    int error = api.sslGetError(ssl, result);
    short wanted = error == kSslErrorWantRead ? POLLIN : error == kSslErrorWantWrite ? POLLOUT : 0;
    if (wanted == 0) {
      std::string why = lastOpenSslError(api);
      long verify = context->verifyPeer() ? api.sslGetVerifyResult(ssl) : kX509VerifyOk;
      if (verify != kX509VerifyOk) {
        why = std::string("certificate verify failed: ") + api.verifyErrorString(verify);
        if (verify == kX509HostnameMismatch || verify == kX509IpAddressMismatch) {
          why += " (the server's certificate is not for " + name + ")";
        }
      } else if (start.seen ? !start.tls : peerHungUp(fd)) {
        if (why.empty()) why = "connection closed";
        why += start.seen ? "; the server answered with bytes that are not TLS"
                          : "; the server closed the connection without a TLS answer";
        why += " (the server does not speak TLS?)";
      }
      throw MQException(ErrorKind::kConnectFailed,
                        "TLS handshake with " + name + " failed: " + (why.empty() ? "connection closed" : why));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw MQException(ErrorKind::kTimeout, "TLS handshake with " + name + " timed out");
    pollfd p{fd, wanted, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
  api.sslSetMsgCallback(ssl, nullptr);  // `start` goes out of scope
  return session;
}

long TlsSession::settle(int result, const char* operation) {
  if (result > 0) return result;
  const OpenSsl& api = context_->api();
  int error = api.sslGetError(ssl_, result);
  if (error == kSslErrorWantRead || error == kSslErrorWantWrite) return 0;
  error_ = error == kSslErrorZeroReturn ? "closed by peer" : std::string("TLS ") + operation + " failed";
  std::string detail = lastOpenSslError(api);
  if (!detail.empty()) error_ += ": " + detail;
  return -1;
}

long TlsSession::read(char* data, size_t size) {
  int chunk = static_cast<int>(size > INT_MAX ? INT_MAX : size);
  return settle(context_->api().sslRead(ssl_, data, chunk), "read");
}

long TlsSession::write(const char* data, size_t size) {
  int chunk = static_cast<int>(size > INT_MAX ? INT_MAX : size);
  return settle(context_->api().sslWrite(ssl_, data, chunk), "write");
}

}  // namespace rmq
