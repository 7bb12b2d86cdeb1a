"""The embedded broker's reply path (ReplyMessageProcessor), driven by hand-built requests:
the reply topic, the push to the requester found by its heartbeat's client id, the
answers when that fails, and the stored copy."""

import time

from broker_requests import heartbeat, send_v2

from rocketmq.testing import RemotingClient
from rocketmq.testing.codes import RequestCode, ResponseCode
from rocketmq.testing.message_codec import properties_to_string, string_to_properties
from rocketmq.testing.remoting import RemotingCommand

REPLY_TOPIC = "DefaultCluster_REPLY_TOPIC"


def send_reply(client: RemotingClient, props, body: bytes = b"answer",
               code: int = RequestCode.SEND_REPLY_MESSAGE_V2):
    v1 = {"producerGroup": "responders", "topic": REPLY_TOPIC, "defaultTopic": "TBW102",
          "defaultTopicQueueNums": 4, "queueId": 0, "sysFlag": 0, "bornTimestamp": int(time.time() * 1000),
          "flag": 5, "properties": properties_to_string(props), "reconsumeTimes": 0, "unitMode": "false"}
    if code == RequestCode.SEND_REPLY_MESSAGE_V2:
        short = dict(zip("abcdefghijk", ["producerGroup", "topic", "defaultTopic", "defaultTopicQueueNums",
                                         "queueId", "sysFlag", "bornTimestamp", "flag", "properties",
                                         "reconsumeTimes", "unitMode"]))
        fields = {letter: v1[name] for letter, name in short.items()}
    else:
        fields = v1
    return client.request(code, fields, body)


def reply_props(client_id: str, correlation_id: str = "corr-1"):
    return {"CORRELATION_ID": correlation_id, "REPLY_TO_CLIENT": client_id, "TTL": "3000",
            "MSG_TYPE": "reply", "UNIQ_KEY": "REPLYKEY" + correlation_id}


def test_the_reply_topic_exists_from_the_start(cluster):
    config = cluster.broker.store.topics[REPLY_TOPIC]
    assert (config.read_queues, config.write_queues) == (1, 1)


def test_every_stored_message_names_the_cluster(cluster, broker):
    assert send_v2(broker, "Requests", b"question", {"UNIQ_KEY": "Q1"}).code == ResponseCode.SUCCESS
    [stored] = cluster.messages("Requests")
    assert stored.properties["CLUSTER"] == "DefaultCluster"


def test_a_reply_is_pushed_to_the_requester_and_stored(cluster, broker):
    pushed = []

    def answer(client: RemotingClient, request: RemotingCommand) -> None:
        pushed.append(request)
        client.send(request.make_response(ResponseCode.SUCCESS))

    with RemotingClient(cluster.broker_addr, on_request=answer) as requester:
        answered = heartbeat(requester, "10.0.0.9@requester", producer_group="requesters")
        assert answered.code == ResponseCode.SUCCESS
        for code in (RequestCode.SEND_REPLY_MESSAGE_V2, RequestCode.SEND_REPLY_MESSAGE):
            response = send_reply(broker, reply_props("10.0.0.9@requester", "corr-%d" % code), code=code)
            assert response.code == ResponseCode.SUCCESS, response.remark
    assert len(pushed) == 2
    push = pushed[0]
    assert push.code == RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT and push.body == b"answer"
    fields = push.ext_fields
    assert (fields["topic"], fields["producerGroup"]) == (REPLY_TOPIC, "responders")
    assert (fields["queueId"], fields["flag"], fields["unitMode"]) == ("0", "5", "false")
    assert fields["bornHost"].startswith("127.0.0.1:") and fields["storeHost"] == cluster.broker_addr
    assert int(fields["storeTimestamp"]) >= int(fields["bornTimestamp"]) - 1000
    props = string_to_properties(fields["properties"])
    assert props["CORRELATION_ID"] == "corr-%d" % RequestCode.SEND_REPLY_MESSAGE_V2
    assert int(props["PUSH_REPLY_TIME"]) > 0
    # storeReplyMessageEnable (true by default): both replies are in the reply topic too.
    stored = cluster.messages(REPLY_TOPIC)
    assert sorted(m.properties["CORRELATION_ID"] for m in stored) == ["corr-324", "corr-325"]
    assert response.ext_fields["msgId"] == stored[-1].msg_id


def test_a_reply_nobody_waits_for_is_refused_but_still_stored(cluster, broker):
    response = send_reply(broker, reply_props("10.0.0.9@gone", "corr-lost"))
    assert response.code == ResponseCode.SYSTEM_ERROR
    assert response.remark == "push reply message fail, channel of <10.0.0.9@gone> not found."
    props = reply_props("x")
    del props["REPLY_TO_CLIENT"]
    response = send_reply(broker, props)
    assert response.code == ResponseCode.SYSTEM_ERROR
    assert response.remark == "reply message properties[REPLY_TO_CLIENT] is null"
    assert len(cluster.messages(REPLY_TOPIC)) == 2


def test_a_requester_that_refuses_the_push_fails_the_reply(cluster, broker):
    def refuse(client: RemotingClient, request: RemotingCommand) -> None:
        client.send(request.make_response(ResponseCode.SYSTEM_ERROR, "process reply message fail"))

    with RemotingClient(cluster.broker_addr, on_request=refuse) as requester:
        heartbeat(requester, "10.0.0.9@refuser", producer_group="requesters")
        response = send_reply(broker, reply_props("10.0.0.9@refuser"))
    assert response.code == ResponseCode.SYSTEM_ERROR
    assert response.remark == "push reply message to 10.0.0.9@refuserfail."


def test_replies_are_not_stored_when_storing_is_off(cluster, broker):
    cluster.broker.replies.store_replies = False
    response = send_reply(broker, reply_props("10.0.0.9@gone"))
    assert response.code == ResponseCode.SYSTEM_ERROR
    assert cluster.messages(REPLY_TOPIC) == []
