"""What a consumer reads of the properties the broker stored, as it reads them
from 4.9.8 and 5.3.1 brokers (the embedded broker plays both)."""

from __future__ import annotations

import time
from typing import Dict, List

import pytest
from _helpers import started_producer, unique_name

from rocketmq import LitePullConsumer
from rocketmq.client import Message, PullConsumer, PullStatus
from rocketmq.message import DetachedMessage
from rocketmq.pull_consumer import MessageQueue


def _pull_everything(namesrv_addr: str, topic: str, count: int,
                     timeout: float = 20.0) -> List[DetachedMessage]:
    consumer = PullConsumer(unique_name("GID_props"))
    consumer.set_name_server_address(namesrv_addr)
    consumer.start()
    try:
        offsets: Dict[int, int] = {}
        found: List[DetachedMessage] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            for queue in consumer.fetch_queues(topic):
                result = consumer.pull(queue, "*", offsets.get(queue.queue_id, 0), max_nums=32)
                if result.status == PullStatus.FOUND:
                    found.extend(result.messages)
                    offsets[queue.queue_id] = result.next_begin_offset
            time.sleep(0.05)
        return found
    finally:
        consumer.shutdown()


def test_a_delayed_message_is_delivered_with_its_delay_level(rocketmq_cluster):  # type: ignore[no-untyped-def]
    topic = unique_name("DelayedLevel")
    producer = started_producer(rocketmq_cluster.namesrv_addr)
    try:
        producer.send_sync(Message(topic, "later", delay_time_level=2))
        producer.send_sync(Message(topic, "now"))
    finally:
        producer.shutdown()
    by_body = {m.body: m for m in _pull_everything(rocketmq_cluster.namesrv_addr, topic, 2)}
    assert by_body[b"later"].delay_time_level == 2
    assert by_body[b"now"].delay_time_level == 0
    # A 4.9.8 broker leaves WAIT out of a single message, except where it encodes the properties again.
    assert "WAIT" not in by_body[b"now"].properties
    assert by_body[b"later"].properties["WAIT"] == "true"


@pytest.mark.parametrize("version, region", [("4.9.8", None), ("5.3.1", "DefaultRegion")])
def test_each_version_stores_what_its_send_processor_adds(rocketmq_cluster_factory, version, region):  # type: ignore[no-untyped-def]
    cluster = rocketmq_cluster_factory(version=version)
    topic = unique_name("Stored")
    producer = started_producer(cluster.namesrv_addr)
    try:
        producer.send_sync(Message(topic, "single"))
        producer.send_batch([Message(topic, "batched")])
    finally:
        producer.shutdown()
    for message in _pull_everything(cluster.namesrv_addr, topic, 2):
        assert message.properties.get("MSG_REGION") == region
        assert message.properties.get("TRACE_ON") == ("true" if region else None)
        kept_wait = version == "5.3.1" or message.body == b"batched"
        assert message.properties.get("WAIT") == ("true" if kept_wait else None), message.body


@pytest.mark.parametrize("version, empty_queue", [("4.9.8", 0), ("5.3.1", -1)])
def test_committed_reads_an_empty_queue_as_each_version_answers(  # type: ignore[no-untyped-def]
        rocketmq_cluster_factory, version, empty_queue):
    cluster = rocketmq_cluster_factory(version=version, queues=2)
    topic = unique_name("Uncommitted")
    producer = started_producer(cluster.namesrv_addr)
    try:
        producer.send_orderly(Message(topic, "first"), lambda count, message, arg: 0, None)
    finally:
        producer.shutdown()
    consumer = LitePullConsumer(unique_name("GID_uncommitted"))
    consumer.set_name_server_address(cluster.namesrv_addr)
    queues = [MessageQueue(topic, "broker-a", queue_id) for queue_id in (0, 1)]
    consumer.assign(queues)
    with consumer:
        assert [consumer.committed(queue) for queue in queues] == [0, empty_queue]


@pytest.mark.parametrize("version, after_last", [("4.9.8", 2), ("5.3.1", 3)])
def test_search_offset_after_the_last_message_as_each_version_answers(  # type: ignore[no-untyped-def]
        rocketmq_cluster_factory, version, after_last):
    cluster = rocketmq_cluster_factory(version=version, queues=1)
    topic = unique_name("Searched")
    producer = started_producer(cluster.namesrv_addr)
    try:
        for index in range(3):
            producer.send_sync(Message(topic, f"m{index}"))
        queue = MessageQueue(topic, "broker-a", 0)
        stored = cluster.messages(topic)
        assert producer.search_offset(queue, 0) == 0
        assert producer.search_offset(queue, stored[1].store_timestamp) in (0, 1)  # first stored at that time
        # 4.9.8 stops at the last message; 5.3.1 answers where the next one will go.
        assert producer.search_offset(queue, stored[-1].store_timestamp + 60_000) == after_last
    finally:
        producer.shutdown()
