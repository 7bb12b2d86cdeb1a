// What a CProducer handle holds: the core producer plus the C-side state
// (callbacks and their user data, log settings).
#pragma once

#include <cstdint>
#include <string>

#include "CProducer.h"
#include "capi/handles.h"
#include "producer/producer.h"

struct CProducer {
  explicit CProducer(const std::string& group) : producer(group) {}

  rmq::Producer producer;
  bool orderly = false;
  CLocalTransactionCheckerCallback checker = nullptr;
  void* checkerData = nullptr;

};
