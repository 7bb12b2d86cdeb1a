"""Producer features end to end: real TCP to the embedded broker, every message read back."""

from __future__ import annotations

import sys
import threading
import zlib

import pytest
from _helpers import stored_body, unique_name

from rocketmq._bindings import lib
from rocketmq.client import Message, Producer, SendResult, SendStatus

SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX"


@pytest.fixture
def producer(rocketmq_namesrv_addr):
    producer = Producer(unique_name("PID_send"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    yield producer
    producer.shutdown()


def make_message(topic, body=b"payload", keys="key-1", tags="TagA", **properties):
    message = Message(topic)
    message.set_keys(keys)
    message.set_tags(tags)
    message.set_body(body)
    for name, value in properties.items():
        message.set_property(name, value)
    return message


def test_send_sync_stores_body_keys_tags_and_properties(producer, rocketmq_cluster):
    topic = unique_name("SyncTopic")
    result = producer.send_sync(make_message(topic, b"hello", "order-42", "created", color="blue", size="L"))

    assert isinstance(result, SendResult)
    assert result.status == SendStatus.OK
    stored = rocketmq_cluster.wait_for_messages(topic, 1)
    assert len(stored) == 1
    message = stored[0]
    assert stored_body(message) == b"hello"
    assert message.keys == "order-42"
    assert message.tags == "created"
    assert message.properties["color"] == "blue"
    assert message.properties["size"] == "L"
    # The id users get is the UNIQ_KEY the client generated; the offset is the queue offset.
    assert result.msg_id == message.uniq_key
    assert len(result.msg_id) == 32
    assert result.offset == message.queue_offset


def _send(producer, send, message):  # type: ignore[no-untyped-def]
    if send == "send_async":
        producer.send_async(message).result(timeout=10)
    else:
        getattr(producer, send)(message)


@pytest.mark.parametrize("send", ["send_sync", "send_oneway", "send_async"])
def test_a_plain_message_goes_out_without_a_native_message(producer, rocketmq_cluster, send):
    # Only topic, body, keys and tags: nothing the core needs a message of its own for.
    topic = unique_name("FieldsTopic")
    message = Message(topic, b"a\x00b", keys="k-1", tags="T")
    called = []

    def record(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "c_call" and getattr(arg, "__self__", None) is lib:
            called.append(arg.__name__)

    sys.setprofile(record)
    try:
        _send(producer, send, message)
    finally:
        sys.setprofile(None)
    assert "CreateMessageWithFields" not in called and message._c_message is None, called
    stored = rocketmq_cluster.wait_for_messages(topic, 1)
    assert stored_body(stored[0]) == b"a\x00b"
    assert (stored[0].keys, stored[0].tags) == ("k-1", "T")
    # Still a whole message afterwards: readable, and sent again as it was.
    assert (message.keys, message.body) == (b"k-1", b"a\x00b")
    _send(producer, send, message)
    assert [stored_body(m) for m in rocketmq_cluster.wait_for_messages(topic, 2)] == [b"a\x00b"] * 2


def test_binary_body_with_nul_bytes_survives(producer, rocketmq_cluster):
    topic = unique_name("BinaryTopic")
    body = bytes(range(256)) * 3
    producer.send_sync(make_message(topic, body))
    assert stored_body(rocketmq_cluster.wait_for_messages(topic, 1)[0]) == body


def test_str_body_is_sent_as_utf8(producer, rocketmq_cluster):
    topic = unique_name("TextTopic")
    producer.send_sync(make_message(topic, "héllo wörld"))
    assert stored_body(rocketmq_cluster.wait_for_messages(topic, 1)[0]) == "héllo wörld".encode()


def test_message_ids_are_unique(producer):
    topic = unique_name("IdTopic")
    ids = {producer.send_sync(make_message(topic)).msg_id for _ in range(50)}
    assert len(ids) == 50


def test_sends_are_spread_over_the_queues(producer, rocketmq_cluster):
    topic = unique_name("SpreadTopic")
    for _ in range(8):
        producer.send_sync(make_message(topic))
    queues = {m.queue_id for m in rocketmq_cluster.wait_for_messages(topic, 8)}
    assert queues == {0, 1, 2, 3}


def test_send_oneway_arrives(producer, rocketmq_cluster):
    topic = unique_name("OnewayTopic")
    for index in range(20):
        assert producer.send_oneway(make_message(topic, b"oneway-%d" % index)) is None
    stored = rocketmq_cluster.wait_for_messages(topic, 20)
    assert sorted(stored_body(m) for m in stored) == sorted(b"oneway-%d" % i for i in range(20))


def test_send_async_calls_on_success_with_the_result(producer, rocketmq_cluster):
    topic = unique_name("AsyncTopic")
    done = threading.Event()
    results = []
    errors = []

    def on_success(result):
        results.append(result)
        if len(results) == 10:
            done.set()

    for _ in range(10):
        producer.send_async(make_message(topic), on_success, errors.append)
    assert done.wait(10)
    assert errors == []
    assert all(r.status == SendStatus.OK for r in results)
    stored_ids = {m.uniq_key for m in rocketmq_cluster.wait_for_messages(topic, 10)}
    assert {r.msg_id for r in results} == stored_ids


def test_send_async_reports_broker_errors_through_on_exception(producer, rocketmq_faults):
    topic = unique_name("AsyncFailTopic")
    producer.send_sync(make_message(topic))  # route known, so only the send itself fails
    rocketmq_faults.respond_with_error(310, response_code=13, remark="message illegal for the test")
    done = threading.Event()
    errors = []

    def on_exception(error):
        errors.append(error)
        done.set()

    producer.send_async(make_message(topic), lambda result: done.set(), on_exception)
    assert done.wait(10)
    assert len(errors) == 1
    assert "message illegal for the test" in str(errors[0])


def test_send_batch_stores_every_message(producer, rocketmq_cluster):
    topic = unique_name("BatchTopic")
    batch = [make_message(topic, b"batch-%d" % i, keys="k%d" % i) for i in range(10)]
    result = producer.send_batch(batch)
    assert result.status == SendStatus.OK
    stored = rocketmq_cluster.wait_for_messages(topic, 10)
    assert [stored_body(m) for m in stored] == [b"batch-%d" % i for i in range(10)]
    assert [m.keys for m in stored] == ["k%d" % i for i in range(10)]
    assert len({m.queue_id for m in stored}) == 1
    assert len({m.uniq_key for m in stored}) == 10


@pytest.mark.parametrize("send", ["send_sync", "send_async"])
def test_large_body_is_compressed_and_round_trips(producer, rocketmq_cluster, send):
    topic = unique_name("CompressTopic")
    body = b"0123456789abcdef" * 1024  # 16 KiB, over the 4 KiB threshold
    _send(producer, send, make_message(topic, body))
    stored = rocketmq_cluster.wait_for_messages(topic, 1)[0]
    assert stored.sysflag & 0x1, "bodies over 4 KiB travel compressed"
    assert len(stored.body) < len(body)
    assert zlib.decompress(stored.body) == body


def test_small_body_is_not_compressed(producer, rocketmq_cluster):
    topic = unique_name("PlainTopic")
    producer.send_sync(make_message(topic, b"x" * 4000))
    stored = rocketmq_cluster.wait_for_messages(topic, 1)[0]
    assert not stored.sysflag & 0x1
    assert stored.body == b"x" * 4000


def test_delay_level_goes_through_the_schedule_topic(producer, rocketmq_cluster):
    topic = unique_name("DelayTopic")
    message = make_message(topic, b"later")
    message.set_delay_time_level(3)
    producer.send_sync(message)
    # The broker parks it in the schedule topic, then delivers it to the real topic.
    delivered = rocketmq_cluster.wait_for_messages(topic, 1, timeout=10)
    assert stored_body(delivered[0]) == b"later"
    parked = [m for m in rocketmq_cluster.messages(SCHEDULE_TOPIC) if m.properties.get("REAL_TOPIC") == topic]
    assert len(parked) == 1
    assert parked[0].properties["DELAY"] == "3"


def test_sharding_key_keeps_a_key_on_one_queue(producer, rocketmq_cluster):
    topic = unique_name("ShardTopic")
    keys = ["order-%d" % i for i in range(12)]
    for round_ in range(3):
        for key in keys:
            result = producer.send_orderly_with_sharding_key(make_message(topic, key.encode(), keys=key), key)
            assert result.status == SendStatus.OK
    stored = rocketmq_cluster.wait_for_messages(topic, 36)
    queue_of = {}
    for message in stored:
        queue_of.setdefault(message.keys, set()).add(message.queue_id)
        assert message.properties["__SHARDINGKEY"] == message.keys
    assert all(len(queues) == 1 for queues in queue_of.values())
    assert len({next(iter(q)) for q in queue_of.values()}) > 1, "keys spread over several queues"


def test_send_orderly_uses_the_selected_queue(producer, rocketmq_cluster):
    topic = unique_name("SelectTopic")
    seen_counts = []

    def selector(queue_count, message, arg):
        seen_counts.append(queue_count)
        return arg % queue_count

    for index in range(8):
        producer.send_orderly(make_message(topic, b"%d" % index), selector, index)
    stored = rocketmq_cluster.wait_for_messages(topic, 8)
    assert seen_counts == [4] * 8
    for message in stored:
        assert message.queue_id == int(stored_body(message)) % 4


def test_send_orderly_reraises_the_selector_error(producer):
    topic = unique_name("SelectFailTopic")

    def selector(queue_count, message, arg):
        raise LookupError("no queue for you")

    with pytest.raises(LookupError, match="no queue for you"):
        producer.send_orderly(make_message(topic), selector)


def test_context_manager_binds_the_producer(rocketmq_namesrv_addr, rocketmq_cluster):
    topic = unique_name("WithTopic")
    producer = Producer(unique_name("PID_with"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    with producer as bound:  # __enter__ starts it, __exit__ shuts it down
        assert bound is producer
        bound.send_sync(make_message(topic))
    assert len(rocketmq_cluster.wait_for_messages(topic, 1)) == 1
    with pytest.raises(Exception, match="shut down|not started|not running"):
        producer.send_sync(make_message(topic))


def test_many_threads_share_one_producer(producer, rocketmq_cluster):
    topic = unique_name("ThreadsTopic")
    errors = []

    def worker(worker_id):
        try:
            for index in range(25):
                producer.send_sync(make_message(topic, b"%d-%d" % (worker_id, index)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(rocketmq_cluster.wait_for_messages(topic, 200)) == 200
