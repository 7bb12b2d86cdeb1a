#include "consumer/offset_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"

namespace rmq {

namespace {

// File names may not contain '/'; client ids and groups could.
std::string safeName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '/' || c == '\\') c = '_';
  }
  return out;
}

void makeDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1); ; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      throw MQException(ErrorKind::kInternal, "cannot create " + prefix + ": " + std::strerror(errno));
    }
    if (slash == std::string::npos) return;
  }
}

}  // namespace

std::string offsetFilePath(const std::string& dir, const std::string& owner, const std::string& group) {
  std::string base = dir;
  if (base.empty()) {
    const char* home = std::getenv("HOME");
    base = std::string(home != nullptr && *home != '\0' ? home : "/tmp") + "/.rocketmq_offsets";
  }
  return base + "/" + safeName(owner) + "/" + safeName(group) + "/offsets.json";
}

std::map<std::string, int64_t> readOffsetFile(const std::string& path) {
  std::map<std::string, int64_t> offsets;
  std::ifstream in(path, std::ios::binary);
  if (!in) return offsets;
  std::stringstream text;
  text << in.rdbuf();
  try {
    Json root = Json::parse(text.str());
    for (const auto& entry : root["offsetTable"].items()) offsets[entry.first] = entry.second.asInt64(-1);
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "ignoring unreadable offset file " << path << ": " << e.what());
    offsets.clear();
  }
  return offsets;
}

void writeOffsetFile(const std::string& path, const std::map<std::string, int64_t>& offsets) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) makeDirectories(path.substr(0, slash));
  Json table = Json::object();
  for (const auto& entry : offsets) table[entry.first] = entry.second;
  Json root = Json::object();
  root["offsetTable"] = table;
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << root.dump();
    if (!out) throw MQException(ErrorKind::kInternal, "cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw MQException(ErrorKind::kInternal, "cannot replace " + path + ": " + std::strerror(errno));
  }
}

}  // namespace rmq
