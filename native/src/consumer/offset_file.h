// Broadcasting consumers keep their offsets in a local file per client and
// group (as the Java client's LocalFileOffsetStore does, under
// ~/.rocketmq_offsets/<client>/<group>/offsets.json). Keys are
// "topic@brokerName@queueId".
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace rmq {

// `dir` empty means $HOME/.rocketmq_offsets.
std::string offsetFilePath(const std::string& dir, const std::string& owner, const std::string& group);

// A missing or unreadable file gives an empty table (start from the newest message).
std::map<std::string, int64_t> readOffsetFile(const std::string& path);

// Writes atomically (temporary file + rename); throws MQException on failure.
void writeOffsetFile(const std::string& path, const std::map<std::string, int64_t>& offsets);

}  // namespace rmq
