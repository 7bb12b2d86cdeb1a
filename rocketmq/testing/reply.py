"""Reply messages of request-reply (the broker's ReplyMessageProcessor).

A responder sends its reply with SEND_REPLY_MESSAGE(_V2) to the
``<cluster>_REPLY_TOPIC`` topic; the broker pushes it at once, as
PUSH_REPLY_MESSAGE_TO_CLIENT, over the connection of the producer whose
heartbeat named the client id in the reply's REPLY_TO_CLIENT property, and
answers the responder with the outcome of that push. With
``store_replies`` (BrokerConfig.storeReplyMessageEnable, true by default)
the reply is also stored in the reply topic.
"""

import asyncio
import random
import time
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from .codes import (
    NOT_ALLOWED_SEND_TOPICS,
    PERM_READ_WRITE,
    RETRY_GROUP_TOPIC_PREFIX,
    RequestCode,
    ResponseCode,
)
from .connection import Connection
from .headers import V2_FIELDS, header_int, topic_problem
from .message_codec import StoredMessage, properties_to_string, string_to_properties
from .remoting import RemotingCommand
from .store import TopicConfig

if TYPE_CHECKING:
    from .broker import Broker

# MixAll.REPLY_TOPIC_POSTFIX
REPLY_TOPIC_SUFFIX = "REPLY_TOPIC"
# MessageConst names the reply path reads or adds.
PROPERTY_REPLY_TO_CLIENT = "REPLY_TO_CLIENT"
PROPERTY_PUSH_REPLY_TIME = "PUSH_REPLY_TIME"
# Broker2Client.callClient waits this long for the requester's answer.
PUSH_TIMEOUT_SECONDS = 10.0


def reply_topic(cluster_name: str) -> str:
    """MixAll.getReplyTopic."""
    return cluster_name + "_" + REPLY_TOPIC_SUFFIX


def host_text(address: Tuple[str, int]) -> str:
    """InetAddress.getHostAddress() + ":" + port, as the push header carries hosts."""
    return "%s:%d" % address


class ReplyMessageProcessor:
    def __init__(self, broker: "Broker", store_replies: bool = True) -> None:
        self.broker = broker
        self.store_replies = store_replies
        # Replies pushed to a requester, and replies that found no requester to push to.
        self.pushed = 0
        self.push_failures = 0
        # TopicConfigManager creates the reply topic of the broker's cluster
        # at start: one queue, readable and writable.
        topic = reply_topic(broker.config.cluster_name)
        if topic not in broker.store.topics:
            broker.store.topics[topic] = TopicConfig(topic, 1, 1, PERM_READ_WRITE)

    def requester_connection(self, client_id: str) -> Optional[Connection]:
        """ProducerManager.findChannel: the open connection a producer heartbeat named ``client_id`` on."""
        for channels in self.broker.clients.producers.values():
            for channel in channels.values():
                if channel.client_id == client_id and not channel.conn.closed:
                    return channel.conn
        return None

    async def send_reply_message(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        fields = dict(cmd.ext_fields)
        if cmd.code == RequestCode.SEND_REPLY_MESSAGE_V2:
            fields = {V2_FIELDS.get(k, k): v for k, v in fields.items()}
        refusal = self.check(cmd, fields)
        if refusal is not None:
            return refusal
        topic = fields["topic"]
        config = self.broker.store.topics[topic]
        header_queue_id = header_int(fields, "queueId", -1)
        queue_id = header_queue_id
        if queue_id < 0:
            queue_id = random.randrange(99999999) % config.write_queues
        properties = string_to_properties(fields.get("properties"))
        pushed, remark = await self.push(conn, fields, header_queue_id, cmd.body, dict(properties))
        ext = {"MSG_REGION": "DefaultRegion", "TRACE_ON": "true"}
        if pushed:
            self.pushed += 1
            # "0" rather than nothing: a client decodes these fields.
            ext.update(msgId="0", queueId=str(queue_id), queueOffset="0")
        else:
            self.push_failures += 1
        if self.store_replies and self.broker.is_master:
            msg = StoredMessage(topic, cmd.body, properties, queue_id, header_int(fields, "flag"),
                                header_int(fields, "sysFlag"), header_int(fields, "bornTimestamp"), conn.peer,
                                self.broker.store_host, header_int(fields, "reconsumeTimes"))
            stored = self.broker.put_message(msg)
            ext.update(msgId=stored.msg_id, queueId=str(queue_id), queueOffset=str(stored.queue_offset))
        if not pushed:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, remark, ext)
        return cmd.make_response(ResponseCode.SUCCESS, None, ext)

    def check(self, cmd: RemotingCommand, fields: Dict[str, str]) -> Optional[RemotingCommand]:
        """AbstractSendMessageProcessor.msgCheck: a refusal, or None when the reply may go on."""
        topic = fields.get("topic", "")
        problem = topic_problem(topic)
        if problem:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, problem)
        if topic in NOT_ALLOWED_SEND_TOPICS:
            return cmd.make_response(ResponseCode.NO_PERMISSION,
                                     "Sending message to topic[%s] is forbidden." % topic)
        config = self.broker.store.topics.get(topic)
        if config is None:
            if topic.startswith(RETRY_GROUP_TOPIC_PREFIX):
                config = self.broker.ensure_topic(topic, 1)
            elif self.broker.config.auto_create_topics:
                wanted = header_int(fields, "defaultTopicQueueNums", self.broker.config.queues)
                config = self.broker.ensure_topic(topic, max(1, min(wanted, self.broker.config.queues)))
            else:
                return cmd.make_response(ResponseCode.TOPIC_NOT_EXIST,
                                         "topic[%s] not exist, apply first please!" % topic)
        queue_id = header_int(fields, "queueId", -1)
        if queue_id >= max(config.read_queues, config.write_queues):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "request queueId[%d] is illegal" % queue_id)
        return None

    async def push(self, conn: Connection, fields: Dict[str, str], queue_id: int, body: bytes,
                   properties: Dict[str, str]) -> Tuple[bool, str]:
        """pushReplyMessage: (pushed, remark) after handing the reply to its requester."""
        sender_id = properties.get(PROPERTY_REPLY_TO_CLIENT)
        if sender_id is None:
            return False, "reply message properties[%s] is null" % PROPERTY_REPLY_TO_CLIENT
        requester = self.requester_connection(sender_id)
        if requester is None:
            return False, "push reply message fail, channel of <%s> not found." % sender_id
        properties[PROPERTY_PUSH_REPLY_TIME] = str(int(time.time() * 1000))
        header = {
            "producerGroup": fields.get("producerGroup", ""),
            "topic": fields.get("topic", ""),
            "defaultTopic": fields.get("defaultTopic", ""),
            "defaultTopicQueueNums": str(header_int(fields, "defaultTopicQueueNums")),
            "queueId": str(queue_id),
            "sysFlag": str(header_int(fields, "sysFlag")),
            "bornTimestamp": str(header_int(fields, "bornTimestamp")),
            "flag": str(header_int(fields, "flag")),
            "properties": properties_to_string(properties),
            "reconsumeTimes": str(header_int(fields, "reconsumeTimes")),
            "unitMode": fields.get("unitMode", "false"),
            "bornHost": host_text(conn.peer),
            "storeHost": host_text(self.broker.store_host),
            "storeTimestamp": str(int(time.time() * 1000)),
        }
        # The Java remark lacks the space before "fail"; kept as it is.
        failed = "push reply message to %sfail." % sender_id
        try:
            answer = await requester.call(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, header, body,
                                          PUSH_TIMEOUT_SECONDS)
        except (OSError, asyncio.TimeoutError):
            return False, failed
        if answer.code != ResponseCode.SUCCESS:
            return False, failed
        return True, ""

