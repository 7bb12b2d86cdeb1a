// What the native tests that need a peer share: blocking socket helpers, a
// reader of one remoting frame, and FakeServer, a loopback server speaking
// remoting frames that answers through a handler and records every request.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "remoting/remoting_command.h"

namespace fake {

inline bool readExactly(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t got = ::recv(fd, data, size, 0);
    if (got <= 0) return false;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

inline bool writeAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t put = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (put <= 0) return false;
    done += static_cast<size_t>(put);
  }
  return true;
}

// One remoting frame off the socket; false when it closed first.
inline bool readFrame(int fd, rmq::RemotingCommand& out) {
  unsigned char word[4];
  if (!readExactly(fd, reinterpret_cast<char*>(word), 4)) return false;
  const size_t length =
      (size_t(word[0]) << 24) | (size_t(word[1]) << 16) | (size_t(word[2]) << 8) | size_t(word[3]);
  std::string rest(length, '\0');
  if (!readExactly(fd, &rest[0], length)) return false;
  out = rmq::RemotingCommand::decode(rest.data(), rest.size());
  return true;
}

// Answers each request with what `handler` makes of a success response; the
// handler returns false to send nothing. Requests are kept for the checks.
class FakeServer {
 public:
  using Handler = std::function<bool(int fd, rmq::RemotingCommand& request, rmq::RemotingCommand* response)>;

  explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listenFd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  ~FakeServer() {
    stopping_ = true;
    ::shutdown(listenFd_, SHUT_RDWR);
    ::close(listenFd_);
    acceptor_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& worker : workers_) worker.join();
    for (int fd : clients_) ::close(fd);
  }

  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Sends a server-initiated request on the most recent client connection.
  bool pushToClient(const rmq::RemotingCommand& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (clients_.empty()) return false;
    return writeAll(clients_.back(), request.encode());
  }

  // True once the client answered the pushed request with `opaque`.
  bool answered(int opaque) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& answer : answers_) {
      if (answer.opaque == opaque) return true;
    }
    return false;
  }

  // Every request with `code` received so far, in arrival order.
  std::vector<rmq::RemotingCommand> requestsWith(int code) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<rmq::RemotingCommand> found;
    for (const auto& request : requests_) {
      if (request.code == code) found.push_back(request);
    }
    return found;
  }

  // The last request with `code` (a default command when there was none).
  rmq::RemotingCommand last(int code) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if (it->code == code) return *it;
    }
    return rmq::RemotingCommand();
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      int fd = ::accept(listenFd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard<std::mutex> lock(mutex_);
      clients_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    rmq::RemotingCommand request;
    while (readFrame(fd, request)) {
      if (request.isResponse()) {  // an answer to a pushed request
        std::lock_guard<std::mutex> lock(mutex_);
        answers_.push_back(request);
        continue;
      }
      rmq::RemotingCommand response = rmq::RemotingCommand::makeResponse(request, 0);
      const bool reply = handler_(fd, request, &response);
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      if (reply && !request.isOneway()) writeAll(fd, response.encode());
    }
  }

  Handler handler_;
  int listenFd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> clients_;
  std::vector<std::thread> workers_;
  std::vector<rmq::RemotingCommand> requests_;
  std::vector<rmq::RemotingCommand> answers_;  // the client's responses to pushed requests
};

}  // namespace fake
