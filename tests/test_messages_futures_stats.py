"""Keyword messages, decoded conveniences, send futures and stats, over real TCP."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, wait

import pytest
from _helpers import free_port, started_producer, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus
from rocketmq.exceptions import ProducerSendAsyncFailed, ProducerSendSyncFailed


def test_keyword_message_sets_every_field():
    message = Message("Orders", "grüße", keys="order-1", tags="created", properties={"region": "eu"},
                      delay_time_level=3)
    assert message.topic == "Orders"
    assert message.body == "grüße".encode()
    assert (message.keys, message.tags) == (b"order-1", b"created")
    assert message.get_property("region") == b"eu"
    assert message.delay_time_level == 3


def test_positional_message_is_unchanged():
    message = Message("Orders")
    assert message.body == b"" and message.keys == b"" and message.delay_time_level == 0
    message.set_body(b"\x00binary\xff")
    assert message.body == b"\x00binary\xff"


@pytest.mark.parametrize("kwargs, error", [
    ({"body": 12}, TypeError),
    ({"keys": 1.5}, TypeError),
    ({"properties": [("a", "b")]}, TypeError),
    ({"properties": {"a": None}}, TypeError),
    ({"delay_time_level": "3"}, TypeError),
])
def test_keyword_message_rejects_bad_values(kwargs, error):
    with pytest.raises(error):
        Message("Orders", **kwargs)


def test_message_fields_are_keyword_only():
    with pytest.raises(TypeError):
        Message("Orders", b"body", "keys")  # type: ignore[misc]


def test_received_message_text_and_properties(rocketmq_namesrv_addr):
    topic, seen, done = unique_name("TopicProps"), {}, threading.Event()

    def callback(message):
        seen.update(text=message.text, properties=message.properties, detached=message.detach())
        done.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(unique_name("GID_props"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.subscribe(topic, callback)
    consumer.start()
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        producer.send_sync(Message(topic, "héllo", keys="k1", tags="TagA", properties={"color": "red"}))
        assert done.wait(20)
    finally:
        consumer.shutdown()
        producer.shutdown()
    assert seen["text"] == "héllo"
    properties = seen["properties"]
    assert properties["color"] == "red" and properties["KEYS"] == "k1" and properties["TAGS"] == "TagA"
    assert "UNIQ_KEY" in properties
    detached = seen["detached"]  # read after the callback returned
    assert (detached.topic, detached.text, detached.tags, detached.keys) == (topic, "héllo", b"TagA", b"k1")
    assert detached.get_property("color") == b"red" and detached.properties == properties
    assert detached.id == properties["UNIQ_KEY"]


def test_send_async_returns_a_future(rocketmq_cluster):
    topic = unique_name("TopicFuture")
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        futures = [producer.send_async(Message(topic, f"m{i}")) for i in range(50)]
        done, not_done = wait(futures, timeout=20)
        assert not not_done
        results = [future.result() for future in futures]
    finally:
        producer.shutdown()
    assert all(result.status == SendStatus.OK for result in results)
    assert len({result.msg_id for result in results}) == 50
    stored = rocketmq_cluster.wait_for_messages(topic, 50)
    assert sorted(m.body for m in stored) == sorted(f"m{i}".encode() for i in range(50))


def test_send_async_runs_the_callbacks_before_the_future(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    seen = []
    try:
        future = producer.send_async(Message(unique_name("TopicBoth"), "x"), seen.append, seen.append)
        result = future.result(timeout=20)
    finally:
        producer.shutdown()
    assert seen == [result]


def test_failed_async_send_fails_the_future(rocketmq_faults, rocketmq_namesrv_addr):
    topic = unique_name("TopicFutureFails")
    producer = started_producer(rocketmq_namesrv_addr, timeout=1500)
    try:
        producer.send_sync(Message(topic, "route first"))
        rocketmq_faults.never_answer(310)
        future = producer.send_async(Message(topic, "never answered"))
        with pytest.raises(ProducerSendAsyncFailed):
            future.result(timeout=20)
        stats = producer.stats()
    finally:
        rocketmq_faults.clear()
        producer.shutdown()
    assert (stats.sent, stats.failed, stats.in_flight) == (1, 1, 0)


def test_send_async_refused_at_once_raises(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_refused"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    with pytest.raises(ProducerSendAsyncFailed, match="not started"):
        producer.send_async(Message("Topic", "not started"))
    assert producer.stats().in_flight == 0


def test_send_async_of_a_closed_message_raises_and_leaves_nothing_in_flight(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        message = Message(unique_name("TopicClosed"), "gone")
        message.close()
        with pytest.raises(ValueError, match="closed"):
            producer.send_async(message)
        stats = producer.stats()
    finally:
        producer.shutdown()
    assert (stats.sent, stats.failed, stats.in_flight) == (0, 0, 0)


def test_sync_and_oneway_sends_of_a_closed_message_raise_and_count_as_failed(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        message = Message(unique_name("TopicClosedSync"), "gone")
        message.close()
        with pytest.raises(ValueError, match="closed"):
            producer.send_sync(message)
        with pytest.raises(ValueError, match="closed"):
            producer.send_oneway(message)
        with pytest.raises(TypeError, match="Message"):
            producer.send_sync(b"not a message")
        stats = producer.stats()
    finally:
        producer.shutdown()
    assert (stats.sent, stats.failed) == (0, 2)


def test_producer_stats_count_and_time_sends(rocketmq_namesrv_addr):
    topic = unique_name("TopicStats")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        for i in range(20):
            producer.send_sync(Message(topic, str(i)))
        producer.send_batch([Message(topic, "a"), Message(topic, "b"), Message(topic, "c")])
        producer.send_oneway(Message(topic, "oneway"))
        with pytest.raises(ProducerSendSyncFailed):
            producer.send_sync(Message("bad topic!", "x"))
        stats = producer.stats()
    finally:
        producer.shutdown()
    assert stats.sent == 20 + 3 + 1
    assert stats.failed == 1
    assert stats.in_flight == 0
    assert stats.latency.samples == 22  # sync sends, the batch and the oneway send
    assert 0 < stats.latency.p50_ms <= stats.latency.p90_ms <= stats.latency.p99_ms <= stats.latency.max_ms


def test_stats_of_an_unstarted_producer_are_zero():
    stats = Producer(unique_name("PID_idle")).stats()
    assert (stats.sent, stats.failed, stats.in_flight, stats.latency.samples) == (0, 0, 0, 0)


def test_consumer_stats_count_consumed_retried_and_cached(rocketmq_namesrv_addr):
    topic, group = unique_name("TopicConsumerStats"), unique_name("GID_stats")
    attempts = {}
    lock = threading.Lock()
    release = threading.Event()

    def callback(message):
        with lock:
            attempts[message.body] = attempts.get(message.body, 0) + 1
            first = attempts[message.body] == 1
        if message.body == b"hold":
            release.wait(20)
        if message.body == b"retry" and first:
            return ConsumeStatus.RECONSUME_LATER
        return ConsumeStatus.CONSUME_SUCCESS

    producer = started_producer(rocketmq_namesrv_addr)
    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.set_thread_count(1)
    consumer.subscribe(topic, callback)
    # Everything goes to one queue so the single consume thread sees the
    # messages in order and "hold" keeps the rest cached behind it.
    for body in ["ok1", "retry", "hold", "ok2", "ok3"]:
        producer.send_orderly(Message(topic, body), lambda size, msg, arg: 0)
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while consumer.stats().in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        held = consumer.stats()
        release.set()
        deadline = time.monotonic() + 30
        while consumer.stats().consumed < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        final = consumer.stats()
    finally:
        release.set()
        consumer.shutdown()
        producer.shutdown()
    assert held.in_flight == 1
    assert held.cached >= 3  # "hold" itself and the messages queued behind it
    assert (final.consumed, final.retried, final.dead_lettered, final.in_flight) == (5, 1, 0, 0)
    assert final.latency.samples == 6 and final.latency.max_ms >= held.latency.max_ms


def test_future_form_needs_no_callbacks_but_checks_given_ones(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        with pytest.raises(TypeError, match="on_success"):
            producer.send_async(Message("Topic", "x"), on_success="nope")
        future = producer.send_async(Message(unique_name("TopicFutureType"), "x"))
        assert isinstance(future, Future)
        assert future.result(timeout=20).status == SendStatus.OK
    finally:
        producer.shutdown()


def test_unreachable_name_server_fails_the_future():
    producer = Producer(unique_name("PID_unreachable"), timeout=1000)
    producer.set_name_server_address(f"127.0.0.1:{free_port()}")
    producer.start()
    try:
        with pytest.raises(ProducerSendAsyncFailed, match="no name server answered"):
            producer.send_async(Message("Topic", "x")).result(timeout=20)
    finally:
        producer.shutdown()
