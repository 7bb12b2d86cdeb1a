// Topic routes: the input is the body of a GET_ROUTEINFO_BY_TOPIC response
// as the name server writes it (fastjson, with bare integer keys in
// brokerAddrs). It goes through TopicRouteData::fromJson().
//
// Properties: the result is sorted by broker name, as the client relies on
// when it compares a fresh route with the cached one, and equals its copy.
#include <cstddef>
#include <cstdint>
#include <string>

#include "client/client_instance.h"
#include "fuzz_support.h"

using rmq::TopicRouteData;
using rmq::fuzz::accepts;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  TopicRouteData route;
  if (!accepts([&] { route = TopicRouteData::fromJson(body); })) return 0;
  for (size_t i = 1; i < route.queueDatas.size(); ++i) {
    FUZZ_ASSERT(!(route.queueDatas[i].brokerName < route.queueDatas[i - 1].brokerName));
  }
  for (size_t i = 1; i < route.brokerDatas.size(); ++i) {
    FUZZ_ASSERT(!(route.brokerDatas[i].brokerName < route.brokerDatas[i - 1].brokerName));
  }
  const TopicRouteData copy = route;
  FUZZ_ASSERT(copy == route);
  return 0;
}
