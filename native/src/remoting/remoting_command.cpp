#include "remoting/remoting_command.h"

#include <atomic>
#include <charconv>
#include <cstring>

#include "common/errors.h"
#include "common/json.h"

namespace rmq {

namespace {

std::atomic<int32_t> gNextOpaque{1};

void putInt32(char* out, uint32_t v) {
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
}

void putInt32(std::string& out, uint32_t v) {
  char bytes[4];
  putInt32(bytes, v);
  out.append(bytes, 4);
}

void putInt16(std::string& out, uint16_t v) {
  char bytes[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(bytes, 2);
}

// Bounds-checked big-endian reader over an untrusted buffer.
class Reader {
 public:
  Reader(const char* data, size_t len) : p_(reinterpret_cast<const unsigned char*>(data)), left_(len) {}

  uint32_t int32() {
    need(4);
    uint32_t v = (uint32_t(p_[0]) << 24) | (uint32_t(p_[1]) << 16) | (uint32_t(p_[2]) << 8) | uint32_t(p_[3]);
    advance(4);
    return v;
  }
  uint16_t int16() {
    need(2);
    uint16_t v = static_cast<uint16_t>((p_[0] << 8) | p_[1]);
    advance(2);
    return v;
  }
  uint8_t byte() {
    need(1);
    uint8_t v = p_[0];
    advance(1);
    return v;
  }
  std::string bytes(size_t n) {
    need(n);
    std::string v(reinterpret_cast<const char*>(p_), n);
    advance(n);
    return v;
  }
  size_t left() const { return left_; }

 private:
  void need(size_t n) const {
    if (n > left_) throw MQException(ErrorKind::kProtocol, "truncated remoting header");
  }
  void advance(size_t n) {
    p_ += n;
    left_ -= n;
  }
  const unsigned char* p_;
  size_t left_;
};

const char* languageName(uint8_t code) {
  static const char* kNames[] = {"JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
                                 "OTHER", "HTTP", "GO", "PHP", "OMS", "RUST"};
  return code < sizeof(kNames) / sizeof(kNames[0]) ? kNames[code] : "OTHER";
}

uint8_t languageCode(const std::string& name) {
  static const char* kNames[] = {"JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
                                 "OTHER", "HTTP", "GO", "PHP", "OMS", "RUST"};
  for (uint8_t i = 0; i < sizeof(kNames) / sizeof(kNames[0]); ++i) {
    if (name == kNames[i]) return i;
  }
  return 7;  // OTHER
}

// Writers over a buffer sized beforehand: the JSON header is written for
// every request, and appending piece by piece to a std::string costs a
// capacity check (and often a call into the library) per piece.
template <size_t N>
char* writeLiteral(char* to, const char (&text)[N]) {
  std::memcpy(to, text, N - 1);
  return to + N - 1;
}

char* writeInteger(char* to, int64_t value) {
  return std::to_chars(to, to + kMaxIntegerDigits, value).ptr;
}

void appendJsonHeader(const RemotingCommand& cmd, std::string& out) {
  // Keys in the order fastjson sorts them. Room is made first and what is
  // left unused cut off at the end, so nothing grows while writing.
  size_t room = 128 + 4 * kMaxIntegerDigits + jsonStringRoom(cmd.language) + jsonStringRoom(cmd.remark) +
                cmd.encodedExtFields.size();
  for (const auto& field : cmd.extFields) room += jsonStringRoom(field.first) + jsonStringRoom(field.second) + 2;
  const size_t start = out.size();
  out.resize(start + room);
  char* to = &out[start];
  to = writeLiteral(to, "{\"code\":");
  to = writeInteger(to, cmd.code);
  if (!cmd.extFields.empty() || !cmd.encodedExtFields.empty()) {
    to = writeLiteral(to, ",\"extFields\":{");
    std::memcpy(to, cmd.encodedExtFields.data(), cmd.encodedExtFields.size());
    to += cmd.encodedExtFields.size();
    bool first = cmd.encodedExtFields.empty();
    for (const auto& field : cmd.extFields) {
      if (!first) *to++ = ',';
      first = false;
      to = writeJsonString(to, field.first);
      *to++ = ':';
      to = writeJsonString(to, field.second);
    }
    *to++ = '}';
  }
  to = writeLiteral(to, ",\"flag\":");
  to = writeInteger(to, cmd.flag);
  to = writeLiteral(to, ",\"language\":");
  to = writeJsonString(to, cmd.language);
  to = writeLiteral(to, ",\"opaque\":");
  to = writeInteger(to, cmd.opaque);
  if (cmd.hasRemark) {
    to = writeLiteral(to, ",\"remark\":");
    to = writeJsonString(to, cmd.remark);
  }
  to = writeLiteral(to, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":");
  to = writeInteger(to, cmd.version);
  *to++ = '}';
  out.resize(static_cast<size_t>(to - out.data()));
}

void appendBinaryHeader(const RemotingCommand& cmd, std::string& out) {
  std::string ext;
  for (const auto& field : cmd.extFields) {
    putInt16(ext, static_cast<uint16_t>(field.first.size()));
    ext += field.first;
    putInt32(ext, static_cast<uint32_t>(field.second.size()));
    ext += field.second;
  }
  putInt16(out, static_cast<uint16_t>(cmd.code));
  out.push_back(static_cast<char>(languageCode(cmd.language)));
  putInt16(out, static_cast<uint16_t>(cmd.version));
  putInt32(out, static_cast<uint32_t>(cmd.opaque));
  putInt32(out, static_cast<uint32_t>(cmd.flag));
  putInt32(out, static_cast<uint32_t>(cmd.remark.size()));
  out += cmd.remark;
  putInt32(out, static_cast<uint32_t>(ext.size()));
  out += ext;
}

// The flat headers brokers and name servers send, read without building a
// JSON tree (that costs tens of allocations per response). Only a strict
// subset is accepted: plain strings (no escapes), integers of at most 18
// digits, true/false/null for unknown keys, each known key once. Anything
// else returns false and the generic decoder reads the header, so both give
// the same command for every header the fast one accepts.
class FlatHeaderReader {
 public:
  FlatHeaderReader(const char* data, size_t len) : p_(data), end_(data + len) {}

  bool read(RemotingCommand& cmd) {
    skipSpace();
    if (!take('{')) return false;
    skipSpace();
    if (take('}')) return finish();
    unsigned seen = 0;
    while (true) {
      const char* key;
      size_t keyLen;
      if (!readString(key, keyLen)) return false;
      skipSpace();
      if (!take(':')) return false;
      skipSpace();
      const unsigned bit = knownKeyBit(key, keyLen);
      if (bit != 0) {
        if ((seen & bit) != 0) return false;
        seen |= bit;
      }
      if (!readValue(bit, cmd)) return false;
      skipSpace();
      if (take(',')) {
        skipSpace();
        continue;
      }
      if (take('}')) return finish();
      return false;
    }
  }

 private:
  enum : unsigned { kCode = 1, kLanguage = 2, kVersion = 4, kOpaque = 8, kFlag = 16, kRemark = 32, kExt = 64 };

  static unsigned knownKeyBit(const char* key, size_t len) {
    // By length first: a key is compared with at most two names.
    auto is = [&](const char* name, unsigned bit) { return std::memcmp(key, name, len) == 0 ? bit : 0u; };
    switch (len) {
      case 4:
        return is("code", kCode) | is("flag", kFlag);
      case 6:
        return is("opaque", kOpaque) | is("remark", kRemark);
      case 7:
        return is("version", kVersion);
      case 8:
        return is("language", kLanguage);
      case 9:
        return is("extFields", kExt);
      default:
        return 0;
    }
  }

  bool readValue(unsigned key, RemotingCommand& cmd) {
    const char* text;
    size_t len;
    int64_t number;
    switch (key) {
      case kCode:
      case kVersion:
      case kOpaque:
      case kFlag:
        if (!readInteger(number)) return false;
        (key == kCode ? cmd.code : key == kVersion ? cmd.version : key == kOpaque ? cmd.opaque : cmd.flag) =
            static_cast<int32_t>(number);
        return true;
      case kLanguage:
        if (!readString(text, len)) return false;
        cmd.language.assign(text, len);
        return true;
      case kRemark:
        if (takeWord("null")) return true;
        if (!readString(text, len)) return false;
        cmd.setRemark(std::string(text, len));
        return true;
      case kExt:
        return takeWord("null") || readExtFields(cmd);
      default:
        // Another key (serializeTypeCurrentRPC, ...): a scalar to skip.
        return readString(text, len) || readInteger(number) || takeWord("true") || takeWord("false") ||
               takeWord("null");
    }
  }

  bool readExtFields(RemotingCommand& cmd) {
    if (!take('{')) return false;
    skipSpace();
    if (take('}')) return true;
    // Collected as views and added in name order once read (see
    // HeaderFields::addUnordered), in batches of kCollected.
    constexpr size_t kCollected = 24;
    std::pair<std::string_view, std::string_view> collected[kCollected];
    size_t count = 0;
    while (true) {
      const char* key;
      size_t keyLen;
      const char* value;
      size_t valueLen;
      if (!readString(key, keyLen)) return false;
      skipSpace();
      if (!take(':')) return false;
      skipSpace();
      if (!readString(value, valueLen)) return false;
      if (count == kCollected) {
        cmd.extFields.addUnordered(collected, count);
        count = 0;
      }
      collected[count++] = {std::string_view(key, keyLen), std::string_view(value, valueLen)};
      skipSpace();
      if (take(',')) {
        skipSpace();
        continue;
      }
      if (!take('}')) return false;
      cmd.extFields.addUnordered(collected, count);
      return true;
    }
  }

  // A quoted string without escapes; [text, text + len) is its content.
  bool readString(const char*& text, size_t& len) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* start = p_ + 1;
    const char* close = static_cast<const char*>(std::memchr(start, '"', static_cast<size_t>(end_ - start)));
    if (close == nullptr || std::memchr(start, '\\', static_cast<size_t>(close - start)) != nullptr) return false;
    text = start;
    len = static_cast<size_t>(close - start);
    p_ = close + 1;
    return true;
  }

  bool readInteger(int64_t& value) {
    const char* q = p_;
    bool negative = false;
    if (q != end_ && *q == '-') {
      negative = true;
      ++q;
    }
    const char* digits = q;
    int64_t result = 0;
    while (q != end_ && *q >= '0' && *q <= '9') {
      if (q - digits == 18) return false;  // longer ones could overflow: the generic reader decides
      result = result * 10 + (*q++ - '0');
    }
    if (q == digits) return false;
    // What would make the generic reader see another kind of number.
    if (q != end_ && (*q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-')) return false;
    value = negative ? -result : result;
    p_ = q;
    return true;
  }

  bool takeWord(const char* word) {
    const size_t len = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < len || std::memcmp(p_, word, len) != 0) return false;
    p_ += len;
    return true;
  }

  bool take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool finish() {
    skipSpace();
    return p_ == end_;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

namespace header_codec {
bool decodeJsonFast(const char* data, size_t len, RemotingCommand& cmd);
}  // namespace header_codec

namespace {

void decodeJsonHeaderGeneric(const char* data, size_t len, RemotingCommand& cmd) {
  Json header = Json::parse(data, len);
  if (!header.isObject()) throw MQException(ErrorKind::kProtocol, "remoting header is not a JSON object");
  cmd.code = static_cast<int32_t>(header["code"].asInt64());
  cmd.language = header["language"].asString("JAVA");
  cmd.version = static_cast<int32_t>(header["version"].asInt64());
  cmd.opaque = static_cast<int32_t>(header["opaque"].asInt64());
  cmd.flag = static_cast<int32_t>(header["flag"].asInt64());
  if (header.contains("remark") && !header["remark"].isNull()) cmd.setRemark(header["remark"].asString());
  for (const auto& field : header["extFields"].items()) {
    cmd.extFields[field.first] = field.second.asString();
  }
}

void decodeJsonHeader(const char* data, size_t len, RemotingCommand& cmd) {
  RemotingCommand fast;
  fast.serializeType = cmd.serializeType;
  if (header_codec::decodeJsonFast(data, len, fast)) {
    cmd = std::move(fast);
    return;
  }
  decodeJsonHeaderGeneric(data, len, cmd);
}

void decodeBinaryHeader(const char* data, size_t len, RemotingCommand& cmd) {
  Reader in(data, len);
  cmd.code = static_cast<int16_t>(in.int16());
  cmd.language = languageName(in.byte());
  cmd.version = static_cast<int16_t>(in.int16());
  cmd.opaque = static_cast<int32_t>(in.int32());
  cmd.flag = static_cast<int32_t>(in.int32());
  uint32_t remarkLen = in.int32();
  if (remarkLen > 0) cmd.setRemark(in.bytes(remarkLen));
  uint32_t extLen = in.int32();
  if (extLen > in.left()) throw MQException(ErrorKind::kProtocol, "extFields longer than the header");
  Reader ext(data + (len - in.left()), extLen);
  while (ext.left() > 0) {
    uint16_t keyLen = ext.int16();
    std::string key = ext.bytes(keyLen);
    uint32_t valueLen = ext.int32();
    cmd.extFields[key] = ext.bytes(valueLen);
  }
}

}  // namespace

namespace header_codec {
bool decodeJsonFast(const char* data, size_t len, RemotingCommand& cmd) {
  // What the generic decoder gives a header that leaves these out.
  cmd.language = "JAVA";
  cmd.version = 0;
  return FlatHeaderReader(data, len).read(cmd);
}
void decodeJsonGeneric(const char* data, size_t len, RemotingCommand& cmd) { decodeJsonHeaderGeneric(data, len, cmd); }
}  // namespace header_codec

const std::string& RemotingCommand::empty() {
  static const std::string value;
  return value;
}

RemotingCommand RemotingCommand::makeRequest(int32_t code) {
  RemotingCommand cmd;
  cmd.code = code;
  cmd.opaque = gNextOpaque.fetch_add(1, std::memory_order_relaxed);
  return cmd;
}

RemotingCommand RemotingCommand::makeResponse(const RemotingCommand& request, int32_t code,
                                              const std::string& remark) {
  RemotingCommand cmd;
  cmd.code = code;
  cmd.opaque = request.opaque;
  cmd.flag = kFlagResponse;
  cmd.serializeType = request.serializeType;
  if (!remark.empty()) cmd.setRemark(remark);
  return cmd;
}

const std::string& RemotingCommand::field(std::string_view key, const std::string& fallback) const {
  auto found = extFields.find(key);
  return found == extFields.end() ? fallback : found->second;
}

void RemotingCommand::expandEncodedFields() {
  if (encodedExtFields.empty()) return;
  const std::string object = "{" + encodedExtFields + "}";
  const Json fields = Json::parse(object.data(), object.size());
  for (const auto& field : fields.items()) extFields[field.first] = field.second.asString();
  encodedExtFields.clear();
}

void RemotingCommand::appendHeader(std::string& out) const {
  if (serializeType == SerializeType::kRocketMQ) {
    if (!encodedExtFields.empty()) {
      // Not for the requests we build (always JSON); written right all the same.
      RemotingCommand expanded = *this;
      expanded.expandEncodedFields();
      appendBinaryHeader(expanded, out);
      return;
    }
    appendBinaryHeader(*this, out);
  } else {
    appendJsonHeader(*this, out);
  }
}

std::string RemotingCommand::encodeHeader() const {
  std::string header;
  appendHeader(header);
  return header;
}

std::string RemotingCommand::encodeFrameHead(size_t bodySize) const {
  // The two length words go first but depend on the header's size: room
  // is left for them and they are filled in once the header is written.
  std::string head(8, '\0');
  appendHeader(head);
  const size_t headerSize = head.size() - 8;
  putInt32(&head[0], static_cast<uint32_t>(4 + headerSize + bodySize));
  putInt32(&head[4], (static_cast<uint32_t>(serializeType) << 24) | static_cast<uint32_t>(headerSize));
  return head;
}

std::string RemotingCommand::encode() const {
  std::string frame = encodeFrameHead(body.size());
  frame += body;
  return frame;
}

FrameScan scanFrame(const char* data, size_t len, uint32_t& length) {
  if (len < 4) return FrameScan::kIncomplete;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data);
  length = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
  if (length < 4 || length > kMaxFrameLength) return FrameScan::kInvalid;
  if (len - 4 < length) return FrameScan::kIncomplete;
  return FrameScan::kComplete;
}

RemotingCommand RemotingCommand::decode(const char* data, size_t len) {
  if (len > kMaxFrameLength) throw MQException(ErrorKind::kProtocol, "remoting frame exceeds 16 MiB");
  Reader in(data, len);
  uint32_t mark = in.int32();
  uint8_t type = static_cast<uint8_t>(mark >> 24);
  size_t headerLen = mark & 0xFFFFFF;
  if (headerLen > in.left()) throw MQException(ErrorKind::kProtocol, "remoting header longer than the frame");
  RemotingCommand cmd;
  const char* header = data + 4;
  if (type == static_cast<uint8_t>(SerializeType::kJson)) {
    cmd.serializeType = SerializeType::kJson;
    decodeJsonHeader(header, headerLen, cmd);
  } else if (type == static_cast<uint8_t>(SerializeType::kRocketMQ)) {
    cmd.serializeType = SerializeType::kRocketMQ;
    decodeBinaryHeader(header, headerLen, cmd);
  } else {
    throw MQException(ErrorKind::kProtocol, "unknown remoting serialize type " + std::to_string(type));
  }
  cmd.body.assign(header + headerLen, len - 4 - headerLen);
  return cmd;
}

}  // namespace rmq
