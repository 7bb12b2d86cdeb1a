"""The name server: answers GET_ROUTEINFO_BY_TOPIC from the broker's topic table."""

import json
from typing import Optional

from .broker import Broker
from .codes import RETRY_GROUP_TOPIC_PREFIX, SYSTEM_TOPICS, RequestCode, ResponseCode
from .connection import Connection
from .headers import topic_problem
from .remoting import RemotingCommand


def route_json(broker: Broker, topic: str) -> Optional[str]:
    """TopicRouteData as the Java name server writes it, integer map keys unquoted."""
    config = broker.store.topics.get(topic)
    if config is None:
        return None
    name = json.dumps(broker.config.broker_name)
    broker_data = '{"brokerAddrs":{0:%s},"brokerName":%s,"cluster":%s}' % (
        json.dumps(broker.address), name, json.dumps(broker.config.cluster_name))
    queue_data = '{"brokerName":%s,"perm":%d,"readQueueNums":%d,"topicSysFlag":%d,"writeQueueNums":%d}' % (
        name, config.perm, config.read_queues, config.sysflag, config.write_queues)
    return '{"brokerDatas":[%s],"filterServerTable":{},"queueDatas":[%s]}' % (broker_data, queue_data)


class NameServer:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    async def handle(self, conn: Connection, cmd: RemotingCommand) -> Optional[RemotingCommand]:
        if cmd.code != RequestCode.GET_ROUTEINFO_BY_TOPIC:
            return cmd.make_response(ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                                     "request type %d not supported" % cmd.code)
        topic = cmd.ext_fields.get("topic", "")
        body = route_json(self.broker, topic)
        if body is None and self._may_create(topic):
            queues = 1 if topic.startswith(RETRY_GROUP_TOPIC_PREFIX) else None
            self.broker.create_topic(topic, queues)
            body = route_json(self.broker, topic)
        if body is None:
            return cmd.make_response(ResponseCode.TOPIC_NOT_EXIST,
                                     "No topic route info in name server for the topic: " + topic)
        return cmd.make_response(ResponseCode.SUCCESS, None, body=body.encode("utf-8"))

    def _may_create(self, topic: str) -> bool:
        return (self.broker.config.auto_create_topics and topic_problem(topic) is None
                and topic not in SYSTEM_TOPICS)
