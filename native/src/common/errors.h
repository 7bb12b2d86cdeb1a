// Error type used throughout the core. The C API layer turns it into a
// CStatus return code plus the thread-local "latest error message".
#pragma once

#include <stdexcept>
#include <string>

namespace rmq {

// Where an error came from; lets callers decide whether a retry on another
// broker makes sense (network and broker-busy errors do, bad input does not).
enum class ErrorKind {
  kIllegalArgument,  // bad input from the user: never retried
  kIllegalState,     // e.g. send before start() or after shutdown()
  kConnectFailed,    // could not connect / connection dropped
  kTimeout,          // no response within the deadline
  kBrokerError,      // the broker answered with a non-success response code
  kNoRoute,          // name server knows no route for the topic
  kProtocol,         // malformed frame or header from the peer
  kInternal,
};

class MQException : public std::runtime_error {
 public:
  MQException(ErrorKind kind, const std::string& message, int responseCode = -1)
      : std::runtime_error(message), kind_(kind), responseCode_(responseCode) {}

  ErrorKind kind() const noexcept { return kind_; }
  // RocketMQ ResponseCode when kind() == kBrokerError, otherwise -1.
  int responseCode() const noexcept { return responseCode_; }

 private:
  ErrorKind kind_;
  int responseCode_;
};

}  // namespace rmq
