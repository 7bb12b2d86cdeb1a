// Request and response codes of the RocketMQ 4.x protocol that the core
// uses (RequestCode.java, ResponseCode.java), in one place.
#pragma once

#include <cstdint>

namespace rmq {

namespace request_code {
constexpr int32_t kSendMessage = 10;
constexpr int32_t kPullMessage = 11;
constexpr int32_t kQueryConsumerOffset = 14;
constexpr int32_t kUpdateConsumerOffset = 15;
constexpr int32_t kGetBrokerRuntimeInfo = 28;
constexpr int32_t kSearchOffsetByTimestamp = 29;
constexpr int32_t kGetMaxOffset = 30;
constexpr int32_t kGetMinOffset = 31;
constexpr int32_t kHeartBeat = 34;
constexpr int32_t kUnregisterClient = 35;
constexpr int32_t kConsumerSendMsgBack = 36;
constexpr int32_t kEndTransaction = 37;
constexpr int32_t kGetConsumerListByGroup = 38;
constexpr int32_t kCheckTransactionState = 39;
constexpr int32_t kNotifyConsumerIdsChanged = 40;
constexpr int32_t kLockBatchMq = 41;
constexpr int32_t kUnlockBatchMq = 42;
constexpr int32_t kGetRouteInfoByTopic = 105;
constexpr int32_t kGetBrokerClusterInfo = 106;
constexpr int32_t kResetConsumerClientOffset = 220;
constexpr int32_t kInvokeBrokerToResetOffset = 222;
constexpr int32_t kGetConsumerRunningInfo = 307;
constexpr int32_t kSendMessageV2 = 310;
constexpr int32_t kSendBatchMessage = 320;
}  // namespace request_code

namespace response_code {
constexpr int32_t kSuccess = 0;
constexpr int32_t kSystemError = 1;
constexpr int32_t kSystemBusy = 2;
constexpr int32_t kRequestCodeNotSupported = 3;
constexpr int32_t kFlushDiskTimeout = 10;
constexpr int32_t kSlaveNotAvailable = 11;
constexpr int32_t kFlushSlaveTimeout = 12;
constexpr int32_t kServiceNotAvailable = 14;
constexpr int32_t kNoPermission = 16;
constexpr int32_t kTopicNotExist = 17;
constexpr int32_t kPullNotFound = 19;
constexpr int32_t kPullRetryImmediately = 20;
constexpr int32_t kPullOffsetMoved = 21;
constexpr int32_t kQueryNotFound = 22;
constexpr int32_t kNoBuyerId = 204;
constexpr int32_t kNotInCurrentUnit = 205;
}  // namespace response_code

}  // namespace rmq
