"""Read-only administration queries: topic routes, the brokers of a cluster and
what each says about itself, queue offsets and a consumer group's progress.

The queries go through the native core, so name server fail-over, ACL
signing and TLS work as they do for producers and consumers::

    with AdminClient() as admin:          # set_* calls go before start()
        route = admin.topic_route("Orders")

An :class:`AdminClient` is configured like a producer (``set_name_server_address``,
``set_session_credentials``, ``set_tls``) before ``start()``; its queries may
run from several threads at once.
"""

import json
import weakref
from typing import Any, Dict, List, NamedTuple, Optional, Union

from ._bindings import c_int, c_positive_int, c_string, ffi, lib, tls_arguments
from ._lifecycle import NativeClient
from .exceptions import NullPointerException, RocketMQException, _register, ffi_check

__all__ = [
    "AdminClient",
    "AdminException",
    "AdminStartFailed",
    "AdminQueryFailed",
    "TopicNotExist",
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


class AdminClient:
    """Asks name servers and brokers about topics, brokers and offsets.

    ``with AdminClient() as admin:`` starts it and shuts it down.
    """

    def __init__(self, name: Optional[StrOrBytes] = None) -> None:
        handle = lib.CreateAdminClient(ffi.NULL if name is None else c_string(name, "name"))
        if handle == ffi.NULL:
            raise NullPointerException("Returned null pointer when create AdminClient")
        self._client = NativeClient(handle, lib.ShutdownAdminClient, lib.DestroyAdminClient)
        finalizer = weakref.finalize(self, self._client.release)
        finalizer.atexit = False  # interpreter exit is _lifecycle's job

    @property
    def _handle(self) -> Any:
        handle = self._client.handle
        if handle is None:
            raise ValueError("the admin client has been destroyed")
        return handle

    def __enter__(self) -> "AdminClient":
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        self.shutdown()

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
