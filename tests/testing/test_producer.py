import json
import time

from broker_requests import heartbeat, send_v2

from rocketmq.testing.codes import MessageSysFlag, RequestCode, ResponseCode
from rocketmq.testing.message_codec import (
    create_message_id,
    decode_stored,
    encode_batch,
    properties_to_string,
)


def test_v2_send_is_stored_with_every_field(cluster, broker):
    props = {"TAGS": "TagA", "KEYS": "k1 k2", "UNIQ_KEY": "ABC", "WAIT": "true"}
    resp = send_v2(broker, "OrderTopic", b"hello", props, queue_id=2)
    assert resp.code == ResponseCode.SUCCESS
    assert resp.ext_fields["queueId"] == "2" and resp.ext_fields["queueOffset"] == "0"
    [msg] = cluster.messages("OrderTopic")
    assert (msg.body, msg.tags, msg.keys, msg.queue_id, msg.queue_offset) == (b"hello", "TagA", "k1 k2", 2, 0)
    # SendMessageProcessor adds the cluster name to every message it stores, and
    # 4.9.8 stores a single message without WAIT (test_sent_properties.py).
    stored_props = {name: value for name, value in props.items() if name != "WAIT"}
    assert msg.properties == dict(stored_props, CLUSTER="DefaultCluster")
    assert msg.reconsume_times == 0 and msg.sysflag == 0
    assert msg.store_timestamp >= msg.born_timestamp - 1000
    assert resp.ext_fields["msgId"] == msg.msg_id == create_message_id(msg.store_host, msg.commit_log_offset)
    assert len(msg.msg_id) == 32
    assert send_v2(broker, "OrderTopic", b"again", queue_id=2).ext_fields["queueOffset"] == "1"


def test_v1_send_and_validation(cluster, broker):
    fields = {"producerGroup": "pg", "topic": "V1Topic", "defaultTopic": "TBW102", "defaultTopicQueueNums": 4,
              "queueId": 0, "sysFlag": 0, "bornTimestamp": 1, "flag": 3,
              "properties": properties_to_string({"TAGS": "x"}), "reconsumeTimes": 0}
    resp = broker.request(RequestCode.SEND_MESSAGE, fields, b"v1")
    assert resp.code == ResponseCode.SUCCESS
    [msg] = cluster.messages("V1Topic")
    assert (msg.body, msg.flag, msg.born_timestamp) == (b"v1", 3, 1)
    assert send_v2(broker, "bad topic!", b"x").code == ResponseCode.SYSTEM_ERROR
    assert send_v2(broker, "SCHEDULE_TOPIC_XXXX", b"x").code == ResponseCode.NO_PERMISSION
    assert send_v2(broker, "Big", b"x" * (4 * 1024 * 1024 + 1)).code == ResponseCode.MESSAGE_ILLEGAL
    assert send_v2(broker, "V1Topic", b"x", queue_id=9).code == ResponseCode.SYSTEM_ERROR


def test_batch_send(cluster, broker):
    body = encode_batch([(b"m%d" % i, 0, {"UNIQ_KEY": "U%d" % i, "TAGS": "b"}) for i in range(3)])
    fields = {"a": "pg", "b": "BatchTopic", "c": "TBW102", "d": 4, "e": 1, "f": 0, "g": 5, "h": 0,
              "i": properties_to_string({"WAIT": "true"}), "j": 0, "m": "true"}
    resp = broker.request(RequestCode.SEND_BATCH_MESSAGE, fields, body)
    assert resp.code == ResponseCode.SUCCESS
    stored = cluster.messages("BatchTopic")
    assert [m.body for m in stored] == [b"m0", b"m1", b"m2"]
    assert [m.queue_offset for m in stored] == [0, 1, 2]
    assert stored[1].properties == {"UNIQ_KEY": "U1", "TAGS": "b", "WAIT": "true",
                                    "CLUSTER": "DefaultCluster"}
    assert resp.ext_fields["msgId"] == ",".join(m.msg_id for m in stored)


def test_auto_create_uses_configured_queues_and_can_be_disabled(cluster, broker):
    assert send_v2(broker, "NewTopic", b"x").code == ResponseCode.SUCCESS
    assert cluster.store.topics["NewTopic"].write_queues == 4
    cluster.config.auto_create_topics = False
    assert send_v2(broker, "Missing", b"x").code == ResponseCode.TOPIC_NOT_EXIST


def test_heartbeat_and_unregister(cluster, broker):
    assert heartbeat(broker, "cid@1", producer_group="PG1").code == ResponseCode.SUCCESS
    assert cluster.producer_groups() == ["PG1"]
    resp = broker.request(RequestCode.UNREGISTER_CLIENT, {"clientID": "cid@1", "producerGroup": "PG1"})
    assert resp.code == ResponseCode.SUCCESS
    assert cluster.producer_groups() == []


def test_delay_level_goes_through_schedule_topic(cluster, broker):
    resp = send_v2(broker, "DelayTopic", b"later", {"DELAY": "3", "TAGS": "d"}, queue_id=1)
    assert resp.code == ResponseCode.SUCCESS
    [parked] = cluster.messages("SCHEDULE_TOPIC_XXXX")
    assert parked.queue_id == 2 and parked.properties["REAL_TOPIC"] == "DelayTopic"
    [msg] = cluster.wait_for_messages("DelayTopic", 1, timeout=5)  # 10 s x 0.001
    assert msg.body == b"later" and msg.queue_id == 1
    assert msg.properties["REAL_TOPIC"] == "DelayTopic" and msg.properties["REAL_QID"] == "1"
    # ScheduleMessageService.messageTimeup stores the properties as they were, DELAY included.
    assert msg.properties["DELAY"] == "3"


def _send_half(cluster, broker, uniq):
    props = {"TRAN_MSG": "true", "PGROUP": "TxGroup", "UNIQ_KEY": uniq}
    resp = send_v2(broker, "TxTopic", b"tx-" + uniq.encode(), props, group="TxGroup", queue_id=0,
                   sysflag=MessageSysFlag.TRANSACTION_PREPARED_TYPE)
    assert resp.code == ResponseCode.SUCCESS
    half = [m for m in cluster.messages("RMQ_SYS_TRANS_HALF_TOPIC") if m.uniq_key == uniq][-1]
    return resp, half


def test_transaction_commit_and_rollback(cluster, broker):
    cluster.config.transaction_immunity = 60  # keep the checker away
    _, half = _send_half(cluster, broker, "T1")
    assert half.properties["REAL_TOPIC"] == "TxTopic" and cluster.messages("TxTopic") == []
    end = {"producerGroup": "TxGroup", "tranStateTableOffset": half.queue_offset,
           "commitLogOffset": half.commit_log_offset,
           "commitOrRollback": MessageSysFlag.TRANSACTION_COMMIT_TYPE,
           "fromTransactionCheck": "false", "msgId": "T1", "transactionId": "T1"}
    assert broker.request(RequestCode.END_TRANSACTION, end).code == ResponseCode.SUCCESS
    [msg] = cluster.messages("TxTopic")
    assert msg.body == b"tx-T1" and "REAL_TOPIC" not in msg.properties
    assert msg.sysflag & MessageSysFlag.TRANSACTION_MASK == MessageSysFlag.TRANSACTION_COMMIT_TYPE
    assert broker.request(RequestCode.END_TRANSACTION, end).code == ResponseCode.SYSTEM_ERROR

    _, half2 = _send_half(cluster, broker, "T2")
    end.update(tranStateTableOffset=half2.queue_offset, commitLogOffset=half2.commit_log_offset,
               commitOrRollback=MessageSysFlag.TRANSACTION_ROLLBACK_TYPE)
    assert broker.request(RequestCode.END_TRANSACTION, end).code == ResponseCode.SUCCESS
    assert len(cluster.messages("TxTopic")) == 1
    assert cluster.check_transactions_now() == 0


def test_transaction_check_asks_the_producer(cluster, broker):
    heartbeat(broker, "tx@1", producer_group="TxGroup")
    _send_half(cluster, broker, "T3")
    check = broker.server_requests.get(timeout=5)
    assert check.code == RequestCode.CHECK_TRANSACTION_STATE and check.is_oneway
    msg, _ = decode_stored(check.body)
    assert msg.topic == "TxTopic" and msg.body == b"tx-T3"
    assert check.ext_fields["msgId"] == check.ext_fields["transactionId"] == "T3"
    assert msg.properties["TRANSACTION_CHECK_TIMES"] == "1"
    end = {"producerGroup": "TxGroup", "tranStateTableOffset": check.ext_fields["tranStateTableOffset"],
           "commitLogOffset": check.ext_fields["commitLogOffset"],
           "commitOrRollback": MessageSysFlag.TRANSACTION_COMMIT_TYPE, "fromTransactionCheck": "true"}
    broker.oneway(RequestCode.END_TRANSACTION, end)
    [committed] = cluster.wait_for_messages("TxTopic", 1, timeout=5)
    assert committed.body == b"tx-T3"


def test_transaction_discarded_after_fifteen_checks(cluster, broker):
    heartbeat(broker, "tx@2", producer_group="TxGroup")
    _send_half(cluster, broker, "T4")
    for _ in range(15):
        assert broker.server_requests.get(timeout=5).code == RequestCode.CHECK_TRANSACTION_STATE
    time.sleep(0.6)
    assert broker.server_requests.empty()
    assert json.dumps(cluster.messages("TxTopic")) == "[]"


def test_v1_batch_header_and_binary_serialize_type(cluster):
    from rocketmq.testing import RemotingClient
    from rocketmq.testing.remoting import SERIALIZE_ROCKETMQ

    body = encode_batch([(b"x", 0, {}), (b"y", 0, {})])
    fields = {"producerGroup": "pg", "topic": "V1Batch", "defaultTopic": "TBW102", "defaultTopicQueueNums": 4,
              "queueId": 0, "sysFlag": 0, "bornTimestamp": 1, "flag": 0, "properties": "", "batch": "true"}
    with RemotingClient(cluster.broker_addr, serialize_type=SERIALIZE_ROCKETMQ) as client:
        resp = client.request(RequestCode.SEND_BATCH_MESSAGE, fields, body)
    assert resp.code == ResponseCode.SUCCESS and resp.serialize_type == SERIALIZE_ROCKETMQ
    assert [m.body for m in cluster.messages("V1Batch")] == [b"x", b"y"]
