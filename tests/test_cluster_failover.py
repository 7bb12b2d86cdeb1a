"""A producer on a cluster of two masters with slaves keeps sending when one master is killed."""

from __future__ import annotations

from _helpers import started_producer, unique_name

from rocketmq.client import Message

pytest_plugins = ["rocketmq.testing.pytest_plugin"]


def test_sends_go_on_to_the_other_master_when_one_is_killed(rocketmq_cluster_factory):
    cluster = rocketmq_cluster_factory(masters=2, slaves=1, register_interval=1.0)
    topic = unique_name("TopicFailover")
    cluster.create_topic(topic)
    producer = started_producer(cluster.namesrv_addr, timeout=2000)
    try:
        for index in range(8):
            assert producer.send_sync(Message(topic, f"before {index}")).status == 0
        a_master = cluster.broker_node("broker-a")
        a_slave = cluster.slaves_of("broker-a")[0]
        on_a = a_master.messages(topic)
        assert on_a and len(cluster.messages(topic)) == 8
        # Replication runs a few milliseconds behind: let the slave have everything first.
        assert len(a_slave.wait_for_messages(topic, len(on_a), timeout=5)) == len(on_a)
        a_master.kill()
        for index in range(12):
            assert producer.send_sync(Message(topic, f"after {index}")).status == 0
    finally:
        producer.shutdown()
    b_bodies = [m.body for m in cluster.broker_node("broker-b").messages(topic)]
    assert {f"after {index}".encode() for index in range(12)} <= set(b_bodies)
    # What broker-a had stored before it died is still on its slave, under the same ids.
    assert [m.msg_id for m in a_slave.messages(topic)] == [m.msg_id for m in on_a]
