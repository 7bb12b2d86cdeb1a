"""Exceptions raised by the client, one class per C API status code as in 2.0.0."""

from typing import Callable, Dict, Optional, Type, TypeVar

from .ffi import _CStatus

__all__ = [
    "RocketMQException",
    "NullPointerException",
    "MallocFailed",
    "ProducerException",
    "ProducerStartFailed",
    "ProducerSendSyncFailed",
    "ProducerSendOnewayFailed",
    "ProducerSendOrderlyFailed",
    "ProducerSendAsyncFailed",
    "ProducerSendTransactionFailed",
    "RequestTimeoutError",
    "ConsumerException",
    "PushConsumerStartFailed",
    "TimerMessageUnsupported",
    "LitePullConsumerException",
    "LitePullConsumerStateError",
    "LitePullConsumerArgumentError",
    "ffi_check",
]

_EXCEPTION_MAP: Dict[int, Type["RocketMQException"]] = {}
_E = TypeVar("_E", bound="RocketMQException")


def _register(status_code: int) -> Callable[[Type["RocketMQException"]], Type["RocketMQException"]]:
    def register(cls: Type["RocketMQException"]) -> Type["RocketMQException"]:
        _EXCEPTION_MAP[status_code] = cls
        return cls

    return register


def _latest_error_message() -> Optional[str]:
    # Imported here so that the exception classes stay importable (and
    # catchable) even when the extension failed to load.
    from ._bindings import ffi, lib

    text = lib.GetLatestErrorMessage()
    if text == ffi.NULL:
        return None
    message = ffi.string(text).decode("utf-8", "replace")
    # 2.0.0 stripped this prefix the C++ client put in front of every message.
    return message[5:] if message.startswith("msg: ") else message


def exception_for(status_code: int) -> "RocketMQException":
    """The exception 2.0.0 raised for ``status_code``, carrying the core's last error message."""
    exc_cls = _EXCEPTION_MAP.get(status_code, RocketMQException)
    message = _latest_error_message()
    if not message:
        message = f"native call failed with status {status_code}"
    return refined_class(exc_cls, message)(message)


# How the core words its refusal to send a timer message to a broker older
# than 5.0 (native/src/producer/timer_support.h).
_TIMER_UNSUPPORTED_MARKER = "cannot hold a message for a delivery time"
_TIMER_VARIANTS: Dict[type, type] = {}


def refined_class(exc_cls: Type[_E], message: str) -> Type[_E]:
    """``exc_cls``, or its :class:`TimerMessageUnsupported` variant when
    ``message`` is the core's refusal of a timer message."""
    if _TIMER_UNSUPPORTED_MARKER not in message or not issubclass(exc_cls, ProducerException):
        return exc_cls
    variant = _TIMER_VARIANTS.get(exc_cls)
    if variant is None:
        # Both the send's usual class and TimerMessageUnsupported catch it.
        variant = type("TimerMessageUnsupported", (TimerMessageUnsupported, exc_cls),
                       {"__module__": __name__, "__doc__": TimerMessageUnsupported.__doc__})
        _TIMER_VARIANTS[exc_cls] = variant
    return variant


def ffi_check(status_code: int) -> None:
    """Raise the matching exception unless ``status_code`` is OK."""
    if status_code != _CStatus.OK:
        raise exception_for(status_code)


class RocketMQException(Exception):
    """Base class of every error the client reports."""


@_register(_CStatus.NULL_POINTER)
class NullPointerException(RocketMQException):
    """The core returned no object, or was handed a destroyed one."""


@_register(_CStatus.MALLOC_FAILED)
class MallocFailed(RocketMQException):
    """The core ran out of memory."""


class ProducerException(RocketMQException):
    """Base class of the producers' errors."""


@_register(_CStatus.PRODUCER_START_FAILED)
class ProducerStartFailed(ProducerException):
    """A producer's ``start()`` failed; the message says why."""


@_register(_CStatus.PRODUCER_SEND_SYNC_FAILED)
class ProducerSendSyncFailed(ProducerException):
    """A synchronous send failed: the broker refused it, or none answered in time."""


@_register(_CStatus.PRODUCER_SEND_ONEWAY_FAILED)
class ProducerSendOnewayFailed(ProducerException):
    """A one-way send could not be handed to a broker."""


@_register(_CStatus.PRODUCER_SEND_ORDERLY_FAILED)
class ProducerSendOrderlyFailed(ProducerException):
    """An orderly send failed (a selector's own exception is re-raised instead)."""


@_register(_CStatus.PRODUCER_SEND_ASYNC_FAILED)
class ProducerSendAsyncFailed(ProducerException):
    """A failed ``send_async``: handed to ``on_exception`` and set on the returned
    future with the details the core reported, or raised at once when the
    core refuses the send before it starts (then only ``msg`` is meaningful)."""

    def __init__(self, msg: str, error: int = 0, file: str = "", line: int = 0, type: str = "") -> None:
        super().__init__(msg)
        self.error = error
        self.file = file
        self.line = line
        self.type = type


@_register(_CStatus.PRODUCER_SEND_TRANSACTION_FAILED)
class ProducerSendTransactionFailed(ProducerException):
    """The half message of a transaction could not be sent."""


class TimerMessageUnsupported(ProducerException):
    """A message with a delivery time or delay was not sent: the broker chosen
    for it runs RocketMQ older than 5.0, which would deliver it at once. The
    message names the broker and its version. What is raised is also an
    instance of the send's usual exception (``ProducerSendSyncFailed``,
    ``ProducerSendAsyncFailed``, ...)."""


# CRequestReply.h's REQUEST_REPLY_TIMEOUT status.
_REQUEST_REPLY_TIMEOUT = 19


@_register(_REQUEST_REPLY_TIMEOUT)
class RequestTimeoutError(ProducerException, TimeoutError):
    """``Producer.request``: the request was sent (or was still being sent) and no
    reply came within its timeout (the Java client's RequestTimeoutException)."""


class ClientUsedAfterFork(RocketMQException):
    """A producer or consumer created before ``fork()`` was used in the child process."""


class ConsumerException(RocketMQException):
    """Base class of the consumers' errors."""


@_register(_CStatus.PUSH_CONSUMER_START_FAILED)
class PushConsumerStartFailed(ConsumerException):
    """A push consumer's ``start()`` failed; the message says why."""


@_register(_CStatus.PULL_CONSUMER_START_FAILED)
class PullConsumerStartFailed(ConsumerException):
    """A pull consumer's ``start()`` failed."""


@_register(_CStatus.PULL_CONSUMER_FETCH_MQ_FAILED)
class PullConsumerFetchMQFailed(ConsumerException):
    """The queues of a topic could not be fetched (e.g. the name servers know no route for it)."""


@_register(_CStatus.PULL_CONSUMER_FETCH_MESSAGE_FAILED)
class PullConsumerFetchMessageFailed(ConsumerException):
    """A pull request failed; the message says why."""


# The lite pull consumer's statuses (CLitePullStatus in CLitePullConsumer.h).
_LITE_PULL_ILLEGAL_ARGUMENT = 70
_LITE_PULL_ILLEGAL_STATE = 71
_LITE_PULL_FAILED = 72


@_register(_LITE_PULL_FAILED)
class LitePullConsumerException(ConsumerException):
    """A lite pull consumer call failed: the brokers or name servers could not be asked."""


@_register(_LITE_PULL_ILLEGAL_STATE)
class LitePullConsumerStateError(LitePullConsumerException):
    """Not started, shut down, nothing subscribed or assigned, or subscribe mixed with assign."""


@_register(_LITE_PULL_ILLEGAL_ARGUMENT)
class LitePullConsumerArgumentError(LitePullConsumerException, ValueError):
    """A value the lite pull consumer refused: a seek offset outside the queue, a queue it does
    not hold, a setting out of range."""
