// zlib compression of message bodies, as UtilAll.compress/uncompress do it
// (zlib stream format, so Java consumers can inflate what we send).
#pragma once

#include <string>

namespace rmq {

// `level` is a zlib level 0..9 (out-of-range values are clamped).
std::string zlibCompress(const std::string& data, int level);
// Throws MQException(kProtocol) when `data` is not a valid zlib stream.
std::string zlibDecompress(const char* data, size_t len);

}  // namespace rmq
