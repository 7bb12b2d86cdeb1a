"""Administration queries: topic routes, the brokers of a cluster and what each
says about itself, queue offsets and a consumer group's progress, stored
messages by id or key; and one action, having a consumer consume a stored
message directly.

The queries go through the native core, so name server fail-over, ACL
signing and TLS work as they do for producers and consumers::

    with AdminClient() as admin:          # set_* calls go before start()
        route = admin.topic_route("Orders")

An :class:`AdminClient` is configured like a producer (``set_name_server_address``,
``set_session_credentials``, ``set_tls``) before ``start()``; its queries may
run from several threads at once.
"""

import json
from typing import Any, Dict, List, NamedTuple, Optional, Union

from ._bindings import c_int, c_positive_int, c_string, ffi, lib, tls_arguments
from ._lifecycle import HandleOwner, NativeClient
from .exceptions import NullPointerException, RocketMQException, _register, ffi_check
from .message import DetachedMessage, ReceivedMessage
from .pull_consumer import MessageQueue

__all__ = [
    "AdminClient",
    "AdminException",
    "AdminStartFailed",
    "AdminQueryFailed",
    "TopicNotExist",
    "MessageNotFound",
    "ConsumeMessageDirectlyResult",
    "BrokerData",
    "QueueData",
    "TopicRoute",
    "ClusterInfo",
    "QueueOffset",
    "MASTER_ID",
    "perm_to_string",
]

StrOrBytes = Union[str, bytes]

MASTER_ID = 0
# PermName's bits.
PERM_READ = 0x4
PERM_WRITE = 0x2
PERM_INHERIT = 0x1


class AdminException(RocketMQException):
    """A failed admin call."""


@_register(lib.ADMIN_START_FAILED)
class AdminStartFailed(AdminException):
    """``start()`` failed; the message says why."""


@_register(lib.ADMIN_QUERY_FAILED)
class AdminQueryFailed(AdminException):
    """No name server or broker answered, a timeout, or a refused request (an ACL rejection says so)."""


@_register(lib.ADMIN_TOPIC_NOT_EXIST)
class TopicNotExist(AdminQueryFailed):
    """The name servers know no route for the topic (TOPIC_NOT_EXIST)."""


@_register(lib.ADMIN_MESSAGE_NOT_FOUND)
class MessageNotFound(AdminQueryFailed):
    """No broker holds a message with that id, or with that key in the time range (NO_MESSAGE)."""


class ConsumeMessageDirectlyResult(NamedTuple):
    """What a consumer answered when asked to consume one stored message now.

    ``consume_result`` is the Java client's CMResult name: ``CR_SUCCESS``,
    ``CR_LATER`` (the listener asked for a later retry), ``CR_THROW_EXCEPTION``
    (it raised), ``CR_RETURN_NULL``, ``CR_COMMIT`` or ``CR_ROLLBACK``.
    """

    #: The listener's answer, as a CMResult name (see above).
    consume_result: str
    #: Whether the consumer is orderly.
    order: bool
    #: Whether an orderly consumer commits by itself (always true for a concurrent one).
    auto_commit: bool
    #: The consumer's explanation, e.g. the exception the listener raised; None without one.
    remark: Optional[str]
    #: How long the listener took, in milliseconds.
    spent_time_ms: int


# The message ids a broker or producer makes: 16 bytes (IPv4) or 28 (IPv6) in hex.
_MESSAGE_ID_LENGTHS = (32, 56)
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_JAVA_LONG_MAX = (1 << 63) - 1


def message_id_argument(msg_id: Any, name: str = "msg_id") -> bytes:
    """A message id (offset id or producer id) checked before it goes to the core."""
    text = c_string(msg_id, name).decode("utf-8", "replace")
    if len(text) not in _MESSAGE_ID_LENGTHS or not set(text) <= _HEX_DIGITS:
        raise ValueError(f"{name} must be 32 or 56 hex digits, got {text!r}")
    return text.encode("ascii")


def timestamp_argument(value: Any, name: str) -> int:
    """A time in milliseconds as a C long long; bool and float are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int (milliseconds), not {type(value).__name__}")
    if not 0 <= value <= _JAVA_LONG_MAX:
        raise ValueError(f"{name} must be between 0 and 2**63-1, got {value}")
    return int(value)


def queue_argument(queue: Any) -> MessageQueue:
    if not isinstance(queue, MessageQueue):
        raise TypeError(f"queue must be a rocketmq.pull_consumer.MessageQueue, not {type(queue).__name__}")
    return queue


def perm_to_string(perm: int) -> str:
    """PermName.perm2String: ``R``, ``W`` and ``X`` (inherit) or ``-`` in that order, e.g. ``RW-``."""
    bits = (("R", PERM_READ), ("W", PERM_WRITE), ("X", PERM_INHERIT))
    return "".join(letter if perm & bit else "-" for letter, bit in bits)


class BrokerData(NamedTuple):
    """One broker name: its cluster and the address of each node, by broker id (0 is the master)."""

    cluster: str
    broker_name: str
    addresses: Dict[int, str]

    @property
    def master_address(self) -> Optional[str]:
        """The master's address, or None when the master is gone."""
        return self.addresses.get(MASTER_ID)


class QueueData(NamedTuple):
    """A topic's queues on one broker name."""

    broker_name: str
    read_queue_nums: int
    write_queue_nums: int
    perm: int
    topic_sys_flag: int

    @property
    def perm_string(self) -> str:
        """The permissions as ``mqadmin`` prints them, e.g. ``RW-``."""
        return perm_to_string(self.perm)


class TopicRoute(NamedTuple):
    """Where a topic lives: its queues on each broker name, and those brokers' addresses."""

    topic: str
    queues: List[QueueData]
    brokers: List[BrokerData]
    order_topic_conf: str = ""


class ClusterInfo(NamedTuple):
    """Every broker the name server knows (by broker name), and the broker names of each cluster."""

    brokers: Dict[str, BrokerData]
    clusters: Dict[str, List[str]]


class QueueOffset(NamedTuple):
    """Where a queue and a consumer group's progress in it stand."""

    broker_name: str
    queue_id: int
    broker_offset: int  # the offset the next message will get
    consumer_offset: Optional[int]  # None: the group committed nothing for this queue

    @property
    def lag(self) -> Optional[int]:
        """Messages the group has still to consume here (None when it committed nothing)."""
        if self.consumer_offset is None:
            return None
        return max(0, self.broker_offset - self.consumer_offset)


def _broker_data(raw: Dict[str, Any]) -> BrokerData:
    addresses = {int(broker_id): str(addr) for broker_id, addr in raw.get("brokerAddrs", {}).items()}
    return BrokerData(str(raw.get("cluster", "")), str(raw.get("brokerName", "")),
                      dict(sorted(addresses.items())))


class AdminClient(HandleOwner):
    """Asks name servers and brokers about topics, brokers and offsets.

    ``with AdminClient() as admin:`` starts it and shuts it down.
    """

    _KIND = "admin client"

    def __init__(self, name: Optional[StrOrBytes] = None) -> None:
        handle = lib.CreateAdminClient(ffi.NULL if name is None else c_string(name, "name"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create AdminClient")
        self._own(NativeClient(handle, lib.ShutdownAdminClient, lib.DestroyAdminClient))

    # ----- configuration (before start) ---------------------------------------------------

    def set_name_server_address(self, addr: StrOrBytes) -> None:
        """Name server address(es), ``host:port`` separated by ``;`` (before start)."""
        ffi_check(lib.SetAdminClientNameServerAddress(self._handle, c_string(addr, "addr")))

    def set_name_server_domain(self, domain: StrOrBytes) -> None:
        """Fetch the name server list over HTTP from ``domain`` (before start)."""
        ffi_check(lib.SetAdminClientNameServerDomain(self._handle, c_string(domain, "domain")))

    def set_session_credentials(self, access_key: StrOrBytes, secret_key: StrOrBytes,
                                channel: StrOrBytes = "ALIYUN") -> None:
        """Sign every query with these ACL credentials (before start)."""
        ffi_check(lib.SetAdminClientSessionCredentials(
            self._handle, c_string(access_key, "access_key"), c_string(secret_key, "secret_key"),
            c_string(channel, "channel")))

    def set_tls(self, enabled: bool = True, ca_file: Optional[str] = None,
                verify_hostname: bool = True) -> None:
        """As ``Producer.set_tls``."""
        c_enabled, c_ca_file, c_verify = tls_arguments(enabled, ca_file, verify_hostname)
        ffi_check(lib.SetAdminClientTls(self._handle, c_enabled, c_ca_file))
        ffi_check(lib.SetAdminClientTlsHostnameVerification(self._handle, c_verify))

    def set_timeout(self, timeout_ms: int) -> None:
        """How long each query may take, in milliseconds (default 3000). Any time."""
        ffi_check(lib.SetAdminClientTimeout(self._handle, c_positive_int(timeout_ms, "timeout_ms")))

    # ----- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Connect; queries may follow."""
        ffi_check(lib.StartAdminClient(self._handle))
        self._client.mark_started()

    def shutdown(self) -> None:
        """Stop the client; calling it again (or before start) does nothing."""
        status = self._client.shutdown()
        if status is not None:
            ffi_check(status)

    # ----- queries ------------------------------------------------------------------------

    def _json(self, call: Any, *args: Any) -> Any:
        out = ffi.new("char**")
        ffi_check(call(self._handle, *args, out))
        try:
            return json.loads(ffi.string(out[0]).decode("utf-8", "replace"))
        finally:
            lib.ReleaseAdminString(out[0])

    def topic_route(self, topic: StrOrBytes) -> TopicRoute:
        """The topic's route as the name servers tell it now; ``TopicNotExist`` when they know none."""
        raw = self._json(lib.GetTopicRouteJson, c_string(topic, "topic"))
        queues = [
            QueueData(str(q["brokerName"]), int(q["readQueueNums"]), int(q["writeQueueNums"]), int(q["perm"]),
                      int(q["topicSysFlag"]))
            for q in raw["queueDatas"]
        ]
        brokers = [_broker_data(b) for b in raw["brokerDatas"]]
        return TopicRoute(str(raw["topic"]), queues, brokers, str(raw["orderTopicConf"]))

    def cluster_info(self) -> ClusterInfo:
        """Every broker registered with the name server, and the clusters they form."""
        raw = self._json(lib.GetClusterInfoJson)
        brokers = {name: _broker_data(data) for name, data in sorted(raw["brokerAddrTable"].items())}
        clusters = {name: sorted(str(n) for n in names)
                    for name, names in sorted(raw["clusterAddrTable"].items())}
        return ClusterInfo(brokers, clusters)

    def broker_runtime_info(self, broker_addr: StrOrBytes) -> Dict[str, str]:
        """What the broker at ``broker_addr`` says about itself, e.g. ``brokerVersionDesc``."""
        raw = self._json(lib.GetBrokerRuntimeInfoJson, c_string(broker_addr, "broker_addr"))
        return {str(key): str(value) for key, value in raw.items()}

    def max_offset(self, topic: StrOrBytes, broker_name: StrOrBytes, queue_id: int) -> int:
        """The offset the next message of the queue will get."""
        out = ffi.new("long long*")
        ffi_check(lib.GetMaxOffset(self._handle, c_string(topic, "topic"),
                                   c_string(broker_name, "broker_name"), c_int(queue_id, "queue_id"), out))
        return int(out[0])

    def consumer_offset(self, group: StrOrBytes, topic: StrOrBytes, broker_name: StrOrBytes,
                        queue_id: int) -> Optional[int]:
        """The offset ``group`` committed for the queue, None when it committed none."""
        out = ffi.new("long long*")
        ffi_check(lib.QueryConsumerOffset(
            self._handle, c_string(group, "group"), c_string(topic, "topic"),
            c_string(broker_name, "broker_name"), c_int(queue_id, "queue_id"), out))
        offset = int(out[0])
        return None if offset < 0 else offset

    def group_offsets(self, group: StrOrBytes, topic: StrOrBytes) -> List[QueueOffset]:
        """Every read queue of the topic's route: its broker offset and ``group``'s committed offset."""
        route = self.topic_route(topic)
        offsets = []
        for queue in sorted(route.queues, key=lambda q: q.broker_name):
            for queue_id in range(queue.read_queue_nums):
                offsets.append(QueueOffset(
                    queue.broker_name, queue_id, self.max_offset(route.topic, queue.broker_name, queue_id),
                    self.consumer_offset(group, route.topic, queue.broker_name, queue_id)))
        return offsets

    # ----- queues (MQAdmin) ---------------------------------------------------------------

    def _queue_position(self, call: Any, queue: Any, *args: Any) -> int:
        mq = queue_argument(queue)
        out = ffi.new("long long*")
        topic, broker_name = c_string(mq.topic, "queue.topic"), c_string(mq.broker_name, "queue.broker_name")
        ffi_check(call(self._handle, topic, broker_name, c_int(mq.queue_id, "queue.queue_id"), *args, out))
        return int(out[0])

    def min_offset(self, queue: MessageQueue) -> int:
        """The oldest offset the queue still holds."""
        return self._queue_position(lib.GetMinOffset, queue)

    def search_offset(self, queue: MessageQueue, timestamp_ms: int) -> int:
        """The offset of the first message of the queue stored at or after ``timestamp_ms``."""
        when = timestamp_argument(timestamp_ms, "timestamp_ms")
        return self._queue_position(lib.SearchOffset, queue, when)

    def earliest_msg_store_time(self, queue: MessageQueue) -> int:
        """When the oldest message the queue holds was stored (ms); -1 when it holds none."""
        return self._queue_position(lib.GetEarliestMsgStoreTime, queue)

    # ----- messages (MQAdmin) -------------------------------------------------------------

    def view_message(self, msg_id: StrOrBytes, topic: Optional[StrOrBytes] = None) -> DetachedMessage:
        """One stored message by id, as Java's ``viewMessage(topic, msgId)``.

        The broker's offset id (the ``offsetMsgId`` that ``rocketmq send --json``
        prints, or Java's ``SendResult.getOffsetMsgId()``) is read from the
        broker it names; with ``topic``, the id a producer gave (``msg_id`` of
        a :class:`~rocketmq.client.SendResult`, the UNIQ_KEY) is found by
        unique key among the topic's brokers. Malformed ids raise ValueError,
        unknown ones :class:`MessageNotFound`.
        """
        c_id = message_id_argument(msg_id)
        c_topic = ffi.NULL if topic is None else c_string(topic, "topic")
        out = ffi.new("CMessageExt**")
        ffi_check(lib.ViewMessage(self._handle, c_topic, c_id, out))
        return _detach_and_release(out[0])

    def query_message(self, topic: StrOrBytes, key: StrOrBytes, begin_ms: int, end_ms: int,
                      max_num: int = 32) -> List[DetachedMessage]:
        """The messages of ``topic`` whose keys hold ``key``, stored between ``begin_ms`` and
        ``end_ms`` (both included): up to ``max_num`` of the newest from each broker, oldest
        first. MessageNotFound when there are none."""
        c_topic, c_key = c_string(topic, "topic"), c_string(key, "key")
        begin, end = timestamp_argument(begin_ms, "begin_ms"), timestamp_argument(end_ms, "end_ms")
        if begin > end:
            raise ValueError(f"begin_ms ({begin}) is after end_ms ({end})")
        limit = c_positive_int(max_num, "max_num")
        if not c_key:
            raise ValueError("key must not be empty")
        handles = ffi.new("CMessageExt***")
        count = ffi.new("int*")
        ffi_check(lib.QueryMessage(self._handle, c_topic, c_key, begin, end, limit, handles, count))
        try:
            found = [ReceivedMessage(handles[0][index]).detach() for index in range(count[0])]
        finally:
            lib.ReleaseAdminMessages(handles[0], count[0])
        return sorted(found, key=lambda m: (m.store_timestamp, m.commit_log_offset))

    # ----- consumers ----------------------------------------------------------------------

    def consumer_ids(self, group: StrOrBytes, topic: Optional[StrOrBytes] = None) -> List[str]:
        """The client ids of ``group``'s online consumers, as a broker of ``topic`` (by default
        the group's retry topic) knows them."""
        c_topic = ffi.NULL if topic is None else c_string(topic, "topic")
        raw = self._json(lib.GetConsumerIdListJson, c_string(group, "group"), c_topic)
        return [str(client_id) for client_id in raw]

    def consume_message_directly(self, group: StrOrBytes, client_id: StrOrBytes, msg_id: StrOrBytes,
                                 topic: Optional[StrOrBytes] = None) -> ConsumeMessageDirectlyResult:
        """Have one consumer of ``group`` run a stored message through its listener now,
        as a console's "consume message" does; the group's offsets do not move.

        ``msg_id`` is found as ``view_message`` finds it; a consumer that is not
        online fails with AdminQueryFailed.
        """
        c_group, c_client = c_string(group, "group"), c_string(client_id, "client_id")
        c_id = message_id_argument(msg_id)
        c_topic = ffi.NULL if topic is None else c_string(topic, "topic")
        raw = self._json(lib.ConsumeMessageDirectlyJson, c_group, c_client, c_id, c_topic)
        remark = raw.get("remark")
        return ConsumeMessageDirectlyResult(str(raw.get("consumeResult", "")), bool(raw.get("order", False)),
                                            bool(raw.get("autoCommit", True)),
                                            None if remark is None else str(remark),
                                            int(raw.get("spentTimeMills", 0)))


def _detach_and_release(c_message: Any) -> DetachedMessage:
    try:
        return ReceivedMessage(c_message).detach()
    finally:
        lib.ReleaseAdminMessage(c_message)
