"""EmbeddedCluster: a name server and a broker, in-process or on a background thread."""

import asyncio
import ssl
import threading
import time
from typing import Any, Callable, Coroutine, Dict, List, Mapping, Optional, TypeVar

from .acl import AclValidator
from .broker import Broker, BrokerConfig
from .connection import Faults, RemotingServer
from .message_codec import StoredMessage
from .namesrv import NameServer
from .store import MessageStore

_T = TypeVar("_T")

# How often the delay service looks for due messages.
SCHEDULE_TICK_SECONDS = 0.05


class EmbeddedCluster:
    """A RocketMQ-compatible name server and broker.

    Use ``await cluster.start_async()`` inside an event loop, or ``cluster.start()``
    to run it on its own thread; ``stop()`` / ``stop_async()`` undo either.
    """

    def __init__(self, host: str = "127.0.0.1", namesrv_port: int = 0, broker_port: int = 0,
                 store_dir: Optional[str] = None, queues: int = 4, delay_scale: float = 1.0,
                 check_interval: float = 60.0, transaction_immunity: float = 6.0,
                 auto_create_topics: bool = True, acl: Optional[Mapping[str, Any]] = None,
                 tls_cert: Optional[str] = None, tls_key: Optional[str] = None) -> None:
        self.host = host
        self._wanted_ports = (namesrv_port, broker_port)
        self.config = BrokerConfig(host=host, queues=queues, auto_create_topics=auto_create_topics,
                                   delay_scale=delay_scale, check_interval=check_interval,
                                   transaction_immunity=transaction_immunity)
        self.store = MessageStore(store_dir)
        self.broker = Broker(self.config, self.store)
        self.namesrv = NameServer(self.broker)
        self.broker_server = RemotingServer("broker", self.broker.handle, self.broker.on_connection_closed)
        # TLS only, on both servers: the Java servers' "enforcing" mode.
        self._tls: Optional[ssl.SSLContext] = None
        if tls_cert is not None:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(tls_cert, tls_key)
        if acl is not None:
            # plain_acl.yml's keys; only the broker checks, as with the Java name server.
            self.broker_server.acl = AclValidator(acl)
        self.namesrv_server = RemotingServer("namesrv", self.namesrv.handle)
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._tasks: "List[asyncio.Task[None]]" = []

    # -- addresses -----------------------------------------------------------
    @property
    def namesrv_addr(self) -> str:
        return "%s:%d" % (self.host, self.namesrv_server.port)

    @property
    def broker_addr(self) -> str:
        return "%s:%d" % (self.host, self.broker_server.port)

    # -- lifecycle in the caller's loop --------------------------------------
    async def start_async(self) -> None:
        self.loop = asyncio.get_event_loop()
        await self.broker_server.start(self.host, self._wanted_ports[1], self._tls)
        self.broker.address = self.broker_addr
        await self.namesrv_server.start(self.host, self._wanted_ports[0], self._tls)
        self._tasks = [asyncio.ensure_future(self._schedule_loop()),
                       asyncio.ensure_future(self._transaction_loop())]

    async def stop_async(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []
        await self.namesrv_server.stop()
        await self.broker_server.stop()
        self.store.close()

    async def _schedule_loop(self) -> None:
        while True:
            self.broker.deliver_due_delayed(int(time.time() * 1000))
            await asyncio.sleep(SCHEDULE_TICK_SECONDS)

    async def _transaction_loop(self) -> None:
        await asyncio.sleep(self.config.check_interval)
        while True:
            self.broker.check_transactions(int(time.time() * 1000))
            await asyncio.sleep(self.config.check_interval)

    # -- lifecycle on a background thread ------------------------------------
    def start(self) -> "EmbeddedCluster":
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
        if self._thread is None or self.loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self.stop_async(), self.loop)
        future.result(timeout=10)
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

    # -- inspection and fault hooks ------------------------------------------
    def messages(self, topic: Optional[str] = None, queue_id: Optional[int] = None) -> List[StoredMessage]:
        """Every stored message of a topic (and queue), oldest first."""
        return self.call(self.store.messages, topic, queue_id)

    def wait_for_messages(self, topic: str, count: int, timeout: float = 10.0) -> List[StoredMessage]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(topic)
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.02)

    def request_counts(self) -> Dict[int, int]:
        """How many requests of each code the broker and name server received."""
        counts: Dict[int, int] = {}
        for server in (self.broker_server, self.namesrv_server):
            for code, n in server.request_counts.items():
                counts[code] = counts.get(code, 0) + n
        return counts

    def consumer_offset(self, group: str, topic: str, queue_id: int) -> Optional[int]:
        return self.call(self.store.consumer_offsets.get, (group, topic, queue_id))

    def create_topic(self, topic: str, queues: Optional[int] = None) -> None:
        self.call(self.broker.create_topic, topic, queues)

    def consumer_ids(self, group: str) -> List[str]:
        info = self.call(self.broker.clients.consumer_group, group)
        return info.client_ids() if info else []

    def producer_groups(self) -> List[str]:
        return self.call(lambda: sorted(self.broker.clients.producers))

    def reset_consumer_offset(self, group: str, topic: str, timestamp: int,
                              is_force: bool = True) -> Dict[int, int]:
        """Reset a consumer group's offsets to `timestamp` (ms; -1: newest), as mqadmin resetOffsetByTime."""
        return self.call(self.broker.reset_consumer_offset, group, topic, timestamp, is_force)

    def check_transactions_now(self) -> int:
        """Run one transaction check pass immediately (ignores the interval, not the immunity)."""
        return self.call(self.broker.check_transactions, int(time.time() * 1000))

    def stop_name_server(self) -> None:
        """Take the name server down while the broker keeps serving, as a name server crash would."""
        self._run_on_loop(self.namesrv_server.stop())

    def start_name_server(self) -> None:
        """Bring the name server back on the port it had."""
        self._run_on_loop(self.namesrv_server.start(self.host, self.namesrv_server.port, self._tls))

    def _run_on_loop(self, coroutine: "Coroutine[Any, Any, None]") -> None:
        if self.loop is None:
            raise RuntimeError("the cluster is not running")
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    @property
    def faults(self) -> Faults:
        """Misbehaviour hooks of the broker (see connection.Faults)."""
        return self.broker_server.faults

    @property
    def namesrv_faults(self) -> Faults:
        return self.namesrv_server.faults

    def drop_client_connections(self) -> None:
        """Close every client connection to the broker, as a broker restart would."""
        def close_all() -> None:
            for conn in list(self.broker_server.connections):
                conn.close()
        self.call(close_all)
