"""The properties a broker stores with a sent message, as the 4.9.8 and 5.3.1
brokers store them (checked against both with a consumer that prints them)."""

from typing import Iterator

import pytest
from broker_requests import send_v2

from rocketmq.testing import EmbeddedCluster, RemotingClient
from rocketmq.testing.codes import MessageSysFlag, RequestCode, ResponseCode
from rocketmq.testing.message_codec import encode_batch, properties_to_string

SENT = {"TAGS": "t", "UNIQ_KEY": "U1", "WAIT": "true"}
ADDED_BY_5X = {"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}


@pytest.fixture
def cluster_531() -> Iterator[EmbeddedCluster]:
    cluster = EmbeddedCluster(version="5.3.1", delay_scale=0.001, transaction_immunity=60, queues=4)
    cluster.start()
    yield cluster
    cluster.stop()


def _send_batch(broker: RemotingClient, topic: str) -> None:
    body = encode_batch([(b"b%d" % i, 0, {"UNIQ_KEY": "B%d" % i, "WAIT": "true"}) for i in range(2)])
    fields = {"a": "pg", "b": topic, "c": "TBW102", "d": 4, "e": 0, "f": 0, "g": 5, "h": 0,
              "i": properties_to_string({"WAIT": "true"}), "j": 0, "m": "true"}
    assert broker.request(RequestCode.SEND_BATCH_MESSAGE, fields, body).code == ResponseCode.SUCCESS


def test_498_stores_a_single_message_without_wait(cluster, broker):
    assert send_v2(broker, "Plain", b"x", SENT).code == ResponseCode.SUCCESS
    [stored] = cluster.messages("Plain")
    assert stored.properties == {"TAGS": "t", "UNIQ_KEY": "U1", "CLUSTER": "DefaultCluster"}


def test_498_keeps_wait_where_the_properties_are_encoded_again(cluster, broker):
    # A delay level detours through the schedule topic, re-encoding the properties.
    assert send_v2(broker, "Later", b"x", dict(SENT, DELAY="1"), queue_id=0).code == ResponseCode.SUCCESS
    [delivered] = cluster.wait_for_messages("Later", 1, timeout=10)
    assert delivered.properties["WAIT"] == "true"
    # So does a transaction's half message.
    half = dict(SENT, TRAN_MSG="true", PGROUP="TxGroup")
    resp = send_v2(broker, "Tx", b"x", half, group="TxGroup", queue_id=0,
                   sysflag=MessageSysFlag.TRANSACTION_PREPARED_TYPE)
    assert resp.code == ResponseCode.SUCCESS
    [parked] = cluster.messages("RMQ_SYS_TRANS_HALF_TOPIC")
    assert parked.properties["WAIT"] == "true"
    # A batch's messages are stored as they came.
    _send_batch(broker, "Batched")
    assert [m.properties.get("WAIT") for m in cluster.messages("Batched")] == ["true", "true"]
    assert not any(name in m.properties for m in cluster.messages("Batched") for name in ADDED_BY_5X)


def test_531_keeps_wait_and_adds_region_and_trace_switch(cluster_531):
    with RemotingClient(cluster_531.broker_addr) as broker:
        assert send_v2(broker, "Plain", b"x", SENT).code == ResponseCode.SUCCESS
        _send_batch(broker, "Batched")
    [stored] = cluster_531.messages("Plain")
    assert stored.properties == dict(SENT, CLUSTER="DefaultCluster", **ADDED_BY_5X)
    for message in cluster_531.messages("Batched"):
        assert {name: message.properties.get(name) for name in ("WAIT", *ADDED_BY_5X)} == dict(
            WAIT="true", **ADDED_BY_5X)


def _query_offset(broker: RemotingClient, topic: str, queue_id: int, **extra: str):  # type: ignore[no-untyped-def]
    fields = {"consumerGroup": "NewGroup", "topic": topic, "queueId": str(queue_id), **extra}
    return broker.request(RequestCode.QUERY_CONSUMER_OFFSET, fields)


def test_an_uncommitted_empty_queue_starts_at_zero_on_498_and_is_not_found_on_531(
        cluster, broker, cluster_531):
    assert send_v2(broker, "Offsets", b"x", queue_id=0).code == ResponseCode.SUCCESS
    for queue_id in (0, 1):  # a queue with its head in memory, and an empty one
        answer = _query_offset(broker, "Offsets", queue_id)
        assert (answer.code, answer.ext_fields.get("offset")) == (ResponseCode.SUCCESS, "0")
    with RemotingClient(cluster_531.broker_addr) as broker_531:
        assert send_v2(broker_531, "Offsets", b"x", queue_id=0).code == ResponseCode.SUCCESS
        answer = _query_offset(broker_531, "Offsets", 0)
        assert (answer.code, answer.ext_fields.get("offset")) == (ResponseCode.SUCCESS, "0")
        empty = _query_offset(broker_531, "Offsets", 1)
        assert empty.code == ResponseCode.QUERY_NOT_FOUND
        assert empty.remark == "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first"
        refused = _query_offset(broker_531, "Offsets", 0, setZeroIfNotFound="false")
        assert refused.code == ResponseCode.QUERY_NOT_FOUND
        assert refused.remark == "Not found, do not set to zero, maybe this group boot first"
