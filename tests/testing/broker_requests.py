"""Hand-built client requests shared by the tests of the embedded broker."""

import json
import time

from rocketmq.testing.client import RemotingClient
from rocketmq.testing.codes import RequestCode
from rocketmq.testing.message_codec import properties_to_string


def send_v2(client: RemotingClient, topic: str, body: bytes, props=None, group: str = "pg",
            queue_id: int = -1, sysflag: int = 0, reconsume: int = 0, max_reconsume=None):
    fields = {"a": group, "b": topic, "c": "TBW102", "d": 4, "e": queue_id, "f": sysflag,
              "g": int(time.time() * 1000), "h": 0, "i": properties_to_string(props or {}),
              "j": reconsume, "k": "false", "m": "false"}
    if max_reconsume is not None:
        fields["l"] = max_reconsume
    return client.request(RequestCode.SEND_MESSAGE_V2, fields, body)


def heartbeat(client: RemotingClient, client_id: str, producer_group=None, consumer_group=None,
              topic: str = "", expression: str = "*"):
    data = {"clientID": client_id, "producerDataSet": [], "consumerDataSet": []}
    if producer_group:
        data["producerDataSet"].append({"groupName": producer_group})
    if consumer_group:
        data["consumerDataSet"].append({
            "groupName": consumer_group, "consumeType": "CONSUME_PASSIVELY", "messageModel": "CLUSTERING",
            "consumeFromWhere": "CONSUME_FROM_LAST_OFFSET", "unitMode": False,
            "subscriptionDataSet": [{"topic": topic, "subString": expression, "tagsSet": [], "codeSet": [],
                                     "classFilterMode": False, "subVersion": 1, "expressionType": "TAG"}],
        })
    return client.request(RequestCode.HEART_BEAT, None, json.dumps(data).encode())
