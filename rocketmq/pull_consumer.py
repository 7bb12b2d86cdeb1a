"""The pull consumer: the application lists a topic's queues and asks for
messages from offsets it keeps itself.

Each ``pull`` is one synchronous request to the queue's master broker; it
returns at once (the broker does not hold it), without the GIL held while it
waits. Nothing is committed: where to pull next is ``next_begin_offset`` of
the previous result, for the application to remember.
"""

from enum import IntEnum
from typing import Any, Iterator, List, NamedTuple, Optional, Union

from ._bindings import c_int, c_string, ffi, lib, py_string
from ._client_settings import ConnectionSettings
from ._lifecycle import HandleOwner, NativeClient
from ._message_lookups import MessageLookups
from ._selectors import TAG, c_expression_type
from .exceptions import (
    NullPointerException,
    PullConsumerFetchMessageFailed,
    PullConsumerFetchMQFailed,
    PullConsumerStartFailed,
    ffi_check,
)
from .log import client_log_level, client_log_rotation
from .message import DetachedMessage, ReceivedMessage

__all__ = [
    "PullConsumer",
    "PullStatus",
    "PullResult",
    "MessageQueue",
    "PullConsumerStartFailed",
    "PullConsumerFetchMQFailed",
    "PullConsumerFetchMessageFailed",
]

StrOrBytes = Union[str, bytes]

# Longest names a CMessageQueue can hold (its char arrays, NUL included).
_MAX_TOPIC_BYTES = 512 - 1
_MAX_BROKER_NAME_BYTES = 256 - 1
_LONG_LONG_MAX = 2**63 - 1

# They are part of rocketmq.client's API: say so in reprs and pickles.
_PUBLIC_MODULE = "rocketmq.client"


class PullStatus(IntEnum):
    """What a pull found (CPullStatus)."""

    FOUND = 0  # messages in ``messages``
    NO_NEW_MSG = 1  # nothing at or after the offset yet
    NO_MATCHED_MSG = 2  # messages there, none matching the expression; go on from next_begin_offset
    OFFSET_ILLEGAL = 3  # the offset is outside the queue; next_begin_offset is the broker's correction
    BROKER_TIMEOUT = 4  # no usable answer; ``error`` says why


class MessageQueue(NamedTuple):
    """One queue of a topic on one broker, as ``fetch_queues`` lists them."""

    topic: str
    broker_name: str
    queue_id: int


class PullResult(NamedTuple):
    """The answer to one ``pull``. ``messages`` are copies, readable at any time."""

    status: PullStatus
    next_begin_offset: int
    min_offset: int
    max_offset: int
    messages: List[DetachedMessage]
    error: Optional[str] = None  # BROKER_TIMEOUT only: the core's reason


for _public in (PullStatus, MessageQueue, PullResult):
    _public.__module__ = _PUBLIC_MODULE


def _check_queue(queue: Any) -> "tuple[bytes, bytes, int]":
    if not isinstance(queue, MessageQueue):
        raise TypeError(f"queue must be a rocketmq.client.MessageQueue, not {type(queue).__name__}")
    topic = c_string(queue.topic, "queue.topic")
    broker_name = c_string(queue.broker_name, "queue.broker_name")
    queue_id = c_int(queue.queue_id, "queue.queue_id")
    if not topic.strip() or not broker_name.strip():
        raise ValueError(f"queue has a blank topic or broker name: {queue!r}")
    if len(topic) > _MAX_TOPIC_BYTES or len(broker_name) > _MAX_BROKER_NAME_BYTES:
        raise ValueError(f"queue's topic or broker name is too long: {queue!r}")
    if queue_id < 0:
        raise ValueError(f"queue.queue_id must not be negative: {queue_id}")
    return topic, broker_name, queue_id


def _check_offset(offset: Any) -> int:
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"offset must be int, not {type(offset).__name__}")
    if not 0 <= offset <= _LONG_LONG_MAX:
        raise ValueError(f"offset must be between 0 and 2**63 - 1, not {offset}")
    return int(offset)


def _copy_messages(c_result: Any) -> List[DetachedMessage]:
    """Copies of the result's messages, taken before the core frees them."""
    messages = []
    for index in range(c_result.size):
        received = ReceivedMessage(c_result.msgFoundList[index])
        try:
            messages.append(received.detach())
        finally:
            received._invalidate()
    return messages


class PullConsumer(MessageLookups, ConnectionSettings, HandleOwner):
    """Pulls messages from queues the application chooses.

    ``with PullConsumer(group) as consumer:`` starts it and shuts it down.
    The queues come from ``fetch_queues(topic)``; ``pull(queue, expression,
    offset)`` returns a :class:`PullResult`. Safe to use from several threads.
    """

    _C_CLIENT = "PullConsumer"

    _KIND = "consumer"

    def __init__(self, group_id: StrOrBytes) -> None:
        handle = lib.CreatePullConsumer(c_string(group_id, "group_id"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create PullConsumer")
        self._own(NativeClient(handle, lib.ShutdownPullConsumer, lib.DestroyPullConsumer))
        self._init_lookups()
        self._was_shut_down = False

    # ----- configuration ------------------------------------------------------------------

    @property
    def group(self) -> str:
        """The consumer group."""
        return py_string(lib.GetPullConsumerGroupID(self._handle))

    def set_group(self, group_id: StrOrBytes) -> None:
        """Rename the group (before start)."""
        ffi_check(lib.SetPullConsumerGroupID(self._handle, c_string(group_id, "group_id")))

    # The log is process wide (see rocketmq.log); these are the C API's per-client setters.

    def set_log_path(self, path: StrOrBytes) -> None:
        """The directory of the process-wide core log (see :mod:`rocketmq.log`)."""
        ffi_check(lib.SetPullConsumerLogPath(self._handle, c_string(path, "path")))

    def set_log_level(self, level: Union[int, str]) -> None:
        """The level of the process-wide core log: a :class:`rocketmq.log.LogLevel`, its name or its value."""
        ffi_check(lib.SetPullConsumerLogLevel(self._handle, client_log_level(level)))

    def set_log_file_num_and_size(self, file_num: int, file_size_mib: int) -> None:
        """Rotation of the process-wide core log: ``file_num`` files of ``file_size_mib`` MiB."""
        num, size = client_log_rotation(file_num, file_size_mib)
        ffi_check(lib.SetPullConsumerLogFileNumAndSize(self._handle, num, size))

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the name servers; queues may be fetched and pulled after it."""
        ffi_check(lib.StartPullConsumer(self._handle))
        self._client.mark_started()

    def shutdown(self) -> None:
        """Stop the consumer; calling it again (or before start) does nothing."""
        self._close_lookups()
        status = self._client.shutdown()
        if status is not None:
            self._was_shut_down = True
            ffi_check(status)

    def _check_running(self) -> None:
        if not self._client.started:
            if self._was_shut_down:
                raise PullConsumerFetchMessageFailed("the pull consumer has been shut down")
            raise PullConsumerFetchMessageFailed("the pull consumer is not started: call start() first")

    # ----- pulling ------------------------------------------------------------------------

    def fetch_queues(self, topic: StrOrBytes) -> List[MessageQueue]:
        """The readable queues of ``topic``, as the name server knows them now."""
        c_topic = c_string(topic, "topic")
        handle = self._handle
        mqs = ffi.new("CMessageQueue**")
        size = ffi.new("int*")
        ffi_check(lib.FetchSubscriptionMessageQueues(handle, c_topic, mqs, size))
        if mqs[0] == ffi.NULL:
            return []
        try:
            return [
                MessageQueue(py_string(entry.topic), py_string(entry.brokerName), int(entry.queueId))
                for entry in (mqs[0][index] for index in range(size[0]))
            ]
        finally:
            lib.ReleaseSubscriptionMessageQueue(mqs[0])

    def pull(
        self, queue: MessageQueue, expression: StrOrBytes = "*", offset: int = 0, max_nums: int = 32,
        expression_type: str = "TAG",
    ) -> PullResult:
        """Up to ``max_nums`` messages of ``queue`` from ``offset`` on that match
        ``expression``: tags ("*" or "TagA || TagB") with ``expression_type="TAG"``,
        or a condition on message properties with ``expression_type="SQL92"``
        (the first pull of each such expression has the broker check it, and
        raises ``PullConsumerFetchMessageFailed`` with the broker's reason when
        it is refused). The broker hands out at most 32 per pull, whatever
        ``max_nums`` asks for."""
        topic, broker_name, queue_id = _check_queue(queue)
        c_expression = c_string(expression, "expression")
        c_type = c_expression_type(expression_type, expression)
        c_offset = _check_offset(offset)
        c_max_nums = c_int(max_nums, "max_nums")
        if c_max_nums <= 0:
            raise ValueError(f"max_nums must be positive, not {c_max_nums}")
        self._check_running()
        handle = self._handle
        c_queue = ffi.new("CMessageQueue*")
        c_queue.topic = topic
        c_queue.brokerName = broker_name
        c_queue.queueId = queue_id
        if expression_type != TAG:
            ffi_check(lib.CheckPullSubscription(handle, c_queue, c_expression, c_type))
        c_result = lib.PullWithType(handle, c_queue, c_expression, c_type, c_offset, c_max_nums)
        try:
            status = PullStatus(c_result.pullStatus)
            messages = _copy_messages(c_result) if status == PullStatus.FOUND else []
            error = None
            if status == PullStatus.BROKER_TIMEOUT:
                error = py_string(lib.GetLatestErrorMessage()) or "no answer from the broker"
            return PullResult(
                status, int(c_result.nextBeginOffset), int(c_result.minOffset), int(c_result.maxOffset),
                messages, error,
            )
        finally:
            if c_result.pData != ffi.NULL:
                lib.ReleasePullResult(c_result)

    def pull_all(
        self, queue: MessageQueue, expression: StrOrBytes = "*", offset: int = 0, max_nums: int = 32,
        expression_type: str = "TAG",
    ) -> Iterator[DetachedMessage]:
        """Every matching message of ``queue`` from ``offset`` on, pulling until
        the queue has nothing newer. An illegal offset is replaced by the
        broker's correction; a pull without answer raises
        ``PullConsumerFetchMessageFailed``."""
        next_offset = _check_offset(offset)
        while True:
            result = self.pull(queue, expression, next_offset, max_nums, expression_type)
            if result.status == PullStatus.BROKER_TIMEOUT:
                raise PullConsumerFetchMessageFailed(result.error or "no answer from the broker")
            yield from result.messages
            if result.status == PullStatus.NO_NEW_MSG or result.next_begin_offset == next_offset:
                return
            next_offset = result.next_begin_offset
