#include "common/json.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/errors.h"

namespace rmq {

namespace {

// A double read as an integer the way Java's (long) cast does it: values
// beyond the range saturate and NaN gives 0, where a C++ cast is undefined.
int64_t doubleToInt64(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9223372036854775808.0) return INT64_MAX;
  if (value < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(value);
}

const Json& nullJson() {
  static const Json value;
  return value;
}

const Json::Object& emptyObject() {
  static const Json::Object value;
  return value;
}

const Json::Array& emptyArray() {
  static const Json::Array value;
  return value;
}

// Nesting limit: a hostile peer must not blow the stack.
constexpr int kMaxDepth = 64;

}  // namespace

class JsonParser {
 public:
  JsonParser(const char* data, size_t len) : p_(data), end_(data + len), begin_(data) {}

  Json parseDocument() {
    Json value = parseValue(0);
    skipSpace();
    if (p_ != end_) fail("trailing characters");
    return value;
  }

 private:
  const char* p_;
  const char* end_;
  const char* begin_;
  bool inObjectKey_ = false;

  [[noreturn]] void fail(const char* what) const {
    throw MQException(ErrorKind::kProtocol,
                      std::string("malformed JSON (") + what + ") at offset " + std::to_string(p_ - begin_));
  }

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool consumeLiteral(const char* word) {
    const char* q = p_;
    for (const char* w = word; *w != '\0'; ++w, ++q) {
      if (q == end_ || *q != *w) return false;
    }
    p_ = q;
    return true;
  }

  Json parseValue(int depth) {
    if (depth > kMaxDepth) fail("nested too deeply");
    skipSpace();
    if (p_ == end_) fail("unexpected end");
    char c = *p_;
    if (c == '{') return parseObject(depth);
    if (c == '[') return parseArray(depth);
    if (c == '"') return Json(parseString());
    if (c == '-' || (c >= '0' && c <= '9')) return parseNumber();
    if (consumeLiteral("true")) return Json(true);
    if (consumeLiteral("false")) return Json(false);
    if (consumeLiteral("null")) return Json();
    fail("unexpected character");
  }

  // Keys are strings, or what fastjson writes for non-string map keys: bare
  // integers ({0:"addr"}) and objects ({{"topic":"T",...}:42}, a map keyed
  // by MessageQueue). An object key is returned as its compact JSON text.
  std::string parseKey(int depth) {
    skipSpace();
    if (p_ == end_) fail("unexpected end");
    if (*p_ == '"') return parseString();
    if (*p_ == '{') {
      // An object key is kept as its dump(), which escapes any object key
      // inside it once more: text would double at every such level. fastjson
      // writes object keys only for maps keyed by MessageQueue, whose fields
      // are plain values, so one level is all there is to read.
      if (inObjectKey_) fail("object key within an object key");
      inObjectKey_ = true;
      std::string key = parseObject(depth + 1).dump();
      inObjectKey_ = false;
      return key;
    }
    const char* start = p_;
    while (p_ != end_ && (std::isalnum(static_cast<unsigned char>(*p_)) || *p_ == '-' || *p_ == '_')) ++p_;
    if (p_ == start) fail("bad object key");
    return std::string(start, p_);
  }

  Json parseObject(int depth) {
    // Reached from parseValue, which checked the depth already, and from
    // parseKey for object keys, which did not.
    if (depth > kMaxDepth) fail("nested too deeply");
    ++p_;  // {
    Json result = Json::object();
    skipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return result;
    }
    while (true) {
      std::string key = parseKey(depth);
      skipSpace();
      if (p_ == end_ || *p_ != ':') fail("expected ':'");
      ++p_;
      (*result.object_)[key] = parseValue(depth + 1);
      skipSpace();
      if (p_ == end_) fail("unexpected end");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return result;
      }
      fail("expected ',' or '}'");
    }
  }

  Json parseArray(int depth) {
    ++p_;  // [
    Json result = Json::array();
    skipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return result;
    }
    while (true) {
      result.array_->push_back(parseValue(depth + 1));
      skipSpace();
      if (p_ == end_) fail("unexpected end");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return result;
      }
      fail("expected ',' or ']'");
    }
  }

  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  uint32_t parseHex4() {
    if (end_ - p_ < 4) fail("short \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      char h = *p_++;
      value <<= 4;
      if (h >= '0' && h <= '9') value |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') value |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') value |= static_cast<uint32_t>(h - 'A' + 10);
      else fail("bad \\u escape");
    }
    return value;
  }

  std::string parseString() {
    ++p_;  // opening quote
    std::string out;
    while (true) {
      if (p_ == end_) fail("unterminated string");
      char c = *p_++;
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (p_ == end_) fail("unterminated escape");
      char e = *p_++;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          uint32_t cp = parseHex4();
          if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            uint32_t low = parseHex4();
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              appendUtf8(out, cp);
              cp = low;
            }
          }
          appendUtf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  Json parseNumber() {
    const char* start = p_;
    bool integral = true;
    if (*p_ == '-') ++p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E' ||
                          *p_ == '+' || *p_ == '-')) {
      if (*p_ == '.' || *p_ == 'e' || *p_ == 'E') integral = false;
      ++p_;
    }
    std::string text(start, p_);
    if (text == "-" || text.empty()) fail("bad number");
    if (integral && text.size() < 20) {
      return Json(static_cast<int64_t>(std::strtoll(text.c_str(), nullptr, 10)));
    }
    char* stop = nullptr;
    double value = std::strtod(text.c_str(), &stop);
    if (stop == text.c_str()) fail("bad number");
    return Json(value);
  }
};

Json Json::parse(const std::string& text) { return parse(text.data(), text.size()); }

Json Json::parse(const char* data, size_t len) { return JsonParser(data, len).parseDocument(); }

std::string Json::asString(const std::string& fallback) const {
  switch (type_) {
    case Type::kString: return string_;
    case Type::kNumber: return integral_ ? std::to_string(int_) : std::to_string(number_);
    case Type::kBool: return bool_ ? "true" : "false";
    default: return fallback;
  }
}

int64_t Json::asInt64(int64_t fallback) const {
  switch (type_) {
    case Type::kNumber: return integral_ ? int_ : doubleToInt64(number_);
    case Type::kString: {
      if (string_.empty()) return fallback;
      char* stop = nullptr;
      long long value = std::strtoll(string_.c_str(), &stop, 10);
      return (stop != nullptr && *stop == '\0') ? static_cast<int64_t>(value) : fallback;
    }
    case Type::kBool: return bool_ ? 1 : 0;
    default: return fallback;
  }
}

bool Json::asBool(bool fallback) const {
  if (type_ == Type::kBool) return bool_;
  if (type_ == Type::kString) {
    if (string_ == "true") return true;
    if (string_ == "false") return false;
  }
  if (type_ == Type::kNumber) return asInt64() != 0;
  return fallback;
}

double Json::asDouble(double fallback) const {
  if (type_ == Type::kNumber) return integral_ ? static_cast<double>(int_) : number_;
  if (type_ == Type::kString) {
    char* stop = nullptr;
    double value = std::strtod(string_.c_str(), &stop);
    return (stop != nullptr && *stop == '\0' && !string_.empty()) ? value : fallback;
  }
  return fallback;
}

void Json::ensureObject() {
  if (type_ != Type::kObject) {
    type_ = Type::kObject;
    object_ = std::make_shared<Object>();
  } else if (!object_) {
    object_ = std::make_shared<Object>();
  } else if (object_.use_count() > 1) {
    object_ = std::make_shared<Object>(*object_);
  }
}

void Json::ensureArray() {
  if (type_ != Type::kArray) {
    type_ = Type::kArray;
    array_ = std::make_shared<Array>();
  } else if (!array_) {
    array_ = std::make_shared<Array>();
  } else if (array_.use_count() > 1) {
    array_ = std::make_shared<Array>(*array_);
  }
}

const Json& Json::operator[](const std::string& key) const {
  if (type_ != Type::kObject || !object_) return nullJson();
  auto found = object_->find(key);
  return found == object_->end() ? nullJson() : found->second;
}

Json& Json::operator[](const std::string& key) {
  ensureObject();
  return (*object_)[key];
}

bool Json::contains(const std::string& key) const {
  return type_ == Type::kObject && object_ && object_->count(key) != 0;
}

const Json::Object& Json::items() const {
  return (type_ == Type::kObject && object_) ? *object_ : emptyObject();
}

const Json::Array& Json::elements() const {
  return (type_ == Type::kArray && array_) ? *array_ : emptyArray();
}

void Json::push(Json value) {
  ensureArray();
  array_->push_back(std::move(value));
}

size_t Json::size() const {
  if (type_ == Type::kArray && array_) return array_->size();
  if (type_ == Type::kObject && object_) return object_->size();
  return 0;
}

namespace {

// True when any of the 8 bytes in `word` is below 0x20, '"' or '\\': the
// bytes JSON strings escape. The usual word-at-a-time tests (a byte below n,
// for n <= 128; a byte equal to c) set the top bit of a matching byte; a
// borrow may also mark bytes above a real match, never a word without one,
// so "none" is exact.
inline bool wordNeedsEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t below = (word - kOnes * 0x20) & ~word;
  const uint64_t isQuote = (quote - kOnes) & ~quote;
  const uint64_t isBackslash = (backslash - kOnes) & ~backslash;
  return ((below | isQuote | isBackslash) & kHighs) != 0;
}

// How many bytes longer each byte is once escaped: 1 for the two-character
// escapes, 5 for the other control characters (\u00XX), 0 for the rest. A
// table: the encoded properties put a separator in nearly every word.
struct EscapeGrowth {
  uint8_t of[256];
};

constexpr EscapeGrowth makeEscapeGrowth() {
  EscapeGrowth table{};
  for (int u = 0; u < 0x20; ++u) table.of[u] = 5;
  for (unsigned char u : {'"', '\\', '\n', '\r', '\t', '\b', '\f'}) table.of[u] = 1;
  return table;
}

constexpr EscapeGrowth kEscapeGrowth = makeEscapeGrowth();

// `u`, escaped when JSON needs it, written at `to`; returns its end.
inline char* writeByte(char* to, unsigned char u) {
  if (kEscapeGrowth.of[u] == 0) {
    *to++ = static_cast<char>(u);
    return to;
  }
  static const char kHex[] = "0123456789abcdef";
  *to++ = '\\';
  switch (u) {
    case '"': *to++ = '"'; break;
    case '\\': *to++ = '\\'; break;
    case '\n': *to++ = 'n'; break;
    case '\r': *to++ = 'r'; break;
    case '\t': *to++ = 't'; break;
    case '\b': *to++ = 'b'; break;
    case '\f': *to++ = 'f'; break;
    default:
      *to++ = 'u';
      *to++ = '0';
      *to++ = '0';
      *to++ = kHex[u >> 4];
      *to++ = kHex[u & 0xF];
  }
  return to;
}

}  // namespace

size_t jsonStringSize(std::string_view text) {
  const char* from = text.data();
  const char* const end = from + text.size();
  size_t size = text.size() + 2;
  for (; end - from >= 8; from += 8) {
    uint64_t word;
    std::memcpy(&word, from, 8);
    if (!wordNeedsEscape(word)) continue;
    for (int i = 0; i < 8; ++i) size += kEscapeGrowth.of[static_cast<unsigned char>(from[i])];
  }
  for (; from != end; ++from) size += kEscapeGrowth.of[static_cast<unsigned char>(*from)];
  return size;
}

char* writeJsonString(char* to, std::string_view text) {
  // Header values are nearly always plain: they go 8 bytes at a time, and
  // only a word with something to escape is taken byte by byte.
  const char* from = text.data();
  const char* const end = from + text.size();
  *to++ = '"';
  for (; end - from >= 8; from += 8) {
    uint64_t word;
    std::memcpy(&word, from, 8);
    if (!wordNeedsEscape(word)) {
      std::memcpy(to, &word, 8);
      to += 8;
      continue;
    }
    for (int i = 0; i < 8; ++i) to = writeByte(to, static_cast<unsigned char>(from[i]));
  }
  for (; from != end; ++from) to = writeByte(to, static_cast<unsigned char>(*from));
  *to++ = '"';
  return to;
}

void appendJsonString(std::string& out, std::string_view text) {
  const size_t start = out.size();
  out.resize(start + jsonStringSize(text));
  writeJsonString(&out[start], text);
}

JsonMembers::JsonMembers(std::string& out, size_t expectedSize) : out_(out), used_(out.size()) {
  out_.resize(used_ + expectedSize);
}

char* JsonMembers::room(size_t size) {
  if (out_.size() - used_ < size) out_.resize(used_ + size + out_.size());
  char* to = &out_[used_];
  if (used_ != 0) *to++ = ',';
  return to;
}

void JsonMembers::add(std::string_view name, std::string_view value) {
  char* to = room(jsonStringRoom(name) + jsonStringRoom(value) + 2);
  to = writeJsonString(to, name);
  *to++ = ':';
  to = writeJsonString(to, value);
  used_ = static_cast<size_t>(to - out_.data());
}

void JsonMembers::add(std::string_view name, int64_t value) {
  char* to = room(jsonStringRoom(name) + kMaxIntegerDigits + 4);
  to = writeJsonString(to, name);
  *to++ = ':';
  *to++ = '"';
  to = std::to_chars(to, to + kMaxIntegerDigits, value).ptr;
  *to++ = '"';
  used_ = static_cast<size_t>(to - out_.data());
}

void JsonMembers::addWritten(std::string_view members) {
  char* to = room(members.size());
  std::memcpy(to, members.data(), members.size());
  used_ = static_cast<size_t>(to + members.size() - out_.data());
}

void JsonMembers::finish() { out_.resize(used_); }

void Json::dumpTo(std::string& out) const {
  switch (type_) {
    case Type::kNull: out += "null"; break;
    case Type::kBool: out += bool_ ? "true" : "false"; break;
    case Type::kNumber:
      if (integral_) {
        out += std::to_string(int_);
      } else if (std::isfinite(number_)) {
        char buffer[32];
        std::snprintf(buffer, sizeof(buffer), "%.17g", number_);
        out += buffer;
      } else {
        out += "null";
      }
      break;
    case Type::kString: appendJsonString(out, string_); break;
    case Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Json& element : elements()) {
        if (!first) out.push_back(',');
        first = false;
        element.dumpTo(out);
      }
      out.push_back(']');
      break;
    }
    case Type::kObject: {
      out.push_back('{');
      bool first = true;
      for (const auto& item : items()) {
        if (!first) out.push_back(',');
        first = false;
        appendJsonString(out, item.first);
        out.push_back(':');
        item.second.dumpTo(out);
      }
      out.push_back('}');
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  dumpTo(out);
  return out;
}

}  // namespace rmq
