#include "message/compression.h"

#include <zlib.h>

#include <algorithm>

#include "common/errors.h"

namespace rmq {

std::string zlibCompress(const std::string& data, int level) {
  level = std::max(0, std::min(9, level));
  uLongf bound = compressBound(static_cast<uLong>(data.size()));
  std::string out(bound, '\0');
  const int rc = compress2(reinterpret_cast<Bytef*>(&out[0]), &bound,
                           reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()), level);
  if (rc != Z_OK) {
    throw MQException(ErrorKind::kInternal, "zlib compression failed with code " + std::to_string(rc));
  }
  out.resize(bound);
  return out;
}

std::string zlibDecompress(const char* data, size_t len, size_t maxSize) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) {
    throw MQException(ErrorKind::kInternal, "zlib inflateInit failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  stream.avail_in = static_cast<uInt>(len);

  // The inflated size is not transmitted; grow the output as needed.
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      throw MQException(ErrorKind::kProtocol, "compressed message body is not a valid zlib stream");
    }
    out.append(chunk, sizeof(chunk) - stream.avail_out);
    if (out.size() > maxSize) {
      inflateEnd(&stream);
      throw MQException(ErrorKind::kProtocol,
                        "compressed message body inflates past " + std::to_string(maxSize) + " bytes");
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      throw MQException(ErrorKind::kProtocol, "compressed message body is truncated");
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace rmq
