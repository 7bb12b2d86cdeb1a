// zlib compression of message bodies, as UtilAll.compress/uncompress do it
// (zlib stream format, so Java consumers can inflate what we send).
#pragma once

#include <string>

namespace rmq {

// `level` is a zlib level 0..9 (out-of-range values are clamped).
std::string zlibCompress(const std::string& data, int level);
// A compressed body inflating past this is refused: zlib reaches ~1000:1, so
// without a bound one 16 MiB frame could ask for gigabytes. Far above any
// body a broker stores (4 MiB by default, maxMessageSize at most a few MiB).
constexpr size_t kMaxInflatedBodySize = 64 * 1024 * 1024;

// Throws MQException(kProtocol) when `data` is not a valid zlib stream or
// inflates to more than `maxSize` bytes.
std::string zlibDecompress(const char* data, size_t len, size_t maxSize = kMaxInflatedBodySize);

}  // namespace rmq
