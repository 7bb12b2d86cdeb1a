"""Pull consumer end to end against the embedded broker: queues, offsets, tag filters, statuses, misuse."""

from __future__ import annotations

import threading
import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq._bindings import ffi, lib
from rocketmq.client import Message, MessageQueue, PullConsumer, PullResult, PullStatus
from rocketmq.exceptions import ConsumerException
from rocketmq.pull_consumer import (
    PullConsumerFetchMessageFailed,
    PullConsumerFetchMQFailed,
    PullConsumerStartFailed,
)
from rocketmq.testing.codes import RequestCode, ResponseCode

QUEUES = 4  # the embedded broker's default for auto-created topics


@pytest.fixture
def producer(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    yield producer
    producer.shutdown()


@pytest.fixture
def consumer(rocketmq_namesrv_addr):
    consumer = PullConsumer(unique_name("CID_pull"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.start()
    yield consumer
    consumer.shutdown()


def send_all(producer, topic, bodies, tags=None, **properties):
    results = []
    for index, body in enumerate(bodies):
        message = Message(topic, body, tags=tags[index] if tags else "TagA", keys=f"key-{index}",
                          properties=properties or None)
        results.append(producer.send_sync(message))
    return results


def drain(consumer, queue, expression="*", max_nums=32):
    """Every result of pulling ``queue`` from 0 until NO_NEW_MSG."""
    results, offset = [], 0
    for _ in range(1000):
        result = consumer.pull(queue, expression, offset, max_nums)
        results.append((offset, result))
        if result.status == PullStatus.NO_NEW_MSG:
            return results
        assert result.status in (PullStatus.FOUND, PullStatus.NO_MATCHED_MSG), result
        offset = result.next_begin_offset
    raise AssertionError("the queue never ran dry")


def test_every_message_is_pulled_once_with_consistent_offsets(rocketmq_cluster, producer, consumer):
    topic = unique_name("PullTopic")
    bodies = [f"message-{index}".encode() for index in range(60)]
    sent = send_all(producer, topic, bodies)

    queues = consumer.fetch_queues(topic)
    assert sorted(q.queue_id for q in queues) == list(range(QUEUES))
    assert {q.topic for q in queues} == {topic}
    assert all(isinstance(q, MessageQueue) and q.broker_name for q in queues)

    received = []
    for queue in queues:
        stored = len(rocketmq_cluster.messages(topic, queue.queue_id))
        expected_offset = 0
        for offset, result in drain(consumer, queue, max_nums=7):
            assert isinstance(result, PullResult) and result.error is None
            assert (result.min_offset, result.max_offset) == (0, stored)
            if result.status == PullStatus.NO_NEW_MSG:
                assert result.next_begin_offset == stored == offset
                assert result.messages == []
                continue
            assert result.status == PullStatus.FOUND
            assert 1 <= len(result.messages) <= 7
            offsets = [m.queue_offset for m in result.messages]
            assert offsets == list(range(expected_offset, expected_offset + len(offsets)))
            expected_offset = result.next_begin_offset
            assert result.next_begin_offset == offsets[-1] + 1
            for message in result.messages:
                assert message.topic == topic and message.queue_id == queue.queue_id
                assert message.get_property("MIN_OFFSET") == b"0"
                assert message.get_property("MAX_OFFSET") == str(stored).encode()
            received.extend(result.messages)
        assert expected_offset == stored

    assert sorted(m.body for m in received) == sorted(bodies)
    assert sorted(m.id for m in received) == sorted(r.msg_id for r in sent)
    by_body = {m.body: m for m in received}
    assert by_body[b"message-3"].keys == b"key-3" and by_body[b"message-3"].tags == b"TagA"


def test_messages_are_copies_with_binary_bodies_and_properties(producer, consumer):
    topic = unique_name("PullBinary")
    body = b"\x00binary\x00body\xff" * 100
    send_all(producer, topic, [body], tags=["TagZ"], color="blue")
    found = [m for q in consumer.fetch_queues(topic) for m in consumer.pull_all(q)]
    assert len(found) == 1
    message = found[0]
    assert message.body == body and message.tags == b"TagZ" and message.keys == b"key-0"
    assert message.get_property("color") == b"blue" and message.properties["color"] == "blue"
    assert message.store_timestamp > 0 and message.born_timestamp > 0 and message.store_size > len(body)


def test_tag_expressions_filter_on_broker_and_client(producer, consumer):
    topic = unique_name("PullTags")
    tags = ["TagA", "TagB", "TagC"] * 10
    bodies = [f"{tag}-{index}".encode() for index, tag in enumerate(tags)]
    send_all(producer, topic, bodies, tags=tags)
    queues = consumer.fetch_queues(topic)

    def pulled(expression):
        return [m for q in queues for m in consumer.pull_all(q, expression, max_nums=3)]

    a_or_c = pulled("TagA || TagC")
    assert sorted(m.body for m in a_or_c) == sorted(b for b, t in zip(bodies, tags) if t in ("TagA", "TagC"))
    assert {m.tags for m in pulled("TagB")} == {b"TagB"} and len(pulled("TagB")) == 10
    assert len(pulled("*")) == len(pulled("")) == 30
    assert pulled("NoSuchTag") == []


def test_a_batch_without_a_match_is_no_matched_msg(rocketmq_cluster, producer, consumer):
    topic = unique_name("PullNoMatch")
    rocketmq_cluster.create_topic(topic, 1)
    send_all(producer, topic, [b"x", b"y"], tags=["TagA", "TagA"])
    (queue,) = consumer.fetch_queues(topic)
    result = consumer.pull(queue, "TagB", 0)
    assert result.status == PullStatus.NO_MATCHED_MSG
    assert result.messages == [] and result.next_begin_offset == 2
    assert consumer.pull(queue, "TagB", result.next_begin_offset).status == PullStatus.NO_NEW_MSG


def test_offsets_outside_the_queue(rocketmq_cluster, producer, consumer):
    topic = unique_name("PullOffsets")
    rocketmq_cluster.create_topic(topic, 2)
    send_all(producer, topic, [b"one", b"two", b"three"])
    queues = consumer.fetch_queues(topic)
    full = next(q for q in queues if rocketmq_cluster.messages(topic, q.queue_id))
    stored = len(rocketmq_cluster.messages(topic, full.queue_id))

    at_end = consumer.pull(full, "*", stored)
    assert at_end.status == PullStatus.NO_NEW_MSG
    assert (at_end.next_begin_offset, at_end.max_offset) == (stored, stored)
    # Past the end of a queue whose head is still there: the broker corrects to its first offset.
    beyond = consumer.pull(full, "*", stored + 5)
    assert beyond.status == PullStatus.OFFSET_ILLEGAL
    assert (beyond.next_begin_offset, beyond.min_offset, beyond.max_offset) == (0, 0, stored)
    # pull_all follows the correction.
    assert len(list(consumer.pull_all(full, "*", stored + 5))) == stored

    empty = next((q for q in queues if not rocketmq_cluster.messages(topic, q.queue_id)), None)
    if empty is not None:
        assert consumer.pull(empty, "*", 0).status == PullStatus.NO_NEW_MSG
        moved = consumer.pull(empty, "*", 3)
        assert (moved.status, moved.next_begin_offset) == (PullStatus.OFFSET_ILLEGAL, 0)


def test_the_group_is_announced_as_an_active_consumer(rocketmq_cluster, rocketmq_namesrv_addr, producer):
    topic, group = unique_name("PullHeartbeat"), unique_name("CID_pull_hb")
    send_all(producer, topic, [b"x"])

    def registered():
        def read():
            info = rocketmq_cluster.broker.clients.consumer_group(group)
            return None if info is None else (info.consume_type, info.message_model, len(info.channels))
        return rocketmq_cluster.call(read)

    def wait_until(predicate):
        deadline = time.monotonic() + 10
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.05)
        return predicate()

    consumer = PullConsumer(group)
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    with consumer:
        assert consumer.group == group
        consumer.fetch_queues(topic)  # learns the broker, which hears from it right away
        assert wait_until(lambda: registered() is not None)
        assert registered() == ("CONSUME_ACTIVELY", "CLUSTERING", 1)
    # Shutdown unregisters the client from the broker.
    assert wait_until(lambda: registered() in (None, ("CONSUME_ACTIVELY", "CLUSTERING", 0)))


def test_bad_arguments_raise_before_reaching_the_core(producer, consumer):
    topic = unique_name("PullArgs")
    send_all(producer, topic, [b"x"])
    queue = consumer.fetch_queues(topic)[0]

    with pytest.raises(TypeError, match="queue must be"):
        consumer.pull((topic, queue.broker_name, 0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="queue must be"):
        consumer.pull(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expression"):
        consumer.pull(queue, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="offset"):
        consumer.pull(queue, "*", True)
    with pytest.raises(TypeError, match="offset"):
        consumer.pull(queue, "*", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="offset"):
        consumer.pull(queue, "*", -1)
    with pytest.raises(ValueError, match="offset"):
        consumer.pull(queue, "*", 2**63)
    with pytest.raises(ValueError, match="max_nums"):
        consumer.pull(queue, "*", 0, 0)
    with pytest.raises(ValueError, match="max_nums"):
        consumer.pull(queue, "*", 0, -3)
    with pytest.raises(TypeError, match="max_nums"):
        consumer.pull(queue, "*", 0, "32")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queue_id"):
        consumer.pull(queue._replace(queue_id=-1))
    with pytest.raises(ValueError, match="blank"):
        consumer.pull(queue._replace(topic=" "))
    with pytest.raises(ValueError, match="too long"):
        consumer.pull(queue._replace(broker_name="b" * 300))
    with pytest.raises(ValueError, match="NUL"):
        consumer.pull(queue, "Tag\0A")
    with pytest.raises(TypeError, match="topic"):
        consumer.fetch_queues(None)  # type: ignore[arg-type]
    with pytest.raises(PullConsumerFetchMQFailed, match="blank"):
        consumer.fetch_queues("  ")
    # More than the broker hands out at once is allowed, as in Java; it still caps the batch.
    assert len(consumer.pull(queue, "*", 0, 1000).messages) <= 32


def test_unknown_topics_brokers_and_queues(producer, consumer):
    topic = unique_name("PullUnknown")
    send_all(producer, topic, [b"x"])
    queue = consumer.fetch_queues(topic)[0]

    # The embedded name server makes up a route for any valid unknown name, so
    # only an invalid one shows the name server's refusal.
    with pytest.raises(PullConsumerFetchMQFailed, match="No route info"):
        consumer.fetch_queues("no such topic!")
    nowhere = consumer.pull(queue._replace(broker_name="no-such-broker"))
    assert nowhere.status == PullStatus.BROKER_TIMEOUT and "no-such-broker" in nowhere.error
    assert (nowhere.next_begin_offset, nowhere.min_offset, nowhere.max_offset) == (0, 0, 0)
    assert nowhere.messages == []
    illegal = consumer.pull(queue._replace(queue_id=99))
    assert illegal.status == PullStatus.BROKER_TIMEOUT and "queueId" in illegal.error
    missing = consumer.pull(queue._replace(topic=unique_name("NoSuchTopic")))
    assert missing.status == PullStatus.BROKER_TIMEOUT and "code 17" in missing.error  # TOPIC_NOT_EXIST


def test_broker_failures_are_broker_timeout_with_a_reason(rocketmq_faults, producer, consumer):
    topic = unique_name("PullFaults")
    send_all(producer, topic, [b"x", b"y", b"z", b"w"])
    queues = consumer.fetch_queues(topic)

    rocketmq_faults.respond_with_error(RequestCode.PULL_MESSAGE, ResponseCode.SYSTEM_BUSY, "too busy")
    busy = consumer.pull(queues[0])
    assert busy.status == PullStatus.BROKER_TIMEOUT and "too busy" in busy.error
    rocketmq_faults.clear()

    rocketmq_faults.garble_bodies(RequestCode.PULL_MESSAGE)
    garbled = [consumer.pull(q) for q in queues]
    assert any(r.status == PullStatus.BROKER_TIMEOUT and "undecodable" in r.error for r in garbled)
    rocketmq_faults.clear()

    rocketmq_faults.close_connection_on(RequestCode.PULL_MESSAGE)
    closed = consumer.pull(queues[0])
    assert closed.status == PullStatus.BROKER_TIMEOUT and closed.error
    rocketmq_faults.clear()

    # And the consumer recovers once the broker behaves.
    assert sum(len(list(consumer.pull_all(q))) for q in queues) == 4
    with pytest.raises(PullConsumerFetchMessageFailed, match="."):
        rocketmq_faults.respond_with_error(RequestCode.PULL_MESSAGE, ResponseCode.SYSTEM_ERROR, "broken")
        list(consumer.pull_all(queues[0]))


def test_a_slow_broker_blocks_only_the_pulling_thread(rocketmq_faults, producer, consumer):
    topic = unique_name("PullSlow")
    send_all(producer, topic, [b"x"])
    queue = consumer.fetch_queues(topic)[0]
    rocketmq_faults.delay(RequestCode.PULL_MESSAGE, 1.0)
    results = []
    puller = threading.Thread(target=lambda: results.append(consumer.pull(queue)))
    started = time.monotonic()
    puller.start()
    ticks = 0
    while puller.is_alive():
        ticks += 1  # runs only if the pull does not hold the GIL
        time.sleep(0.01)
    assert time.monotonic() - started >= 0.9
    assert ticks > 20
    assert results[0].status in (PullStatus.FOUND, PullStatus.NO_NEW_MSG)


def test_concurrent_pulls_from_many_threads(producer, consumer):
    topic = unique_name("PullThreads")
    bodies = [f"m{index}".encode() for index in range(40)]
    send_all(producer, topic, bodies)
    queues = consumer.fetch_queues(topic)
    seen, errors = [], []

    def worker():
        try:
            for queue in queues:
                seen.append(sorted(m.body for m in consumer.pull_all(queue, max_nums=5)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(seen) == 6 * len(queues)
    assert sorted(b for batch in seen for b in batch) == sorted(bodies * 6)


def test_lifecycle_misuse_raises_clearly(rocketmq_namesrv_addr, producer):
    topic = unique_name("PullLifecycle")
    send_all(producer, topic, [b"x"])
    queue = MessageQueue(topic, "broker-a", 0)

    consumer = PullConsumer(unique_name("CID_life"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.shutdown()  # before start: nothing to do
    with pytest.raises(PullConsumerFetchMessageFailed, match="not started"):
        consumer.pull(queue)
    with pytest.raises(PullConsumerFetchMQFailed, match="not started"):
        consumer.fetch_queues(topic)
    consumer.start()
    consumer.start()  # again: no effect
    assert consumer.pull(queue).status in (PullStatus.FOUND, PullStatus.NO_NEW_MSG)
    consumer.shutdown()
    consumer.shutdown()
    with pytest.raises(PullConsumerFetchMessageFailed, match="shut down"):
        consumer.pull(queue)
    with pytest.raises(PullConsumerFetchMQFailed, match="shut down"):
        consumer.fetch_queues(topic)
    with pytest.raises(PullConsumerStartFailed, match="shut down"):
        consumer.start()
    assert issubclass(PullConsumerStartFailed, ConsumerException)

    with pytest.raises(TypeError, match="group_id"):
        PullConsumer(None)  # type: ignore[arg-type]
    bad = PullConsumer("bad group!")
    with pytest.raises(PullConsumerStartFailed, match="illegal characters"):
        bad.start()
    reserved = PullConsumer("DEFAULT_CONSUMER")
    with pytest.raises(PullConsumerStartFailed, match="reserved"):
        reserved.start()


def test_shutdown_while_another_thread_pulls(rocketmq_faults, rocketmq_namesrv_addr, producer):
    topic = unique_name("PullShutdown")
    send_all(producer, topic, [b"x"])
    consumer = PullConsumer(unique_name("CID_shutdown"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.start()
    queue = consumer.fetch_queues(topic)[0]
    rocketmq_faults.delay(RequestCode.PULL_MESSAGE, 2.0)
    results = []
    puller = threading.Thread(target=lambda: results.append(consumer.pull(queue)))
    puller.start()
    time.sleep(0.3)
    consumer.shutdown()
    puller.join(15)
    assert not puller.is_alive()
    assert results and results[0].status == PullStatus.BROKER_TIMEOUT and results[0].error


def test_c_api_refuses_null_arguments_without_crashing():
    queue = ffi.new("CMessageQueue*")
    result = lib.Pull(ffi.NULL, queue, b"*", 0, 32)
    assert result.pullStatus == lib.E_BROKER_TIMEOUT and result.pData == ffi.NULL
    assert b"null" in ffi.string(lib.GetLatestErrorMessage())
    assert lib.ReleasePullResult(result) == lib.NULL_POINTER
    assert lib.ReleaseSubscriptionMessageQueue(ffi.NULL) == lib.NULL_POINTER
    assert lib.CreatePullConsumer(ffi.NULL) == ffi.NULL
    assert lib.DestroyPullConsumer(ffi.NULL) == lib.NULL_POINTER
    assert lib.StartPullConsumer(ffi.NULL) == lib.NULL_POINTER
    assert lib.ShowPullConsumerVersion(ffi.NULL) == ffi.NULL
    assert lib.GetPullConsumerGroupID(ffi.NULL) == ffi.NULL

    handle = lib.CreatePullConsumer(b"CID_c_api")
    try:
        assert b"rocketmq-cffi" in ffi.string(lib.ShowPullConsumerVersion(handle))
        mqs, size = ffi.new("CMessageQueue**"), ffi.new("int*", 7)
        assert lib.FetchSubscriptionMessageQueues(handle, ffi.NULL, mqs, size) == lib.NULL_POINTER
        assert (mqs[0], size[0]) == (ffi.NULL, 0)
        assert lib.FetchSubscriptionMessageQueues(handle, b"T", ffi.NULL, size) == lib.NULL_POINTER
        assert lib.FetchSubscriptionMessageQueues(handle, b"T", mqs, size) == lib.PULLCONSUMER_FETCH_MQ_FAILED
        assert lib.Pull(handle, ffi.NULL, b"*", 0, 32).pullStatus == lib.E_BROKER_TIMEOUT
        assert lib.Pull(handle, queue, ffi.NULL, 0, 32).pullStatus == lib.E_BROKER_TIMEOUT
        not_started = lib.Pull(handle, queue, b"*", 0, 32)
        assert not_started.pullStatus == lib.E_BROKER_TIMEOUT
        assert b"not started" in ffi.string(lib.GetLatestErrorMessage())
        assert lib.SetPullConsumerGroupID(handle, ffi.NULL) == lib.NULL_POINTER
        assert lib.ShutdownPullConsumer(handle) == lib.OK
    finally:
        assert lib.DestroyPullConsumer(handle) == lib.OK


def test_c_api_negative_offset_and_max_nums(rocketmq_namesrv_addr):
    handle = lib.CreatePullConsumer(b"CID_c_api_args")
    try:
        lib.SetPullConsumerNameServerAddress(handle, rocketmq_namesrv_addr.encode())
        assert lib.StartPullConsumer(handle) == lib.OK
        queue = ffi.new("CMessageQueue*")
        queue.topic = b"AnyTopic"
        queue.brokerName = b"broker-a"
        assert lib.Pull(handle, queue, b"*", -1, 32).pullStatus == lib.E_BROKER_TIMEOUT
        assert b"offset < 0" in ffi.string(lib.GetLatestErrorMessage())
        assert lib.Pull(handle, queue, b"*", 0, 0).pullStatus == lib.E_BROKER_TIMEOUT
        assert b"maxNums <= 0" in ffi.string(lib.GetLatestErrorMessage())
        queue.brokerName = b""
        assert lib.Pull(handle, queue, b"*", 0, 1).pullStatus == lib.E_BROKER_TIMEOUT
        assert b"broker name" in ffi.string(lib.GetLatestErrorMessage())
    finally:
        lib.DestroyPullConsumer(handle)
