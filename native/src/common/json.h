// A small JSON value with a parser and a serializer: enough for remoting
// headers, route data, heartbeats and the other bodies the protocol carries.
// The parser accepts what Java's fastjson writes, which is not strict JSON:
// map keys may be bare integers ({0:"127.0.0.1:10911"}) or objects (a map
// keyed by MessageQueue); an object key reads as its compact JSON text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rmq {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::kBool), bool_(b) {}
  Json(int v) : type_(Type::kNumber), number_(v), int_(v), integral_(true) {}
  Json(int64_t v) : type_(Type::kNumber), number_(static_cast<double>(v)), int_(v), integral_(true) {}
  Json(double v) : type_(Type::kNumber), number_(v) {}
  Json(const char* s) : type_(Type::kString), string_(s) {}
  Json(std::string s) : type_(Type::kString), string_(std::move(s)) {}

  static Json array() {
    Json j;
    j.type_ = Type::kArray;
    j.array_ = std::make_shared<Array>();
    return j;
  }
  static Json object() {
    Json j;
    j.type_ = Type::kObject;
    j.object_ = std::make_shared<Object>();
    return j;
  }

  // Throws MQException(kProtocol) with the offset of the first bad byte.
  static Json parse(const std::string& text);
  static Json parse(const char* data, size_t len);

  std::string dump() const;

  Type type() const { return type_; }
  bool isNull() const { return type_ == Type::kNull; }
  bool isBool() const { return type_ == Type::kBool; }
  bool isNumber() const { return type_ == Type::kNumber; }
  bool isString() const { return type_ == Type::kString; }
  bool isArray() const { return type_ == Type::kArray; }
  bool isObject() const { return type_ == Type::kObject; }

  // Lenient accessors: a missing or differently typed value gives the
  // fallback (numbers written as strings are converted), because peers
  // differ in how they quote numbers.
  std::string asString(const std::string& fallback = std::string()) const;
  int64_t asInt64(int64_t fallback = 0) const;
  int asInt(int fallback = 0) const { return static_cast<int>(asInt64(fallback)); }
  bool asBool(bool fallback = false) const;
  double asDouble(double fallback = 0) const;

  // Object access. The const form returns a null value for missing keys;
  // the non-const form turns a null into an object and inserts.
  const Json& operator[](const std::string& key) const;
  Json& operator[](const std::string& key);
  bool contains(const std::string& key) const;
  const Object& items() const;

  // Array access.
  const Array& elements() const;
  void push(Json value);
  size_t size() const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  int64_t int_ = 0;
  bool integral_ = false;
  std::string string_;
  // Shared and copied on write, so copying a parsed document is cheap.
  std::shared_ptr<Array> array_;
  std::shared_ptr<Object> object_;

  void ensureArray();
  void ensureObject();
  void dumpTo(std::string& out) const;
  friend class JsonParser;
};

// Appends `text` as a quoted, escaped JSON string.
void appendJsonString(std::string& out, std::string_view text);

// The size of `text` as a quoted, escaped JSON string.
size_t jsonStringSize(std::string_view text);
// Enough room to write `text` as a quoted, escaped JSON string: measured for
// long texts; for short ones, where measuring costs more than it saves, the
// most any text of that length can take (every byte escaped as \u00XX).
inline size_t jsonStringRoom(std::string_view text) {
  return text.size() <= 32 ? 6 * text.size() + 2 : jsonStringSize(text);
}
// Writes `text` at `to` as a quoted, escaped JSON string (jsonStringSize
// bytes); returns its end.
char* writeJsonString(char* to, std::string_view text);

// The most characters an int64_t takes in decimal, with its sign.
constexpr size_t kMaxIntegerDigits = 20;

// Writes object members "name":"value" (without the braces) at the end of
// `out`, a comma before each unless `out` was empty; integer values are
// written as strings, as extFields carry them. Room for `expectedSize`
// bytes is made at once and grown only if a member needs more; finish()
// cuts off what is left. For headers written for every message, where a
// std::string append per piece costs more than the writing.
class JsonMembers {
 public:
  JsonMembers(std::string& out, size_t expectedSize);
  void add(std::string_view name, std::string_view value);
  void add(std::string_view name, int64_t value);
  // Members the caller wrote as JSON already (constant ones), added as they are.
  void addWritten(std::string_view members);
  void finish();

 private:
  char* room(size_t size);  // at least `size` bytes after the separator, which it writes

  std::string& out_;
  size_t used_;
};

}  // namespace rmq
