"""Delivery at a chosen time (RocketMQ 5.x timer messages), end to end.

Against an embedded broker presenting itself as 5.3.1 the message waits in
the timer wheel topic and reaches its topic at its time, within the timer
precision; a 4.9.8 broker would deliver it at once, so the client refuses to
send it there.
"""

from __future__ import annotations

import datetime
import math
import threading
import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, PushConsumer
from rocketmq.exceptions import (
    ProducerSendAsyncFailed,
    ProducerSendOnewayFailed,
    ProducerSendSyncFailed,
    TimerMessageUnsupported,
)
from rocketmq.testing.codes import RequestCode
from rocketmq.testing.timers import TIMER_TOPIC

# What a busy 2-core machine may add to a delivery, on top of the precision.
SLACK_SECONDS = 3.0
# Broker and test read the same clock; this covers rounding to milliseconds.
CLOCK_ROUNDING_SECONDS = 0.005
FINE_PRECISION_MS = 100


@pytest.fixture(scope="module")
def timer_cluster(rocketmq_cluster_factory_module):  # type: ignore[no-untyped-def]
    """A 5.3.1 broker with the default timer precision (1 s)."""
    return rocketmq_cluster_factory_module(version="5.3.1")


@pytest.fixture(scope="module")
def fine_timer_cluster(rocketmq_cluster_factory_module):  # type: ignore[no-untyped-def]
    """A 5.3.1 broker with the finest precision the Java broker accepts, for quicker ordering tests."""
    return rocketmq_cluster_factory_module(version="5.3.1", timer_precision_ms=FINE_PRECISION_MS)


@pytest.fixture(scope="module")
def rocketmq_cluster_factory_module():  # type: ignore[no-untyped-def]
    from rocketmq.testing.server import EmbeddedCluster

    started = []

    def build(**kwargs):  # type: ignore[no-untyped-def]
        cluster = EmbeddedCluster(**kwargs)
        cluster.start()
        started.append(cluster)
        return cluster

    yield build
    for cluster in reversed(started):
        cluster.stop()


def wait_for_topic(cluster, topic, count, timeout=15.0):  # type: ignore[no-untyped-def]
    found = cluster.wait_for_messages(topic, count, timeout)
    assert len(found) >= count, f"{len(found)} of {count} messages reached {topic}"
    return found


def held_in_wheel(cluster, topic):  # type: ignore[no-untyped-def]
    return [m for m in cluster.messages(TIMER_TOPIC) if m.properties.get("REAL_TOPIC") == topic]


# ----- a 5.x broker holds the message until its time ------------------------------------


def test_a_delayed_message_reaches_a_consumer_at_its_time(timer_cluster):  # type: ignore[no-untyped-def]
    topic, group = unique_name("TopicTimerDelay"), unique_name("CID_timer")
    timer_cluster.create_topic(topic, 1)
    received = []
    arrived = threading.Event()

    def on_message(message):  # type: ignore[no-untyped-def]
        received.append((time.time(), message.body, message.get_property("TIMER_DELAY_MS")))
        arrived.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(timer_cluster.namesrv_addr)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.subscribe(topic, on_message)
    consumer.start()
    producer = started_producer(timer_cluster.namesrv_addr)
    try:
        delay = 1.5
        sent_at = time.time()
        producer.send_sync(Message(topic, b"later", delay=delay))
        # Held meanwhile: in the wheel topic, and (unless this machine stalled
        # past the delay) not yet in its own.
        assert len(held_in_wheel(timer_cluster, topic)) == 1
        in_topic = timer_cluster.messages(topic)
        if time.time() - sent_at < delay - 0.2:
            assert in_topic == []
        assert arrived.wait(delay + 1.0 + SLACK_SECONDS + 5.0), "the delayed message never arrived"
    finally:
        producer.shutdown()
        consumer.shutdown()
    received_at, body, delay_property = received[0]
    waited = received_at - sent_at
    print("asked %.1f s, delivered after %.3f s (precision 1 s)" % (delay, waited))
    assert body == b"later" and delay_property == b"1500"
    assert waited >= delay - CLOCK_ROUNDING_SECONDS
    assert waited <= delay + 1.0 + SLACK_SECONDS


def test_an_absolute_time_is_kept_and_the_wheel_properties_are_added(timer_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerAbsolute")
    timer_cluster.create_topic(topic, 1)
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1.2)
    wanted_ms = round(when.timestamp() * 1000)
    producer = started_producer(timer_cluster.namesrv_addr)
    try:
        message = Message(topic, b"at a time", delivery_time=when)
        assert message.delivery_time == wanted_ms
        producer.send_sync(message)
    finally:
        producer.shutdown()
    [delivered] = wait_for_topic(timer_cluster, topic, 1)
    print("asked for %d, stored at %d" % (wanted_ms, delivered.store_timestamp))
    assert wanted_ms <= delivered.store_timestamp <= wanted_ms + 1000 + SLACK_SECONDS * 1000
    props = delivered.properties
    assert props["TIMER_DELIVER_MS"] == str(wanted_ms)
    # The slot: the time rounded down to the precision (an exact multiple one slot earlier).
    slot = int(props["TIMER_OUT_MS"])
    assert slot % 1000 == 0 and wanted_ms - 1000 <= slot < wanted_ms
    assert int(props["TIMER_ENQUEUE_MS"]) <= int(props["TIMER_DEQUEUE_MS"]) <= delivered.store_timestamp
    assert int(props["TIMER_DEQUEUE_MS"]) >= slot + 1000
    assert delivered.queue_id == 0


def test_a_time_in_the_past_is_delivered_at_once(timer_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerPast")
    timer_cluster.create_topic(topic, 1)
    producer = started_producer(timer_cluster.namesrv_addr)
    try:
        producer.send_sync(Message(topic, b"overdue", delivery_time=int(time.time() * 1000) - 60_000))
        stored = timer_cluster.messages(topic)
    finally:
        producer.shutdown()
    assert [m.body for m in stored] == [b"overdue"]
    assert "TIMER_OUT_MS" not in stored[0].properties
    assert held_in_wheel(timer_cluster, topic) == []


def test_timer_messages_come_out_in_time_order(fine_timer_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerOrder")
    fine_timer_cluster.create_topic(topic, 1)
    delays = {b"third": 1.4, b"first": 0.3, b"second": 0.8, b"now": 0}
    producer = started_producer(fine_timer_cluster.namesrv_addr)
    try:
        for body, delay in delays.items():
            producer.send_sync(Message(topic, body, delay=delay))
    finally:
        producer.shutdown()
    delivered = wait_for_topic(fine_timer_cluster, topic, len(delays))
    assert [m.body for m in delivered] == [b"now", b"first", b"second", b"third"]
    born = {m.body: m.born_timestamp for m in delivered}
    for message in delivered:
        due_ms = born[message.body] + delays[message.body] * 1000
        assert message.store_timestamp >= due_ms - CLOCK_ROUNDING_SECONDS * 1000
        assert message.store_timestamp <= due_ms + FINE_PRECISION_MS + SLACK_SECONDS * 1000


def test_a_committed_transaction_message_waits_for_its_time(fine_timer_cluster):  # type: ignore[no-untyped-def]
    from rocketmq.client import TransactionMQProducer, TransactionStatus

    topic = unique_name("TopicTimerTransaction")
    fine_timer_cluster.create_topic(topic, 1)
    producer = TransactionMQProducer(unique_name("PID_timer_tx"), lambda msg: TransactionStatus.COMMIT)
    producer.set_name_server_address(fine_timer_cluster.namesrv_addr)
    producer.start()
    try:
        producer.send_message_in_transaction(Message(topic, b"committed, later", delay=0.8),
                                             lambda msg, arg: TransactionStatus.COMMIT, None)
        [delivered] = wait_for_topic(fine_timer_cluster, topic, 1)
    finally:
        producer.shutdown()
    assert delivered.body == b"committed, later"
    # The half message is never held; the committed one is, counted from its commit.
    assert "TIMER_OUT_MS" in delivered.properties
    assert delivered.store_timestamp >= delivered.born_timestamp + 800 - CLOCK_ROUNDING_SECONDS * 1000


def test_held_messages_survive_a_broker_restart(rocketmq_cluster_factory, tmp_path):  # type: ignore[no-untyped-def]
    cluster = rocketmq_cluster_factory(version="5.3.1", timer_precision_ms=FINE_PRECISION_MS,
                                       store_dir=str(tmp_path))
    topic = unique_name("TopicTimerRestart")
    cluster.create_topic(topic, 1)
    producer = started_producer(cluster.namesrv_addr)
    try:
        producer.send_sync(Message(topic, b"before restart", delay=0.2))
        producer.send_sync(Message(topic, b"after restart", delay=2.0))
    finally:
        producer.shutdown()
    assert [m.body for m in wait_for_topic(cluster, topic, 1)] == [b"before restart"]
    node = cluster.first
    node.stop()
    time.sleep(2.0)  # the second message falls due while the broker is down
    node.restart()
    delivered = wait_for_topic(cluster, topic, 2)
    time.sleep(0.5)  # a few more ticks: nothing may come out twice
    assert [m.body for m in cluster.messages(topic)] == [b"before restart", b"after restart"]
    assert len(delivered) == 2


def test_a_time_beyond_the_max_delay_is_refused(timer_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerTooFar")
    timer_cluster.create_topic(topic, 1)
    producer = started_producer(timer_cluster.namesrv_addr)
    try:
        with pytest.raises(ProducerSendSyncFailed) as refused:
            producer.send_sync(Message(topic, b"too far", delay=datetime.timedelta(days=3, seconds=60)))
        with pytest.raises(ProducerSendSyncFailed):
            far = int(time.time() * 1000) + 4 * 86_400_000
            producer.send_sync(Message(topic, b"too far too", delivery_time=far))
        with pytest.raises(ProducerSendSyncFailed, match="timer message illegal"):
            producer.send_sync(Message(topic, b"unreadable", properties={"TIMER_DELAY_SEC": "1.5"}))
        # Just inside the limit is taken.
        producer.send_sync(Message(topic, b"in range", delay=datetime.timedelta(days=2)))
    finally:
        producer.shutdown()
    text = str(refused.value)
    assert "timer message illegal" in text and "max delay 259200000ms" in text
    assert [m.body for m in held_in_wheel(timer_cluster, topic)] == [b"in range"]


def test_a_batch_cannot_carry_a_delivery_time(timer_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerBatch")
    producer = started_producer(timer_cluster.namesrv_addr)
    try:
        with pytest.raises(ProducerSendSyncFailed, match="batch cannot carry a message with a delivery time"):
            producer.send_batch([Message(topic, b"plain"), Message(topic, b"timed", delay=1)])
    finally:
        producer.shutdown()
    assert timer_cluster.messages(topic) == []


# ----- a 4.x broker would deliver at once: the client refuses --------------------------------


def test_a_timer_message_to_a_4x_broker_is_refused_and_nothing_is_stored(rocketmq_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerOldBroker")
    rocketmq_cluster.create_topic(topic, 1)
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        with pytest.raises(TimerMessageUnsupported) as refused:
            producer.send_sync(Message(topic, b"timed", delay=1))
        assert isinstance(refused.value, ProducerSendSyncFailed)
        with pytest.raises(TimerMessageUnsupported) as oneway_refused:
            in_five_seconds = int(time.time() * 1000) + 5000
            producer.send_oneway(Message(topic, b"timed oneway", delivery_time=in_five_seconds))
        assert isinstance(oneway_refused.value, ProducerSendOnewayFailed)
        future = producer.send_async(Message(topic, b"timed async", delay=2))
        with pytest.raises(TimerMessageUnsupported) as async_refused:
            future.result(timeout=10)
        assert isinstance(async_refused.value, ProducerSendAsyncFailed)
        # The same producer still sends plain messages there.
        producer.send_sync(Message(topic, b"plain"))
    finally:
        producer.shutdown()
    text = str(refused.value)
    assert "broker-a" in text and rocketmq_cluster.broker_addr in text and "V4_9_8" in text
    assert [m.body for m in rocketmq_cluster.messages(topic)] == [b"plain"]


def test_the_broker_version_is_asked_once_per_connection(rocketmq_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("TopicTimerVersionCache")
    rocketmq_cluster.create_topic(topic, 1)

    def version_queries() -> int:
        return int(rocketmq_cluster.request_counts().get(RequestCode.GET_BROKER_RUNTIME_INFO, 0))

    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        before = version_queries()
        for _ in range(5):
            producer.send_sync(Message(topic, b"plain"))
        assert version_queries() == before, "plain sends must not ask the broker's version"
        for _ in range(3):
            with pytest.raises(TimerMessageUnsupported):
                producer.send_sync(Message(topic, b"timed", delay=1))
        assert version_queries() == before + 1
        # A new connection may lead to another broker process: asked again, once.
        rocketmq_cluster.drop_client_connections()
        deadline = time.monotonic() + 10
        while True:
            try:
                producer.send_sync(Message(topic, b"plain, reconnected"))
                break
            except ProducerSendSyncFailed:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for _ in range(2):
            with pytest.raises(TimerMessageUnsupported):
                producer.send_sync(Message(topic, b"timed", delay=1))
        assert version_queries() == before + 2
    finally:
        producer.shutdown()


def test_the_embedded_broker_reports_the_version_it_was_given(rocketmq_cluster, timer_cluster):  # type: ignore[no-untyped-def]
    assert rocketmq_cluster.config.version.description == "V4_9_8"
    assert timer_cluster.config.version.description == "V5_3_1"
    assert timer_cluster.config.version.ordinal == 475
    # As TopicConfigManager with the timer wheel on: its topic exists from the start.
    assert TIMER_TOPIC in timer_cluster.store.topics and TIMER_TOPIC not in rocketmq_cluster.store.topics


# ----- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("value, error", [
    (-1, ValueError), (-0.001, ValueError), (math.nan, ValueError), (math.inf, ValueError),
    (datetime.timedelta(seconds=-1), ValueError), (True, TypeError), ("5", TypeError), (b"5", TypeError),
    ([1], TypeError),
])
def test_a_bad_delay_is_refused(value, error):  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        Message("T", delay=value)
    message = Message("T")
    with pytest.raises(error):
        message.set_delay(value)
    assert message.delay == 0.0


@pytest.mark.parametrize("value, error", [
    (-1, ValueError), (1 << 63, ValueError), (1.5e12, TypeError), (False, TypeError),
    ("2030-01-01", TypeError), (datetime.date(2030, 1, 1), TypeError),
    (datetime.timedelta(seconds=5), TypeError),
])
def test_a_bad_delivery_time_is_refused(value, error):  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        Message("T", delivery_time=value)
    message = Message("T")
    with pytest.raises(error):
        message.set_delivery_time(value)
    assert message.delivery_time == 0


def test_one_way_of_scheduling_per_message():  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="delay_time_level"):
        Message("T", delay_time_level=3, delay=1)
    with pytest.raises(ValueError, match="TIMER_DELIVER_MS; it cannot also have a delay"):
        Message("T", delay=1, delivery_time=int(time.time() * 1000))
    delayed = Message("T", delay=1)
    with pytest.raises(ValueError, match="TIMER_DELAY_MS; it cannot also have a delivery time"):
        delayed.set_delivery_time(int(time.time() * 1000))
    timed = Message("T", delivery_time=int(time.time() * 1000) + 1000)
    with pytest.raises(ValueError, match="TIMER_DELIVER_MS"):
        timed.set_delay_time_level(2)
    with pytest.raises(ValueError, match="TIMER_DELIVER_MS"):
        timed.set_delay(5)
    timed.set_delay_time_level(0)  # no delay level: nothing to conflict with
    leveled = Message("T")
    leveled.set_delay_time_level(4)
    with pytest.raises(ValueError, match="delay_time_level 4"):
        leveled.set_delivery_time(0)


def test_the_getters_read_back_what_was_set():  # type: ignore[no-untyped-def]
    message = Message("T", delay=1.25)
    assert message.delay == 1.25 and message.delivery_time == 0
    assert message.get_property("TIMER_DELAY_MS") == b"1250"
    message.set_delay(datetime.timedelta(minutes=2))  # a second call replaces the first
    assert message.delay == 120.0
    naive = datetime.datetime(2031, 5, 4, 3, 2, 1, 500000)
    local = Message("T", delivery_time=naive)
    # A naive datetime is local time, as datetime.timestamp() reads it.
    assert local.delivery_time == round(naive.timestamp() * 1000)
    aware = datetime.datetime(2031, 5, 4, 3, 2, 1, tzinfo=datetime.timezone.utc)
    assert Message("T", delivery_time=aware).delivery_time == 1935630121000
    assert Message("T").delay == 0.0 and Message("T").delivery_time == 0
    raw_seconds = Message("T", properties={"TIMER_DELAY_SEC": "7"})
    assert raw_seconds.delay == 7.0
    # A value set by hand that is no number reads as none (a broker refuses it).
    assert Message("T", properties={"TIMER_DELIVER_MS": "soon"}).delivery_time == 0


# ----- the embedded broker's version setting ------------------------------------------------


def test_the_runtime_info_answer_carries_the_configured_version(timer_cluster, rocketmq_cluster):  # type: ignore[no-untyped-def]
    import json

    from rocketmq.testing import RemotingClient

    for cluster, wanted in ((timer_cluster, ("475", "V5_3_1")), (rocketmq_cluster, ("409", "V4_9_8"))):
        with RemotingClient(cluster.broker_addr) as broker:
            answer = broker.request(RequestCode.GET_BROKER_RUNTIME_INFO)
        table = json.loads(answer.body)["table"]
        assert (table["brokerVersion"], table["brokerVersionDesc"]) == wanted


def test_unknown_versions_and_the_command_line_flag():  # type: ignore[no-untyped-def]
    from rocketmq.testing.__main__ import parse_args
    from rocketmq.testing.broker import BrokerConfig
    from rocketmq.testing.server import EmbeddedCluster

    with pytest.raises(ValueError, match="unknown broker version '6.0'"):
        EmbeddedCluster(version="6.0")
    args = parse_args(["--broker-version", "5.3.1", "--timer-precision-ms", "250"])
    assert (args.broker_version, args.timer_precision_ms) == ("5.3.1", 250)
    assert parse_args([]).broker_version == "4.9.8"
    with pytest.raises(SystemExit):
        parse_args(["--broker-version", "4.0"])
    # As MessageStoreConfig.setTimerPrecisionMs: snapped down to 100, 200, 500 or 1000.
    assert BrokerConfig(version="5.3.1", timer_precision_ms=250).timer_precision_ms == 200
    assert BrokerConfig(version="5.3.1", timer_precision_ms=5).timer_precision_ms == 100
    assert BrokerConfig(version="5.3.1", timer_precision_ms=60000).timer_precision_ms == 1000
