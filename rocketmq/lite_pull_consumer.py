"""The lite pull consumer: a Kafka-style poll loop (Java's DefaultLitePullConsumer).

Either ``subscribe`` to topics, whose queues the consumers of the group share
(rebalanced as push consumers are, as members come and go), or ``assign``
queues yourself. The core pulls in the background into a bounded cache per
queue; ``poll`` hands out what arrived, one queue's batch at a time, without
the GIL held while it waits. ``commit`` stores the offsets past what ``poll``
returned; with auto-commit (the default) ``poll`` does so every interval, and
``shutdown`` does so one last time.
"""

from typing import Any, Iterable, List, Optional, Union

from ._bindings import c_bool, c_int, c_string, ffi, lib
from ._client_settings import ConnectionSettings
from ._lifecycle import HandleOwner, NativeClient
from .consumer import ConsumeFromWhere, _c_long_long, consume_from_where_arguments
from .exceptions import (
    LitePullConsumerArgumentError,
    LitePullConsumerException,
    LitePullConsumerStateError,
    NullPointerException,
    ffi_check,
)
from .message import DetachedMessage, ReceivedMessage
from .pull_consumer import MessageQueue, _check_queue

__all__ = [
    "LitePullConsumer",
    "PolledMessage",
    "MessageQueue",
    "LitePullConsumerException",
    "LitePullConsumerStateError",
    "LitePullConsumerArgumentError",
]

StrOrBytes = Union[str, bytes]

# DefaultLitePullConsumer.pollTimeoutMillis.
DEFAULT_POLL_TIMEOUT_MS = 5000
# A long poll waits in slices of this length, so that Ctrl-C (which Python
# only sees between native calls) interrupts it.
_POLL_SLICE_MS = 200


class PolledMessage(DetachedMessage):
    """A message ``poll`` returned: a :class:`DetachedMessage` that also knows its ``queue``."""

    __slots__ = {"queue": "The :class:`~rocketmq.pull_consumer.MessageQueue` it was polled from."}

    def __init__(self, source: ReceivedMessage, queue: MessageQueue) -> None:
        super().__init__(source)
        self.queue: MessageQueue = queue


def _queue_from_c(c_queue: Any) -> MessageQueue:
    return MessageQueue(
        ffi.string(c_queue.topic).decode("utf-8", "replace"),
        ffi.string(c_queue.brokerName).decode("utf-8", "replace"),
        int(c_queue.queueId),
    )


def _c_queues(queues: Any, name: str) -> Any:
    """``queues`` (an iterable of MessageQueue, not a single one) as a C array."""
    if isinstance(queues, (MessageQueue, str, bytes)) or not isinstance(queues, Iterable):
        raise TypeError(
            f"{name} must be an iterable of rocketmq.client.MessageQueue, not {type(queues).__name__}")
    checked = [_check_queue(queue) for queue in queues]
    array = ffi.new("CMessageQueue[]", max(1, len(checked)))
    for slot, (topic, broker_name, queue_id) in zip(array, checked):
        slot.topic = topic
        slot.brokerName = broker_name
        slot.queueId = queue_id
    return array, len(checked)


def _c_queue(queue: Any) -> Any:
    topic, broker_name, queue_id = _check_queue(queue)
    c_queue = ffi.new("CMessageQueue*")
    c_queue.topic = topic
    c_queue.brokerName = broker_name
    c_queue.queueId = queue_id
    return c_queue


def _copy_batch(batch: Any) -> List[PolledMessage]:
    """Copies of a polled batch's messages, taken before the core frees them."""
    queue = _queue_from_c(batch.queue)
    messages = []
    for index in range(batch.size):
        received = ReceivedMessage(batch.messages[index])
        try:
            messages.append(PolledMessage(received, queue))
        finally:
            received._invalidate()
    return messages


class LitePullConsumer(ConnectionSettings, HandleOwner):
    """Polls messages of subscribed topics or assigned queues.

    ``with LitePullConsumer(group) as consumer:`` starts it and shuts it down.
    Safe to use from several threads.
    """

    _C_CLIENT = "LitePullConsumer"

    _KIND = "consumer"

    def __init__(self, group_id: StrOrBytes) -> None:
        handle = lib.CreateLitePullConsumer(c_string(group_id, "group_id"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create LitePullConsumer")
        self._own(NativeClient(handle, lib.ShutdownLitePullConsumer, lib.DestroyLitePullConsumer))

    # ----- configuration (before start) ---------------------------------------------------
    # Name servers, credentials, TLS and route refresh: see ConnectionSettings.

    def set_instance_name(self, name: StrOrBytes) -> None:
        """The instance name, part of the client id brokers and consoles show (before start)."""
        ffi_check(lib.SetLitePullConsumerInstanceName(self._handle, c_string(name, "name")))

    def set_consume_from_where(self, where: ConsumeFromWhere, timestamp_ms: Optional[int] = None) -> None:
        """Where a queue the group never committed starts (default LAST_OFFSET);
        ``timestamp_ms`` is for TIMESTAMP (default: half an hour before start)."""
        where_arg, timestamp_arg = consume_from_where_arguments(where, timestamp_ms)
        ffi_check(lib.SetLitePullConsumerConsumeFromWhere(self._handle, where_arg, timestamp_arg))

    def set_auto_commit(self, enabled: bool, interval_ms: int = 5000) -> None:
        """Whether ``poll`` commits what earlier polls returned, at most every ``interval_ms``
        (at least 1000, as Java's minimum). On by default."""
        enabled_arg = c_bool(enabled, "enabled")
        interval = _c_long_long(interval_ms, "interval_ms")
        ffi_check(lib.SetLitePullConsumerAutoCommit(self._handle, enabled_arg, interval))

    def set_pull_batch_size(self, batch_size: int) -> None:
        """At most this many messages per pull, and so per ``poll`` (1 to 1024, default 10)."""
        ffi_check(lib.SetLitePullConsumerPullBatchSize(self._handle, c_int(batch_size, "batch_size")))

    def set_pull_thresholds(self, for_queue: int = 1000, size_for_queue_mib: int = 100,
                            for_all: int = 10000) -> None:
        """Bounded prefetch: a queue is not pulled while it caches ``for_queue`` messages or
        ``size_for_queue_mib`` MiB that ``poll`` has not returned yet, nor any queue while
        all of them cache ``for_all`` messages."""
        ffi_check(lib.SetLitePullConsumerPullThresholds(
            self._handle,
            c_int(for_queue, "for_queue"),
            c_int(size_for_queue_mib, "size_for_queue_mib"),
            _c_long_long(for_all, "for_all"),
        ))

    # ----- what to consume ----------------------------------------------------------------

    def subscribe(self, topic: StrOrBytes, expression: StrOrBytes = "*") -> None:
        """Consume ``topic``'s messages whose tags match ``expression`` ("*" or "TagA || TagB"),
        sharing its queues with the other consumers of the group."""
        ffi_check(lib.LitePullConsumerSubscribe(
            self._handle, c_string(topic, "topic"), c_string(expression, "expression")))

    def assign(self, queues: Iterable[MessageQueue]) -> None:
        """Consume exactly these queues, without rebalancing (replaces an earlier assignment)."""
        array, size = _c_queues(queues, "queues")
        ffi_check(lib.LitePullConsumerAssign(self._handle, array, size))

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Connect and start pulling in the background; ``with consumer:`` calls it."""
        ffi_check(lib.StartLitePullConsumer(self._handle))
        self._client.mark_started()

    def shutdown(self) -> None:
        """Commit (with auto-commit) and stop; calling it again (or before start) does nothing."""
        status = self._client.shutdown()
        if status is not None:
            ffi_check(status)

    # ----- polling and offsets ------------------------------------------------------------

    def poll(self, timeout_ms: int = DEFAULT_POLL_TIMEOUT_MS) -> List[PolledMessage]:
        """The next batch of messages (all of one queue, oldest first), waiting up to
        ``timeout_ms`` for one; an empty list when none came."""
        remaining = _c_long_long(timeout_ms, "timeout_ms")
        if remaining < 0:
            raise ValueError(f"timeout_ms must not be negative, not {remaining}")
        handle = self._handle
        batch = ffi.new("CLitePullBatch*")
        while True:
            wait = min(remaining, _POLL_SLICE_MS)
            ffi_check(lib.LitePullConsumerPoll(handle, wait, batch))
            if batch.size > 0:
                try:
                    return _copy_batch(batch)
                finally:
                    lib.ReleaseLitePullBatch(batch)
            remaining -= wait
            if remaining <= 0:
                return []

    def commit(self) -> None:
        """Store, waiting for the brokers, the offsets past everything ``poll`` returned."""
        ffi_check(lib.LitePullConsumerCommit(self._handle))

    def committed(self, queue: MessageQueue) -> int:
        """The offset the group committed for ``queue``; -1 when it committed none."""
        c_queue = _c_queue(queue)
        offset = ffi.new("long long*")
        ffi_check(lib.LitePullConsumerCommitted(self._handle, c_queue, offset))
        return int(offset[0])

    def seek(self, queue: MessageQueue, offset: int) -> None:
        """The next messages polled from ``queue`` start at ``offset``, which must lie between
        the queue's min and max offsets (LitePullConsumerArgumentError otherwise)."""
        c_queue = _c_queue(queue)
        c_offset = _c_long_long(offset, "offset")
        ffi_check(lib.LitePullConsumerSeek(self._handle, c_queue, c_offset))

    def seek_to_begin(self, queue: MessageQueue) -> None:
        """Poll ``queue`` again from its oldest message."""
        ffi_check(lib.LitePullConsumerSeekToBegin(self._handle, _c_queue(queue)))

    def seek_to_end(self, queue: MessageQueue) -> None:
        """Skip what ``queue`` holds now: poll only messages sent from now on."""
        ffi_check(lib.LitePullConsumerSeekToEnd(self._handle, _c_queue(queue)))

    def pause(self, queues: Iterable[MessageQueue]) -> None:
        """Stop pulling and polling these queues until ``resume``."""
        array, size = _c_queues(queues, "queues")
        ffi_check(lib.LitePullConsumerPause(self._handle, array, size))

    def resume(self, queues: Iterable[MessageQueue]) -> None:
        """Pull and poll these paused queues again."""
        array, size = _c_queues(queues, "queues")
        ffi_check(lib.LitePullConsumerResume(self._handle, array, size))

    def assignment(self) -> List[MessageQueue]:
        """The queues this consumer holds now (from rebalancing, or ``assign``), sorted."""
        c_queues = ffi.new("CMessageQueue**")
        size = ffi.new("int*")
        ffi_check(lib.LitePullConsumerAssignment(self._handle, c_queues, size))
        if c_queues[0] == ffi.NULL:
            return []
        try:
            return [_queue_from_c(c_queues[0][index]) for index in range(size[0])]
        finally:
            lib.ReleaseSubscriptionMessageQueue(c_queues[0])

    @property
    def cached_message_count(self) -> int:
        """Messages pulled and not yet polled, over every queue (0 when not running)."""
        return int(lib.GetLitePullConsumerCachedMessageCount(self._handle))
