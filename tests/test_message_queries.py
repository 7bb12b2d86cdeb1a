"""Stored messages looked up by id and by key, and queue positions (MQAdmin), against the
embedded broker over TCP: through the admin client, producers and consumers."""

from __future__ import annotations

import time

import pytest
from _helpers import started_producer, unique_name

from rocketmq.admin import AdminClient, AdminQueryFailed, MessageNotFound
from rocketmq.client import Message
from rocketmq.pull_consumer import MessageQueue, PullConsumer
from rocketmq.testing.message_codec import create_message_id

FOREVER_MS = (1 << 63) - 1


def started_admin(namesrv: str) -> AdminClient:
    admin = AdminClient()
    admin.set_name_server_address(namesrv)
    admin.start()
    return admin


def send_keyed(namesrv: str, topic: str, bodies_and_keys: list) -> list:
    producer = started_producer(namesrv)
    try:
        results = []
        for body, keys in bodies_and_keys:
            msg = Message(topic, body)
            if keys:
                msg.set_keys(keys)
            results.append(producer.send_sync(msg))
        return results
    finally:
        producer.shutdown()


def test_view_message_by_offset_id_and_by_producer_id(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic = unique_name("TopicView")
    [sent] = send_keyed(namesrv, topic, [(b"look me up", "order-1")])
    [stored] = rocketmq_cluster.wait_for_messages(topic, 1)
    offset_id = stored.msg_id
    assert offset_id != sent.msg_id
    admin = started_admin(namesrv)
    try:
        by_offset = admin.view_message(offset_id)
        assert by_offset.body == b"look me up" and by_offset.topic == topic
        assert by_offset.commit_log_offset == stored.commit_log_offset
        assert by_offset.queue_id == stored.queue_id and by_offset.queue_offset == stored.queue_offset
        assert by_offset.store_timestamp == stored.store_timestamp
        assert by_offset.id == sent.msg_id  # the id users see is the producer's (UNIQ_KEY)
        assert by_offset.keys == b"order-1"

        by_unique = admin.view_message(sent.msg_id, topic)
        assert by_unique.body == b"look me up" and by_unique.commit_log_offset == stored.commit_log_offset
        # Lower-case hex names the same message.
        assert admin.view_message(sent.msg_id.lower(), topic).commit_log_offset == stored.commit_log_offset
        # An offset id works with a topic too.
        assert admin.view_message(offset_id, topic).commit_log_offset == stored.commit_log_offset
    finally:
        admin.shutdown()


def test_unknown_and_malformed_ids(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic = unique_name("TopicViewMissing")
    send_keyed(namesrv, topic, [(b"x", None)])
    [stored] = rocketmq_cluster.wait_for_messages(topic, 1)
    host, port = rocketmq_cluster.broker_addr.split(":")
    admin = started_admin(namesrv)
    try:
        beyond = create_message_id((host, int(port)), stored.commit_log_offset + 10**9)
        with pytest.raises(MessageNotFound, match="can not find message by the offset"):
            admin.view_message(beyond)
        # A producer id nobody sent (its time part is now), by unique key.
        uniq = stored.properties["UNIQ_KEY"]
        made_up = uniq[:-4] + ("0000" if uniq[-4:] != "0000" else "FFFF")
        with pytest.raises(MessageNotFound):
            admin.view_message(made_up, topic)
        for bad in ("", "XYZ", "0" * 31, "G" * 32, "0" * 33):
            with pytest.raises(ValueError, match="32 or 56 hex digits"):
                admin.view_message(bad)
        with pytest.raises(TypeError):
            admin.view_message(12345)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            admin.view_message(stored.msg_id, 7)  # type: ignore[arg-type]
    finally:
        admin.shutdown()


def test_query_by_key_with_time_range_and_max(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic = unique_name("TopicQuery")
    first = send_keyed(namesrv, topic, [(f"early-{i}".encode(), f"shared k{i}") for i in range(3)])
    stored_first = rocketmq_cluster.wait_for_messages(topic, 3)
    split_ms = max(m.store_timestamp for m in stored_first) + 1
    while int(time.time() * 1000) <= split_ms:
        time.sleep(0.005)
    send_keyed(namesrv, topic, [(b"late-0", "shared other"), (b"late-1", "shared"), (b"no-key", None)])
    stored = rocketmq_cluster.wait_for_messages(topic, 6)
    admin = started_admin(namesrv)
    try:
        everything = admin.query_message(topic, "shared", 0, FOREVER_MS)
        assert [m.body for m in everything] == [b"early-0", b"early-1", b"early-2", b"late-0", b"late-1"]
        assert [m.id for m in everything[:3]] == [r.msg_id for r in first]
        # Only the second burst is stored after split_ms.
        late = admin.query_message(topic, "shared", split_ms, FOREVER_MS)
        assert [m.body for m in late] == [b"late-0", b"late-1"]
        early = admin.query_message(topic, "shared", 0, split_ms - 1)
        assert [m.body for m in early] == [b"early-0", b"early-1", b"early-2"]
        # max_num keeps the newest matches.
        assert [m.body for m in admin.query_message(topic, "shared", 0, FOREVER_MS, max_num=2)] == \
            [b"late-0", b"late-1"]
        # One word of KEYS is a key; a part of a word is not.
        assert [m.body for m in admin.query_message(topic, "k1", 0, FOREVER_MS)] == [b"early-1"]
        with pytest.raises(MessageNotFound):
            admin.query_message(topic, "k", 0, FOREVER_MS)
        with pytest.raises(MessageNotFound):
            admin.query_message(topic, "shared", 0, min(m.store_timestamp for m in stored) - 1)
        with pytest.raises(ValueError, match="after end_ms"):
            admin.query_message(topic, "shared", 10, 5)
        with pytest.raises(ValueError):
            admin.query_message(topic, "shared", 0, FOREVER_MS, max_num=0)
        with pytest.raises(ValueError):
            admin.query_message(topic, "", 0, FOREVER_MS)
        with pytest.raises(TypeError):
            admin.query_message(topic, "shared", 0.5, FOREVER_MS)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            admin.query_message(topic, None, 0, FOREVER_MS)  # type: ignore[arg-type]
    finally:
        admin.shutdown()


def test_queue_offsets_and_earliest_store_time(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic = unique_name("TopicPositions")
    rocketmq_cluster.create_topic(topic, 1)
    send_keyed(namesrv, topic, [(f"m{i}".encode(), None) for i in range(5)])
    stored = rocketmq_cluster.wait_for_messages(topic, 5)
    queue = MessageQueue(topic, "broker-a", 0)
    admin = started_admin(namesrv)
    try:
        assert admin.min_offset(queue) == 0
        assert admin.max_offset(topic, "broker-a", 0) == 5
        assert admin.earliest_msg_store_time(queue) == stored[0].store_timestamp
        assert admin.search_offset(queue, stored[2].store_timestamp) == \
            min(m.queue_offset for m in stored if m.store_timestamp == stored[2].store_timestamp)
        assert admin.search_offset(queue, 0) == 0
        # As the Java broker once the head of a queue expired.
        rocketmq_cluster.call(rocketmq_cluster.store.expire_before, topic, 0, 2)
        assert admin.min_offset(queue) == 2
        assert admin.earliest_msg_store_time(queue) == stored[2].store_timestamp
        empty = MessageQueue(unique_name("TopicEmpty"), "broker-a", 0)
        rocketmq_cluster.create_topic(empty.topic, 1)
        assert admin.earliest_msg_store_time(empty) == -1
        with pytest.raises(TypeError, match="MessageQueue"):
            admin.min_offset((topic, "broker-a", 0))  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            admin.search_offset(queue, -1)
        with pytest.raises(AdminQueryFailed):
            admin.min_offset(MessageQueue(topic, "broker-zz", 0))
    finally:
        admin.shutdown()


def test_producers_and_consumers_look_messages_up_too(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic = unique_name("TopicLookups")
    rocketmq_cluster.create_topic(topic, 1)
    producer = started_producer(namesrv)
    consumer = PullConsumer(unique_name("GID_lookups"))
    consumer.set_name_server_address(namesrv)
    consumer.start()
    try:
        msg = Message(topic, b"from a producer")
        msg.set_keys("lookup-key")
        sent = producer.send_sync(msg)
        queue = MessageQueue(topic, "broker-a", 0)
        for client in (producer, consumer):
            assert client.view_message(sent.msg_id, topic).body == b"from a producer"
            assert [m.id for m in client.query_message(topic, "lookup-key", 0, FOREVER_MS)] == [sent.msg_id]
            assert (client.min_offset(queue), client.max_offset(queue)) == (0, 1)
            assert client.search_offset(queue, 0) == 0
            assert client.earliest_msg_store_time(queue) > 0
    finally:
        producer.shutdown()
        consumer.shutdown()
    with pytest.raises(AdminQueryFailed, match="shut down"):
        producer.view_message(sent.msg_id, topic)


def test_index_survives_a_broker_restart(rocketmq_cluster_factory, tmp_path):
    cluster = rocketmq_cluster_factory(store_dir=str(tmp_path), register_interval=1.0)
    topic = unique_name("TopicRestart")
    [sent] = send_keyed(cluster.namesrv_addr, topic, [(b"kept", "persisted-key")])
    [stored] = cluster.wait_for_messages(topic, 1)
    node = cluster.broker_node("broker-a")
    node.kill()  # as SIGKILL: only what the commit log holds comes back
    node.restart()
    admin = started_admin(cluster.namesrv_addr)
    try:
        [found] = admin.query_message(topic, "persisted-key", 0, FOREVER_MS)
        assert found.body == b"kept" and found.id == sent.msg_id
        assert admin.view_message(sent.msg_id, topic).commit_log_offset == stored.commit_log_offset
        assert admin.view_message(stored.msg_id).body == b"kept"
    finally:
        admin.shutdown()
