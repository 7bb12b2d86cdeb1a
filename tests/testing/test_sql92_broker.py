"""The embedded broker's SQL92 answers over the wire: CHECK_CLIENT_CONFIG, pulls, heartbeat subscriptions."""

import json
import threading
import time

from broker_requests import send_v2

from rocketmq.testing import RemotingClient
from rocketmq.testing.codes import PullSysFlag, RequestCode, ResponseCode
from rocketmq.testing.message_codec import decode_stored_list

DISABLED = "The broker does not support consumer to filter message by SQL92"


def subscription(topic, expression, expression_type="SQL92"):
    return {"topic": topic, "subString": expression, "tagsSet": [], "codeSet": [], "classFilterMode": False,
            "subVersion": 1, "expressionType": expression_type}


def check_client_config(client, topic, expression, expression_type="SQL92"):
    body = {"clientId": "127.0.0.1@test", "group": "cg",
            "subscriptionData": subscription(topic, expression, expression_type)}
    return client.request(RequestCode.CHECK_CLIENT_CONFIG, None, json.dumps(body).encode())


def heartbeat(client, group, topic, expression):
    data = {"clientID": "127.0.0.1@beat", "producerDataSet": [], "consumerDataSet": [{
        "groupName": group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
        "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": False,
        "subscriptionDataSet": [subscription(topic, expression)]}]}
    return client.request(RequestCode.HEART_BEAT, None, json.dumps(data).encode())


def pull(client, topic, expression=None, group="cg", suspend_ms=0, timeout=10):
    """A pull with the expression in the request (SQL92), or without one (the heartbeat's)."""
    sysflag = PullSysFlag.SUSPEND if suspend_ms else 0
    fields = {"consumerGroup": group, "topic": topic, "queueId": 0, "queueOffset": 0, "maxMsgNums": 32,
              "commitOffset": 0, "suspendTimeoutMillis": suspend_ms, "subVersion": 1}
    if expression is not None:
        sysflag |= PullSysFlag.SUBSCRIPTION
        fields.update(subscription=expression, expressionType="SQL92")
    fields["sysFlag"] = sysflag
    return client.request(RequestCode.PULL_MESSAGE, fields, timeout=timeout)


def bodies(response):
    return [m.body for m in decode_stored_list(response.body)]


def fill(cluster, broker, topic):
    cluster.create_topic(topic)
    for index in range(6):
        send_v2(broker, topic, b"%d" % index, {"TAGS": "T%d" % (index % 2), "n": str(index)}, queue_id=0)


def test_check_client_config_follows_enable_property_filter_and_the_parser(cluster, broker):
    assert check_client_config(broker, "T", "a > 1").code == ResponseCode.SYSTEM_ERROR
    assert check_client_config(broker, "T", "a > 1").remark == DISABLED
    assert check_client_config(broker, "T", "TagA", "TAG").code == ResponseCode.SUCCESS
    cluster.broker_node("broker-a").enable_property_filter = True
    assert check_client_config(broker, "T", "a > 1").code == ResponseCode.SUCCESS
    refused = check_client_config(broker, "T", "a >")
    assert refused.code == ResponseCode.SUBSCRIPTION_PARSE_FAILED
    assert refused.remark == ('org.apache.rocketmq.filter.parser.ParseException: '
                              'Encountered "<EOF>" at line 1, column 3.')
    assert broker.request(RequestCode.CHECK_CLIENT_CONFIG, None, b"").code == ResponseCode.SUCCESS


def test_pulls_carrying_a_selector(cluster, broker):
    fill(cluster, broker, "SqlPull")
    refused = pull(broker, "SqlPull", "n >= 3")
    assert (refused.code, refused.remark) == (ResponseCode.SYSTEM_ERROR, DISABLED)
    cluster.broker_node("broker-a").enable_property_filter = True
    assert bodies(pull(broker, "SqlPull", "n >= 3 AND TAGS = 'T1'")) == [b"3", b"5"]
    empty = pull(broker, "SqlPull", "")
    assert empty.code == ResponseCode.SUBSCRIPTION_PARSE_FAILED
    # No filter data for an expression that does not compile: the Java broker lets everything through.
    assert len(bodies(pull(broker, "SqlPull", "n >="))) == 6


def test_pulls_using_the_heartbeats_selector(cluster, broker):
    fill(cluster, broker, "SqlBeat")
    cluster.broker_node("broker-a").enable_property_filter = True
    assert heartbeat(broker, "good", "SqlBeat", "n IN ('1', '4')").code == ResponseCode.SUCCESS
    assert bodies(pull(broker, "SqlBeat", group="good")) == [b"1", b"4"]
    assert heartbeat(broker, "bad", "SqlBeat", "n IN (1)").code == ResponseCode.SUCCESS
    assert pull(broker, "SqlBeat", group="bad").code == ResponseCode.FILTER_DATA_NOT_EXIST
    cluster.broker_node("broker-a").enable_property_filter = False
    assert pull(broker, "SqlBeat", group="good").remark == DISABLED


def test_held_pull_wakes_for_a_matching_message_only(cluster, broker):
    cluster.create_topic("SqlHold")
    cluster.broker_node("broker-a").enable_property_filter = True
    answer = {}
    puller = RemotingClient(cluster.broker_addr)

    def held_pull():
        answer["response"] = pull(puller, "SqlHold", "n = 'yes'", suspend_ms=5000, timeout=15)

    thread = threading.Thread(target=held_pull)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not cluster.broker._waiters.get(("SqlHold", 0)) and time.monotonic() < deadline:
            time.sleep(0.01)
        # The pull is held now; neither of these wakes it.
        send_v2(broker, "SqlHold", b"no", {"n": "no"}, queue_id=0)
        send_v2(broker, "SqlHold", b"none", {}, queue_id=0)
        thread.join(0.5)
        assert thread.is_alive()
        send_v2(broker, "SqlHold", b"yes", {"n": "yes"}, queue_id=0)
        thread.join(10)
        assert not thread.is_alive()
    finally:
        thread.join()
        puller.close()
    assert bodies(answer["response"]) == [b"yes"]
