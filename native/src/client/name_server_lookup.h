// Name server addresses from an HTTP endpoint, for clouds that hand out a
// URL instead of addresses (TopAddressing / MixAll.getWSAddr in the Java
// client). The endpoint answers "ip:port;ip:port".
#pragma once

#include <cstdint>
#include <string>

namespace rmq {

// "http://host[:port]/path" is used as given; a bare "host" or "host:port"
// becomes the Java client's default "http://host:8080/rocketmq/nsaddr"
// (without the :8080 when a port is given).
std::string nameServerLookupUrl(const std::string& domain);

// GETs the URL (plain HTTP/1.0) and returns the trimmed body. Throws
// MQException on a connect failure, timeout, non-200 status or empty body.
std::string fetchNameServerAddresses(const std::string& url, int64_t timeoutMs);

}  // namespace rmq
