"""The push consumer: the core pulls messages and calls back for each one."""

from enum import IntEnum
from typing import Any, Callable, Dict, List, Optional, Set, Union

from . import _callbacks
from ._bindings import c_int, c_positive_int, c_string, check_callable, ffi, lib, tls_arguments
from ._lifecycle import HandleOwner, NativeClient
from ._message_lookups import MessageLookups
from ._selectors import c_expression_type
from ._stats import ConsumerCounters, ConsumerStats
from .exceptions import ConsumerException, NullPointerException, exception_for, ffi_check
from .ffi import MessageModel, TraceModel
from .log import client_log_level, client_log_rotation
from .message import ReceivedMessage

__all__ = ["PushConsumer", "ConsumeFromWhere"]

StrOrBytes = Union[str, bytes]
MessageCallback = Callable[[ReceivedMessage], Any]
# subscribe_batch: a list of messages in, one ConsumeStatus for all of them out.
BatchMessageCallback = Callable[[List[ReceivedMessage]], Any]


def _c_long_long(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {type(value).__name__}")
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"{name} is out of range: {value}")
    return value


class ConsumeFromWhere(IntEnum):
    """Where a consumer group with no committed offset starts (Java's ConsumeFromWhere)."""

    LAST_OFFSET = 0
    FIRST_OFFSET = 4
    TIMESTAMP = 5


ConsumeFromWhere.__module__ = "rocketmq.client"


def consume_from_where_arguments(where: Any, timestamp_ms: Optional[int]) -> "tuple[int, int]":
    """The (where, timestampMillis) arguments of the C API's consume-from-where setters."""
    if isinstance(where, bool) or not isinstance(where, int) or where not in tuple(ConsumeFromWhere):
        raise TypeError(f"where must be a rocketmq.client.ConsumeFromWhere, not {where!r}")
    timestamp = -1 if timestamp_ms is None else _c_long_long(timestamp_ms, "timestamp_ms")
    return int(where), timestamp


def _topic_name(topic: StrOrBytes) -> str:
    return topic.decode("utf-8") if isinstance(topic, bytes) else topic


class PushConsumer(MessageLookups, HandleOwner):
    """Consumes subscribed topics; ``callback(message)`` returns a ConsumeStatus.

    A callback that raises, or returns anything but a ConsumeStatus, is
    logged and the message is consumed again later (RECONSUME_LATER).
    """

    _KIND = "consumer"

    def __init__(
        self,
        group_id: StrOrBytes,
        orderly: bool = False,
        message_model: MessageModel = MessageModel.CLUSTERING,
    ) -> None:
        handle = lib.CreatePushConsumer(c_string(group_id, "group_id"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create PushConsumer")
        self._own(NativeClient(handle, lib.ShutdownPushConsumer, lib.DestroyPushConsumer))
        self._init_lookups()
        self._counters = ConsumerCounters()
        self._max_reconsume_times = _callbacks.MAX_RECONSUME_TIMES
        self._orderly = bool(orderly)
        self._callbacks: Dict[str, Any] = {}
        # Callbacks given to subscribe_batch (by identity): they take lists.
        self._batch_callbacks: Set[int] = set()
        self._batch_max_size = 1
        self._latest_callback: Optional[MessageCallback] = None
        self._callback_registered = False
        # Set when shutdown begins: a burst being delivered stops between
        # messages, and what it did not reach is consumed again later.
        self._stopping = False
        _callbacks.register_consumer(handle, self)
        self.set_message_model(message_model)

    # ----- configuration ------------------------------------------------------------------

    def set_message_model(self, model: MessageModel) -> None:
        """``MessageModel.CLUSTERING`` (the group shares the queues) or ``BROADCASTING`` (every consumer gets
        every message)."""
        if isinstance(model, bool) or not isinstance(model, int) or model not in tuple(MessageModel):
            raise TypeError(f"model must be a rocketmq.ffi.MessageModel, not {model!r}")
        ffi_check(lib.SetPushConsumerMessageModel(self._handle, int(model)))

    def set_group(self, group_id: StrOrBytes) -> None:
        """Rename the group (before start)."""
        ffi_check(lib.SetPushConsumerGroupID(self._handle, c_string(group_id, "group_id")))

    def set_name_server_address(self, addr: StrOrBytes) -> None:
        """Name server address(es), ``host:port`` separated by ``;``; one that is down is skipped."""
        ffi_check(lib.SetPushConsumerNameServerAddress(self._handle, c_string(addr, "addr")))
        self._lookup_settings.name_server_address = addr

    def set_name_server_domain(self, domain: StrOrBytes) -> None:
        """Fetch the name server list over HTTP from ``domain`` (a URL, or ``host[:port]`` with the Java
        client's default path) at start and every 2 minutes."""
        ffi_check(lib.SetPushConsumerNameServerDomain(self._handle, c_string(domain, "domain")))
        self._lookup_settings.name_server_domain = domain

    def set_session_credentials(
        self, access_key: StrOrBytes, access_secret: StrOrBytes, channel: StrOrBytes
    ) -> None:
        """Sign every request with these ACL credentials (``channel`` is e.g. ``ALIYUN``), as the Java
        client's ACL hook does."""
        ffi_check(lib.SetPushConsumerSessionCredentials(
            self._handle,
            c_string(access_key, "access_key"),
            c_string(access_secret, "access_secret"),
            c_string(channel, "channel"),
        ))
        self._lookup_settings.credentials = (access_key, access_secret, channel)

    def set_thread_count(self, thread_count: int) -> None:
        """Consume threads: how many callbacks may run at once (before start)."""
        ffi_check(lib.SetPushConsumerThreadCount(self._handle, c_int(thread_count, "thread_count")))

    def set_message_batch_max_size(self, max_size: int) -> None:
        """At most this many messages per call of a ``subscribe_batch`` callback (default 1,
        the Java client's consumeMessageBatchMaxSize)."""
        size = c_int(max_size, "max_size")
        ffi_check(lib.SetPushConsumerMessageBatchMaxSize(self._handle, size))
        self._batch_max_size = size

    def set_instance_name(self, name: StrOrBytes) -> None:
        """The instance name, part of the client id brokers and consoles show."""
        ffi_check(lib.SetPushConsumerInstanceName(self._handle, c_string(name, "name")))

    # ----- tuning the Java client offers (set before start) --------------------------------

    def set_consume_from_where(self, where: ConsumeFromWhere, timestamp_ms: Optional[int] = None) -> None:
        """Where a group with no committed offset starts; ``timestamp_ms`` is for TIMESTAMP
        (default: half an hour before start). A committed offset always wins."""
        where_arg, timestamp_arg = consume_from_where_arguments(where, timestamp_ms)
        ffi_check(lib.SetPushConsumerConsumeFromWhere(self._handle, where_arg, timestamp_arg))

    def set_max_reconsume_times(self, times: int) -> None:
        """Deliveries of a failing message before the broker moves it to the dead-letter queue."""
        count = c_int(times, "times")
        if count < 0:
            raise ValueError(f"times must be 0 or more, not {count}")
        ffi_check(lib.SetPushConsumerMaxReconsumeTimes(self._handle, count))
        self._max_reconsume_times = count

    def set_consume_timeout(self, seconds: float) -> None:
        """A callback running longer has its message sent back for a later retry (default 15 min)."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not 0 < seconds < 2**40:
            raise ValueError(f"seconds must be positive, not {seconds}")
        ffi_check(lib.SetPushConsumerConsumeTimeout(self._handle, max(1, int(seconds * 1000))))

    def reset_offset_by_timestamp(self, topic: StrOrBytes, timestamp_ms: int) -> None:
        """Move the whole group's offsets of ``topic`` to the first message stored at or after
        ``timestamp_ms`` (-1: the newest), as ``mqadmin resetOffsetByTime`` does; every running
        consumer of the group, this one included, continues from there. Needs a started consumer."""
        c_topic = c_string(topic, "topic")
        status = lib.ResetPushConsumerOffsetByTimestamp(self._handle, c_topic,
                                                        _c_long_long(timestamp_ms, "timestamp_ms"))
        if status != 0:
            # The C API reports it with the consumer's generic code (20, "start
            # failed" in 2.0.0's mapping): name what actually failed instead.
            raise ConsumerException(f"resetting the offsets of {_topic_name(topic)} failed: "
                                    f"{exception_for(status)}")

    def set_poll_name_server_interval(self, interval_ms: int) -> None:
        """How often routes are fetched from the name server (ms, default 30000; before start):
        queues of a master that joins are taken, and those of a broker that left released,
        within one interval."""
        interval = c_positive_int(interval_ms, "interval_ms")
        ffi_check(lib.SetPushConsumerPollNameServerInterval(self._handle, interval))

    def set_tls(self, enabled: bool = True, ca_file: Optional[str] = None,
                verify_hostname: bool = True) -> None:
        """TLS to brokers and name servers (before start): ``ca_file`` (PEM) authenticates
        the servers, whose certificates must then name the host connected to unless
        ``verify_hostname`` is False; see ``Producer.set_tls``."""
        enabled_arg, ca_arg, verify_arg = tls_arguments(enabled, ca_file, verify_hostname)
        ffi_check(lib.SetPushConsumerTls(self._handle, enabled_arg, ca_arg))
        ffi_check(lib.SetPushConsumerTlsHostnameVerification(self._handle, verify_arg))
        self._lookup_settings.tls = (bool(enabled), ca_file, bool(verify_hostname))

    # The log is process wide (see rocketmq.log); these are the C API's per-client setters.

    def set_log_path(self, path: StrOrBytes) -> None:
        """The directory of the process-wide core log (see :mod:`rocketmq.log`)."""
        ffi_check(lib.SetPushConsumerLogPath(self._handle, c_string(path, "path")))

    def set_log_level(self, level: Union[int, str]) -> None:
        """The level of the process-wide core log: a :class:`rocketmq.log.LogLevel`, its name or its value."""
        ffi_check(lib.SetPushConsumerLogLevel(self._handle, client_log_level(level)))

    def set_log_file_num_and_size(self, file_num: int, file_size_mib: int) -> None:
        """Rotation of the process-wide core log: ``file_num`` files of ``file_size_mib`` MiB."""
        num, size = client_log_rotation(file_num, file_size_mib)
        ffi_check(lib.SetPushConsumerLogFileNumAndSize(self._handle, num, size))

    def set_message_trace(self, message_trace: bool) -> None:
        """Record each consumption (SubBefore / SubAfter) to ``RMQ_SYS_TRACE_TOPIC`` (before start)."""
        trace = TraceModel.OPEN if message_trace else TraceModel.CLOSE
        ffi_check(lib.SetPushConsumerMessageTrace(self._handle, int(trace)))

    # ----- subscriptions ------------------------------------------------------------------

    def subscribe(self, topic: StrOrBytes, callback: MessageCallback, expression: StrOrBytes = "*",
                  expression_type: str = "TAG") -> None:
        """Consume ``topic`` with ``callback``, filtered by ``expression``: tags ("*" or
        "TagA || TagB") with ``expression_type="TAG"``, or a condition on message properties
        (``"a > 5 AND TAGS IN ('x', 'y')"``) with ``expression_type="SQL92"``, which needs
        brokers with property filtering on; ``start()`` fails with the broker's reason when
        it refuses the expression."""
        self._subscribe(topic, callback, expression, expression_type, takes_lists=False)

    def _subscribe(self, topic: StrOrBytes, callback: Any, expression: StrOrBytes, expression_type: str,
                   takes_lists: bool) -> None:
        c_topic = c_string(topic, "topic")
        check_callable(callback, "callback")
        c_expression = c_string(expression, "expression")
        c_type = c_expression_type(expression_type, expression)
        ffi_check(lib.SubscribeWithType(self._handle, c_topic, c_expression, c_type))
        if takes_lists:
            self._batch_callbacks.add(id(callback))
        else:
            self._batch_callbacks.discard(id(callback))
        self._callbacks[_topic_name(topic)] = callback
        self._latest_callback = callback
        if not self._callback_registered:
            # One callback per consumer in the C API, fed bursts of messages
            # (one entry into Python for many); messages are routed to the
            # right Python callback by topic.
            ffi_check(lib.RegisterMessageBatchCallback(self._handle, lib.rocketmq_gated_consume_batch,
                                                       int(self._orderly)))
            self._callback_registered = True

    def subscribe_batch(self, topic: StrOrBytes, callback: BatchMessageCallback,
                        expression: StrOrBytes = "*", expression_type: str = "TAG") -> None:
        """Consume ``topic`` with ``callback(messages)``: a list of up to
        ``set_message_batch_max_size()`` messages of one queue, oldest first, and one
        ConsumeStatus for all of them (as the Java client's batch listener): RECONSUME_LATER
        (or an exception) has every message of the list consumed again later.
        ``expression`` and ``expression_type`` as for ``subscribe()``."""
        self._subscribe(topic, callback, expression, expression_type, takes_lists=True)

    def _takes_lists(self, callback: Any) -> bool:
        return id(callback) in self._batch_callbacks

    def _only_callback(self) -> Optional[MessageCallback]:
        """The callback every message goes to when one topic is subscribed (no lookup by topic)."""
        return self._latest_callback if len(self._callbacks) == 1 else None

    def _callback_for(self, topic: str) -> Optional[MessageCallback]:
        # A topic the consumer did not subscribe by name (the core should
        # already have restored retried messages to their original topic)
        # goes to the most recent subscription, as 2.0.0's single callback did.
        return self._callbacks.get(topic, self._latest_callback)

    def stats(self) -> ConsumerStats:
        """Counts since creation, messages held now, and callback latency percentiles."""
        return self._counters.snapshot(cached=self._cached_message_count())

    def _cached_message_count(self) -> int:
        """Messages pulled from brokers and not yet consumed (0 once the consumer is destroyed)."""
        handle = self._client.handle
        cached = lib.GetPushConsumerCachedMessageCount(handle) if handle is not None else 0
        return max(0, cached)

    def _subscribed_topics(self) -> List[str]:
        return list(self._callbacks)

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Join the group and start consuming the subscribed topics."""
        ffi_check(lib.StartPushConsumer(self._handle))
        self._client.mark_started()

    def shutdown(self) -> None:
        """Stop consuming; calling it again (or before start) does nothing."""
        self._close_lookups()
        self._stopping = True
        status = self._client.shutdown()
        if status is not None:
            ffi_check(status)
