"""Result and status types of rocketmq.client, with 2.0.0's names and values."""

from collections import namedtuple
from enum import IntEnum
from typing import Any, Optional, Type, TypeVar

from ._bindings import ffi

__all__ = ["SendResult", "SendStatus", "TransactionStatus", "ConsumeStatus"]

# They are part of rocketmq.client's API: say so in reprs and pickles.
_PUBLIC_MODULE = "rocketmq.client"

SendResult = namedtuple("SendResult", ["status", "msg_id", "offset"], module=_PUBLIC_MODULE)
SendResult.__doc__ = "What the broker answered a send: a SendStatus, the message id and its queue offset."
SendResult.status.__doc__ = "A :class:`SendStatus` (the message is stored even when it is not OK)."
SendResult.msg_id.__doc__ = "The message id (the producer's unique key)."
SendResult.offset.__doc__ = "The message's offset in its queue."


class SendStatus(IntEnum):
    """How the broker stored a sent message (flush and replication timeouts still stored it)."""

    OK = 0
    FLUSH_DISK_TIMEOUT = 1
    FLUSH_SLAVE_TIMEOUT = 2
    SLAVE_NOT_AVAILABLE = 3


class TransactionStatus(IntEnum):
    """A local transaction's outcome: commit or roll back its half message, or ask again later."""

    COMMIT = 0
    ROLLBACK = 1
    UNKNOWN = 2


class ConsumeStatus(IntEnum):
    """A consume callback's answer: done, or deliver the message again later."""

    CONSUME_SUCCESS = 0
    RECONSUME_LATER = 1


_Status = TypeVar("_Status", bound=IntEnum)

for _public in (SendStatus, TransactionStatus, ConsumeStatus):
    _public.__module__ = _PUBLIC_MODULE


# Every send makes a SendResult: a dict lookup and tuple.__new__ spare it the
# enum's and the namedtuple's Python-level constructors.
_SEND_STATUSES = {status.value: status for status in SendStatus}
_new_tuple = tuple.__new__


def send_result_from_c(c_result: Any) -> SendResult:
    """Copy a ``CSendResult`` into the Python namedtuple."""
    value = c_result.sendStatus
    status = _SEND_STATUSES.get(value)
    if status is None:
        status = SendStatus(value)  # raises ValueError, as an unknown status always did
    return _new_tuple(SendResult, (
        status,
        ffi.string(c_result.msgId).decode("utf-8", "replace"),
        c_result.offset,
    ))


def as_status(value: object, status_type: Type[_Status]) -> Optional[_Status]:
    """``value`` as a member of ``status_type`` if it is one (or its plain int value), else None.

    2.0.0 compared callback results with ``==``, so plain ints keep working;
    anything else (None, strings, bools) is a mistake in the callback.
    """
    if isinstance(value, status_type):
        return value
    if type(value) is int:
        try:
            return status_type(value)
        except ValueError:
            return None
    return None
