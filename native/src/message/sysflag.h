// Bits of a message's sysFlag (MessageSysFlag.java).
#pragma once

namespace rmq {
namespace sysflag {

constexpr int kCompressed = 0x1;
constexpr int kMultiTags = 0x1 << 1;
constexpr int kTransactionNotType = 0;
constexpr int kTransactionPreparedType = 0x1 << 2;
constexpr int kTransactionCommitType = 0x2 << 2;
constexpr int kTransactionRollbackType = 0x3 << 2;
constexpr int kBornHostV6 = 0x1 << 4;
constexpr int kStoreHostV6 = 0x1 << 5;
// Bits 8..10 name the compression algorithm; 0 (unset) and 3 mean zlib.
constexpr int kCompressionTypeMask = 0x7 << 8;
constexpr int kCompressionZlib = 0x3 << 8;

}  // namespace sysflag
}  // namespace rmq
