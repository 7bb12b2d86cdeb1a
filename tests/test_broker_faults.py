"""Brokers that die: SIGKILL and restart from the store mid-stream, and a name server that goes away.

The broker here is ``python -m rocketmq.testing`` in its own process with a
``--store`` directory and fixed ports, so a restart comes back where the
clients expect it, with the messages and offsets it had written.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest
from _helpers import free_port, started_producer, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer
from rocketmq.exceptions import RocketMQException
from rocketmq.testing.server import EmbeddedCluster


class BrokerProcess:
    """The embedded name server + broker as a child process that can be killed and restarted."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.namesrv_port, self.broker_port = free_port(), free_port()
        self.process: subprocess.Popen = None  # type: ignore[assignment]

    @property
    def namesrv_addr(self) -> str:
        return f"127.0.0.1:{self.namesrv_port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rocketmq.testing", "--port", str(self.namesrv_port),
             "--broker-port", str(self.broker_port), "--store", str(self.store)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.process.stdout.readline()
        assert "ready" in line, f"broker did not start: {line!r}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def broker(tmp_path):
    process = BrokerProcess(tmp_path / "store")
    process.start()
    yield process
    process.stop()


def consume_all(namesrv: str, topic: str, expected: set, timeout: float = 60.0) -> List[bytes]:
    received: List[bytes] = []
    lock = threading.Lock()

    def on_message(message):
        with lock:
            received.append(message.body)
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(unique_name("GID_after_crash"))
    consumer.set_name_server_address(namesrv)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with lock:
                if expected <= set(received):
                    break
            time.sleep(0.1)
    finally:
        consumer.shutdown()
    return received


def test_sync_sends_survive_a_broker_killed_and_restarted(broker):
    topic = unique_name("TopicCrash")
    producer = Producer(unique_name("PID_crash"), timeout=1000)
    producer.set_name_server_address(broker.namesrv_addr)
    producer.start()
    acknowledged: List[bytes] = []
    errors: List[Exception] = []

    def send(index: int) -> None:
        body = f"m{index}".encode()
        try:
            producer.send_sync(Message(topic, body))
            acknowledged.append(body)
        except RocketMQException as error:
            errors.append(error)

    index = 0
    try:
        while len(acknowledged) < 100:
            send(index)
            index += 1
        broker.kill()
        killed_at = len(acknowledged)
        for _ in range(5):  # the broker is down: each send fails with a clear error, quickly
            started = time.monotonic()
            send(index)
            index += 1
            assert time.monotonic() - started < 5
        assert len(acknowledged) == killed_at and len(errors) >= 5
        broker.start()
        restarted = time.monotonic()
        while len(acknowledged) < killed_at + 100 and time.monotonic() - restarted < 60:
            send(index)
            index += 1
        recovery = time.monotonic() - restarted
    finally:
        producer.shutdown()
    assert len(acknowledged) == killed_at + 100, f"no recovery within {recovery:.1f} s"
    print(f"broker down: {len(errors)} failed sends ({errors[0]}); recovered in {recovery:.2f} s")
    assert all(str(error) for error in errors)
    # Every acknowledged message is there after the crash, and consumable.
    received = consume_all(broker.namesrv_addr, topic, set(acknowledged))
    assert set(acknowledged) <= set(received)


def test_consumer_resumes_from_committed_offsets_after_a_broker_crash(broker):
    topic, group = unique_name("TopicCrashConsume"), unique_name("GID_crash")
    producer = started_producer(broker.namesrv_addr)
    received: List[bytes] = []
    lock = threading.Lock()

    def on_message(message):
        with lock:
            received.append(message.body)
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(broker.namesrv_addr)
    consumer.subscribe(topic, on_message)
    consumer.start()
    first = [f"before{i}".encode() for i in range(100)]
    second = [f"after{i}".encode() for i in range(100)]
    try:
        for body in first:
            producer.send_sync(Message(topic, body))
        deadline = time.monotonic() + 30
        while len(set(received)) < len(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(6)  # one offset commit period (5 s) for the broker to persist
        broker.kill()
        broker.start()
        deadline = time.monotonic() + 60
        sent_after = 0
        while sent_after < len(second) and time.monotonic() < deadline:
            try:
                producer.send_sync(Message(topic, second[sent_after]))
                sent_after += 1
            except RocketMQException:
                time.sleep(0.2)  # reconnecting
        deadline = time.monotonic() + 60
        while not set(second) <= set(received) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.shutdown()
        producer.shutdown()
    assert set(first) | set(second) <= set(received)
    # Committed offsets survived: the first batch is not replayed from the start.
    print(f"redelivered after the crash: {len(received) - len(set(received))} of {len(received)}")
    assert len(received) - len(set(received)) < 50


def test_cached_routes_keep_sending_while_the_name_server_is_down(tmp_path):
    with EmbeddedCluster(namesrv_port=free_port()) as cluster:
        topic = unique_name("TopicNoNamesrv")
        producer = started_producer(cluster.namesrv_addr, timeout=2000)
        try:
            producer.send_sync(Message(topic, "route cached"))
            cluster.stop_name_server()
            for index in range(20):
                assert producer.send_sync(Message(topic, f"while down {index}")).status == 0
            cluster.start_name_server()
            assert producer.send_sync(Message(topic, "name server back")).status == 0
        finally:
            producer.shutdown()
        assert len(cluster.wait_for_messages(topic, 22)) == 22


def test_unknown_topic_fails_clearly_while_the_name_server_is_down():
    with EmbeddedCluster(namesrv_port=free_port()) as cluster:
        producer = started_producer(cluster.namesrv_addr, timeout=1500)
        try:
            cluster.stop_name_server()
            started = time.monotonic()
            with pytest.raises(RocketMQException, match="name server"):
                producer.send_sync(Message(unique_name("TopicNeverRouted"), "x"))
            assert time.monotonic() - started < 5
        finally:
            producer.shutdown()

