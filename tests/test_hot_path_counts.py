"""The work per message on the hot paths, counted rather than timed.

Timings depend on the machine; these counts do not. Each bound is about
1.5 times what the code does today, so a change that doubles the work per
message fails here even on a machine too noisy to see it in a benchmark.
"""

from __future__ import annotations

import collections
import sys
import threading

from _helpers import started_producer, unique_name

from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, PushConsumer

SENDS = 200


def test_a_sync_send_makes_few_python_and_c_calls(rocketmq_cluster):
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    topic = unique_name("TopicCounted")
    try:
        producer.send_sync(Message(topic, b"warm-up: route and connection"))
        events: "collections.Counter[str]" = collections.Counter()

        def count(frame, event, arg):  # type: ignore[no-untyped-def]
            events[event] += 1

        sys.setprofile(count)
        try:
            for _ in range(SENDS):
                message = Message(topic)
                message.set_tags("t")
                message.set_body(b"x" * 100)
                producer.send_sync(message)
        finally:
            sys.setprofile(None)
    finally:
        producer.shutdown()
    python_calls = events["call"] / SENDS
    c_calls = events["c_call"] / SENDS  # the C API calls through cffi among them
    print("per send: %.1f Python calls, %.1f C calls" % (python_calls, c_calls))
    assert python_calls <= 33, python_calls
    assert c_calls <= 36, c_calls


def test_consumption_enters_python_once_per_burst(rocketmq_cluster):
    topic, group = unique_name("TopicBursts"), unique_name("CID_bursts")
    rocketmq_cluster.create_topic(topic, 1)
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    count = 320
    try:
        for start in range(0, count, 32):
            producer.send_batch([Message(topic, b"%d" % n) for n in range(start, start + 32)])
    finally:
        producer.shutdown()
    done = threading.Event()
    seen = []

    def on_message(message):  # type: ignore[no-untyped-def]
        seen.append(message.body)
        if len(seen) == count:
            done.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_cluster.namesrv_addr)
    consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
    consumer.set_thread_count(1)
    consumer.subscribe(topic, on_message)
    consumer.start()
    try:
        assert done.wait(30)
    finally:
        consumer.shutdown()
    bursts = consumer._counters.bursts
    print("%d messages in %d calls into Python" % (count, bursts))
    # Pulls bring up to 32 messages; one thread takes each pull as one burst.
    assert bursts <= count // 16, bursts
