"""CONSUME_MESSAGE_DIRECTLY: a console asks a broker to have one consumer run a stored
message through its listener now, as ``mqadmin consumeMessage`` does; the consumer
answers with a ConsumeMessageDirectlyResult and no offset or retry follows."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, List

import pytest
from _helpers import started_producer, unique_name

from rocketmq.admin import AdminClient, AdminQueryFailed, MessageNotFound
from rocketmq.client import ConsumeStatus, Message, PushConsumer
from rocketmq.testing.message_codec import create_message_id

LIVE_TAG = "live"  # what the consumers pull; the messages consumed directly carry another tag


def wait_until(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class Setup:
    def __init__(self, cluster: Any, orderly: bool = False) -> None:
        self.cluster = cluster
        self.topic = unique_name("TopicDirect")
        self.group = unique_name("GID_direct")
        self.seen: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        cluster.create_topic(self.topic, 2)
        self.consumer = PushConsumer(self.group, orderly=orderly)
        self.consumer.set_name_server_address(cluster.namesrv_addr)
        self.consumer.subscribe(self.topic, self.listen, LIVE_TAG)
        self.consumer.start()
        self.admin = AdminClient()
        self.admin.set_name_server_address(cluster.namesrv_addr)
        self.admin.start()
        self.client_id = wait_until(lambda: self.admin_client_id())

    def admin_client_id(self) -> str:
        try:
            ids = self.admin.consumer_ids(self.group, self.topic)
        except AdminQueryFailed:
            return ""
        return ids[0] if ids else ""

    def listen(self, message: Any) -> ConsumeStatus:
        body = message.body
        with self.lock:
            self.seen.append({"body": body, "topic": message.topic, "thread": threading.get_ident()})
        if body.startswith(b"boom"):
            raise RuntimeError("listener failure on purpose")
        if body.startswith(b"later"):
            return ConsumeStatus.RECONSUME_LATER
        return ConsumeStatus.CONSUME_SUCCESS

    def send(self, body: bytes) -> Any:
        producer = started_producer(self.cluster.namesrv_addr)
        try:
            msg = Message(self.topic, body)
            msg.set_tags("not-" + LIVE_TAG)
            return producer.send_sync(msg)
        finally:
            producer.shutdown()

    def close(self) -> None:
        self.admin.shutdown()
        self.consumer.shutdown()


@pytest.fixture
def direct(rocketmq_cluster: Any) -> Any:
    setup = Setup(rocketmq_cluster)
    try:
        yield setup
    finally:
        setup.close()


def test_a_message_consumed_directly_by_producer_id_and_by_offset_id(direct):
    sent = direct.send(b"ok-1")
    assert direct.cluster.consumer_ids(direct.group) == [direct.client_id]
    result = direct.admin.consume_message_directly(direct.group, direct.client_id, sent.msg_id, direct.topic)
    assert result.consume_result == "CR_SUCCESS"
    assert (result.order, result.auto_commit, result.remark) == (False, True, None)
    assert result.spent_time_ms >= 0
    assert [(s["body"], s["topic"]) for s in direct.seen] == [(b"ok-1", direct.topic)]
    # The listener ran on a consume thread, not on the thread that asked.
    assert direct.seen[0]["thread"] != threading.get_ident()

    [stored] = direct.cluster.wait_for_messages(direct.topic, 1)
    again = direct.admin.consume_message_directly(direct.group, direct.client_id, stored.msg_id)
    assert again.consume_result == "CR_SUCCESS" and len(direct.seen) == 2


def test_reconsume_later_and_a_raising_listener_are_reported_not_retried(direct):
    later = direct.send(b"later-1")
    boom = direct.send(b"boom-1")
    result = direct.admin.consume_message_directly(direct.group, direct.client_id, later.msg_id, direct.topic)
    assert result.consume_result == "CR_LATER"
    failed = direct.admin.consume_message_directly(direct.group, direct.client_id, boom.msg_id, direct.topic)
    assert failed.consume_result == "CR_THROW_EXCEPTION"
    # As Java's exceptionSimpleDesc: the exception, then where it was raised.
    assert failed.remark is not None
    where = "listen(test_consume_directly.py:"
    assert failed.remark.startswith("RuntimeError: listener failure on purpose, " + where)
    assert [s["body"] for s in direct.seen] == [b"later-1", b"boom-1"]
    # Nothing went back to the broker for a retry (a pulled message answered so would have).
    time.sleep(0.5)
    assert direct.cluster.messages("%RETRY%" + direct.group) == []
    assert len(direct.seen) == 2


def test_unknown_consumer_and_unknown_message(direct):
    sent = direct.send(b"ok-2")
    with pytest.raises(AdminQueryFailed, match="not online"):
        direct.admin.consume_message_directly(direct.group, "10.0.0.1@nobody", sent.msg_id, direct.topic)
    with pytest.raises(AdminQueryFailed, match="not online"):
        direct.admin.consume_message_directly(unique_name("GID_none"), direct.client_id, sent.msg_id,
                                              direct.topic)
    host, port = direct.cluster.broker_addr.split(":")
    missing = create_message_id((host, int(port)), 10**12)
    with pytest.raises(MessageNotFound):
        direct.admin.consume_message_directly(direct.group, direct.client_id, missing)
    with pytest.raises(ValueError):
        direct.admin.consume_message_directly(direct.group, direct.client_id, "not-an-id")
    with pytest.raises(TypeError):
        direct.admin.consume_message_directly(direct.group, None, sent.msg_id)  # type: ignore[arg-type]
    assert direct.seen == []


def test_an_orderly_consumer_says_so(rocketmq_cluster):
    setup = Setup(rocketmq_cluster, orderly=True)
    try:
        sent = setup.send(b"ok-orderly")
        result = setup.admin.consume_message_directly(setup.group, setup.client_id, sent.msg_id, setup.topic)
        assert (result.consume_result, result.order) == ("CR_SUCCESS", True)
        assert [s["body"] for s in setup.seen] == [b"ok-orderly"]
    finally:
        setup.close()
