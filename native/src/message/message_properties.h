// A message's properties (TAGS, KEYS, UNIQ_KEY, user properties...) kept in
// one buffer instead of a tree of strings.
//
// Every message a consumer receives carries a handful of them, decoded on
// the thread that handles pull results and freed on a consume thread: as a
// std::map that was a node and often a string per property, each allocated
// in one thread's malloc arena and freed from another's. Here a message
// costs one allocation, whatever its property count.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rmq {

class MessageProperties {
 public:
  // The value of `name`, NUL-terminated; nullptr when absent. The pointer
  // stays valid until this object is next changed.
  const char* find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // The value, or "" when absent.
  std::string get(std::string_view name) const;

  // Adds or replaces (a replaced property moves to the end of the order).
  void set(std::string_view name, std::string_view value);
  void erase(std::string_view name);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The index-th name in insertion order, NUL-terminated; nullptr past the end.
  const char* nameAt(size_t index) const;

  // Calls visit(name, value) for each property in insertion order.
  template <class Visit>
  void forEach(Visit&& visit) const {
    for (size_t at = 0; at < text_.size(); at = next(at)) visit(nameOf(at), valueOf(at));
  }

  // "k1\x01v1\x02k2\x01v2" (MessageDecoder.messageProperties2String: the
  // separator after the last pair is dropped, as the Java client does).
  std::string encode() const;
  void appendEncoded(std::string& out) const;
  // string2messageProperties: pairs with an empty name or value are
  // skipped, a later pair with the same name wins.
  static MessageProperties decode(const char* data, size_t len);

  // Same names with the same values, in any order.
  bool operator==(const MessageProperties& other) const;
  bool operator!=(const MessageProperties& other) const { return !(*this == other); }

 private:
  // Each entry: name length (u32), value length (u32), the name, NUL, the
  // value, NUL. The lengths keep values with NUL bytes whole; the NULs let
  // the C API hand out pointers into the buffer.
  static constexpr size_t kHeader = 8;

  static uint32_t lengthAt(const char* p) {
    uint32_t n;
    std::memcpy(&n, p, sizeof n);
    return n;
  }
  std::string_view nameOf(size_t at) const { return {text_.data() + at + kHeader, lengthAt(text_.data() + at)}; }
  std::string_view valueOf(size_t at) const {
    return {text_.data() + at + kHeader + lengthAt(text_.data() + at) + 1, lengthAt(text_.data() + at + 4)};
  }
  size_t next(size_t at) const {
    return at + kHeader + lengthAt(text_.data() + at) + 1 + lengthAt(text_.data() + at + 4) + 1;
  }
  // Offset of the entry named `name`, or npos.
  size_t locate(std::string_view name) const;
  void append(std::string_view name, std::string_view value);
  void removeAt(size_t at);
  void dropEarlierDuplicates();
  bool pointsInto(std::string_view text) const;

  std::string text_;
  uint32_t count_ = 0;
};

}  // namespace rmq
