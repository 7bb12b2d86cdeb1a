"""EmbeddedCluster: a name server and brokers (masters with slaves), in-process or on a background thread."""

import asyncio
import os
import ssl
import threading
import time
from typing import Any, Callable, Coroutine, Dict, List, Mapping, Optional, Sequence, TypeVar

from .acl import AclValidator
from .broker import Broker, BrokerConfig
from .codes import DEFAULT_CLUSTER, MASTER_ID
from .connection import Faults, RemotingServer
from .message_codec import StoredMessage
from .namesrv import BROKER_EXPIRY_SECONDS, SCAN_INTERVAL_SECONDS, NameServer
from .node import BrokerNode, node_names
from .store import MessageStore
from .tasks import cancel_and_wait
from .timers import DEFAULT_PRECISION_MS
from .versions import DEFAULT_VERSION

_T = TypeVar("_T")

# BrokerConfig.registerNameServerPeriod and SlaveSynchronize's period.
REGISTER_INTERVAL_SECONDS = 30.0
SLAVE_SYNC_INTERVAL_SECONDS = 10.0


class EmbeddedCluster:
    """A RocketMQ-compatible name server and brokers.

    ``masters`` masters (broker-a, broker-b, ...) in cluster DefaultCluster,
    each with ``slaves`` slaves (broker ids 1..slaves), every one on its own
    port with its own store; they register with the name server over TCP as
    Java brokers do.  The attributes and helpers without a broker name
    (``broker``, ``store``, ``faults``, ``broker_addr``, ...) are those of the
    first master; ``brokers`` lists a handle (BrokerNode) for each broker.

    The brokers present themselves as RocketMQ ``version``: "4.9.8" (the
    default) or "5.3.1", which also holds messages with a delivery time
    (TIMER_DELIVER_MS / TIMER_DELAY_SEC / TIMER_DELAY_MS) until then, to
    within ``timer_precision_ms``, as a 5.x broker does (timers.py).

    Use ``await cluster.start_async()`` inside an event loop, or ``cluster.start()``
    to run it on its own thread; ``stop()`` / ``stop_async()`` undo either.
    """

    def __init__(self, host: str = "127.0.0.1", namesrv_port: int = 0, broker_port: int = 0,
                 store_dir: Optional[str] = None, queues: int = 4, delay_scale: float = 1.0,
                 check_interval: float = 60.0, transaction_immunity: float = 6.0,
                 auto_create_topics: bool = True, acl: Optional[Mapping[str, Any]] = None,
                 tls_cert: Optional[str] = None, tls_key: Optional[str] = None,
                 masters: int = 1, slaves: int = 0, register_interval: float = REGISTER_INTERVAL_SECONDS,
                 broker_expiry: float = BROKER_EXPIRY_SECONDS,
                 broker_scan_interval: float = SCAN_INTERVAL_SECONDS,
                 slave_sync_interval: float = SLAVE_SYNC_INTERVAL_SECONDS,
                 slave_read_enable: bool = False, cluster_name: str = DEFAULT_CLUSTER,
                 enable_property_filter: bool = False,
                 version: str = DEFAULT_VERSION,
                 timer_precision_ms: int = DEFAULT_PRECISION_MS) -> None:
        if masters < 1 or slaves < 0:
            raise ValueError("a cluster needs at least one master and no negative number of slaves")
        self.host = host
        self.store_dir = store_dir
        self.register_interval = register_interval
        self.broker_scan_interval = broker_scan_interval
        self.slave_sync_interval = slave_sync_interval
        self.slaves_per_master = slaves
        self.cluster_name = cluster_name
        self._namesrv_port = namesrv_port
        self._next_port = broker_port
        self._settings: Dict[str, Any] = dict(
            host=host, cluster_name=cluster_name, queues=queues, auto_create_topics=auto_create_topics,
            delay_scale=delay_scale, check_interval=check_interval,
            transaction_immunity=transaction_immunity, slave_read_enable=slave_read_enable,
            enable_property_filter=enable_property_filter,
            version=version, timer_precision_ms=timer_precision_ms)
        # TLS only, on every server: the Java servers' "enforcing" mode.
        self.tls_server: Optional[ssl.SSLContext] = None
        self.tls_client: Optional[ssl.SSLContext] = None
        if tls_cert is not None:
            self.tls_server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_server.load_cert_chain(tls_cert, tls_key)
            # Brokers reach the name server (and slaves their master) as the Java broker
            # does by default: encrypted, without checking the certificate.
            self.tls_client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.tls_client.check_hostname = False
            self.tls_client.verify_mode = ssl.CERT_NONE
        self._acl = acl
        self.namesrv = NameServer(self._auto_create_topic, broker_expiry)
        self.namesrv_server = RemotingServer("namesrv", self.namesrv.handle,
                                             self.namesrv.on_connection_closed)
        self.nodes: List[BrokerNode] = []
        # A single master keeps the store directory's old layout; more brokers get a subdirectory each.
        self._own_subdirs = masters > 1 or slaves > 0
        for _ in range(masters):
            self._add_master_nodes()
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._tasks: "List[asyncio.Task[None]]" = []
        self._running = False

    def _take_port(self) -> int:
        port = self._next_port
        if port:
            self._next_port += 1
        return port

    def _new_node(self, name: str, broker_id: int, master: Optional[BrokerNode]) -> BrokerNode:
        config = BrokerConfig(broker_name=name, broker_id=broker_id, **self._settings)
        store_dir = self.store_dir
        if store_dir is not None and self._own_subdirs:
            store_dir = os.path.join(store_dir, "%s-%d" % (name, broker_id))
        node = BrokerNode(self, config, store_dir, self._take_port(), master)
        if self._acl is not None:
            # plain_acl.yml's keys; only brokers check, as with the Java name server.
            node.server.acl = AclValidator(self._acl)
        self.nodes.append(node)
        return node

    def _add_master_nodes(self) -> List[BrokerNode]:
        name = node_names(len(self.masters) + 1)[-1]
        master = self._new_node(name, MASTER_ID, None)
        added = [master]
        for broker_id in range(1, self.slaves_per_master + 1):
            added.append(self._new_node(name, broker_id, master))
        return added

    # -- brokers -------------------------------------------------------------
    @property
    def brokers(self) -> List[BrokerNode]:
        """Every broker, masters each followed by their slaves."""
        return list(self.nodes)

    @property
    def masters(self) -> List[BrokerNode]:
        """The master of every broker name, in order (broker-a, broker-b, ...)."""
        return [node for node in self.nodes if node.is_master]

    def slaves_of(self, broker_name: str) -> List[BrokerNode]:
        """The slaves of ``broker_name``, by broker id."""
        return [node for node in self.nodes if node.name == broker_name and not node.is_master]

    def broker_node(self, broker_name: str, broker_id: int = MASTER_ID) -> BrokerNode:
        """The node of ``broker_name`` with ``broker_id`` (0, the default, is the master)."""
        for node in self.nodes:
            if node.name == broker_name and node.broker_id == broker_id:
                return node
        raise KeyError("no broker %s/%d" % (broker_name, broker_id))

    @property
    def first(self) -> BrokerNode:
        return self.nodes[0]

    # The first master, under the names a single-broker cluster always had.
    @property
    def broker(self) -> Broker:
        return self.first.broker

    @property
    def store(self) -> MessageStore:
        return self.first.store

    @property
    def config(self) -> BrokerConfig:
        return self.first.config

    @property
    def broker_server(self) -> RemotingServer:
        return self.first.server

    def add_master(self) -> BrokerNode:
        """Start one more master (the next letter), with the cluster's number of slaves, and register it."""
        nodes = self._add_master_nodes()
        if self._running:
            for node in nodes:
                self.run_coroutine(node.start_async())
        return nodes[0]

    # -- addresses -----------------------------------------------------------
    @property
    def namesrv_addr(self) -> str:
        """The name server's ``host:port``: what clients are pointed at."""
        return "%s:%d" % (self.host, self.namesrv_server.port)

    @property
    def broker_addr(self) -> str:
        """The first master's ``host:port``."""
        return self.first.addr

    # -- lifecycle in the caller's loop --------------------------------------
    async def start_async(self) -> None:
        """Start on the running event loop (instead of a background thread)."""
        self.loop = asyncio.get_event_loop()
        await self.namesrv_server.start(self.host, self._namesrv_port, self.tls_server)
        self._namesrv_port = self.namesrv_server.port
        # Masters first, so that slaves learn their master's address when they register.
        for node in sorted(self.nodes, key=lambda n: n.broker_id):
            await node.start_async()
        self._tasks = [asyncio.ensure_future(self._scan_loop())]
        self._running = True

    async def stop_async(self) -> None:
        """Stop what :meth:`start_async` started."""
        self._running = False
        await cancel_and_wait(self._tasks)
        self._tasks = []
        # Slaves, then masters (each group at once), then the name server, which sees each unregister.
        await asyncio.gather(*(node.stop_async() for node in self.nodes if not node.is_master))
        await asyncio.gather(*(node.stop_async() for node in self.masters))
        await self.namesrv_server.stop()

    async def _scan_loop(self) -> None:
        while True:
            await asyncio.sleep(self.broker_scan_interval)
            self.namesrv.scan_not_active()

    async def _auto_create_topic(self, topic: str) -> bool:
        """The name server's auto-create: every live master creates the topic, then registers."""
        created = [node for node in self.masters
                   if node.serving and node.broker.create_topic_if_allowed(topic)]
        if not created:
            return False
        await asyncio.gather(*(node.register_now() for node in created))
        return True

    # -- lifecycle on a background thread ------------------------------------
    def start(self) -> "EmbeddedCluster":
        """Start the name server and brokers on a background thread; returns once they listen."""
        ready = threading.Event()
        failure: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="rocketmq-testing", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop every broker and the name server, and the background thread."""
        if self._thread is None or self.loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.stop_async(), self.loop)
        # Each broker may wait a few seconds for a name server that does not answer its unregistration.
        future.result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> "EmbeddedCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(self, func: Callable[..., _T], *args: Any) -> _T:
        """Run ``func(*args)`` on the cluster's loop thread and return its result."""
        if self._thread is None or self.loop is None or threading.current_thread() is self._thread:
            return func(*args)
        done = threading.Event()
        box: Dict[str, object] = {}

        def invoke() -> None:
            try:
                box["value"] = func(*args)
            except BaseException as exc:
                box["error"] = exc
            done.set()

        self.loop.call_soon_threadsafe(invoke)
        done.wait(10)
        error = box.get("error")
        if isinstance(error, BaseException):
            raise error
        return box.get("value")  # type: ignore[return-value]

    def run_coroutine(self, coroutine: "Coroutine[Any, Any, _T]") -> _T:
        """Run a coroutine on the cluster's loop from another thread and return its result."""
        if self.loop is None or self._thread is None:
            coroutine.close()
            raise RuntimeError("the cluster is not running on its own thread (use the _async methods)")
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("cannot wait for the cluster's loop on the loop itself")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    # -- inspection and fault hooks (cluster-wide: every master) ---------------
    def messages(self, topic: Optional[str] = None, queue_id: Optional[int] = None) -> List[StoredMessage]:
        """Every stored message of a topic (and queue) on the masters, oldest first per broker.

        Slaves are left out, so replicated copies are not counted twice; see
        BrokerNode.messages for one broker's store.
        """
        def collect() -> List[StoredMessage]:
            found: List[StoredMessage] = []
            for node in self.masters:
                found.extend(node.store.messages(topic, queue_id))
            return found
        return self.call(collect)

    def wait_for_messages(self, topic: str, count: int, timeout: float = 10.0) -> List[StoredMessage]:
        """Wait up to ``timeout`` seconds until the masters hold ``count`` messages of ``topic``; returns
        them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(topic)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.02)

    def request_counts(self) -> Dict[int, int]:
        """How many requests of each code the masters and the name server received."""
        counts: Dict[int, int] = {}
        servers = [node.server for node in self.masters] + [self.namesrv_server]
        for server in servers:
            for code, n in server.request_counts.items():
                counts[code] = counts.get(code, 0) + n
        return counts

    def consumer_offset(self, group: str, topic: str, queue_id: int,
                        broker_name: Optional[str] = None) -> Optional[int]:
        """A group's committed offset of a queue on ``broker_name``'s master, or on the first that has one."""
        def find() -> Optional[int]:
            for node in self.masters:
                if broker_name is not None and node.name != broker_name:
                    continue
                offset = node.store.consumer_offsets.get((group, topic, queue_id))
                if offset is not None:
                    return offset
            return None
        return self.call(find)

    def create_topic(self, topic: str, queues: Optional[int] = None) -> None:
        """Create a topic on every master and have them register it before returning."""
        self.create_topic_on(self.masters, topic, queues)

    def create_topic_on(self, nodes: Sequence[BrokerNode], topic: str, queues: Optional[int] = None) -> None:
        """Create ``topic`` on the given brokers only and register it with the name server."""
        threaded = self._thread is not None and self.loop is not None
        if threaded and threading.current_thread() is not self._thread:
            async def create_and_register() -> None:
                for node in nodes:
                    node.broker.create_topic(topic, queues)
                await asyncio.gather(*(node.register_now() for node in nodes if node.serving))
            self.run_coroutine(create_and_register())
            return
        # On the loop itself: create now, the registration follows by itself.
        for node in nodes:
            node.broker.create_topic(topic, queues)

    def consumer_ids(self, group: str) -> List[str]:
        """Client ids of a consumer group, as the masters know them (each id once)."""
        def ids() -> List[str]:
            seen: List[str] = []
            for node in self.masters:
                info = node.broker.clients.consumer_group(group)
                for client_id in (info.client_ids() if info else []):
                    if client_id not in seen:
                        seen.append(client_id)
            return seen
        return self.call(ids)

    def producer_groups(self) -> List[str]:
        """The producer groups that sent heartbeats to the masters."""
        return self.call(lambda: sorted({g for node in self.masters for g in node.broker.clients.producers}))

    def reset_consumer_offset(self, group: str, topic: str, timestamp: int,
                              is_force: bool = True) -> Dict[int, int]:
        """Reset a consumer group's offsets to `timestamp` (ms; -1: newest), as mqadmin resetOffsetByTime."""
        return self.call(self.broker.reset_consumer_offset, group, topic, timestamp, is_force)

    def check_transactions_now(self) -> int:
        """Run one transaction check pass immediately (ignores the interval, not the immunity)."""
        now = int(time.time() * 1000)
        return self.call(lambda: sum(node.broker.check_transactions(now) for node in self.masters
                                     if node.serving))

    def stop_name_server(self) -> None:
        """Take the name server down while the brokers keep serving, as a name server crash would.

        Its route table goes with it; brokers fill the new one as they register again.
        """
        self._run_on_loop(self.namesrv_server.stop())
        self.call(self.namesrv.reset)

    def start_name_server(self) -> None:
        """Bring the name server back on the port it had."""
        self._run_on_loop(self.namesrv_server.start(self.host, self.namesrv_server.port, self.tls_server))

    def _run_on_loop(self, coroutine: "Coroutine[Any, Any, None]") -> None:
        if self.loop is None:
            raise RuntimeError("the cluster is not running")
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    @property
    def faults(self) -> Faults:
        """Misbehaviour hooks of the first master (see connection.Faults); each broker has its own."""
        return self.first.faults

    @property
    def namesrv_faults(self) -> Faults:
        """The name server's fault hooks."""
        return self.namesrv_server.faults

    def drop_client_connections(self) -> None:
        """Close every client connection to every broker, as broker restarts would."""
        def close_all() -> None:
            for node in self.nodes:
                for conn in list(node.server.connections):
                    conn.close()
        self.call(close_all)
