"""Peers that send broken or malicious bytes: the client raises or drops the connection, in time.

A raw TCP server stands in for the name server and answers the client's
first request with a chosen byte string; the embedded broker's fault hooks
garble pull results and misaddress answers. After each case the same process
must still send to a healthy broker: nothing crashed, nothing is wedged.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Callable, List

import pytest
from _helpers import started_producer, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer
from rocketmq.exceptions import ProducerSendSyncFailed

SEND_TIMEOUT_MS = 1000
# The route lookup, a retry on another name server and scheduling slack.
DEADLINE_SECONDS = 8.0


def frame(header: bytes, body: bytes = b"", serialize_type: int = 0) -> bytes:
    mark = (serialize_type << 24) | len(header)
    return struct.pack(">ii", 4 + len(header) + len(body), mark) + header + body


def valid_response_header(opaque: int) -> bytes:
    return b'{"code":0,"flag":1,"language":"JAVA","opaque":%d,"version":409}' % opaque


class HostileNameServer:
    """Accepts connections and answers each with ``reply(request_bytes, connection)``."""

    def __init__(self, reply: Callable[[bytes, socket.socket], None]) -> None:
        self.reply = reply
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.addr = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.connections: List[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            request = conn.recv(65536)
            if request:
                self.reply(request, conn)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


def request_opaque(request: bytes) -> int:
    header_length = struct.unpack(">i", request[4:8])[0] & 0xFFFFFF
    header = request[8:8 + header_length]
    marker = b'"opaque":'
    start = header.index(marker) + len(marker)
    end = start
    while header[end:end + 1].isdigit():
        end += 1
    return int(header[start:end])


def send_bytes(data: bytes) -> Callable[[bytes, socket.socket], None]:
    def reply(request: bytes, conn: socket.socket) -> None:
        conn.sendall(data)
        time.sleep(30)  # keep the connection open: the client must not wait for it

    return reply


def trickle_valid_response(request: bytes, conn: socket.socket) -> None:
    data = frame(valid_response_header(request_opaque(request)))
    for byte in data:  # slow loris: one byte every 100 ms
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


HOSTILE_REPLIES = {
    "truncated frame": send_bytes(struct.pack(">i", 200) + b'{"code":0'),
    "huge length prefix": send_bytes(struct.pack(">i", 0x7FFFFFF0) + b"\x00" * 64),
    "length over 16 MiB": send_bytes(struct.pack(">i", 16 * 1024 * 1024 + 1) + b"\x00" * 64),
    "negative length": send_bytes(struct.pack(">i", -8) + b"\x00" * 8),
    "header longer than frame": send_bytes(struct.pack(">ii", 8, 1000) + b"abcd"),
    "invalid json header": send_bytes(frame(b"{this is not json")),
    "json that is no command": send_bytes(frame(b'["code", 0]')),
    "unknown serialize type": send_bytes(frame(b"\x00" * 20, serialize_type=7)),
    "garbled binary header": send_bytes(frame(b"\x00\x01\x00" + b"\xff" * 17, serialize_type=1)),
    "unknown opaque": lambda request, conn: (
        conn.sendall(frame(valid_response_header(request_opaque(request) + 12345))), time.sleep(30)),
    "slow loris": trickle_valid_response,
}


@pytest.fixture(scope="module")
def healthy(rocketmq_cluster):
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    yield producer
    producer.shutdown()


@pytest.mark.parametrize("case", sorted(HOSTILE_REPLIES))
def test_hostile_name_server_reply_is_an_error_in_time(case, healthy):
    server = HostileNameServer(HOSTILE_REPLIES[case])
    producer = Producer(unique_name("PID_hostile"), timeout=SEND_TIMEOUT_MS)
    producer.set_name_server_address(server.addr)
    producer.start()
    try:
        started = time.monotonic()
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(Message(unique_name("TopicHostile"), "x"))
        elapsed = time.monotonic() - started
    finally:
        producer.shutdown()
        server.close()
    assert elapsed < DEADLINE_SECONDS, f"{case}: took {elapsed:.1f} s"
    # The process is fine: the next send to a healthy broker works.
    assert healthy.send_sync(Message(unique_name("TopicAfterHostile"), "ok")).status == 0


def test_misaddressed_send_answer_times_out(rocketmq_namesrv_addr, rocketmq_faults):
    topic = unique_name("TopicMisaddressed")
    producer = started_producer(rocketmq_namesrv_addr, timeout=SEND_TIMEOUT_MS)
    try:
        producer.send_sync(Message(topic, "route first"))
        rocketmq_faults.answer_with_unknown_opaque(310)
        started = time.monotonic()
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(Message(topic, "answer goes astray"))
        assert time.monotonic() - started < DEADLINE_SECONDS
    finally:
        rocketmq_faults.clear()
        producer.shutdown()


def test_garbled_pull_results_lose_nothing(rocketmq_namesrv_addr, rocketmq_faults):
    topic = unique_name("TopicGarbledPull")
    bodies = [f"g{i}".encode() for i in range(30)]
    received: List[bytes] = []
    lock = threading.Lock()

    def on_message(message):
        with lock:
            received.append(message.body)
        return ConsumeStatus.CONSUME_SUCCESS

    producer = started_producer(rocketmq_namesrv_addr)
    for body in bodies:
        producer.send_sync(Message(topic, body))
    producer.shutdown()
    rocketmq_faults.garble_bodies(11)  # PULL_MESSAGE
    consumer = PushConsumer(unique_name("GID_garbled"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        time.sleep(3)  # pulls come back garbled meanwhile
        with lock:
            garbled_deliveries = list(received)
        rocketmq_faults.clear()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if set(bodies) <= set(received):
                    break
            time.sleep(0.05)
    finally:
        rocketmq_faults.clear()
        consumer.shutdown()
    assert garbled_deliveries == []  # nothing decoded from garbage reached the callback
    assert set(bodies) <= set(received)
