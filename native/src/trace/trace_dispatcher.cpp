#include "trace/trace_dispatcher.h"

#include <chrono>
#include <sstream>

#include "common/log.h"
#include "common/thread_name.h"
#include "message/message.h"
#include "producer/producer.h"

namespace rmq {

namespace {

constexpr char kContentSeparator = '\x01';  // TraceConstants.CONTENT_SPLITOR
constexpr char kFieldSeparator = '\x02';    // TraceConstants.FIELD_SPLITOR
constexpr int64_t kBatchWaitMs = 100;
constexpr int64_t kTraceSendTimeoutMs = 5000;

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Fields {
 public:
  template <typename T>
  Fields& add(const T& value) {
    out_ << value << kContentSeparator;
    return *this;
  }
  Fields& add(bool value) {
    out_ << (value ? "true" : "false") << kContentSeparator;
    return *this;
  }
  // The last field ends the record instead of separating.
  template <typename T>
  std::string last(const T& value) {
    out_ << value << kFieldSeparator;
    return out_.str();
  }
  std::string last(bool value) { return last(value ? "true" : "false"); }

 private:
  std::ostringstream out_;
};

const char* traceTypeName(TraceType type) {
  switch (type) {
    case TraceType::kPub: return "Pub";
    case TraceType::kSubBefore: return "SubBefore";
    case TraceType::kSubAfter: return "SubAfter";
  }
  return "Pub";
}

// The keys a trace message is indexed by: the message id and each of its keys.
std::string traceKeys(const std::vector<TraceRecord>& records) {
  std::string keys;
  auto append = [&keys](const std::string& key) {
    if (key.empty()) return;
    if (!keys.empty()) keys.push_back(' ');
    keys += key;
  };
  for (const auto& record : records) {
    append(record.msgId);
    std::istringstream split(record.keys);
    for (std::string key; split >> key;) append(key);
  }
  return keys;
}

}  // namespace

std::string encodeTraceRecord(const TraceRecord& r) {
  Fields fields;
  switch (r.type) {
    case TraceType::kPub:
      return fields.add(traceTypeName(r.type)).add(r.timestampMs).add(r.regionId).add(r.groupName).add(r.topic)
          .add(r.msgId).add(r.tags).add(r.keys).add(r.storeHost).add(r.bodyLength).add(r.costTimeMs)
          .add(static_cast<int>(r.msgType)).add(r.offsetMsgId).last(r.success);
    case TraceType::kSubBefore:
      return fields.add(traceTypeName(r.type)).add(r.timestampMs).add(r.regionId).add(r.groupName)
          .add(r.requestId).add(r.msgId).add(r.retryTimes).last(r.keys);
    case TraceType::kSubAfter:
      // The non-cloud layout: timestamp and group close the record.
      return fields.add(traceTypeName(r.type)).add(r.requestId).add(r.msgId).add(r.costTimeMs).add(r.success)
          .add(r.keys).add(r.contextCode).add(r.timestampMs).last(r.groupName);
  }
  return std::string();
}

std::shared_ptr<TraceDispatcher> startTraceDispatcher(const TraceClientOptions& options) {
  try {
    auto trace = std::make_shared<TraceDispatcher>(options);
    trace->start();
    return trace;
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "message trace of " << options.ownerGroup << " is off: " << e.what());
    return nullptr;
  }
}

TraceDispatcher::TraceDispatcher(TraceClientOptions options) : options_(std::move(options)) {}

TraceDispatcher::~TraceDispatcher() {
  try {
    stop(0);
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "stopping the trace dispatcher failed: " << e.what());
  }
}

void TraceDispatcher::start() {
  // AsyncTraceDispatcher.genGroupNameForTrace's shape.
  static std::atomic<int> counter{0};
  producer_ = std::make_unique<Producer>("_INNER_TRACE_PRODUCER-" + options_.ownerGroup + "-" + options_.ownerType +
                                         "-" + std::to_string(++counter));
  producer_->setNamesrvAddr(options_.namesrvAddr);
  producer_->setNamesrvDomain(options_.namesrvDomain);
  producer_->setInstanceName("TRACE_INSTANCE_" + std::to_string(counter.load()));
  if (!options_.accessKey.empty()) {
    producer_->setCredentials(options_.accessKey, options_.secretKey, options_.onsChannel);
  }
  producer_->setSendTimeoutMs(kTraceSendTimeoutMs);
  producer_->setTls(options_.tls);
  producer_->start();
  worker_ = std::thread([this] { run(); });
  nameThread(worker_, "rmq-trace");
}

void TraceDispatcher::stop(int64_t flushTimeoutMs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    flushDeadlineMs_ = steadyMs() + flushTimeoutMs;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (producer_) producer_->shutdown();
}

void TraceDispatcher::submit(TraceRecord record) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= kMaxQueuedRecords) {
      dropped_.fetch_add(1);
      return;
    }
    queue_.push_back(std::move(record));
    if (queue_.size() < kMaxRecordsPerMessage) return;
  }
  wake_.notify_one();
}

void TraceDispatcher::run() {
  for (;;) {
    std::vector<TraceRecord> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(kBatchWaitMs),
                     [this] { return stopping_ || queue_.size() >= kMaxRecordsPerMessage; });
      if (stopping_ && (queue_.empty() || steadyMs() >= flushDeadlineMs_)) {
        dropped_.fetch_add(queue_.size());
        queue_.clear();
        return;
      }
      while (!queue_.empty() && batch.size() < kMaxRecordsPerMessage) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) sendBatch(batch);
  }
}

void TraceDispatcher::sendBatch(std::vector<TraceRecord>& batch) {
  // One trace message per run of records that fits the size limit.
  size_t begin = 0;
  while (begin < batch.size()) {
    std::string body;
    size_t end = begin;
    for (; end < batch.size(); ++end) {
      std::string encoded = encodeTraceRecord(batch[end]);
      if (end > begin && body.size() + encoded.size() > kMaxMessageBytes) break;
      body += encoded;
    }
    std::vector<TraceRecord> part(batch.begin() + static_cast<long>(begin), batch.begin() + static_cast<long>(end));
    try {
      Message message(kTraceTopic);
      message.setBody(body);
      message.putProperty(property::kKeys, traceKeys(part));
      producer_->send(message);
      sent_.fetch_add(part.size());
    } catch (const std::exception& e) {
      dropped_.fetch_add(part.size());
      RMQ_LOG(kWarn, "sending " << part.size() << " trace records failed: " << e.what());
    }
    begin = end;
  }
}

}  // namespace rmq
