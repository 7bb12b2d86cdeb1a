"""Clusters: masters dying, hanging, restarting and joining, slaves taking over reads.

Each test builds its cluster through ``cluster_factory`` (conftest): the
embedded cluster in CI, a real RocketMQ 4.9.8 cluster with
``pytest --real-cluster=DIR``. Faults are what an operator sees: a broker
killed (SIGKILL), hung (SIGSTOP: sockets open, nothing answered), restarted.
Every test asserts outcomes: messages lost (must be 0), duplicates, how long
consumption stalled, how many sends failed.
"""

from __future__ import annotations

import collections
import os
import resource
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

import pytest
from _helpers import unique_name
from cluster_control import broker_nodes, wait_until

from rocketmq._bindings import lib
from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, Producer, PushConsumer, ReceivedMessage
from rocketmq.pull_consumer import PullConsumer
from rocketmq.testing.client import RemotingClient

GET_MAX_OFFSET = 30
QUEUES = 4
# Route polls of the clients in these tests: short, so a route change reaches them quickly.
POLL_INTERVAL_MS = 1000

pytestmark = pytest.mark.timeout(300)


# ----- helpers ---------------------------------------------------------------------------


def max_offset(addr: str, topic: str, queue_id: int) -> int:
    with RemotingClient(addr) as client:
        answer = client.request(GET_MAX_OFFSET, {"topic": topic, "queueId": queue_id}, timeout=5.0)
    return int(answer.ext_fields.get("offset", "0"))


def stored_count(addr: str, topic: str) -> int:
    return sum(max_offset(addr, topic, q) for q in range(QUEUES))


def wait_replicated(master_addr: str, slave_addr: str, topic: str, timeout: float = 20.0) -> None:
    """Until the slave holds every message its master stored."""
    target = [max_offset(master_addr, topic, q) for q in range(QUEUES)]
    assert wait_until(lambda: [max_offset(slave_addr, topic, q) for q in range(QUEUES)] == target, timeout), \
        "the slave did not catch up"


def new_producer(namesrv: str, timeout_ms: int = 3000) -> Producer:
    producer = Producer(unique_name("PID_cluster"), timeout=timeout_ms)
    producer.set_name_server_address(namesrv)
    producer.set_poll_name_server_interval(POLL_INTERVAL_MS)
    producer.start()
    return producer


def send_numbered(producer: Producer, topic: str, count: int, prefix: str = "m") -> List[str]:
    keys = []
    for i in range(count):
        key = "%s%d" % (prefix, i)
        producer.send_sync(Message(topic, key.encode(), keys=key))
        keys.append(key)
    return keys


class Received:
    """What a consumer saw: every delivery in order, with its time."""

    def __init__(self, work_seconds: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.deliveries: List[Tuple[str, float, int]] = []  # (key, time, queue id)
        self.work_seconds = work_seconds

    def __call__(self, message: ReceivedMessage) -> ConsumeStatus:
        if self.work_seconds:
            time.sleep(self.work_seconds)
        with self.lock:
            self.deliveries.append((message.keys.decode(), time.monotonic(), message.queue_id))
        return ConsumeStatus.CONSUME_SUCCESS

    def keys(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(key for key, _, _ in self.deliveries)

    def distinct(self) -> int:
        return len(self.keys())

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.keys().values())

    def times(self) -> List[float]:
        with self.lock:
            return [t for _, t, _ in self.deliveries]

    def wait_distinct(self, count: int, timeout: float) -> bool:
        return wait_until(lambda: self.distinct() >= count, timeout)


Listener = Callable[[ReceivedMessage], ConsumeStatus]


def start_consumer(namesrv: str, group: str, topic: str, received: Listener, threads: int = 2,
                   cache_per_queue: Optional[int] = None, orderly: bool = False) -> PushConsumer:
    consumer = PushConsumer(group, orderly=orderly)
    consumer.set_name_server_address(namesrv)
    consumer.set_poll_name_server_interval(POLL_INTERVAL_MS)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.set_thread_count(threads)
    if cache_per_queue is not None:
        # The C API's knob (DefaultMQPushConsumer.pullThresholdForQueue); no Python setter in 2.0.0.
        assert lib.SetPushConsumerMaxCacheMessageSize(consumer._handle, cache_per_queue) == 0
    consumer.subscribe(topic, received)
    consumer.start()
    return consumer


class SendLoop(threading.Thread):
    """send_sync as fast as it goes, recording every outcome."""

    def __init__(self, producer: Producer, topic: str, pause: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.producer, self.topic, self.pause = producer, topic, pause
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok: List[Tuple[str, float]] = []
        self.failed: List[Tuple[str, float, float, str]] = []  # key, started, took, error

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            key = "s%d" % i
            i += 1
            started = time.monotonic()
            try:
                self.producer.send_sync(Message(self.topic, key.encode(), keys=key))
                with self.lock:
                    self.ok.append((key, time.monotonic()))
            except Exception as exc:  # every failure is what the test measures
                with self.lock:
                    self.failed.append((key, started, time.monotonic() - started, str(exc)))
            if self.pause:
                time.sleep(self.pause)

    def finish(self) -> None:
        self.stop.set()
        self.join(30)

    def ok_keys(self) -> List[str]:
        with self.lock:
            return [key for key, _ in self.ok]

    def timeouts(self) -> int:
        with self.lock:
            return sum(1 for _, _, took, _ in self.failed if took >= 1.0)

    def longest_gap(self, start: float, end: float) -> float:
        """Longest time without a successful send inside [start, end]."""
        with self.lock:
            times = [start] + [t for _, t in self.ok if start <= t <= end] + [end]
        return max(b - a for a, b in zip(times, times[1:]))


def replicated_topic(cluster, prefix: str, count: int, queues: int = QUEUES):  # type: ignore[no-untyped-def]
    """A new topic on broker-a with ``count`` messages, copied to its slave: (master, slave, topic, keys)."""
    master, slave = cluster.broker("broker-a", 0), cluster.broker("broker-a", 1)
    topic = unique_name(prefix)
    cluster.create_topic(topic, queues)
    producer = new_producer(cluster.namesrv_addr)
    try:
        keys = send_numbered(producer, topic, count)
    finally:
        producer.shutdown()
    wait_replicated(master.addr, slave.addr, topic)
    return master, slave, topic, keys


def drain(namesrv: str, topic: str, expected: int, timeout: float = 60.0) -> Received:
    """Everything stored in ``topic``, read by a new group."""
    received = Received()
    consumer = start_consumer(namesrv, unique_name("GID_drain"), topic, received)
    try:
        received.wait_distinct(expected, timeout)
        # Let redeliveries, if any, arrive too.
        time.sleep(1.0)
    finally:
        consumer.shutdown()
    return received


# ----- slaves ------------------------------------------------------------------------------


def test_a_new_group_consumes_everything_from_the_slave_of_a_dead_master(cluster_factory):
    cluster = cluster_factory(masters=1, slaves=1)
    master, slave, topic, keys = replicated_topic(cluster, "TopicSlaveRead", 300)

    master.kill()
    slave_only = {1: slave.addr}
    assert wait_until(lambda: broker_nodes(cluster.namesrv_addr, topic).get("broker-a") == slave_only, 10), \
        "the name server still routes to the dead master"
    received = Received()
    started = time.monotonic()
    consumer = start_consumer(cluster.namesrv_addr, unique_name("GID_slave_new"), topic, received)
    try:
        assert received.wait_distinct(len(keys), 30), "only %d of %d read from the slave" % (
            received.distinct(), len(keys))
        took = time.monotonic() - started
    finally:
        consumer.shutdown()
    assert set(received.keys()) == set(keys)
    print("new group on the slave: %d/%d in %.2f s" % (received.distinct(), len(keys), took))


def test_the_pull_consumer_reads_from_the_slave_of_a_dead_master(cluster_factory):
    cluster = cluster_factory(masters=1, slaves=1)
    master, slave, topic, keys = replicated_topic(cluster, "TopicPullSlave", 80)
    master.kill()
    assert wait_until(lambda: 0 not in broker_nodes(cluster.namesrv_addr, topic).get("broker-a", {0: ""}), 10)
    consumer = PullConsumer(unique_name("GID_pull_slave"))
    consumer.set_name_server_address(cluster.namesrv_addr)
    consumer.start()
    try:
        queues = consumer.fetch_queues(topic)
        assert len(queues) == QUEUES
        pulled = [m.keys.decode() for q in queues for m in consumer.pull_all(q)]
    finally:
        consumer.shutdown()
    assert sorted(pulled) == sorted(keys)


def test_a_running_consumer_moves_to_the_slave_and_back_without_losing_its_place(cluster_factory):
    cluster = cluster_factory(masters=1, slaves=1)
    master, slave, topic, keys = replicated_topic(cluster, "TopicFailover", 600)

    group = unique_name("GID_failover")
    # Slow on purpose (1 thread, 10 ms a message, 10 cached per queue): most
    # messages are still at the broker when the master dies.
    received = Received(work_seconds=0.01)
    consumer = start_consumer(cluster.namesrv_addr, group, topic, received, threads=1, cache_per_queue=10)
    try:
        assert received.wait_distinct(150, 30)
        master.kill()
        killed_at = time.monotonic()
        at_kill = received.distinct()
        # The cache holds at most 4 x 10: anything past that came from the slave.
        assert wait_until(lambda: received.distinct() >= at_kill + 4 * 10 + 50, 15), \
            "consumption stalled with the master gone (%d -> %d)" % (at_kill, received.distinct())
        assert received.wait_distinct(len(keys), 60), "only %d of %d consumed while the master was down" % (
            received.distinct(), len(keys))
        after_kill = [killed_at] + [t for t in received.times() if t > killed_at]
        stall = max(b - a for a, b in zip(after_kill, after_kill[1:]))
        down_for = time.monotonic() - killed_at
        master.restart()
        assert wait_until(lambda: 0 in broker_nodes(cluster.namesrv_addr, topic).get("broker-a", {}), 30)
        # New messages after the master's return: consumption moved back to it.
        producer = new_producer(cluster.namesrv_addr)
        try:
            more = send_numbered(producer, topic, 40, prefix="after")
        finally:
            producer.shutdown()
        assert received.wait_distinct(len(keys) + len(more), 30)
        # Offsets are committed every 5 s; give one round to reach the master.
        time.sleep(6)
    finally:
        consumer.shutdown()
    duplicates_first_run = received.duplicates()

    # The same group again: what was committed (at the slave, then the master) holds.
    again = Received()
    consumer = start_consumer(cluster.namesrv_addr, group, topic, again)
    try:
        time.sleep(5)
    finally:
        consumer.shutdown()
    print("failover: longest stall %.2f s with the master down %.1f s; duplicates %d; redelivered after "
          "restart of the group %d" % (stall, down_for, duplicates_first_run, again.distinct()))
    assert set(received.keys()) == set(keys) | set(more)
    # Redelivery is bounded by what can be in flight (4 queues x 10 cached + the batch in the callback).
    assert duplicates_first_run <= 4 * 10 + 32
    assert again.distinct() <= 4 * 10 + 32


def test_orderly_consumption_pauses_while_the_master_is_gone_and_keeps_order(cluster_factory):
    cluster = cluster_factory(masters=1, slaves=1)
    master = cluster.broker("broker-a", 0)
    topic = unique_name("TopicOrderlyFailover")
    cluster.create_topic(topic, QUEUES)
    producer = new_producer(cluster.namesrv_addr)
    sequences = 8
    per_key = 60
    try:
        for n in range(per_key):
            for s in range(sequences):
                key = "q%d-%03d" % (s, n)
                producer.send_orderly_with_sharding_key(Message(topic, key.encode(), keys=key), "q%d" % s)
    finally:
        producer.shutdown()
    received = Received(work_seconds=0.005)
    consumer = start_consumer(cluster.namesrv_addr, unique_name("GID_orderly"), topic, received, threads=2,
                              orderly=True)
    try:
        assert received.wait_distinct(100, 30)
        master.kill()
        time.sleep(2)  # what was cached and locked may finish meanwhile
        paused_at = len(received.times())
        time.sleep(4)
        consumed_while_down = len(received.times()) - paused_at
        master.restart()
        assert received.wait_distinct(sequences * per_key, 90), "only %d of %d after the master returned" % (
            received.distinct(), sequences * per_key)
    finally:
        consumer.shutdown()
    # No lock without a master: nothing consumed during the outage.
    assert consumed_while_down == 0
    # Per sharding key, messages were first seen in the order they were sent.
    first_seen: Dict[str, List[int]] = collections.defaultdict(list)
    seen = set()
    with received.lock:
        for key, _, _ in received.deliveries:
            if key not in seen:
                seen.add(key)
                sequence, number = key.split("-")
                first_seen[sequence].append(int(number))
    for sequence, numbers in first_seen.items():
        assert numbers == sorted(numbers), "out of order in %s" % sequence


# ----- dead and hung brokers ---------------------------------------------------------------


def test_a_hung_master_costs_one_timeout_and_a_dead_one_none(cluster_factory):
    cluster = cluster_factory(masters=2, slaves=0)
    broker_a, broker_b = cluster.broker("broker-a"), cluster.broker("broker-b")
    topic = unique_name("TopicHang")
    cluster.create_topic(topic, QUEUES)
    producer = new_producer(cluster.namesrv_addr, timeout_ms=2000)
    loop = SendLoop(producer, topic, pause=0.002)
    try:
        loop.start()
        assert wait_until(lambda: len(loop.ok) >= 100, 20)
        broker_b.hang()
        hung_at = time.monotonic()
        time.sleep(10)
        broker_b.resume()
        resumed_at = time.monotonic()
        hang_gap = loop.longest_gap(hung_at, resumed_at)
        hang_timeouts = loop.timeouts()
        # Probed and taken back: sends reach broker-b again soon after it resumed.
        before = stored_count(broker_b.addr, topic)
        assert wait_until(lambda: stored_count(broker_b.addr, topic) > before + 10, 15), \
            "no send reached broker-b after it resumed"
        back_after = time.monotonic() - resumed_at

        failed_before_kill = len(loop.failed)
        broker_a.kill()
        killed_at = time.monotonic()
        time.sleep(5)
        kill_gap = loop.longest_gap(killed_at, time.monotonic())
        kill_failures = len(loop.failed) - failed_before_kill
        broker_a.restart()
        time.sleep(3)
    finally:
        loop.finish()
        producer.shutdown()
    ok = loop.ok_keys()
    print("hang: %d timeouts, longest gap %.2f s, traffic back %.1f s after resume; kill: %d failed sends, "
          "longest gap %.2f s; %d sends ok" % (hang_timeouts, hang_gap, back_after, kill_failures, kill_gap,
                                              len(ok)))
    assert hang_timeouts <= 1, loop.failed
    assert kill_gap < 2.0
    received = drain(cluster.namesrv_addr, topic, len(ok))
    lost = set(ok) - set(received.keys())
    assert not lost, "%d acknowledged messages lost" % len(lost)


def test_a_rolling_restart_loses_nothing(cluster_factory):
    cluster = cluster_factory(masters=2, slaves=1)
    topic = unique_name("TopicRolling")
    cluster.create_topic(topic, QUEUES)
    producer = new_producer(cluster.namesrv_addr)
    received = Received()
    consumer = start_consumer(cluster.namesrv_addr, unique_name("GID_rolling"), topic, received)
    loop = SendLoop(producer, topic, pause=0.005)
    try:
        loop.start()
        assert wait_until(lambda: len(loop.ok) >= 50, 20)
        for name in ("broker-a", "broker-b"):
            for broker_id in (1, 0):  # slave first, then its master, as operators do
                node = cluster.broker(name, broker_id)
                node.kill()
                time.sleep(2)
                node.restart()
                assert wait_until(lambda: broker_nodes(cluster.namesrv_addr, topic).get(name, {}).get(
                    broker_id) == node.addr, 30)
                time.sleep(2)
        time.sleep(3)
    finally:
        loop.finish()
        producer.shutdown()
    ok = loop.ok_keys()
    try:
        assert received.wait_distinct(len(set(ok)), 60)
    finally:
        consumer.shutdown()
    lost = set(ok) - set(received.keys())
    print("rolling restart: %d sends ok, %d failed, %d consumed, %d duplicates, %d lost" % (
        len(ok), len(loop.failed), received.distinct(), received.duplicates(), len(lost)))
    assert not lost
    assert received.duplicates() <= len(ok) // 10 + 100


def test_a_master_that_joins_gets_sends_and_is_consumed_after_a_route_poll(cluster_factory):
    cluster = cluster_factory(masters=2, slaves=0)
    topic = unique_name("TopicJoin")
    cluster.create_topic(topic, QUEUES)
    producer = new_producer(cluster.namesrv_addr)
    received = Received()
    consumer = start_consumer(cluster.namesrv_addr, unique_name("GID_join"), topic, received)
    loop = SendLoop(producer, topic, pause=0.01)
    try:
        loop.start()
        assert wait_until(lambda: len(loop.ok) >= 50, 20)
        newcomer = cluster.add_master()
        cluster.create_topic(topic, QUEUES, broker_names=[newcomer.name])
        joined_at = time.monotonic()
        assert wait_until(lambda: stored_count(newcomer.addr, topic) > 0, 3 * POLL_INTERVAL_MS / 1000 + 10), \
            "no send reached the new master"
        first_send_after = time.monotonic() - joined_at
        time.sleep(2)
    finally:
        loop.finish()
        producer.shutdown()
    ok = loop.ok_keys()
    try:
        assert received.wait_distinct(len(set(ok)), 30), "%d of %d consumed" % (received.distinct(), len(ok))
    finally:
        consumer.shutdown()
    print("joined master: first send %.2f s after its topic existed; %d sends, %d stored there" % (
        first_send_after, len(ok), stored_count(newcomer.addr, topic)))
    assert set(received.keys()) >= set(ok)


def test_pulls_follow_the_masters_suggestion_to_read_from_its_slave(cluster_factory, request):
    if request.config.getoption("--real-cluster"):
        pytest.skip("a real master suggests its slave only under memory pressure, which a test cannot force")
    cluster = cluster_factory(masters=1, slaves=1)
    master, slave, topic, keys = replicated_topic(cluster, "TopicSuggest", 200)
    # The "consumer far behind, master short of memory" answer (slaveReadEnable on both).
    for node in (master, slave):
        node.slave_read_enable = True
    master.suggest_pulling_from_slave = True
    pulls_at_slave = slave.request_counts().get(11, 0)  # PULL_MESSAGE
    received = Received()
    consumer = start_consumer(cluster.namesrv_addr, unique_name("GID_suggest"), topic, received)
    try:
        assert received.wait_distinct(len(keys), 30)
    finally:
        consumer.shutdown()
    assert slave.request_counts().get(11, 0) > pulls_at_slave, "no pull went to the suggested slave"
    assert set(received.keys()) == set(keys)


def test_oneway_sends_to_a_broker_that_stopped_reading_do_not_pile_up_in_memory(cluster_factory):
    cluster = cluster_factory(masters=1, slaves=0)
    broker = cluster.broker("broker-a")
    topic = unique_name("TopicBackpressure")
    cluster.create_topic(topic, QUEUES)
    producer = new_producer(cluster.namesrv_addr, timeout_ms=1000)
    body = os.urandom(64 * 1024)  # bodies of 4 KiB and more are compressed: these stay large
    sent = failed = 0
    try:
        producer.send_sync(Message(topic, b"warm-up"))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        broker.hang()
        started = time.monotonic()
        # What the socket does not take waits in the client, up to 8 MiB a
        # connection; past that a oneway send waits for room (its timeout)
        # instead of queueing without end.
        while time.monotonic() - started < 8:
            try:
                producer.send_oneway(Message(topic, body))
                sent += 1
            except Exception:  # what is measured
                failed += 1
        growth_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    finally:
        broker.resume()
        producer.shutdown()
    print("oneway to a stopped broker for 8 s: %d sent (%d MiB), %d failed, peak RSS +%.1f MiB"
          % (sent, sent * len(body) >> 20, failed, growth_mib))
    assert growth_mib < 48, growth_mib
