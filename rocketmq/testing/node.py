"""One broker process of the cluster, master or slave, and the faults a test can inflict on it."""

import asyncio
import time
from typing import TYPE_CHECKING, Any, Coroutine, Dict, List, Optional, Sequence, TypeVar

from .broker import Broker, BrokerConfig
from .codes import MASTER_ID
from .connection import Faults, RemotingServer
from .message_codec import StoredMessage
from .registration import Registrar
from .replication import CommitLogReplicator, SlaveSynchronizer
from .store import MessageStore
from .tasks import cancel_and_wait

if TYPE_CHECKING:
    from .server import EmbeddedCluster

_T = TypeVar("_T")

# How often the delay service looks for due messages.
SCHEDULE_TICK_SECONDS = 0.05


class BrokerNode:
    """A handle on one broker: its identity, its store, and kill / hang / resume / restart.

    The broker runs on the cluster's event loop with its own listening port,
    store, name-server connection and background work.  Methods without the
    ``_async`` suffix may be called from any thread.
    """

    def __init__(self, cluster: "EmbeddedCluster", config: BrokerConfig, store_dir: Optional[str],
                 port: int, master: Optional["BrokerNode"] = None) -> None:
        self.cluster = cluster
        self.config = config
        self.store_dir = store_dir
        self.master = master
        self.store = MessageStore(store_dir)
        self.broker = Broker(config, self.store)
        self.server = RemotingServer("%s/%d" % (config.broker_name, config.broker_id), self.broker.handle,
                                     self.broker.on_connection_closed)
        self.registrar: Optional[Registrar] = None
        self.synchronizer: Optional[SlaveSynchronizer] = None
        self._port = port
        self._alive = False
        self._awake: Optional[asyncio.Event] = None
        self._tasks: "List[asyncio.Task[None]]" = []
        self._register_pending = False
        self._register_task: "Optional[asyncio.Task[None]]" = None
        # Set while a clean stop runs: no new registration may start behind the unregistration.
        self._stopping = False

    # -- identity ------------------------------------------------------------
    @property
    def name(self) -> str:
        """The broker name (broker-a, ...)."""
        return self.config.broker_name

    @property
    def broker_id(self) -> int:
        """0 for the master, 1 and up for its slaves."""
        return self.config.broker_id

    @property
    def is_master(self) -> bool:
        """Whether this node is its broker name's master."""
        return self.config.broker_id == MASTER_ID

    @property
    def addr(self) -> str:
        """The node's ``host:port``."""
        return "%s:%d" % (self.config.host, self.server.port or self._port)

    @property
    def ha_server_addr(self) -> str:
        # Where Java's HA service would listen (listen port + 1); nothing listens there
        # since replication is done in-process, but name servers pass it on to slaves.
        return "%s:%d" % (self.config.host, (self.server.port or self._port) + 1)

    @property
    def is_alive(self) -> bool:
        """Whether the node is running (killed and stopped nodes are not)."""
        return self._alive

    @property
    def is_hung(self) -> bool:
        """Whether the node is hung (:meth:`hang`) and not yet resumed."""
        return self._alive and self._awake is not None and not self._awake.is_set()

    @property
    def serving(self) -> bool:
        """Alive and not hung: able to answer, register and replicate."""
        return self._alive and not self.is_hung

    @property
    def faults(self) -> Faults:
        """This node's fault hooks."""
        return self.server.faults

    @property
    def suggest_pulling_from_slave(self) -> bool:
        """Force the "far behind in memory" case of pulls on this broker (see BrokerConfig)."""
        return self.config.suggest_pulling_from_slave

    @suggest_pulling_from_slave.setter
    def suggest_pulling_from_slave(self, value: bool) -> None:
        self.config.suggest_pulling_from_slave = value

    @property
    def slave_read_enable(self) -> bool:
        """Whether pull answers send slow consumers to a slave (slaveReadEnable); settable while running."""
        return self.config.slave_read_enable

    @slave_read_enable.setter
    def slave_read_enable(self, value: bool) -> None:
        self.config.slave_read_enable = value

    @property
    def enable_property_filter(self) -> bool:
        """Whether SQL92 subscriptions are accepted (enablePropertyFilter); settable while running."""
        return self.config.enable_property_filter

    @enable_property_filter.setter
    def enable_property_filter(self, value: bool) -> None:
        self.config.enable_property_filter = value

    def __repr__(self) -> str:
        state = "alive" if self._alive else "dead"
        if self.is_hung:
            state = "hung"
        return "BrokerNode(%s/%d %s %s)" % (self.name, self.broker_id, self.addr, state)

    # -- lifecycle (on the loop) ---------------------------------------------
    async def start_async(self) -> None:
        self.broker.on_topics_changed = self.request_register
        self.broker.address = self.addr
        await self.server.start(self.config.host, self._port, self.cluster.tls_server)
        self._port = self.server.port
        self.broker.address = self.addr
        self._awake = asyncio.Event()
        self._awake.set()
        self._alive = True
        self.registrar = Registrar(self.config.cluster_name, self.name, self.broker_id,
                                   [self.cluster.namesrv_addr], self.cluster.tls_client)
        # As BrokerController.start: register once before serving periodically.
        await self.register_now()
        self._tasks = [asyncio.ensure_future(self._register_loop())]
        if self.is_master:
            self._tasks.append(asyncio.ensure_future(self._schedule_loop()))
            self._tasks.append(asyncio.ensure_future(self._transaction_loop()))
        else:
            self.synchronizer = SlaveSynchronizer(self.cluster.tls_client)
            replicator = CommitLogReplicator(self._replication_source, lambda: self.store)
            self._tasks.append(asyncio.ensure_future(replicator.run(self.wait_awake)))
            self._tasks.append(asyncio.ensure_future(self._slave_sync_loop()))

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        if self._register_task is not None:
            tasks.append(self._register_task)
        self._tasks = []
        self._register_task = None
        await cancel_and_wait(tasks)

    async def stop_async(self) -> None:
        """A clean shutdown: unregister from the name servers, save and close the store."""
        if not self._alive:
            return
        self._stopping = True
        self.resume_now()
        await self._cancel_tasks()
        await self.server.stop()
        if self.registrar is not None:
            await self.registrar.unregister(self.addr)
            await self.registrar.close()
        if self.synchronizer is not None:
            await self.synchronizer.close()
        self._alive = False
        self._stopping = False
        self.store.close()

    async def kill_async(self) -> None:
        """SIGKILL: every socket gone at once, nothing more answered, the store left as on disk."""
        if not self._alive:
            return
        self._alive = False
        await self._cancel_tasks()
        if self.registrar is not None:
            self.registrar.abort()
        if self.synchronizer is not None:
            self.synchronizer.abort()
        await self.server.kill()
        self.store.abandon()

    async def restart_async(self) -> None:
        """Start again after a kill or stop: same port, same store (reloaded from its directory)."""
        if self._alive:
            raise RuntimeError("%r is running; kill or stop it first" % self)
        self.broker.detach()
        if self.store_dir is not None:
            self.store = MessageStore(self.store_dir)
        # Client, consumer and lock tables start empty, as in a new process.
        self.broker = Broker(self.config, self.store)
        self.server.handler = self.broker.handle
        self.server.on_close = self.broker.on_connection_closed
        await self.start_async()

    def hang_now(self) -> None:
        if self._alive and self._awake is not None:
            self._awake.clear()
            self.server.hang()

    def resume_now(self) -> None:
        if self._awake is not None and not self._awake.is_set():
            self._awake.set()
            self.server.resume()

    async def wait_awake(self) -> None:
        """Background work waits here while the broker is hung."""
        if self._awake is not None and not self._awake.is_set():
            await self._awake.wait()

    # -- registration ----------------------------------------------------------
    async def register_now(self) -> bool:
        """registerBrokerAll with the current topic table; True when a name server took it."""
        if self.registrar is None or not self._alive:
            return False
        topics = list(self.store.topics.values())
        return await self.registrar.register(self.addr, self.ha_server_addr, topics,
                                             self.store.topic_data_version)

    def request_register(self) -> None:
        """Register soon (the topic table changed); repeated requests fold into one."""
        self._register_pending = True
        if not self._alive or self._stopping:
            return
        if self._register_task is not None and not self._register_task.done():
            return
        self._register_task = asyncio.ensure_future(self._register_pending_changes())

    async def _register_pending_changes(self) -> None:
        while self._register_pending and self._alive:
            self._register_pending = False
            await self.wait_awake()
            await self.register_now()

    async def _register_loop(self) -> None:
        while True:
            await asyncio.sleep(self.cluster.register_interval)
            await self.wait_awake()
            await self.register_now()

    # -- a master's services ---------------------------------------------------
    async def _schedule_loop(self) -> None:
        while True:
            await self.wait_awake()
            self.broker.deliver_due_delayed(int(time.time() * 1000))
            await asyncio.sleep(SCHEDULE_TICK_SECONDS)

    async def _transaction_loop(self) -> None:
        await asyncio.sleep(self.config.check_interval)
        while True:
            await self.wait_awake()
            self.broker.check_transactions(int(time.time() * 1000))
            await asyncio.sleep(self.config.check_interval)

    # -- a slave's services ----------------------------------------------------
    def _replication_source(self) -> Optional[MessageStore]:
        master = self.master
        if master is None or not master.serving or not self.serving:
            return None
        return master.store

    async def _slave_sync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.cluster.slave_sync_interval)
            await self.wait_awake()
            await self.sync_from_master()

    async def sync_from_master(self) -> bool:
        """One SlaveSynchronize round with the master the name server named at registration."""
        if self.synchronizer is None or self.registrar is None:
            return False
        return await self.synchronizer.sync_all(self.registrar.master_addr, self.addr, self.store,
                                                self.broker.replace_topics)

    # -- from any thread -------------------------------------------------------
    def _run(self, coroutine: "Coroutine[Any, Any, _T]") -> _T:
        return self.cluster.run_coroutine(coroutine)

    def kill(self) -> None:
        """Stop as SIGKILL would: sockets close at once, nothing is unregistered."""
        self._run(self.kill_async())

    def restart(self) -> None:
        """Start again after :meth:`kill` or :meth:`stop`: same port, same store."""
        self._run(self.restart_async())

    def stop(self) -> None:
        """Stop cleanly, unregistering from the name server."""
        self._run(self.stop_async())

    def hang(self) -> None:
        """SIGSTOP: connections stay open and are still accepted, but nothing is read or answered."""
        self.cluster.call(self.hang_now)

    def resume(self) -> None:
        """SIGCONT: everything sent meanwhile is now read, handled and answered."""
        self.cluster.call(self.resume_now)

    def messages(self, topic: Optional[str] = None, queue_id: Optional[int] = None) -> List[StoredMessage]:
        """Every message of this broker's store (a slave's: what was replicated), oldest first."""
        return self.cluster.call(lambda: self.store.messages(topic, queue_id))

    def wait_for_messages(self, topic: str, count: int, timeout: float = 10.0) -> List[StoredMessage]:
        """Wait up to ``timeout`` seconds until this node holds ``count`` messages of ``topic``."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(topic)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.02)

    def consumer_offset(self, group: str, topic: str, queue_id: int) -> Optional[int]:
        """The offset ``group`` committed on this node for a queue, or None."""
        return self.cluster.call(lambda: self.store.consumer_offsets.get((group, topic, queue_id)))

    def create_topic(self, topic: str, queues: Optional[int] = None) -> None:
        """Create ``topic`` on this node and register it."""
        self.cluster.create_topic_on([self], topic, queues)

    def consumer_ids(self, group: str) -> List[str]:
        """The client ids of ``group``'s consumers connected to this node."""
        def ids() -> List[str]:
            info = self.broker.clients.consumer_group(group)
            return info.client_ids() if info else []
        return self.cluster.call(ids)

    def request_counts(self) -> Dict[int, int]:
        """Requests this node handled, by request code."""
        return dict(self.server.request_counts)

    def sync_now(self) -> bool:
        """Run one slave-sync round at once (slaves only)."""
        return self._run(self.sync_from_master())

    def register(self) -> bool:
        """Register with the name server at once."""
        return self._run(self.register_now())


def node_names(count: int) -> Sequence[str]:
    """broker-a, broker-b, ..., broker-z, broker-aa, ..."""
    names = []
    for index in range(count):
        letters = ""
        n = index
        while True:
            letters = chr(ord("a") + n % 26) + letters
            n = n // 26 - 1
            if n < 0:
                break
        names.append("broker-" + letters)
    return names
