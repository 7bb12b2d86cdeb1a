/* Verdict of a local transaction, returned by the executor and checker callbacks. */
#ifndef ROCKETMQ_CFFI_C_TRANSACTION_STATUS_H
#define ROCKETMQ_CFFI_C_TRANSACTION_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum E_CTransactionStatus {
  E_COMMIT_TRANSACTION = 0,
  E_ROLLBACK_TRANSACTION = 1,
  E_UNKNOWN_TRANSACTION = 2
} CTransactionStatus;

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_TRANSACTION_STATUS_H */
