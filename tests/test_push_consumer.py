"""Push consumer end to end against the embedded broker: delivery, groups, order, retries, offsets."""

from __future__ import annotations

import collections
import threading
import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq.client import ConsumeStatus, Message, PushConsumer, ReceivedMessage
from rocketmq.exceptions import PushConsumerStartFailed
from rocketmq.ffi import MessageModel
from rocketmq.testing.server import EmbeddedCluster


class Collector:
    """Thread-safe record of what a consumer callback saw."""

    def __init__(self, answer=ConsumeStatus.CONSUME_SUCCESS):
        self.lock = threading.RLock()  # wait_for calls count() while holding it
        self.bodies = []
        self.messages = []
        self.answer = answer

    def __call__(self, message: ReceivedMessage):
        with self.lock:
            self.bodies.append(message.body)
            self.messages.append({
                "topic": message.topic, "body": message.body, "tags": message.tags, "keys": message.keys,
                "id": message.id, "reconsume_times": message.reconsume_times, "queue_id": message.queue_id,
                "color": message.get_property("color"),
            })
        return self.answer(message) if callable(self.answer) else self.answer

    def count(self):
        with self.lock:
            return len(self.bodies)

    def wait_for(self, predicate, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.05)
        return False


def start_consumer(namesrv, group, topic, callback, expression="*", **kwargs):
    consumer = PushConsumer(group, **kwargs)
    consumer.set_name_server_address(namesrv)
    consumer.set_thread_count(2)
    consumer.subscribe(topic, callback, expression)
    consumer.start()
    return consumer


def send(producer, topic, body, tags="TagA", keys="", **properties):
    message = Message(topic)
    message.set_tags(tags)
    if keys:
        message.set_keys(keys)
    message.set_body(body)
    for name, value in properties.items():
        message.set_property(name, value)
    return producer.send_sync(message)


@pytest.fixture
def producer(rocketmq_namesrv_addr):
    producer = started_producer(rocketmq_namesrv_addr)
    yield producer
    producer.shutdown()


def test_messages_arrive_with_body_tags_keys_and_properties(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("ConsumeTopic"), unique_name("CID_basic")
    body = b"\x00binary\x00body\xff"
    result = send(producer, topic, body, tags="TagA", keys="key-1", color="blue")
    collector = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    try:
        assert collector.wait_for(lambda c: c.count() >= 1)
    finally:
        consumer.shutdown()
    seen = collector.messages[0]
    assert seen["topic"] == topic
    assert seen["body"] == body
    assert seen["tags"] == b"TagA"
    assert seen["keys"] == b"key-1"
    assert seen["color"] == b"blue"
    assert seen["id"] == result.msg_id
    assert seen["reconsume_times"] == 0


def test_tag_expression_filters(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("TagTopic"), unique_name("CID_tags")
    for tag in ["TagA", "TagB", "TagC", "TagA"]:
        send(producer, topic, tag.encode(), tags=tag)
    collector = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector, expression="TagA || TagC")
    try:
        assert collector.wait_for(lambda c: c.count() >= 3)
        time.sleep(0.5)
    finally:
        consumer.shutdown()
    assert sorted(collector.bodies) == [b"TagA", b"TagA", b"TagC"]


def test_start_without_subscription_fails(rocketmq_namesrv_addr):
    consumer = PushConsumer(unique_name("CID_empty"))
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    with pytest.raises(PushConsumerStartFailed):
        consumer.start()


def test_restarted_consumer_resumes_from_its_committed_offset(rocketmq_namesrv_addr, producer,
                                                               rocketmq_cluster):
    topic, group = unique_name("ResumeTopic"), unique_name("CID_resume")
    for index in range(8):
        send(producer, topic, b"first-%d" % index)
    first = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, first)
    assert first.wait_for(lambda c: c.count() >= 8)
    consumer.shutdown()  # commits the offsets
    # As the Java client's (RemoteBrokerOffsetStore.persistAll), the final commit is sent oneway
    # and the broker applies it on its own time (the Java broker handles UPDATE_CONSUMER_OFFSET and
    # the UNREGISTER_CLIENT that follows it on different executors): wait for it rather than race it.
    def committed() -> int:
        return sum(rocketmq_cluster.consumer_offset(group, topic, q) or 0 for q in range(4))

    deadline = time.monotonic() + 10
    while committed() < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert committed() == 8

    for index in range(4):
        send(producer, topic, b"second-%d" % index)
    second = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, second)
    try:
        assert second.wait_for(lambda c: c.count() >= 4)
        time.sleep(0.5)
    finally:
        consumer.shutdown()
    assert sorted(second.bodies) == sorted(b"second-%d" % i for i in range(4))


def test_shutdown_unregisters_the_group_from_every_broker(rocketmq_namesrv_addr, producer, rocketmq_cluster):
    # MQClientInstance.unregisterConsumer: the broker hears UNREGISTER_CLIENT for the group before
    # the connection goes, so the others rebalance at once rather than when the channel closes.
    from rocketmq.testing.codes import RequestCode

    topic, group = unique_name("UnregisterTopic"), unique_name("CID_unregister")
    send(producer, topic, b"one")
    collector = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    assert collector.wait_for(lambda c: c.count() >= 1)
    broker = rocketmq_cluster.broker
    handlers = broker._handlers
    original = handlers[RequestCode.UNREGISTER_CLIENT]
    heard = []

    async def recording(conn, cmd):
        heard.append(dict(cmd.ext_fields))
        return await original(conn, cmd)

    handlers[RequestCode.UNREGISTER_CLIENT] = recording
    try:
        consumer.shutdown()
    finally:
        handlers[RequestCode.UNREGISTER_CLIENT] = original
    # Sync: the broker answered before shutdown() returned.
    assert [h.get("consumerGroup") for h in heard].count(group) == 1, heard


def test_reconsume_later_and_raising_callbacks_are_redelivered(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("RetryTopic"), unique_name("CID_retry")
    attempts = collections.Counter()

    def flaky(message):
        attempts[message.body] += 1
        if message.body == b"later" and attempts[b"later"] < 3:
            return ConsumeStatus.RECONSUME_LATER
        if message.body == b"raise" and attempts[b"raise"] < 2:
            raise RuntimeError("callback failure for the test")
        return ConsumeStatus.CONSUME_SUCCESS

    collector = Collector(answer=flaky)
    send(producer, topic, b"later")
    send(producer, topic, b"raise")
    send(producer, topic, b"fine")
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    try:
        assert collector.wait_for(lambda c: c.count() >= 6, timeout=30)
    finally:
        consumer.shutdown()
    later = [m for m in collector.messages if m["body"] == b"later"]
    assert [m["reconsume_times"] for m in later] == [0, 1, 2]
    assert all(m["topic"] == topic for m in collector.messages), "retried messages keep their topic"
    assert attempts[b"raise"] == 2
    assert attempts[b"fine"] == 1


def test_shutdown_from_inside_a_callback_returns(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("InsideTopic"), unique_name("CID_inside")
    send(producer, topic, b"stop")
    done = threading.Event()
    holder = {}

    def stop_here(message):
        holder["consumer"].shutdown()
        done.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    holder["consumer"] = consumer
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.subscribe(topic, stop_here)
    consumer.start()
    assert done.wait(20)
    started = time.monotonic()
    consumer.shutdown()
    assert time.monotonic() - started < 6


def test_group_members_share_the_work_without_losing_messages(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("GroupTopic"), unique_name("CID_group")
    total = 300
    collector = Collector()
    consumers = [start_consumer(rocketmq_namesrv_addr, group, topic, collector)]
    try:
        for index in range(total):
            send(producer, topic, b"%d" % index)
            if index == 60:
                consumers.append(start_consumer(rocketmq_namesrv_addr, group, topic, collector))
            if index == 120:
                consumers.append(start_consumer(rocketmq_namesrv_addr, group, topic, collector))
            if index == 200:
                consumers.pop(0).shutdown()  # one leaves mid-stream
        assert collector.wait_for(lambda c: set(c.bodies) >= {b"%d" % i for i in range(total)}, timeout=60)
    finally:
        for consumer in consumers:
            consumer.shutdown()
    duplicates = len(collector.bodies) - len(set(collector.bodies))
    assert duplicates <= total // 2, f"{duplicates} duplicates"


def test_broadcasting_delivers_everything_to_every_consumer(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("BroadcastTopic"), unique_name("CID_broadcast")
    collectors = [Collector(), Collector()]
    consumers = []
    for index, collector in enumerate(collectors):
        consumer = PushConsumer(group, message_model=MessageModel.BROADCASTING)
        consumer.set_name_server_address(rocketmq_namesrv_addr)
        consumer.set_instance_name(unique_name("broadcast_instance_%d" % index))
        consumer.subscribe(topic, collector)
        consumer.start()
        consumers.append(consumer)
    try:
        time.sleep(1.0)  # broadcasting starts at the newest offset: let both take their queues
        for index in range(40):
            send(producer, topic, b"%d" % index)
        expected = {b"%d" % i for i in range(40)}
        for collector in collectors:
            assert collector.wait_for(lambda c: set(c.bodies) >= expected)
    finally:
        for consumer in consumers:
            consumer.shutdown()


def test_orderly_consumer_keeps_per_key_order(rocketmq_namesrv_addr, producer):
    topic, group = unique_name("OrderTopic"), unique_name("CID_order")
    keys = ["order-%d" % i for i in range(6)]
    for step in range(15):
        for key in keys:
            message = Message(topic)
            message.set_keys(key)
            message.set_body(b"%s:%d" % (key.encode(), step))
            producer.send_orderly_with_sharding_key(message, key)

    collector = Collector()
    consumers = [start_consumer(rocketmq_namesrv_addr, group, topic, collector, orderly=True)]
    try:
        assert collector.wait_for(lambda c: c.count() >= 30)
        # A second consumer joins: queues move, order must still hold per key.
        consumers.append(start_consumer(rocketmq_namesrv_addr, group, topic, collector, orderly=True))
        assert collector.wait_for(lambda c: len(set(c.bodies)) >= 90, timeout=60)
    finally:
        for consumer in consumers:
            consumer.shutdown()
    last_step = {}
    for body in collector.bodies:
        key, step = body.decode().split(":")
        # Redelivery after a rebalance may repeat, but never goes backwards past a gap.
        assert int(step) <= last_step.get(key, -1) + 1, f"{key} jumped to {step}"
        last_step[key] = max(last_step.get(key, -1), int(step))
    assert all(step == 14 for step in last_step.values())


def test_message_goes_to_the_dlq_after_16_failures():
    # A cluster of its own with near-zero delays: 16 retries would take hours at real delay levels.
    with EmbeddedCluster(delay_scale=0.0001) as cluster:
        producer = started_producer(cluster.namesrv_addr)
        topic, group = unique_name("DlqTopic"), unique_name("CID_dlq")
        try:
            send(producer, topic, b"poison")
        finally:
            producer.shutdown()
        collector = Collector(answer=ConsumeStatus.RECONSUME_LATER)
        consumer = start_consumer(cluster.namesrv_addr, group, topic, collector)
        try:
            dlq = cluster.wait_for_messages("%DLQ%" + group, 1, timeout=60)
        finally:
            consumer.shutdown()
        assert dlq[0].body == b"poison"
        assert [m["reconsume_times"] for m in collector.messages] == list(range(17))


def test_failed_send_back_falls_back_to_the_retry_topic(rocketmq_namesrv_addr, producer, rocketmq_cluster,
                                                        rocketmq_faults):
    topic, group = unique_name("FallbackTopic"), unique_name("CID_fallback")
    rocketmq_faults.respond_with_error(36, response_code=1, remark="send-back refused for the test")
    send(producer, topic, b"come back")
    collector = Collector(answer=lambda m: (ConsumeStatus.CONSUME_SUCCESS if m.reconsume_times >= 1
                                            else ConsumeStatus.RECONSUME_LATER))
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    try:
        assert collector.wait_for(lambda c: c.count() >= 2, timeout=30)
    finally:
        consumer.shutdown()
    assert [m["reconsume_times"] for m in collector.messages[:2]] == [0, 1]
    assert all(m["topic"] == topic and m["body"] == b"come back" for m in collector.messages)
    retried = rocketmq_cluster.messages("%RETRY%" + group)
    assert retried and retried[0].properties["RETRY_TOPIC"] == topic


def test_reset_offset_from_the_broker_replays_the_queue(rocketmq_namesrv_addr, producer, rocketmq_cluster):
    topic, group = unique_name("ResetTopic"), unique_name("CID_reset")
    for index in range(6):
        send(producer, topic, b"%d" % index)
    collector = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    try:
        assert collector.wait_for(lambda c: c.count() >= 6)
        # RESET_CONSUMER_CLIENT_OFFSET to the beginning, as mqadmin resetOffsetByTime does.
        offsets = rocketmq_cluster.reset_consumer_offset(group, topic, 0)
        assert sum(offsets.values()) == 0
        assert collector.wait_for(lambda c: c.count() >= 12)
    finally:
        consumer.shutdown()
    assert sorted(collector.bodies) == sorted([b"%d" % i for i in range(6)] * 2)


def test_interpreter_exits_cleanly_with_a_consuming_consumer_never_shut_down(rocketmq_namesrv_addr, producer,
                                                                           rocketmq_cluster):
    """Callbacks are running when the interpreter exits: no hang, no crash, exit code 0, offsets flushed."""
    import subprocess
    import sys
    import textwrap

    topic, group = unique_name("ExitTopic"), unique_name("CID_exit")
    for index in range(50):
        send(producer, topic, b"%d" % index)
    code = textwrap.dedent(f"""
        import time
        from rocketmq.client import ConsumeStatus, PushConsumer
        consumed = []
        def slow(message):
            time.sleep(0.05)
            consumed.append(message.body)
            return ConsumeStatus.CONSUME_SUCCESS
        consumer = PushConsumer("{group}")
        consumer.set_name_server_address("{rocketmq_namesrv_addr}")
        consumer.subscribe("{topic}", slow)
        consumer.start()
        time.sleep(1.0)
        print("leaving", len(consumed))
    """)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    word, consumed_before_exit = result.stdout.split()
    assert word == "leaving" and int(consumed_before_exit) > 0
    assert time.monotonic() - started < 20
    # Less than the 5 s commit period ran: only the exit-time shutdown can have committed.
    committed = sum(rocketmq_cluster.consumer_offset(group, topic, queue) or 0 for queue in range(4))
    assert committed >= int(consumed_before_exit)


def test_dropped_broker_connections_lose_nothing(rocketmq_namesrv_addr, producer, rocketmq_cluster):
    """The broker closes every client connection twice mid-stream, as a restart would."""
    topic, group = unique_name("DropTopic"), unique_name("CID_drop")
    collector = Collector()
    consumer = start_consumer(rocketmq_namesrv_addr, group, topic, collector)
    try:
        for index in range(150):
            if index in (40, 100):
                rocketmq_cluster.drop_client_connections()
            send(producer, topic, b"%d" % index)  # sync sends retry over a fresh connection
        expected = {b"%d" % i for i in range(150)}
        assert collector.wait_for(lambda c: set(c.bodies) >= expected, timeout=30)
    finally:
        consumer.shutdown()


def test_an_orderly_failure_inside_a_burst_is_retried_before_anything_after_it(rocketmq_cluster, producer):
    # One queue, so the consumer gets bursts of up to 32 messages in one call into Python.
    topic, group = unique_name("BurstOrderTopic"), unique_name("CID_burst_order")
    rocketmq_cluster.create_topic(topic, 1)
    for step in range(40):
        send(producer, topic, b"%d" % step)
    failures = {"left": 2}

    def answer(message):
        if message.body == b"7" and failures["left"] > 0:
            failures["left"] -= 1
            return ConsumeStatus.RECONSUME_LATER
        return ConsumeStatus.CONSUME_SUCCESS

    collector = Collector(answer=answer)
    consumer = start_consumer(rocketmq_cluster.namesrv_addr, group, topic, collector, orderly=True)
    try:
        assert collector.wait_for(lambda c: len(set(c.bodies)) >= 40, timeout=30)
    finally:
        consumer.shutdown()
    steps = [int(body) for body in collector.bodies]
    # 7 was delivered three times in a row, nothing after it before it succeeded, nothing skipped.
    assert steps == list(range(8)) + [7, 7] + list(range(8, 40))


def test_shutdown_in_the_middle_of_a_burst_leaves_the_rest_for_later(rocketmq_cluster, producer):
    topic, group = unique_name("BurstStopTopic"), unique_name("CID_burst_stop")
    rocketmq_cluster.create_topic(topic, 1)
    bodies = [b"%d" % step for step in range(30)]
    for body in bodies:
        send(producer, topic, body)
    first = Collector()

    def slow(message):
        time.sleep(0.05)
        return ConsumeStatus.CONSUME_SUCCESS

    first.answer = slow
    # Two consume threads: the 30 messages arrive as two bursts of 15, each
    # consumed message by message inside one call.
    consumer = start_consumer(rocketmq_cluster.namesrv_addr, group, topic, first)
    assert first.wait_for(lambda c: c.count() >= 5)
    consumer.shutdown()
    consumed_before = set(first.bodies)
    assert len(consumed_before) < len(bodies), "shutdown waited for the whole burst"

    second = Collector()
    consumer = start_consumer(rocketmq_cluster.namesrv_addr, group, topic, second)
    try:
        # Whatever the first consumer did not get to comes again: nothing is lost.
        assert second.wait_for(lambda c: consumed_before | set(c.bodies) >= set(bodies), timeout=30)
    finally:
        consumer.shutdown()


def test_subscribe_batch_hands_over_lists_with_one_status(rocketmq_cluster, producer):
    topic, group = unique_name("BatchListTopic"), unique_name("CID_batch_list")
    rocketmq_cluster.create_topic(topic, 1)
    for step in range(40):
        send(producer, topic, b"%d" % step)
    lock = threading.Lock()
    sizes, deliveries = [], []
    failed_once = {"done": False}

    def on_messages(messages):
        with lock:
            sizes.append(len(messages))
            deliveries.extend((m.body, m.reconsume_times) for m in messages)
            # The batch holding "13" fails once: every message of it comes again.
            if not failed_once["done"] and any(m.body == b"13" for m in messages):
                failed_once["done"] = True
                return ConsumeStatus.RECONSUME_LATER
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_cluster.namesrv_addr)
    consumer.set_message_batch_max_size(8)
    consumer.subscribe_batch(topic, on_messages)
    consumer.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                bodies = {body for body, _ in deliveries}
                retried = [body for body, times in deliveries if times == 1]
            # The failed list's messages come back as the broker's retry
            # topic hands them out, not necessarily in one list.
            if len(bodies) == 40 and b"13" in retried:
                break
            time.sleep(0.05)
    finally:
        consumer.shutdown()
    assert len(bodies) == 40
    assert sizes and max(sizes) <= 8 and max(sizes) > 1
    # The messages of the failed list came back, each once more, and only they.
    assert b"13" in retried and 1 <= len(retried) <= 8


def test_subscribe_batch_checks_its_callback():
    consumer = PushConsumer(unique_name("CID_batch_args"))
    try:
        with pytest.raises(TypeError):
            consumer.subscribe_batch("Topic", None)
        with pytest.raises(TypeError):
            consumer.subscribe_batch(None, print)
    finally:
        consumer.shutdown()


def test_cached_messages_stay_within_the_per_queue_limit(rocketmq_namesrv_addr, producer, rocketmq_cluster):
    # pullThresholdForQueue: no pull leaves while a queue holds more than the
    # limit, so the cache never exceeds the limit plus one pull (32). The next
    # pull going out before a pull result is filed must keep that bound.
    from rocketmq._bindings import lib

    topic, group = unique_name("TopicCacheLimit"), unique_name("CID_cache_limit")
    rocketmq_cluster.create_topic(topic, 1)
    total, limit = 600, 64
    for start in range(0, total, 50):
        producer.send_batch([Message(topic, b"%d" % n) for n in range(start, start + 50)])
    release = threading.Event()
    seen = collections.Counter()
    lock = threading.Lock()

    def on_message(message: ReceivedMessage) -> ConsumeStatus:
        release.wait(30)
        with lock:
            seen[message.body] += 1
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.set_thread_count(1)
    assert lib.SetPushConsumerMaxCacheMessageSize(consumer._handle, limit) == 0
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        peak = 0
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            peak = max(peak, consumer.stats().cached)
            time.sleep(0.01)
        release.set()
        done = time.monotonic() + 30
        while time.monotonic() < done and len(seen) < total:
            time.sleep(0.05)
    finally:
        release.set()
        consumer.shutdown()
    assert limit <= peak <= limit + 32, peak
    assert len(seen) == total
    assert set(seen.values()) == {1}
