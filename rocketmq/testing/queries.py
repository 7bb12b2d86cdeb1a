"""Looking messages up, and handing one to a consumer: QueryMessageProcessor and the
message parts of AdminBrokerProcessor.

QUERY_MESSAGE answers from the key index, VIEW_MESSAGE_BY_ID and
CONSUME_MESSAGE_DIRECTLY from the commit log by offset, and
GET_EARLIEST_MSG_STORETIME from a consume queue's head.
"""

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Dict, Optional

from .codes import RequestCode, ResponseCode
from .connection import Connection
from .headers import header_int
from .index import DEFAULT_QUERY_MAX_NUM, MessageIndex
from .message_codec import decode_message_id, encode_stored
from .remoting import RemotingCommand

if TYPE_CHECKING:
    from .broker import Broker

Handler = Callable[[Connection, RemotingCommand], Coroutine[Any, Any, Optional[RemotingCommand]]]

# MixAll.UNIQUE_MSG_QUERY_FLAG: the ext field that marks a query by UNIQ_KEY.
UNIQUE_MSG_QUERY_FLAG = "_UNIQUE_KEY_QUERY"
# Broker2Client.callClient waits this long for the consumer's answer.
CALL_CLIENT_TIMEOUT_SECONDS = 10.0
JAVA_LONG_MAX = (1 << 63) - 1
NOT_FOUND_BY_OFFSET = "can not find message by the offset, %d"


class MessageQueries:
    def __init__(self, broker: "Broker", index: MessageIndex) -> None:
        self.broker = broker
        self.index = index

    def handlers(self) -> Dict[int, Handler]:
        return {
            RequestCode.QUERY_MESSAGE: self.query_message,
            RequestCode.VIEW_MESSAGE_BY_ID: self.view_message_by_id,
            RequestCode.GET_EARLIEST_MSG_STORETIME: self.get_earliest_msg_storetime,
            RequestCode.CONSUME_MESSAGE_DIRECTLY: self.consume_message_directly,
        }

    async def query_message(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        max_num = header_int(f, "maxNum")
        if f.get(UNIQUE_MSG_QUERY_FLAG) == "true":
            max_num = DEFAULT_QUERY_MAX_NUM
        begin, end = header_int(f, "beginTimestamp"), header_int(f, "endTimestamp", JAVA_LONG_MAX)
        found = self.index.query(f.get("topic", ""), f.get("key", ""), max_num, begin, end)
        # QueryMessageResponseHeader goes with the not-found answer too.
        header = {"indexLastUpdateTimestamp": str(self.index.last_update_timestamp),
                  "indexLastUpdatePhyoffset": str(self.index.last_update_phy_offset)}
        if not found:
            return cmd.make_response(ResponseCode.QUERY_NOT_FOUND,
                                     "can not find message, maybe time range not correct", header)
        body = b"".join(encode_stored(msg) for msg in found)
        return cmd.make_response(ResponseCode.SUCCESS, None, header, body)

    async def view_message_by_id(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        offset = header_int(cmd.ext_fields, "offset", -1)
        msg = self.broker.store.by_commit_offset(offset)
        if msg is None:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, NOT_FOUND_BY_OFFSET % offset)
        return cmd.make_response(ResponseCode.SUCCESS, None, None, encode_stored(msg))

    async def get_earliest_msg_storetime(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """The store time of the oldest message a queue still holds; -1 when it holds none."""
        f = cmd.ext_fields
        topic, queue_id = f.get("topic", ""), header_int(f, "queueId")
        store = self.broker.store
        head = store.min_offset(topic, queue_id)
        queue = store.queue(topic, queue_id)
        timestamp = queue[head].store_timestamp if head < len(queue) else -1
        return cmd.make_response(ResponseCode.SUCCESS, None, {"timestamp": str(timestamp)})

    async def consume_message_directly(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """AdminBrokerProcessor.consumeMessageDirectly: the stored message goes to one consumer
        client (found by group and client id), whose answer is passed back as it is."""
        f = dict(cmd.ext_fields)
        group, client_id = f.get("consumerGroup", ""), f.get("clientId", "")
        f["brokerName"] = self.broker.config.broker_name
        try:
            _, offset = decode_message_id(f.get("msgId", ""))
        except ValueError as exc:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "bad message id: %s" % exc)
        msg = self.broker.store.by_commit_offset(offset)
        if msg is None:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, NOT_FOUND_BY_OFFSET % offset)
        info = self.broker.clients.consumer_group(group)
        channel = None
        if info is not None:
            channel = next((ch for ch in info.channels.values() if ch.client_id == client_id), None)
        if channel is None:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR,
                                     "The Consumer <%s> <%s> not online" % (group, client_id))
        try:
            answer = await channel.conn.call(RequestCode.CONSUME_MESSAGE_DIRECTLY, f, encode_stored(msg),
                                             CALL_CLIENT_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return cmd.make_response(ResponseCode.CONSUME_MSG_TIMEOUT,
                                     "consumer <%s> <%s> Timeout" % (group, client_id))
        except (ConnectionError, OSError) as exc:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR,
                                     "invoke consumer <%s> <%s> Exception: %s" % (group, client_id, exc))
        return cmd.make_response(answer.code, answer.remark, answer.ext_fields, answer.body)
