"""ACL end to end: the embedded broker checks signatures and permissions as the Java broker does,
and the client reports a rejection with the broker's reason."""

from __future__ import annotations

import threading
import time

import pytest
from _helpers import free_port, unique_name

from rocketmq.client import ConsumeStatus, Message, Producer, PushConsumer, SendStatus
from rocketmq.exceptions import ProducerSendSyncFailed
from rocketmq.testing.server import EmbeddedCluster

ACL = {
    "globalWhiteRemoteAddresses": [],
    "accounts": [
        {"accessKey": "RocketMQ", "secretKey": "12345678", "defaultTopicPerm": "DENY",
         "defaultGroupPerm": "SUB", "topicPerms": ["Orders=PUB|SUB", "ReadOnly=SUB"]},
        {"accessKey": "Reader", "secretKey": "87654321", "defaultTopicPerm": "SUB",
         "defaultGroupPerm": "DENY", "groupPerms": ["GID_reader=SUB"]},
    ],
}


@pytest.fixture(scope="module")
def acl_cluster():
    with EmbeddedCluster(namesrv_port=free_port(), delay_scale=0.01, acl=ACL) as cluster:
        yield cluster


def producer_with(namesrv: str, credentials=None) -> Producer:
    producer = Producer(unique_name("PID_acl"), timeout=2000)
    producer.set_name_server_address(namesrv)
    if credentials is not None:
        producer.set_session_credentials(*credentials, "ALIYUN")
    producer.start()
    return producer


def send_expecting(namesrv: str, credentials, topic: str):
    producer = producer_with(namesrv, credentials)
    try:
        return producer.send_sync(Message(topic, "acl"))
    finally:
        producer.shutdown()


def test_signed_request_with_permission_is_accepted(acl_cluster):
    result = send_expecting(acl_cluster.namesrv_addr, ("RocketMQ", "12345678"), "Orders")
    assert result.status == SendStatus.OK
    assert [m.body for m in acl_cluster.wait_for_messages("Orders", 1)] == [b"acl"]


@pytest.mark.parametrize("credentials, topic, reason", [
    (None, "Orders", "No accessKey is configured"),
    (("Nobody", "12345678"), "Orders", "No acl config for Nobody"),
    (("RocketMQ", "wrong-secret"), "Orders", "Check signature failed for accessKey=RocketMQ"),
    (("RocketMQ", "12345678"), "ReadOnly", "No default permission for topic:ReadOnly"),
    (("RocketMQ", "12345678"), "Elsewhere", "No default permission for topic:Elsewhere"),
])
def test_rejection_is_a_clear_exception_naming_the_cause(acl_cluster, credentials, topic, reason):
    with pytest.raises(ProducerSendSyncFailed) as raised:
        send_expecting(acl_cluster.namesrv_addr, credentials, topic)
    message = str(raised.value)
    assert reason in message
    assert "AclException" in message
    assert not acl_cluster.messages(topic) or topic == "Orders"


def test_rejected_sends_are_not_stored(acl_cluster):
    topic = unique_name("TopicNeverStored")
    with pytest.raises(ProducerSendSyncFailed):
        send_expecting(acl_cluster.namesrv_addr, ("RocketMQ", "wrong-secret"), topic)
    assert acl_cluster.messages(topic) == []


def test_consumer_with_permissions_receives_and_without_does_not(acl_cluster):
    topic = "Orders"
    received = {"GID_reader": [], "GID_denied": []}
    lock = threading.Lock()

    def collector(group):
        def on_message(message):
            with lock:
                received[group].append(message.body)
            return ConsumeStatus.CONSUME_SUCCESS
        return on_message

    consumers = []
    for group in received:
        consumer = PushConsumer(group)
        consumer.set_name_server_address(acl_cluster.namesrv_addr)
        consumer.set_session_credentials("Reader", "87654321", "ALIYUN")
        consumer.subscribe(topic, collector(group))
        consumer.start()
        consumers.append(consumer)
    try:
        body = unique_name("for-readers").encode()
        producer = producer_with(acl_cluster.namesrv_addr, ("RocketMQ", "12345678"))
        try:
            producer.send_sync(Message(topic, body))
        finally:
            producer.shutdown()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if body in received["GID_reader"]:
                    break
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        for consumer in consumers:
            consumer.shutdown()
    assert body in received["GID_reader"]
    # Reader's default group permission is DENY: GID_denied's heartbeats and pulls are refused.
    assert body not in received["GID_denied"]


def test_global_white_address_skips_the_checks():
    config = dict(ACL, globalWhiteRemoteAddresses=["127.0.0.*"])
    with EmbeddedCluster(namesrv_port=free_port(), acl=config) as cluster:
        assert send_expecting(cluster.namesrv_addr, None, "Anything").status == SendStatus.OK


def test_lite_pull_consumer_signs_its_requests(acl_cluster):
    from rocketmq.client import ConsumeFromWhere, LitePullConsumer

    body = unique_name("for-lite-readers").encode()
    producer = producer_with(acl_cluster.namesrv_addr, ("RocketMQ", "12345678"))
    try:
        producer.send_sync(Message("Orders", body))
    finally:
        producer.shutdown()
    polled = {}
    for group in ("GID_reader", "GID_denied"):
        consumer = LitePullConsumer(group)
        consumer.set_name_server_address(acl_cluster.namesrv_addr)
        consumer.set_session_credentials("Reader", "87654321", "ALIYUN")
        consumer.set_consume_from_where(ConsumeFromWhere.FIRST_OFFSET)
        consumer.subscribe("Orders")
        bodies = []
        with consumer:
            deadline = time.monotonic() + (20 if group == "GID_reader" else 2)
            while body not in bodies and time.monotonic() < deadline:
                bodies += [message.body for message in consumer.poll(200)]
            consumer.commit()
        polled[group] = bodies
    assert body in polled["GID_reader"]
    # Reader's default group permission is DENY: GID_denied is never listed, so it holds no queue.
    assert body not in polled["GID_denied"]
