"""ctypes view of the native core, kept for code written against 2.0.0's ``rocketmq.ffi``.

The client itself calls the core through cffi (``rocketmq._native``). This
module keeps 2.0.0's enums, structures and callback types, and ``dll``: a
``ctypes.CDLL`` of the core library in use (``rocketmq/_lib/librocketmq.so``
unless ``ROCKETMQ_LIBRARY`` names another), which exports the same C API that
librocketmq did. ``dll`` is loaded on first use, with 2.0.0's argument and
result types declared.
"""

import ctypes
import threading
from ctypes import POINTER, Structure, c_char, c_char_p, c_int, c_long, c_longlong, c_void_p
from enum import IntEnum
from typing import Any, Optional


class CtypesEnum(IntEnum):
    """An IntEnum that ctypes accepts as an argument."""

    @classmethod
    def from_param(cls, obj: Any) -> int:
        return int(obj)


class _CStatus(CtypesEnum):
    OK = 0
    NULL_POINTER = 1
    MALLOC_FAILED = 2
    PRODUCER_START_FAILED = 10
    PRODUCER_SEND_SYNC_FAILED = 11
    PRODUCER_SEND_ONEWAY_FAILED = 12
    PRODUCER_SEND_ORDERLY_FAILED = 13
    PRODUCER_SEND_ASYNC_FAILED = 14
    PRODUCER_SEND_ORDERLYASYNC_FAILED = 15
    PRODUCER_SEND_TRANSACTION_FAILED = 16
    PUSH_CONSUMER_START_FAILED = 20
    PULL_CONSUMER_START_FAILED = 30
    PULL_CONSUMER_FETCH_MQ_FAILED = 31
    PULL_CONSUMER_FETCH_MESSAGE_FAILED = 32
    NOT_SUPPORT = 500
    NOT_SUPPORT_NOW = -1


class _CLogLevel(CtypesEnum):
    FATAL = 1
    ERROR = 2
    WARN = 3
    INFO = 4
    DEBUG = 5
    TRACE = 6
    LEVEL_NUM = 7


class MessageModel(CtypesEnum):
    BROADCASTING = 0
    CLUSTERING = 1


class TraceModel(CtypesEnum):
    OPEN = 0
    CLOSE = 1


# Layouts follow the C headers (CSendResult.h, CMessageQueue.h, CMQException.h).
class _CSendResult(Structure):
    _fields_ = [
        ("sendStatus", c_int),
        ("msgId", c_char * 256),
        ("offset", c_longlong),
    ]


class _CMessageQueue(Structure):
    _fields_ = [
        ("topic", c_char * 512),
        ("brokerName", c_char * 256),
        ("queueId", c_int),
    ]


class _CMQException(Structure):
    _fields_ = [
        ("error", c_int),
        ("line", c_int),
        ("file", c_char * 256),
        ("msg", c_char * 512),
        ("type", c_char * 128),
    ]


QUEUE_SELECTOR_CALLBACK = ctypes.CFUNCTYPE(c_int, c_int, c_void_p, c_void_p)
SEND_SUCCESS_CALLBACK = ctypes.CFUNCTYPE(None, _CSendResult)
SEND_EXCEPTION_CALLBACK = ctypes.CFUNCTYPE(None, _CMQException)
TRANSACTION_CHECK_CALLBACK = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
LOCAL_TRANSACTION_EXECUTE_CALLBACK = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_void_p)
MSG_CALLBACK_FUNC = ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)

_P = c_void_p
_S = c_char_p
_RESULT = POINTER(_CSendResult)

# name: (result type, argument types), as 2.0.0 declared them.
_SIGNATURES = {
    "CreateMessage": (_P, [_S]),
    "DestroyMessage": (_CStatus, [_P]),
    "SetMessageTopic": (_CStatus, [_P, _S]),
    "SetMessageKeys": (_CStatus, [_P, _S]),
    "SetMessageTags": (_CStatus, [_P, _S]),
    "SetMessageBody": (_CStatus, [_P, _S]),
    "SetByteMessageBody": (_CStatus, [_P, _S, c_int]),
    "SetMessageProperty": (_CStatus, [_P, _S, _S]),
    "SetDelayTimeLevel": (_CStatus, [_P, c_int]),
    "GetMessageTopic": (_S, [_P]),
    "GetMessageTags": (_S, [_P]),
    "GetMessageKeys": (_S, [_P]),
    "GetMessageBody": (_S, [_P]),
    "GetMessageBodyLength": (c_int, [_P]),
    "GetMessageProperty": (_S, [_P, _S]),
    "GetMessageId": (_S, [_P]),
    "GetMessageDelayTimeLevel": (c_int, [_P]),
    "GetMessageQueueId": (c_int, [_P]),
    "GetMessageReconsumeTimes": (c_int, [_P]),
    "GetMessageStoreSize": (c_int, [_P]),
    "GetMessageBornTimestamp": (c_longlong, [_P]),
    "GetMessageStoreTimestamp": (c_longlong, [_P]),
    "GetMessageQueueOffset": (c_longlong, [_P]),
    "GetMessageCommitLogOffset": (c_longlong, [_P]),
    "GetMessagePreparedTransactionOffset": (c_longlong, [_P]),
    "CreateBatchMessage": (_P, []),
    "AddMessage": (_CStatus, [_P, _P]),
    "DestroyBatchMessage": (_CStatus, [_P]),
    "CreateProducer": (_P, [_S]),
    "CreateOrderlyProducer": (_P, [_S]),
    "CreateTransactionProducer": (_P, [_S, TRANSACTION_CHECK_CALLBACK, _P]),
    "DestroyProducer": (_CStatus, [_P]),
    "StartProducer": (_CStatus, [_P]),
    "ShutdownProducer": (_CStatus, [_P]),
    "SetProducerNameServerAddress": (_CStatus, [_P, _S]),
    "SetProducerNameServerDomain": (_CStatus, [_P, _S]),
    "SetProducerGroupName": (_CStatus, [_P, _S]),
    "SetProducerInstanceName": (_CStatus, [_P, _S]),
    "SetProducerSessionCredentials": (_CStatus, [_P, _S, _S, _S]),
    "SetProducerLogPath": (_CStatus, [_P, _S]),
    "SetProducerLogFileNumAndSize": (_CStatus, [_P, c_int, c_long]),
    "SetProducerLogLevel": (_CStatus, [_P, _CLogLevel]),
    "SetProducerSendMsgTimeout": (_CStatus, [_P, c_int]),
    "SetProducerCompressLevel": (_CStatus, [_P, c_int]),
    "SetProducerMaxMessageSize": (_CStatus, [_P, c_int]),
    "SetProducerMessageTrace": (_CStatus, [_P, TraceModel]),
    "SendMessageSync": (_CStatus, [_P, _P, _RESULT]),
    "SendMessageOneway": (_CStatus, [_P, _P]),
    "SendBatchMessage": (_CStatus, [_P, _P, _RESULT]),
    "SendMessageOrderlyByShardingKey": (_CStatus, [_P, _P, _S, _RESULT]),
    "SendMessageTransaction": (c_int, [_P, _P, LOCAL_TRANSACTION_EXECUTE_CALLBACK, _P, _RESULT]),
    "CreatePushConsumer": (_P, [_S]),
    "DestroyPushConsumer": (_CStatus, [_P]),
    "StartPushConsumer": (_CStatus, [_P]),
    "ShutdownPushConsumer": (_CStatus, [_P]),
    "SetPushConsumerGroupID": (_CStatus, [_P, _S]),
    "GetPushConsumerGroupID": (_S, [_P]),
    "SetPushConsumerNameServerAddress": (_CStatus, [_P, _S]),
    "SetPushConsumerNameServerDomain": (_CStatus, [_P, _S]),
    "Subscribe": (_CStatus, [_P, _S, _S]),
    "RegisterMessageCallbackOrderly": (_CStatus, [_P, MSG_CALLBACK_FUNC]),
    "RegisterMessageCallback": (_CStatus, [_P, MSG_CALLBACK_FUNC]),
    "UnregisterMessageCallbackOrderly": (_CStatus, [_P]),
    "UnregisterMessageCallback": (_CStatus, [_P]),
    "SetPushConsumerThreadCount": (_CStatus, [_P, c_int]),
    "SetPushConsumerMessageBatchMaxSize": (_CStatus, [_P, c_int]),
    "SetPushConsumerInstanceName": (_CStatus, [_P, _S]),
    "SetPushConsumerSessionCredentials": (_CStatus, [_P, _S, _S, _S]),
    "SetPushConsumerLogPath": (_CStatus, [_P, _S]),
    "SetPushConsumerLogFileNumAndSize": (_CStatus, [_P, c_int, c_long]),
    "SetPushConsumerLogLevel": (_CStatus, [_P, _CLogLevel]),
    "SetPushConsumerMessageModel": (_CStatus, [_P, MessageModel]),
    "SetPushConsumerMessageTrace": (_CStatus, [_P, TraceModel]),
    "GetLatestErrorMessage": (_S, []),
}

_dll: Optional[ctypes.CDLL] = None
_dll_lock = threading.Lock()


def _load_dll() -> ctypes.CDLL:
    global _dll
    with _dll_lock:
        if _dll is None:
            from ._bindings import core_library_path

            # The extension has already loaded the core; dlopen of the same
            # file hands back that copy rather than a second one.
            library = ctypes.CDLL(core_library_path())
            for name, (restype, argtypes) in _SIGNATURES.items():
                function = getattr(library, name)
                function.restype = restype
                function.argtypes = argtypes
            _dll = library
        return _dll


def __getattr__(name: str) -> Any:
    # Module-level __getattr__ (PEP 562) makes ``rocketmq.ffi.dll`` lazy.
    if name == "dll":
        return _load_dll()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
