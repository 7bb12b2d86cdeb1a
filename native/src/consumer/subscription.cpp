#include "consumer/subscription.h"

#include <algorithm>
#include <chrono>

#include "common/errors.h"

namespace rmq {

namespace {

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return std::string();
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Decodes UTF-8 into UTF-16 code units, the units Java hashes.
template <typename Visit>
void forEachUtf16Unit(const std::string& text, Visit visit) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    uint32_t cp = *p;
    int extra = 0;
    if (cp >= 0xF0 && end - p >= 4) {
      cp &= 0x07;
      extra = 3;
    } else if (cp >= 0xE0 && end - p >= 3) {
      cp &= 0x0F;
      extra = 2;
    } else if (cp >= 0xC0 && end - p >= 2) {
      cp &= 0x1F;
      extra = 1;
    }
    ++p;
    for (int i = 0; i < extra; ++i) cp = (cp << 6) | (*p++ & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      visit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      visit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      visit(static_cast<uint16_t>(cp));
    }
  }
}

}  // namespace

int32_t javaStringHash(const std::string& text) {
  uint32_t hash = 0;  // unsigned: Java's int overflow wraps
  forEachUtf16Unit(text, [&](uint16_t unit) { hash = hash * 31 + unit; });
  return static_cast<int32_t>(hash);
}

bool isTagType(const std::string& expressionType) {
  return expressionType.empty() || expressionType == kExpressionTypeTag;
}

bool isKnownExpressionType(const std::string& expressionType) {
  return isTagType(expressionType) || expressionType == kExpressionTypeSql92;
}

SubscriptionData buildSubscription(const std::string& topic, const std::string& expression,
                                   const std::string& expressionType) {
  if (!isKnownExpressionType(expressionType)) {
    throw MQException(ErrorKind::kIllegalArgument,
                      "unknown expression type \"" + expressionType + "\": expected TAG or SQL92");
  }
  SubscriptionData data;
  data.topic = topic;
  data.subVersion = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  if (!isTagType(expressionType)) {
    if (trim(expression).empty()) {
      throw MQException(ErrorKind::kIllegalArgument, "a " + expressionType + " expression cannot be empty");
    }
    data.subString = expression;
    data.expressionType = expressionType;
    return data;
  }
  std::string trimmed = trim(expression);
  if (trimmed.empty() || trimmed == kSubscribeAll) {
    data.subString = kSubscribeAll;
    return data;
  }
  data.subString = trimmed;
  size_t start = 0;
  while (start <= trimmed.size()) {
    size_t bar = trimmed.find("||", start);
    std::string tag = trim(trimmed.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (!tag.empty() && std::find(data.tags.begin(), data.tags.end(), tag) == data.tags.end()) {
      data.tags.push_back(tag);
      data.codes.push_back(javaStringHash(tag));
    }
    if (bar == std::string::npos) break;
    start = bar + 2;
  }
  return data;
}

bool subscriptionMatches(const SubscriptionData& subscription, const std::string& tags) {
  if (subscription.tags.empty() || subscription.subString == kSubscribeAll) return true;
  return std::find(subscription.tags.begin(), subscription.tags.end(), tags) != subscription.tags.end();
}

}  // namespace rmq
