#include "message/message_properties.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace rmq {

namespace {
constexpr char kNameValueSeparator = '\x01';
constexpr char kPropertySeparator = '\x02';

char* putLength(char* out, size_t length) {
  const auto n = static_cast<uint32_t>(length);
  std::memcpy(out, &n, sizeof n);
  return out + sizeof n;
}

char* putText(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return out + text.size() + 1;
}

// Writes one entry (see kHeader) at `out`; returns where the next one goes.
char* putEntry(char* out, std::string_view name, std::string_view value) {
  out = putLength(out, name.size());
  out = putLength(out, value.size());
  out = putText(out, name);
  return putText(out, value);
}
}  // namespace

size_t MessageProperties::locate(std::string_view name) const {
  for (size_t at = 0; at < text_.size(); at = next(at)) {
    if (nameOf(at) == name) return at;
  }
  return std::string::npos;
}

const char* MessageProperties::find(std::string_view name) const {
  const size_t at = locate(name);
  return at == std::string::npos ? nullptr : valueOf(at).data();
}

std::string MessageProperties::get(std::string_view name) const {
  const size_t at = locate(name);
  return at == std::string::npos ? std::string() : std::string(valueOf(at));
}

void MessageProperties::append(std::string_view name, std::string_view value) {
  // One resize and plain copies: this runs for every property of every
  // received message.
  const size_t at = text_.size();
  text_.resize(at + kHeader + name.size() + value.size() + 2);
  putEntry(&text_[at], name, value);
  ++count_;
}

void MessageProperties::removeAt(size_t at) {
  text_.erase(at, next(at) - at);
  --count_;
}

bool MessageProperties::pointsInto(std::string_view text) const {
  return !text.empty() && std::less_equal<const char*>()(text_.data(), text.data()) &&
         std::less<const char*>()(text.data(), text_.data() + text_.size());
}

void MessageProperties::set(std::string_view name, std::string_view value) {
  if (pointsInto(name) || pointsInto(value)) {
    // Copying one property onto another: our buffer may move under the views.
    set(std::string(name), std::string(value));
    return;
  }
  const size_t at = locate(name);
  if (at != std::string::npos) {
    const std::string_view current = valueOf(at);
    if (current.size() == value.size()) {
      // Same length: overwrite in place (the common "replace a flag" case).
      std::copy(value.begin(), value.end(), &text_[static_cast<size_t>(current.data() - text_.data())]);
      return;
    }
    removeAt(at);
  }
  append(name, value);
}

void MessageProperties::erase(std::string_view name) {
  const size_t at = locate(name);
  if (at != std::string::npos) removeAt(at);
}

const char* MessageProperties::nameAt(size_t index) const {
  if (index >= count_) return nullptr;
  size_t at = 0;
  for (size_t i = 0; i < index; ++i) at = next(at);
  return nameOf(at).data();
}

void MessageProperties::appendEncoded(std::string& out) const {
  const size_t start = out.size();
  forEach([&out](std::string_view name, std::string_view value) {
    out.append(name);
    out.push_back(kNameValueSeparator);
    out.append(value);
    out.push_back(kPropertySeparator);
  });
  if (out.size() > start) out.pop_back();
}

std::string MessageProperties::encode() const {
  // Each entry's header (8 bytes) and NULs (2) become two separators.
  std::string out;
  out.reserve(text_.size());
  appendEncoded(out);
  return out;
}

namespace {
// What tells two property names apart at a glance: their length and first
// eight bytes. Equal fingerprints are compared in full.
struct NameFingerprint {
  uint64_t prefix;
  size_t length;
};

NameFingerprint fingerprintOf(std::string_view name) {
  NameFingerprint print{0, name.size()};
  std::memcpy(&print.prefix, name.data(), std::min(name.size(), sizeof print.prefix));
  return print;
}
}  // namespace

MessageProperties MessageProperties::decode(const char* data, size_t len) {
  MessageProperties result;
  if (len == 0) return result;
  // Stored, a pair takes its 8-byte header more than on the wire, and the
  // last pair a NUL more (it has no separator): the buffer is sized for
  // the worst case once, filled in place, then cut to what was written.
  // This runs for every received message.
  size_t pairs = 1;
  for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, kPropertySeparator, data + len - p))) != nullptr;
       ++p) {
    ++pairs;
  }
  result.text_.resize(len + pairs * kHeader + 1);
  char* const begin = &result.text_[0];
  char* out = begin;
  // The names seen so far, to tell whether any repeats; past kFew the
  // general check runs instead.
  constexpr size_t kFew = 16;
  NameFingerprint seen[kFew];
  bool mayRepeat = false;
  size_t index = 0;
  while (index < len) {
    const void* pairEnd = std::memchr(data + index, kPropertySeparator, len - index);
    const size_t end = pairEnd != nullptr ? static_cast<size_t>(static_cast<const char*>(pairEnd) - data) : len;
    // Searched within this pair only: a search to the end of the text
    // made a string of separators cost quadratic time.
    const void* found = std::memchr(data + index, kNameValueSeparator, end - index);
    if (found != nullptr) {
      const size_t sep = static_cast<size_t>(static_cast<const char*>(found) - data);
      if (sep > index && sep + 1 < end) {
        const std::string_view name(data + index, sep - index);
        const std::string_view value(data + sep + 1, end - sep - 1);
        if (result.count_ < kFew) {
          const NameFingerprint print = fingerprintOf(name);
          for (size_t i = 0; i < result.count_ && !mayRepeat; ++i) {
            mayRepeat = seen[i].length == print.length && seen[i].prefix == print.prefix;
          }
          seen[result.count_] = print;
        } else {
          mayRepeat = true;
        }
        out = putEntry(out, name, value);
        ++result.count_;
      }
    }
    index = end + 1;
  }
  result.text_.resize(static_cast<size_t>(out - begin));
  if (mayRepeat) result.dropEarlierDuplicates();
  return result;
}

void MessageProperties::dropEarlierDuplicates() {
  if (count_ < 2) return;
  // Offsets of the entries: on the stack for the usual handful, so that
  // decoding an ordinary message allocates nothing here.
  constexpr size_t kFew = 16;
  size_t few[kFew];
  std::vector<size_t> many;
  size_t* offsets = few;
  if (count_ > kFew) {
    many.resize(count_);
    offsets = many.data();
  }
  size_t n = 0;
  for (size_t at = 0; at < text_.size(); at = next(at)) offsets[n++] = at;

  bool dropped = false;
  if (n <= kFew) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) {
        if (nameOf(offsets[i]) == nameOf(offsets[j])) {
          offsets[i] = std::string::npos;
          dropped = true;
          break;
        }
      }
    }
  } else {
    // Sorted by name, then position: within a run of equal names all but
    // the last are dropped. O(n log n) for a text of thousands of pairs.
    std::vector<size_t> order(offsets, offsets + n);
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      const std::string_view na = nameOf(a);
      const std::string_view nb = nameOf(b);
      return na != nb ? na < nb : a < b;
    });
    std::vector<size_t> earlier;
    for (size_t i = 0; i + 1 < order.size(); ++i) {
      if (nameOf(order[i]) == nameOf(order[i + 1])) earlier.push_back(order[i]);
    }
    if (!earlier.empty()) {
      std::sort(earlier.begin(), earlier.end());
      for (size_t i = 0; i < n; ++i) {
        if (std::binary_search(earlier.begin(), earlier.end(), offsets[i])) offsets[i] = std::string::npos;
      }
      dropped = true;
    }
  }
  if (!dropped) return;

  MessageProperties kept;
  kept.text_.reserve(text_.size());
  for (size_t i = 0; i < n; ++i) {
    if (offsets[i] != std::string::npos) kept.append(nameOf(offsets[i]), valueOf(offsets[i]));
  }
  *this = std::move(kept);
}

bool MessageProperties::operator==(const MessageProperties& other) const {
  if (count_ != other.count_) return false;
  for (size_t at = 0; at < text_.size(); at = next(at)) {
    const size_t there = other.locate(nameOf(at));
    if (there == std::string::npos || other.valueOf(there) != valueOf(at)) return false;
  }
  return true;
}

}  // namespace rmq
