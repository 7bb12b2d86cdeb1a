"""rocketmq.admin: the admin client's queries against embedded clusters, its typed results,
errors and lifecycle."""

from __future__ import annotations

import threading

import pytest
from _helpers import free_port, started_producer, unique_name

from rocketmq.admin import (
    AdminClient,
    AdminQueryFailed,
    AdminStartFailed,
    BrokerData,
    QueueOffset,
    TopicNotExist,
    perm_to_string,
)
from rocketmq.client import ConsumeFromWhere, ConsumeStatus, Message, PushConsumer
from rocketmq.exceptions import RocketMQException


def started_admin(namesrv: str) -> AdminClient:
    admin = AdminClient()
    admin.set_name_server_address(namesrv)
    admin.start()
    return admin


def test_route_cluster_and_runtime_info_of_two_masters_with_slaves(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=2, slaves=1)
    topic = unique_name("TopicAdminRoute")
    cluster.create_topic(topic, 2)
    nodes = {(node.name, node.broker_id): node.addr for node in cluster.brokers}
    with AdminClient("admin-test") as admin:
        pass  # started and shut down with no name server: nothing asked
    admin = started_admin(cluster.namesrv_addr)
    try:
        route = admin.topic_route(topic)
        assert route.topic == topic and route.order_topic_conf == ""
        queues = [(q.broker_name, q.read_queue_nums, q.write_queue_nums, q.perm_string) for q in route.queues]
        assert queues == [("broker-a", 2, 2, "RW-"), ("broker-b", 2, 2, "RW-")]
        assert route.brokers == [
            BrokerData("DefaultCluster", name, {0: nodes[(name, 0)], 1: nodes[(name, 1)]})
            for name in ("broker-a", "broker-b")]
        assert route.brokers[0].master_address == nodes[("broker-a", 0)]

        info = admin.cluster_info()
        assert info.clusters == {"DefaultCluster": ["broker-a", "broker-b"]}
        assert set(info.brokers) == {"broker-a", "broker-b"}
        assert info.brokers["broker-b"].addresses == {0: nodes[("broker-b", 0)], 1: nodes[("broker-b", 1)]}
        for addr in nodes.values():
            runtime = admin.broker_runtime_info(addr)
            assert runtime["brokerVersionDesc"] == "V4_9_8" and runtime["brokerVersion"] == "409"
    finally:
        admin.shutdown()


def test_offsets_of_queues_and_of_a_consumer_group(rocketmq_cluster):
    namesrv = rocketmq_cluster.namesrv_addr
    topic, group = unique_name("TopicAdminOffsets"), unique_name("GID_admin")
    producer = started_producer(namesrv)
    try:
        for index in range(6):
            producer.send_sync(Message(topic, f"m{index}"))
    finally:
        producer.shutdown()
    admin = started_admin(namesrv)
    try:
        assert sum(admin.max_offset(topic, "broker-a", queue) for queue in range(4)) == 6
        before = admin.group_offsets(group, topic)
        assert [(q.broker_name, q.queue_id) for q in before] == [("broker-a", q) for q in range(4)]
        # A group that never committed: as the Java broker, 0 while the queue starts at 0.
        assert all(q.consumer_offset in (None, 0) for q in before)

        consumed = threading.Semaphore(0)
        consumer = PushConsumer(group)
        consumer.set_name_server_address(namesrv)
        consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        consumer.subscribe(topic, lambda message: consumed.release() or ConsumeStatus.CONSUME_SUCCESS)
        consumer.start()
        try:
            for _ in range(6):
                assert consumed.acquire(timeout=20)
        finally:
            consumer.shutdown()  # commits
        after = admin.group_offsets(group, topic)
        assert all(q.consumer_offset == q.broker_offset and q.lag == 0 for q in after)
        assert sum(q.broker_offset for q in after) == 6
        assert admin.consumer_offset(group, topic, "broker-a", 0) == after[0].consumer_offset
    finally:
        admin.shutdown()


def test_queue_offset_lag():
    assert QueueOffset("broker-a", 0, 10, 4).lag == 6
    assert QueueOffset("broker-a", 0, 10, None).lag is None
    assert QueueOffset("broker-a", 0, 3, 5).lag == 0
    assert [perm_to_string(p) for p in (0, 2, 4, 6, 7)] == ["---", "-W-", "R--", "RW-", "RWX"]


def test_failures_are_typed_and_say_why(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(auto_create_topics=False)
    admin = started_admin(cluster.namesrv_addr)
    try:
        with pytest.raises(TopicNotExist, match="No route info of this topic: Missing"):
            admin.topic_route("Missing")
        assert issubclass(TopicNotExist, AdminQueryFailed) and issubclass(AdminQueryFailed, RocketMQException)
        with pytest.raises(AdminQueryFailed, match="not in the route"):
            admin.max_offset("Missing", "broker-z", 0)
        with pytest.raises(AdminQueryFailed, match="negative"):
            admin.max_offset("Missing", "broker-a", -1)
    finally:
        admin.shutdown()

    dead = started_admin(f"127.0.0.1:{free_port()}")
    try:
        with pytest.raises(AdminQueryFailed, match="no name server answered"):
            dead.cluster_info()
    finally:
        dead.shutdown()


def test_lifecycle_and_argument_checks():
    admin = AdminClient()
    with pytest.raises(AdminQueryFailed, match="not started"):
        admin.cluster_info()
    with pytest.raises(TypeError, match="topic must be str or bytes"):
        admin.topic_route(7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout_ms must be positive"):
        admin.set_timeout(0)
    with pytest.raises(ValueError, match="is not a file"):
        admin.set_tls(True, "/no/such/ca.pem")
    admin.set_timeout(500)
    admin.set_name_server_address(f"127.0.0.1:{free_port()}")
    admin.start()
    admin.start()  # again: nothing happens
    with pytest.raises(AdminQueryFailed, match="before the admin client starts"):
        admin.set_session_credentials("ak", "sk")
    admin.shutdown()
    admin.shutdown()
    with pytest.raises(AdminQueryFailed, match="shut down"):
        admin.cluster_info()
    with pytest.raises(AdminStartFailed, match="cannot start again"):
        admin.start()
