"""Message trace: Pub / SubBefore / SubAfter records reach RMQ_SYS_TRACE_TOPIC in the Java client's format."""

from __future__ import annotations

import threading
import time
from typing import Dict, List

from _helpers import stored_body, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus

TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC"


def trace_records(cluster) -> List[List[str]]:
    records = []
    for stored in cluster.messages(TRACE_TOPIC):
        for record in stored_body(stored).decode("utf-8").split("\x02"):
            if record:
                records.append(record.split("\x01"))
    return records


def wait_for_records(cluster, predicate, timeout: float = 15.0) -> List[List[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [record for record in trace_records(cluster) if predicate(record)]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_sends_are_traced_as_pub_records(rocketmq_cluster, rocketmq_namesrv_addr):
    topic, group = unique_name("TopicTraced"), unique_name("PID_traced")
    producer = Producer(group)
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.set_message_trace(True)
    producer.start()
    try:
        results = [producer.send_sync(Message(topic, "x" * 10, keys=f"k{i}", tags="TagT")) for i in range(3)]
        future = producer.send_async(Message(topic, "async", keys="k3", tags="TagT"))
        results.append(future.result(timeout=10))
    finally:
        producer.shutdown()  # flushes the trace queue
    assert all(result.status == SendStatus.OK for result in results)
    pubs = {record[5]: record for record in trace_records(rocketmq_cluster)
            if record[0] == "Pub" and record[4] == topic}
    assert set(pubs) == {result.msg_id for result in results}
    first = pubs[results[0].msg_id]
    assert first[3] == group and first[6] == "TagT" and first[7] == "k0"
    assert first[8] == rocketmq_cluster.broker_addr and first[9] == "10"
    assert first[11] == "0"  # a normal message
    assert len(first[12]) == 32  # the broker's offset message id: store host and commit log offset, in hex
    assert first[13] == "true" and first[2] == "DefaultRegion"
    assert int(first[1]) > 0 and int(first[10]) >= 0
    # Trace messages are indexed by the traced message ids and keys.
    keys = " ".join(stored.properties.get("KEYS", "") for stored in rocketmq_cluster.messages(TRACE_TOPIC))
    assert results[0].msg_id in keys.split() and "k0" in keys.split()


def test_consumption_is_traced_as_sub_before_and_after(rocketmq_cluster, rocketmq_namesrv_addr):
    topic, group = unique_name("TopicTracedConsume"), unique_name("GID_traced")
    done = threading.Event()
    seen: Dict[str, int] = {}

    def on_message(message):
        seen[message.id] = message.reconsume_times
        done.set()
        return ConsumeStatus.CONSUME_SUCCESS

    consumer = PushConsumer(group)
    consumer.set_name_server_address(rocketmq_namesrv_addr)
    consumer.set_message_trace(True)
    consumer.subscribe(topic, on_message)
    consumer.start()
    producer = Producer(unique_name("PID_plain"))
    producer.set_name_server_address(rocketmq_namesrv_addr)
    producer.start()
    try:
        sent = producer.send_sync(Message(topic, "consumed", keys="ck"))
        assert done.wait(20)
    finally:
        producer.shutdown()
        consumer.shutdown()
    before = wait_for_records(rocketmq_cluster, lambda r: r[0] == "SubBefore" and r[5] == sent.msg_id)
    after = wait_for_records(rocketmq_cluster, lambda r: r[0] == "SubAfter" and r[2] == sent.msg_id)
    assert len(before) == 1 and len(after) == 1
    before, after = before[0], after[0]
    assert before[3] == group and before[6] == "0" and before[7] == "ck"
    assert after[1] == before[4]  # the same request id pairs them
    assert after[4] == "true" and after[5] == "ck" and after[6] == "0" and after[8] == group
    # No trace records for a producer without trace.
    assert not [r for r in trace_records(rocketmq_cluster) if r[0] == "Pub" and r[4] == topic]
