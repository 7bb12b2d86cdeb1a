"""Lite pull consumer end to end against the embedded broker: subscribe with
rebalance, assign, seek, pause, commits, bounded prefetch, asyncio, misuse."""

from __future__ import annotations

import asyncio
import time

import pytest
from _helpers import started_producer, unique_name

import rocketmq
from rocketmq.aio import AsyncLitePullConsumer
from rocketmq.client import ConsumeFromWhere, LitePullConsumer, Message, MessageQueue, PolledMessage
from rocketmq.exceptions import LitePullConsumerArgumentError, LitePullConsumerStateError

QUEUES = 4


@pytest.fixture
def producer(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    yield producer
    producer.shutdown()


@pytest.fixture
def make_consumer(rocketmq_namesrv_addr):
    made = []

    def make(group, **settings):
        consumer = LitePullConsumer(group)
        consumer.set_name_server_address(rocketmq_namesrv_addr)
        consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        for name, args in settings.items():
            getattr(consumer, f"set_{name}")(*args)
        made.append(consumer)
        return consumer

    yield make
    for consumer in made:
        consumer.shutdown()


def send(producer, topic, count, prefix="m"):
    return [producer.send_sync(Message(topic, f"{prefix}-{index}")).msg_id for index in range(count)]


def poll_until(consumers, count, timeout=20.0):
    """Polls the consumers in turn until they returned ``count`` messages in all;
    then a little longer, so that a duplicate would show."""
    got = {id(consumer): [] for consumer in consumers}
    deadline = time.monotonic() + timeout
    while sum(map(len, got.values())) < count and time.monotonic() < deadline:
        for consumer in consumers:
            got[id(consumer)].extend(consumer.poll(100))
    for consumer in consumers:
        got[id(consumer)].extend(consumer.poll(300))
    return [got[id(consumer)] for consumer in consumers]


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def topic_with_queues(cluster, queues):
    topic = unique_name("LiteTopic")
    cluster.create_topic(topic, queues)
    return topic


def queue_of(cluster, topic, queue_id=0):
    return MessageQueue(topic, cluster.first.name, queue_id)


def test_subscribe_polls_every_message_once_and_commits(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, QUEUES)
    group = unique_name("CID_lite")
    consumer = make_consumer(group, auto_commit=(False,))
    consumer.subscribe(topic)
    consumer.start()
    sent = send(producer, topic, 40)

    (got,) = poll_until([consumer], 40)
    assert sorted(message.id for message in got) == sorted(sent)
    assert all(isinstance(message, PolledMessage) and message.queue.topic == topic for message in got)
    assert all(message.queue.queue_id == message.queue_id for message in got)
    assert {message.queue for message in got} <= set(consumer.assignment())
    assert len(consumer.assignment()) == QUEUES

    consumer.commit()
    for queue in consumer.assignment():
        stored = len(rocketmq_cluster.messages(topic, queue.queue_id))
        assert consumer.committed(queue) == stored
        assert rocketmq_cluster.consumer_offset(group, topic, queue.queue_id) == stored


def test_group_members_share_queues_and_take_over_from_committed_offsets(rocketmq_cluster, producer,
                                                                          make_consumer):
    topic = topic_with_queues(rocketmq_cluster, QUEUES)
    group = unique_name("CID_lite_group")
    first, second = make_consumer(group), make_consumer(group)
    first.subscribe(topic)
    first.start()
    wait_for(lambda: len(first.assignment()) == QUEUES)
    second.subscribe(topic)
    second.start()
    wait_for(lambda: len(first.assignment()) == len(second.assignment()) == QUEUES // 2)
    assert not set(first.assignment()) & set(second.assignment())

    sent = send(producer, topic, 40)
    got_first, got_second = poll_until([first, second], 40)
    assert got_first and got_second
    assert sorted(m.id for m in got_first + got_second) == sorted(sent)
    assert {m.queue for m in got_first} <= set(first.assignment())
    assert {m.queue for m in got_second} <= set(second.assignment())

    # Shutting down commits what it polled; the other member takes its
    # queues and goes on from there: only the new messages come.
    second.commit()
    first.shutdown()
    wait_for(lambda: len(second.assignment()) == QUEUES)
    later = send(producer, topic, 20, prefix="later")
    (got,) = poll_until([second], 20)
    assert sorted(m.id for m in got) == sorted(later)


def test_assign_seek_seek_to_begin_and_seek_to_end(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, 1)
    queue = queue_of(rocketmq_cluster, topic)
    send(producer, topic, 10)
    consumer = make_consumer(unique_name("CID_lite_seek"), pull_batch_size=(4,))
    consumer.assign([queue])
    consumer.start()
    assert consumer.assignment() == [queue]

    (got,) = poll_until([consumer], 10)
    assert [m.queue_offset for m in got] == list(range(10))
    assert max(len(consumer.poll(0)) for _ in range(3)) == 0

    consumer.seek(queue, 6)
    (got,) = poll_until([consumer], 4)
    assert [m.queue_offset for m in got] == [6, 7, 8, 9]

    consumer.seek_to_begin(queue)
    (got,) = poll_until([consumer], 10)
    assert [m.queue_offset for m in got] == list(range(10))

    consumer.seek_to_end(queue)
    assert consumer.poll(500) == []
    send(producer, topic, 1, prefix="new")
    (got,) = poll_until([consumer], 1)
    assert [(m.queue_offset, m.body) for m in got] == [(10, b"new-0")]


def test_pause_stops_a_queue_and_resume_restarts_it(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, 1)
    queue = queue_of(rocketmq_cluster, topic)
    consumer = make_consumer(unique_name("CID_lite_pause"))
    consumer.assign([queue])
    consumer.start()
    send(producer, topic, 3)
    (got,) = poll_until([consumer], 3)
    assert len(got) == 3

    consumer.pause([queue])
    send(producer, topic, 5, prefix="paused")
    assert consumer.poll(1500) == []

    consumer.resume([queue])
    (got,) = poll_until([consumer], 5)
    assert [m.body for m in got] == [f"paused-{index}".encode() for index in range(5)]


def test_a_new_consumer_of_the_group_starts_where_the_commit_was(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, 1)
    queue = queue_of(rocketmq_cluster, topic)
    group = unique_name("CID_lite_commit")
    send(producer, topic, 30)

    first = make_consumer(group, auto_commit=(False,), pull_batch_size=(10,))
    first.assign([queue])
    first.start()
    batch = []
    while not batch:
        batch = first.poll(1000)
    assert [m.queue_offset for m in batch] == list(range(10))
    first.commit()
    assert first.committed(queue) == 10
    # Polled without a commit: with auto-commit off, not committed at shutdown.
    assert first.poll(5000)
    first.shutdown()
    assert rocketmq_cluster.consumer_offset(group, topic, 0) == 10

    second = make_consumer(group)
    second.assign([queue])
    second.start()
    assert second.committed(queue) == 10
    (got,) = poll_until([second], 20)
    assert [m.queue_offset for m in got] == list(range(10, 30))


def test_prefetch_stays_within_the_per_queue_limit(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, 1)
    queue = queue_of(rocketmq_cluster, topic)
    send(producer, topic, 200)
    limit = 25
    consumer = make_consumer(unique_name("CID_lite_bounded"), pull_batch_size=(10,),
                             pull_thresholds=(limit, 1, 10000))
    consumer.assign([queue])
    consumer.start()

    wait_for(lambda: consumer.cached_message_count == limit)
    peak = 0
    for _ in range(20):  # a slow poller: the cache stays full, never over
        time.sleep(0.02)
        peak = max(peak, consumer.cached_message_count)
    assert peak == limit

    got = []
    while len(got) < 200:
        got.extend(consumer.poll(1000))
        peak = max(peak, consumer.cached_message_count)
    assert peak <= limit
    assert [m.queue_offset for m in got] == list(range(200))


def test_async_for_yields_every_message(rocketmq_cluster, rocketmq_namesrv_addr, producer):
    topic = topic_with_queues(rocketmq_cluster, QUEUES)
    sent = send(producer, topic, 12)

    async def consume():
        consumer = AsyncLitePullConsumer(unique_name("CID_lite_aio"),
                                         name_server_address=rocketmq_namesrv_addr, poll_timeout_ms=200)
        consumer.consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        consumer.subscribe(topic)
        got = []
        ticks = 0

        async def tick():  # the loop keeps running while poll waits
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        async with consumer:
            async for message in consumer:
                got.append(message.id)
                if len(got) == len(sent):
                    break
            # Nothing left: poll waits its whole timeout, and the loop runs meanwhile.
            before = ticks
            assert await consumer.poll(500) == []
            ticked = ticks - before
        ticker.cancel()
        async for _ in consumer:  # ends once shut down
            raise AssertionError("a message after shutdown")
        return got, ticked

    got, ticked = asyncio.run(asyncio.wait_for(consume(), 30))
    assert sorted(got) == sorted(sent)
    assert ticked >= 10


def test_misuse_raises_clear_errors(rocketmq_cluster, producer, make_consumer):
    topic = topic_with_queues(rocketmq_cluster, 1)
    queue = queue_of(rocketmq_cluster, topic)
    send(producer, topic, 3)
    assert rocketmq.LitePullConsumer is LitePullConsumer

    consumer = make_consumer(unique_name("CID_lite_misuse"))
    with pytest.raises(LitePullConsumerStateError, match="not running"):
        consumer.poll(10)
    consumer.start()
    with pytest.raises(LitePullConsumerStateError, match="subscribe"):
        consumer.poll(10)
    consumer.assign([queue])
    with pytest.raises(LitePullConsumerStateError, match="mutually exclusive"):
        consumer.subscribe(topic)

    with pytest.raises(LitePullConsumerArgumentError, match="Seek offset illegal") as illegal:
        consumer.seek(queue, 4)
    assert isinstance(illegal.value, ValueError)
    other = queue_of(rocketmq_cluster, topic_with_queues(rocketmq_cluster, 1))
    with pytest.raises(LitePullConsumerArgumentError, match="not in assigned list"):
        consumer.seek(other, 0)

    with pytest.raises(TypeError):
        consumer.poll("10")
    with pytest.raises(ValueError):
        consumer.poll(-1)
    with pytest.raises(TypeError):
        consumer.assign(queue)
    with pytest.raises(TypeError):
        consumer.assign([(topic, queue.broker_name, 0)])
    with pytest.raises(TypeError):
        consumer.seek(queue, 1.5)
    with pytest.raises(TypeError):
        consumer.pause("queue")
    with pytest.raises(LitePullConsumerArgumentError):
        consumer.assign([])

    consumer.shutdown()
    with pytest.raises(LitePullConsumerStateError, match="shut down"):
        consumer.poll(10)

    subscribed = make_consumer(unique_name("CID_lite_misuse"))
    subscribed.subscribe(topic)
    with pytest.raises(LitePullConsumerStateError, match="mutually exclusive"):
        subscribed.assign([queue])
    with pytest.raises(LitePullConsumerArgumentError):
        subscribed.set_pull_batch_size(0)
    with pytest.raises(LitePullConsumerArgumentError):
        subscribed.set_auto_commit(True, 10)
    with pytest.raises(LitePullConsumerArgumentError):
        subscribed.set_pull_thresholds(0, 1, 1)
    with pytest.raises(TypeError):
        subscribed.set_auto_commit("yes")
    with pytest.raises(TypeError):
        subscribed.set_session_credentials(b"key", 42, "channel")
    with pytest.raises(ValueError, match="not a file"):
        subscribed.set_tls(True, ca_file="/nonexistent/ca.pem")
    with pytest.raises(ValueError):
        subscribed.set_poll_name_server_interval(0)
