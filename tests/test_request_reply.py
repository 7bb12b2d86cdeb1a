"""Request-reply end to end over the embedded broker: a requester's Producer.request, a
responder push consumer answering with send_reply, timeouts, late replies, the asyncio
form and bad arguments."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Dict, List

import pytest
from _helpers import started_producer, unique_name

from rocketmq import _reply_callbacks
from rocketmq.aio import AsyncProducer
from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer
from rocketmq.consumer import ConsumeFromWhere
from rocketmq.exceptions import (
    ProducerSendAsyncFailed,
    ProducerSendSyncFailed,
    RequestTimeoutError,
)
from rocketmq.message import DetachedMessage
from rocketmq.request_reply import create_reply, is_request

REPLY_TOPIC = "DefaultCluster_REPLY_TOPIC"
# Generous: the machine may be busy. Timeouts that are meant to expire are short instead.
ANSWERED_TIMEOUT_MS = 15000


class Responder:
    """A push consumer that answers each request by what its MODE property says:
    "echo" replies "re:<body>" at once, "slow" the same after SLOW_SECONDS, "keep"
    keeps a detached copy and does not answer; a message that is no request has
    create_reply's error recorded."""

    SLOW_SECONDS = 1.5

    def __init__(self, namesrv: str, topic: str) -> None:
        self.producer = started_producer(namesrv)
        self.requests: Dict[bytes, DetachedMessage] = {}
        self.refusals: Dict[bytes, Exception] = {}
        self.seen = threading.Condition()
        self.consumer = PushConsumer(unique_name("GID_responder"))
        self.consumer.set_name_server_address(namesrv)
        self.consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        self.consumer.set_thread_count(4)
        self.consumer.subscribe(topic, self.on_message)
        self.consumer.start()

    def on_message(self, message) -> ConsumeStatus:  # type: ignore[no-untyped-def]
        body = message.body
        if not is_request(message):
            try:
                create_reply(message, b"never sent")
            except ValueError as error:
                refusal = error
                self.note(lambda: self.refusals.__setitem__(body, refusal))
            return ConsumeStatus.CONSUME_SUCCESS
        mode = message.get_property("MODE")
        if mode == b"keep":
            self.note(lambda: self.requests.__setitem__(body, message.detach()))
            return ConsumeStatus.CONSUME_SUCCESS
        if mode == b"slow":
            time.sleep(self.SLOW_SECONDS)
        try:
            self.producer.send_reply(message, b"re:" + body)
        except ProducerSendSyncFailed:
            pass  # its requester left meanwhile (the broker found no connection to push to)
        self.note(lambda: self.requests.__setitem__(body, message.detach()))
        return ConsumeStatus.CONSUME_SUCCESS

    def note(self, update) -> None:  # type: ignore[no-untyped-def]
        with self.seen:
            update()
            self.seen.notify_all()

    def wait_for(self, table: Dict[bytes, object], body: bytes, timeout: float = 20.0) -> object:
        with self.seen:
            assert self.seen.wait_for(lambda: body in table, timeout), f"{body!r} never reached the responder"
            return table[body]

    def close(self) -> None:
        self.consumer.shutdown()
        self.producer.shutdown()


@pytest.fixture(scope="module")
def topic(rocketmq_cluster) -> str:  # type: ignore[no-untyped-def]
    name = unique_name("Requests")
    rocketmq_cluster.create_topic(name, 2)
    return name


@pytest.fixture(scope="module")
def responder(rocketmq_cluster, topic):  # type: ignore[no-untyped-def]
    answering = Responder(rocketmq_cluster.namesrv_addr, topic)
    yield answering
    answering.close()


@pytest.fixture(scope="module")
def requester(rocketmq_cluster) -> Producer:  # type: ignore[no-untyped-def]
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    yield producer
    producer.shutdown()


def stored_replies(cluster, correlation_id: bytes, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """The reply topic's copies of one reply: the broker stores a reply after pushing it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in cluster.messages(REPLY_TOPIC)
                 if m.properties.get("CORRELATION_ID") == correlation_id.decode()]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def request_message(topic: str, body: bytes, mode: str = "echo") -> Message:
    return Message(topic, body, properties={"MODE": mode})


def test_a_request_gets_its_reply(rocketmq_cluster, responder, requester, topic):
    msg = request_message(topic, b"ping")
    reply = requester.request(msg, timeout_ms=ANSWERED_TIMEOUT_MS)
    assert reply.body == b"re:ping"
    assert reply.topic == REPLY_TOPIC
    assert reply.get_property("MSG_TYPE") == b"reply"
    assert int(reply.get_property("ARRIVE_TIME")) >= int(reply.get_property("PUSH_REPLY_TIME")) - 1000
    # The responder saw the request as Java's prepareSendRequest marks it.
    request = responder.wait_for(responder.requests, b"ping")
    correlation_id = request.get_property("CORRELATION_ID")
    assert len(correlation_id) == 36 and reply.get_property("CORRELATION_ID") == correlation_id
    assert request.get_property("TTL") == str(ANSWERED_TIMEOUT_MS).encode()
    assert b"@" in request.get_property("REPLY_TO_CLIENT")
    assert request.get_property("CLUSTER") == b"DefaultCluster"
    # The caller's message was not changed, and the broker kept a copy of the reply.
    assert msg.get_property("CORRELATION_ID") == b""
    assert [m.body for m in stored_replies(rocketmq_cluster, correlation_id)] == [b"re:ping"]


def test_large_requests_and_replies_travel_compressed(rocketmq_cluster, requester, responder, topic):
    body = bytes(range(256)) * 40  # above the 4 KiB compression threshold, both ways
    reply = requester.request(request_message(topic, body), ANSWERED_TIMEOUT_MS)
    assert reply.body == b"re:" + body
    [stored] = stored_replies(rocketmq_cluster, reply.get_property("CORRELATION_ID"))
    assert stored.sysflag & 0x1  # MessageSysFlag.COMPRESSED_FLAG: the push carried it compressed too


def test_concurrent_async_requests_each_get_their_own_reply(responder, requester, topic):
    bodies = [b"n%d" % i for i in range(50)]
    futures = [requester.request_async(request_message(topic, body), ANSWERED_TIMEOUT_MS) for body in bodies]
    replies = [future.result(timeout=30) for future in futures]
    assert [reply.body for reply in replies] == [b"re:" + body for body in bodies]
    correlation_ids = {reply.get_property("CORRELATION_ID") for reply in replies}
    assert len(correlation_ids) == 50
    assert _reply_callbacks.pending_requests() == 0  # every answered request let go of its context
    for body, reply in zip(bodies, replies):
        request = responder.wait_for(responder.requests, body)
        assert request.get_property("CORRELATION_ID") == reply.get_property("CORRELATION_ID")


def test_a_request_nobody_answers_times_out(requester, rocketmq_cluster):
    silent_topic = unique_name("Unanswered")
    rocketmq_cluster.create_topic(silent_topic, 1)
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError, match="wait reply message timeout, 800 ms"):
        requester.request(request_message(silent_topic, b"hello?"), timeout_ms=800)
    elapsed = time.monotonic() - started
    assert 0.75 <= elapsed < 2.5
    started = time.monotonic()
    future = requester.request_async(request_message(silent_topic, b"anyone?"), timeout_ms=500)
    error = future.exception(timeout=10)
    assert isinstance(error, RequestTimeoutError) and isinstance(error, TimeoutError)
    assert 0.45 <= time.monotonic() - started < 2.5
    assert len(rocketmq_cluster.wait_for_messages(silent_topic, 2)) == 2


def test_a_late_reply_is_dropped_and_counted(responder, requester, topic):
    late_before = requester.stats().late_replies
    with pytest.raises(RequestTimeoutError):
        requester.request(request_message(topic, b"slowpoke", mode="slow"), timeout_ms=300)
    # The responder still answers; the broker pushes it; the requester drops it.
    assert responder.wait_for(responder.requests, b"slowpoke") is not None
    deadline = time.monotonic() + 15
    while requester.stats().late_replies == late_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert requester.stats().late_replies == late_before + 1
    # The requester goes on working.
    assert requester.request(request_message(topic, b"after"), ANSWERED_TIMEOUT_MS).body == b"re:after"


def test_create_reply_refuses_a_message_that_is_not_a_request(responder, topic, rocketmq_namesrv_addr):
    plain = started_producer(rocketmq_namesrv_addr)
    try:
        plain.send_sync(Message(topic, b"just a message"))
    finally:
        plain.shutdown()
    refusal = responder.wait_for(responder.refusals, b"just a message")
    assert isinstance(refusal, ValueError)
    assert "is not a request" in str(refusal) and "CORRELATION_ID" in str(refusal)
    with pytest.raises(TypeError, match="received message"):
        create_reply(Message(topic, b"outgoing"), b"x")  # type: ignore[arg-type]


def test_a_reply_to_a_requester_that_left_fails(responder, topic, rocketmq_namesrv_addr):
    gone = started_producer(rocketmq_namesrv_addr)
    future = gone.request_async(request_message(topic, b"kept", mode="keep"), ANSWERED_TIMEOUT_MS)
    request = responder.wait_for(responder.requests, b"kept")
    gone.shutdown()
    # Shutting down ends the wait at once.
    assert isinstance(future.exception(timeout=5), ProducerSendAsyncFailed)
    assert "shut down" in str(future.exception())
    with pytest.raises(TypeError, match="body must be str or bytes"):
        create_reply(request, 42)  # type: ignore[arg-type]
    reply = create_reply(request, "réponse")
    assert reply.topic == REPLY_TOPIC and reply.body == "réponse".encode()
    assert reply.get_property("CORRELATION_ID") == request.get_property("CORRELATION_ID")
    assert reply.get_property("MSG_TYPE") == b"reply" and reply.get_property("TTL") == b"15000"
    # A detached request can be answered later, but its requester's connection is gone.
    with pytest.raises(ProducerSendSyncFailed, match="not found"):
        responder.producer.send_reply(request, b"too late")


def test_async_producer_request(responder, topic, rocketmq_namesrv_addr):
    async def ask() -> List[bytes]:
        group = unique_name("PID_aio_request")
        async with AsyncProducer(group, name_server_address=rocketmq_namesrv_addr) as aio:
            asked = [request_message(topic, b"aio%d" % i) for i in range(5)]
            replies = await asyncio.gather(*(aio.request(msg, ANSWERED_TIMEOUT_MS) for msg in asked))
            with pytest.raises(RequestTimeoutError):
                await aio.request(request_message(topic, b"aio-late", mode="slow"), 200)
            return [reply.body for reply in replies]

    assert asyncio.run(ask()) == [b"re:aio%d" % i for i in range(5)]


def test_request_arguments_are_checked(rocketmq_namesrv_addr, topic):
    producer = Producer(unique_name("PID_request_args"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    msg = Message(topic, b"x")
    with pytest.raises(ProducerSendSyncFailed, match="not started"):
        producer.request(msg)
    with pytest.raises(ProducerSendAsyncFailed, match="not started"):
        producer.request_async(msg)
    producer.start()
    try:
        with pytest.raises(TypeError, match="msg must be"):
            producer.request(b"not a message")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="msg must be"):
            producer.request_async("not a message")  # type: ignore[arg-type]
        for bad, error in ((0, ValueError), (-5, ValueError), ("1000", TypeError), (True, TypeError),
                           (1.5, TypeError), (2 ** 40, (ValueError, OverflowError))):
            with pytest.raises(error):
                producer.request(msg, timeout_ms=bad)  # type: ignore[arg-type]
            with pytest.raises(error):
                producer.request_async(msg, timeout_ms=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="received message"):
            producer.send_reply(msg, b"x")  # type: ignore[arg-type]
        with pytest.raises(ProducerSendSyncFailed, match="topic"):
            producer.request(Message("bad topic!", b"x"), timeout_ms=1000)
    finally:
        producer.shutdown()
    with pytest.raises(ProducerSendSyncFailed, match="shut down"):
        producer.request(msg)
