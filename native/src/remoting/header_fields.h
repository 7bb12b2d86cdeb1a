// A remoting command's extFields: name -> value, iterated in name order
// (the order the JSON header is written in and the ACL signature covers).
//
// Every request and response carries one, a send request thirteen fields:
// as a std::map that was a tree node per field. Here the fields sit sorted in
// one vector, so a header costs one allocation plus its long values.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace rmq {

class HeaderFields {
 public:
  using value_type = std::pair<std::string, std::string>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  // The value of `name`, added empty when absent. The reference is valid
  // until the next field is added or erased.
  std::string& operator[](std::string_view name) {
    if (entries_.capacity() == 0) entries_.reserve(kTypicalFields);
    // Most headers are built in name order: then the new field goes last,
    // without the general insert (which moves a temporary into place).
    if (entries_.empty() || entries_.back().first < name) {
      entries_.emplace_back(std::piecewise_construct, std::forward_as_tuple(name), std::forward_as_tuple());
      return entries_.back().second;
    }
    auto at = std::lower_bound(entries_.begin(), entries_.end(), name, NameLess());
    if (at->first != name) at = entries_.emplace(at, std::string(name), std::string());
    return at->second;
  }

  // Adds `count` fields given in any order, as operator[] one by one would
  // (a repeated name keeps its last value), but placing each once: a
  // broker writes its fields in hash order, and inserting them one at a
  // time moved the ones already placed. Reorders `fields`.
  void addUnordered(std::pair<std::string_view, std::string_view>* fields, size_t count) {
    if (!entries_.empty()) {
      for (size_t i = 0; i < count; ++i) (*this)[fields[i].first].assign(fields[i].second.data(), fields[i].second.size());
      return;
    }
    // Insertion sort, stable: headers hold a handful of fields.
    for (size_t i = 1; i < count; ++i) {
      const auto moving = fields[i];
      size_t at = i;
      for (; at > 0 && moving.first < fields[at - 1].first; --at) fields[at] = fields[at - 1];
      fields[at] = moving;
    }
    entries_.reserve(std::max(count, kTypicalFields));
    for (size_t i = 0; i < count; ++i) {
      if (i + 1 < count && fields[i + 1].first == fields[i].first) continue;  // a later value wins
      entries_.emplace_back(std::piecewise_construct, std::forward_as_tuple(fields[i].first),
                            std::forward_as_tuple(fields[i].second));
    }
  }

  iterator find(std::string_view name) {
    auto at = std::lower_bound(entries_.begin(), entries_.end(), name, NameLess());
    return at != entries_.end() && at->first == name ? at : entries_.end();
  }
  const_iterator find(std::string_view name) const {
    auto at = std::lower_bound(entries_.begin(), entries_.end(), name, NameLess());
    return at != entries_.end() && at->first == name ? at : entries_.end();
  }
  size_t count(std::string_view name) const { return find(name) != end() ? 1 : 0; }
  size_t erase(std::string_view name) {
    auto at = find(name);
    if (at == entries_.end()) return 0;
    entries_.erase(at);
    return 1;
  }

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  bool operator==(const HeaderFields& other) const { return entries_ == other.entries_; }
  bool operator!=(const HeaderFields& other) const { return !(*this == other); }

 private:
  // A send request's thirteen fields and the ACL's three fit without growing.
  static constexpr size_t kTypicalFields = 16;

  struct NameLess {
    bool operator()(const value_type& entry, std::string_view name) const { return entry.first < name; }
  };

  std::vector<value_type> entries_;
};

}  // namespace rmq
