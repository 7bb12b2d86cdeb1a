"""The Java client's tuning: consume-from-where, max reconsume times, consume timeout, offset reset."""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List

import pytest
from _helpers import started_producer, unique_name

from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, PushConsumer
from rocketmq.exceptions import ConsumerException


class Seen:
    """What a consumer's callback received, with a configurable answer."""

    def __init__(self, answer: Callable[[object], ConsumeStatus] = lambda _: ConsumeStatus.CONSUME_SUCCESS):
        self.lock = threading.Lock()
        self.deliveries: List[Dict[str, object]] = []
        self.answer = answer

    def __call__(self, message) -> ConsumeStatus:
        with self.lock:
            self.deliveries.append({"body": message.body, "reconsume_times": message.reconsume_times})
        return self.answer(message)

    def bodies(self) -> List[bytes]:
        with self.lock:
            return [d["body"] for d in self.deliveries]

    def wait(self, predicate: Callable[["Seen"], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.05)
        return predicate(self)


def consumer_for(namesrv: str, group: str, topic: str, callback, configure=lambda c: None) -> PushConsumer:
    consumer = PushConsumer(group)
    consumer.set_name_server_address(namesrv)
    consumer.set_thread_count(1)
    configure(consumer)
    consumer.subscribe(topic, callback)
    consumer.start()
    return consumer


def to_queue_zero(size, message, arg):
    return 0


@pytest.fixture
def old_topic(rocketmq_cluster, rocketmq_namesrv_addr):
    """A topic whose queue 0 holds m0..m4 with the first two expired (its min offset is 2)."""
    topic = unique_name("TopicFromWhere")
    producer = started_producer(rocketmq_namesrv_addr)
    try:
        for index in range(5):
            producer.send_orderly(Message(topic, f"m{index}"), to_queue_zero)
            time.sleep(0.02)  # distinct store timestamps
    finally:
        producer.shutdown()
    rocketmq_cluster.call(rocketmq_cluster.store.expire_before, topic, 0, 2)
    stored = rocketmq_cluster.messages(topic, 0)
    return topic, {m.body: m.store_timestamp for m in stored}


def send_more(namesrv: str, topic: str, body: str) -> None:
    producer = started_producer(namesrv)
    try:
        producer.send_orderly(Message(topic, body), to_queue_zero)
    finally:
        producer.shutdown()


def test_last_offset_skips_what_is_already_there(old_topic, rocketmq_namesrv_addr):
    topic, _ = old_topic
    seen = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, unique_name("GID_last"), topic, seen,
                            lambda c: c.set_consume_from_where(ConsumeFromWhere.LAST_OFFSET))
    try:
        time.sleep(1.0)  # queues taken, positioned at the end
        send_more(rocketmq_namesrv_addr, topic, "new")
        assert seen.wait(lambda s: b"new" in s.bodies())
    finally:
        consumer.shutdown()
    assert seen.bodies() == [b"new"]


def test_first_offset_starts_at_the_oldest_message_still_stored(old_topic, rocketmq_namesrv_addr):
    topic, _ = old_topic
    seen = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, unique_name("GID_first"), topic, seen,
                            lambda c: c.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET))
    try:
        assert seen.wait(lambda s: len(s.bodies()) >= 3)
        time.sleep(0.3)
    finally:
        consumer.shutdown()
    assert seen.bodies() == [b"m2", b"m3", b"m4"]


def test_timestamp_starts_at_the_first_message_stored_since(old_topic, rocketmq_namesrv_addr):
    topic, stamps = old_topic
    seen = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, unique_name("GID_time"), topic, seen,
                            lambda c: c.set_consume_from_where(ConsumeFromWhere.TIMESTAMP, stamps[b"m3"]))
    try:
        assert seen.wait(lambda s: len(s.bodies()) >= 2)
        time.sleep(0.3)
    finally:
        consumer.shutdown()
    assert seen.bodies() == [b"m3", b"m4"]


def test_a_committed_offset_wins_over_consume_from_where(old_topic, rocketmq_namesrv_addr):
    topic, _ = old_topic
    group = unique_name("GID_committed")
    first = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, group, topic, first,
                            lambda c: c.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET))
    assert first.wait(lambda s: len(s.bodies()) >= 3)
    consumer.shutdown()
    second = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, group, topic, second,
                            lambda c: c.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET))
    try:
        send_more(rocketmq_namesrv_addr, topic, "after restart")
        assert second.wait(lambda s: b"after restart" in s.bodies())
    finally:
        consumer.shutdown()
    assert second.bodies() == [b"after restart"]


def test_max_reconsume_times_sends_to_the_dead_letter_queue_sooner(rocketmq_cluster, rocketmq_namesrv_addr):
    topic, group = unique_name("TopicMaxRetries"), unique_name("GID_max_retries")
    seen = Seen(lambda message: ConsumeStatus.RECONSUME_LATER)
    consumer = consumer_for(rocketmq_namesrv_addr, group, topic, seen, lambda c: c.set_max_reconsume_times(2))
    try:
        send_more(rocketmq_namesrv_addr, topic, "always fails")
        dead = rocketmq_cluster.wait_for_messages("%DLQ%" + group, 1, timeout=30)
        time.sleep(0.5)
        stats = consumer.stats()
    finally:
        consumer.shutdown()
    assert [m.body for m in dead] == [b"always fails"]
    assert [d["reconsume_times"] for d in seen.deliveries] == [0, 1, 2]
    assert (stats.retried, stats.dead_lettered) == (2, 1)


def test_callback_past_the_consume_timeout_is_retried_without_loss(rocketmq_namesrv_addr):
    topic, group = unique_name("TopicSlow"), unique_name("GID_slow")
    release = threading.Event()

    def answer(message):
        if message.body == b"slow" and message.reconsume_times == 0:
            release.wait(10)  # stuck far past the timeout
        return ConsumeStatus.CONSUME_SUCCESS

    seen = Seen(answer)
    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.set_thread_count(2)
    consumer.set_consume_timeout(0.5)
    consumer.subscribe(topic, seen)
    consumer.start()
    try:
        send_more(rocketmq_namesrv_addr, topic, "slow")
        # The stuck call's message comes back while that call still runs.
        assert seen.wait(lambda s: [d for d in s.deliveries if d["reconsume_times"] == 1], timeout=20)
        release.set()
        time.sleep(0.5)
    finally:
        release.set()
        consumer.shutdown()
    assert [(d["body"], d["reconsume_times"]) for d in seen.deliveries] == [(b"slow", 0), (b"slow", 1)]


def test_client_side_reset_replays_from_a_timestamp(rocketmq_cluster, rocketmq_namesrv_addr):
    topic, group = unique_name("TopicClientReset"), unique_name("GID_client_reset")
    seen = Seen()
    consumer = consumer_for(rocketmq_namesrv_addr, group, topic, seen)
    try:
        for index in range(6):
            send_more(rocketmq_namesrv_addr, topic, f"r{index}")
            time.sleep(0.02)
        assert seen.wait(lambda s: len(s.bodies()) >= 6)
        time.sleep(6)  # an offset commit period: the broker knows the group's offsets
        stamps = {m.body: m.store_timestamp for m in rocketmq_cluster.messages(topic)}
        consumer.reset_offset_by_timestamp(topic, stamps[b"r3"])
        assert seen.wait(lambda s: len(s.bodies()) >= 9)
        time.sleep(0.3)
    finally:
        consumer.shutdown()
    assert seen.bodies()[:6] == [f"r{i}".encode() for i in range(6)]
    assert sorted(seen.bodies()[6:]) == [b"r3", b"r4", b"r5"]


def test_reset_needs_a_group_the_broker_knows_and_a_running_consumer(rocketmq_namesrv_addr):
    topic = unique_name("TopicResetErrors")
    send_more(rocketmq_namesrv_addr, topic, "x")
    idle = PushConsumer(unique_name("GID_idle"))
    idle.set_name_server_address(rocketmq_namesrv_addr)
    with pytest.raises(ConsumerException, match="not running"):
        idle.reset_offset_by_timestamp(topic, 0)
    other_topic_consumer = consumer_for(rocketmq_namesrv_addr, unique_name("GID_unknown"),
                                        unique_name("TopicElse"), Seen())
    try:
        with pytest.raises(ConsumerException, match="not exist"):
            other_topic_consumer.reset_offset_by_timestamp(topic, 0)
    finally:
        other_topic_consumer.shutdown()


@pytest.mark.parametrize("call, error", [
    (lambda c: c.set_consume_from_where(3), TypeError),
    (lambda c: c.set_consume_from_where("FIRST"), TypeError),
    (lambda c: c.set_consume_from_where(ConsumeFromWhere.TIMESTAMP, "yesterday"), TypeError),
    (lambda c: c.set_max_reconsume_times(-2), ValueError),
    (lambda c: c.set_max_reconsume_times(None), TypeError),
    (lambda c: c.set_consume_timeout(0), ValueError),
    (lambda c: c.set_consume_timeout("1"), TypeError),
    (lambda c: c.reset_offset_by_timestamp(None, 0), TypeError),
    (lambda c: c.reset_offset_by_timestamp("T", 1.5), TypeError),
])
def test_bad_tuning_values_raise(call, error):
    with pytest.raises(error):
        call(PushConsumer(unique_name("GID_bad_tuning")))
