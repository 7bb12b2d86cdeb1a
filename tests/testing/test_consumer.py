import json
import threading
import time

from broker_requests import heartbeat, send_v2

from rocketmq.testing import RemotingClient
from rocketmq.testing.codes import PullSysFlag, RequestCode, ResponseCode
from rocketmq.testing.message_codec import decode_stored_list


def pull(client, topic, queue_id, offset, group="cg", expression="*", suspend_ms=0, commit=None, timeout=10):
    sysflag = PullSysFlag.SUBSCRIPTION
    if suspend_ms:
        sysflag |= PullSysFlag.SUSPEND
    if commit is not None:
        sysflag |= PullSysFlag.COMMIT_OFFSET
    fields = {"consumerGroup": group, "topic": topic, "queueId": queue_id, "queueOffset": offset,
              "maxMsgNums": 32, "sysFlag": sysflag, "commitOffset": commit or 0,
              "suspendTimeoutMillis": suspend_ms, "subscription": expression, "subVersion": 1,
              "expressionType": "TAG"}
    return client.request(RequestCode.PULL_MESSAGE, fields, timeout=timeout)


def test_pull_statuses_and_tag_filter(cluster, broker):
    cluster.create_topic("PullTopic")
    resp = pull(broker, "PullTopic", 0, 0)
    assert resp.code == ResponseCode.PULL_NOT_FOUND and resp.ext_fields["nextBeginOffset"] == "0"
    for tag in ("A", "B", "A"):
        send_v2(broker, "PullTopic", tag.encode(), {"TAGS": tag}, queue_id=0)
    resp = pull(broker, "PullTopic", 0, 0, expression="A || C")
    assert resp.code == ResponseCode.SUCCESS
    assert [m.body for m in decode_stored_list(resp.body)] == [b"A", b"A"]
    assert resp.ext_fields == {"nextBeginOffset": "3", "minOffset": "0", "maxOffset": "3",
                               "suggestWhichBrokerId": "0"}
    assert pull(broker, "PullTopic", 0, 1, expression="C").code == ResponseCode.PULL_RETRY_IMMEDIATELY
    assert pull(broker, "PullTopic", 0, 3).code == ResponseCode.PULL_NOT_FOUND
    moved = pull(broker, "PullTopic", 0, 10)
    assert moved.code == ResponseCode.PULL_OFFSET_MOVED and moved.ext_fields["nextBeginOffset"] == "0"
    assert pull(broker, "NoSuchTopic", 0, 0).code == ResponseCode.TOPIC_NOT_EXIST


def test_long_polling_wakes_on_arrival(cluster, broker):
    cluster.create_topic("LongPoll")
    result = {}

    def hold():
        started = time.monotonic()
        result["resp"] = pull(broker, "LongPoll", 1, 0, expression="wanted", suspend_ms=5000)
        result["took"] = time.monotonic() - started

    waiter = threading.Thread(target=hold)
    waiter.start()
    time.sleep(0.3)
    with RemotingClient(cluster.broker_addr) as producer:
        send_v2(producer, "LongPoll", b"skip", {"TAGS": "other"}, queue_id=1)
        time.sleep(0.3)
        assert waiter.is_alive()  # a non-matching tag does not wake it
        send_v2(producer, "LongPoll", b"take", {"TAGS": "wanted"}, queue_id=1)
    waiter.join(5)
    assert result["resp"].code == ResponseCode.SUCCESS and result["took"] < 3
    assert [m.body for m in decode_stored_list(result["resp"].body)] == [b"take"]
    started = time.monotonic()
    assert pull(broker, "LongPoll", 1, 2, suspend_ms=400).code == ResponseCode.PULL_NOT_FOUND
    assert 0.3 < time.monotonic() - started < 3


def test_consumer_offsets(cluster, broker):
    cluster.create_topic("OffTopic")
    key = {"consumerGroup": "og", "topic": "OffTopic", "queueId": 0}
    resp = broker.request(RequestCode.QUERY_CONSUMER_OFFSET, key)
    assert resp.code == ResponseCode.SUCCESS and resp.ext_fields["offset"] == "0"
    for i in range(5):
        send_v2(broker, "OffTopic", b"%d" % i, queue_id=0)
    cluster.call(cluster.store.expire_before, "OffTopic", 0, 2)
    resp = broker.request(RequestCode.QUERY_CONSUMER_OFFSET, key)
    assert resp.code == ResponseCode.QUERY_NOT_FOUND
    assert pull(broker, "OffTopic", 0, 0).ext_fields["nextBeginOffset"] == "2"
    assert broker.request(RequestCode.UPDATE_CONSUMER_OFFSET, dict(key, commitOffset=4)).code == 0
    assert broker.request(RequestCode.QUERY_CONSUMER_OFFSET, key).ext_fields["offset"] == "4"
    pull(broker, "OffTopic", 0, 4, group="og", commit=3)
    assert cluster.consumer_offset("og", "OffTopic", 0) == 3
    q = {"topic": "OffTopic", "queueId": 0}
    assert broker.request(RequestCode.GET_MAX_OFFSET, q).ext_fields["offset"] == "5"
    assert broker.request(RequestCode.GET_MIN_OFFSET, q).ext_fields["offset"] == "2"
    stamp = cluster.messages("OffTopic")[3].store_timestamp
    found = broker.request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, dict(q, timestamp=stamp))
    assert int(found.ext_fields["offset"]) <= 3


def test_subscription_from_heartbeat_and_consumer_ids(cluster, broker):
    assert heartbeat(broker, "c@1", consumer_group="hg", topic="HbTopic", expression="X").code == 0
    assert "%RETRY%hg" in cluster.store.topics
    send_v2(broker, "HbTopic", b"x", {"TAGS": "X"}, queue_id=0)
    fields = {"consumerGroup": "hg", "topic": "HbTopic", "queueId": 0, "queueOffset": 0, "maxMsgNums": 8,
              "sysFlag": 0, "commitOffset": 0, "suspendTimeoutMillis": 0}
    assert broker.request(RequestCode.PULL_MESSAGE, fields).code == ResponseCode.SUCCESS
    resp = broker.request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {"consumerGroup": "hg"})
    assert json.loads(resp.body) == {"consumerIdList": ["c@1"]}
    with RemotingClient(cluster.broker_addr) as second:
        heartbeat(second, "c@2", consumer_group="hg", topic="HbTopic")
        notice = broker.server_requests.get(timeout=5)
        assert notice.code == RequestCode.NOTIFY_CONSUMER_IDS_CHANGED
        assert notice.ext_fields == {"consumerGroup": "hg"}
        assert sorted(cluster.consumer_ids("hg")) == ["c@1", "c@2"]
    assert broker.server_requests.get(timeout=5).code == RequestCode.NOTIFY_CONSUMER_IDS_CHANGED
    time.sleep(0.1)
    assert cluster.consumer_ids("hg") == ["c@1"]


def test_send_back_retries_then_dead_letters(cluster, broker):
    send_v2(broker, "BackTopic", b"poison", {"TAGS": "p", "UNIQ_KEY": "U"}, queue_id=0)
    [original] = cluster.messages("BackTopic")
    back = {"offset": original.commit_log_offset, "group": "bg", "delayLevel": 0,
            "originMsgId": original.msg_id, "originTopic": "BackTopic", "maxReconsumeTimes": 2}
    assert broker.request(RequestCode.CONSUMER_SEND_MSG_BACK, back).code == ResponseCode.SUCCESS
    [parked] = cluster.messages("SCHEDULE_TOPIC_XXXX")
    assert parked.properties["DELAY"] == "3" and parked.properties["REAL_TOPIC"] == "%RETRY%bg"
    [retry] = cluster.wait_for_messages("%RETRY%bg", 1, timeout=5)
    assert retry.reconsume_times == 1 and retry.properties["RETRY_TOPIC"] == "BackTopic"
    assert retry.properties["ORIGIN_MESSAGE_ID"] == original.msg_id
    back["offset"] = retry.commit_log_offset
    broker.request(RequestCode.CONSUMER_SEND_MSG_BACK, back)
    retry2 = cluster.wait_for_messages("%RETRY%bg", 2, timeout=5)[1]
    assert retry2.reconsume_times == 2
    back["offset"] = retry2.commit_log_offset
    broker.request(RequestCode.CONSUMER_SEND_MSG_BACK, back)
    [dead] = cluster.wait_for_messages("%DLQ%bg", 1, timeout=5)
    assert dead.body == b"poison" and dead.reconsume_times == 3
    assert dead.properties["ORIGIN_MESSAGE_ID"] == original.msg_id


def test_batch_locks_expire(cluster, broker):
    mqs = [{"topic": "LockTopic", "brokerName": "broker-a", "queueId": i} for i in range(2)]

    def lock(client_id):
        body = json.dumps({"consumerGroup": "lg", "clientId": client_id, "onlyThisBroker": False,
                           "mqSet": mqs})
        resp = broker.request(RequestCode.LOCK_BATCH_MQ, None, body.encode())
        return sorted(mq["queueId"] for mq in json.loads(resp.body)["lockOKMQSet"])

    assert lock("a") == [0, 1]
    assert lock("b") == []
    unlock = json.dumps({"consumerGroup": "lg", "clientId": "a", "mqSet": mqs[:1]}).encode()
    assert broker.request(RequestCode.UNLOCK_BATCH_MQ, None, unlock).code == ResponseCode.SUCCESS
    assert lock("b") == [0]
    cluster.broker.locks.max_live_seconds = 0.05
    time.sleep(0.1)
    assert lock("b") == [0, 1]
