"""Request dispatch of the embedded broker, following the 4.9.x Java processors."""

import asyncio
import json
import os
import random
import shutil
import time
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from . import offset_search, sent_properties, services, timers, unknown_offsets
from .client_check import check_client_config
from .clients import ClientChannel, ClientRegistry
from .codes import (
    ACCESS_MESSAGE_IN_MEMORY_MAX_RATIO,
    AUTO_CREATE_TOPIC,
    DEFAULT_CLUSTER,
    DEFAULT_RETRY_MAX_TIMES,
    DELAY_LEVEL_SECONDS,
    DLQ_GROUP_TOPIC_PREFIX,
    MASTER_ID,
    MAX_MESSAGE_SIZE,
    MAX_PROPERTIES_LENGTH,
    NOT_ALLOWED_SEND_TOPICS,
    PERM_INHERIT,
    PERM_READ_WRITE,
    RETRY_GROUP_TOPIC_PREFIX,
    SCHEDULE_TOPIC,
    SLOW_CONSUMER_BROKER_ID,
    TRANS_HALF_TOPIC,
    MessageSysFlag,
    Prop,
    PullSysFlag,
    RequestCode,
    ResponseCode,
)
from .connection import Connection
from .filter_choice import Refusal, choose_pull_filter
from .filters import MessageFilter
from .headers import V2_FIELDS, header_int, lenient_json, topic_problem
from .index import MessageIndex
from .locks import RebalanceLocks
from .message_codec import StoredMessage, decode_batch, encode_stored, string_to_properties
from .queries import MessageQueries
from .registration import topic_wrapper_json
from .remoting import RemotingCommand
from .reply import ReplyMessageProcessor
from .store import MessageStore, TopicConfig
from .versions import DEFAULT_VERSION, broker_version

MAX_PULL_BATCH = 32
MAX_FILTER_SCAN = 16000


def physical_memory_bytes() -> int:
    """StoreUtil.TOTAL_PHYSICAL_MEMORY_SIZE, or a very large number where it cannot be read."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def disk_used_ratio(path: str) -> float:
    """UtilAll.getDiskPartitionSpaceUsedPercent: the used share of the partition, or -1."""
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return -1.0
    return (usage.total - usage.free) / usage.total if usage.total else -1.0


class BrokerConfig:
    def __init__(self, host: str = "127.0.0.1", broker_name: str = "broker-a",
                 cluster_name: str = DEFAULT_CLUSTER, queues: int = 4, auto_create_topics: bool = True,
                 delay_scale: float = 1.0, check_interval: float = 60.0,
                 transaction_immunity: float = 6.0, broker_id: int = MASTER_ID,
                 slave_read_enable: bool = False, enable_property_filter: bool = False,
                 version: str = DEFAULT_VERSION,
                 timer_precision_ms: int = timers.DEFAULT_PRECISION_MS,
                 timer_max_delay_sec: int = timers.DEFAULT_MAX_DELAY_SEC) -> None:
        self.host = host
        self.broker_name = broker_name
        self.cluster_name = cluster_name
        # 0 is the master; a slave's store only takes what replication copies from it.
        self.broker_id = broker_id
        # BrokerConfig.slaveReadEnable: lets pull answers point consumers at a slave.
        self.slave_read_enable = slave_read_enable
        # BrokerConfig.enablePropertyFilter: SQL92 subscriptions are refused without it.
        self.enable_property_filter = enable_property_filter
        # Stands in for a master under memory pressure: every pull that reads the
        # queue counts as far behind (GetMessageResult.isSuggestPullingFromSlave).
        self.suggest_pulling_from_slave = False
        self.queues = queues
        self.auto_create_topics = auto_create_topics
        self.delay_scale = delay_scale
        self.check_interval = check_interval
        self.transaction_immunity = transaction_immunity
        # The release it reports; from 5.0 on it also holds timer messages (timers.py).
        self.version = broker_version(version)
        if timer_max_delay_sec < 1:
            raise ValueError("timer_max_delay_sec must be positive")
        self.timer_precision_ms = timers.supported_precision(timer_precision_ms)
        self.timer_max_delay_sec = timer_max_delay_sec


class Broker:
    def __init__(self, config: BrokerConfig, store: MessageStore) -> None:
        self.config = config
        self.store = store
        self.clients = ClientRegistry()
        self.locks = RebalanceLocks()
        self.address = "%s:0" % config.host
        # Called after the topic table changed, so that the broker registers again.
        self.on_topics_changed: Optional[Callable[[], None]] = None
        self._waiters: Dict[Tuple[str, int], List[asyncio.Event]] = {}
        self._waiter_filters: Dict[asyncio.Event, MessageFilter] = {}
        store.add_arrival_listener(self._on_arrival)
        if config.auto_create_topics and AUTO_CREATE_TOPIC not in store.topics:
            # TopicConfigManager gives the template topic the inherit bit too.
            store.topics[AUTO_CREATE_TOPIC] = TopicConfig(AUTO_CREATE_TOPIC, config.queues, config.queues,
                                                          PERM_READ_WRITE | PERM_INHERIT)
        if config.version.has_timer_messages:
            timers.add_wheel_topic(store)
        self.replies = ReplyMessageProcessor(self)
        self._handlers = {
            RequestCode.SEND_MESSAGE: self.send_message,
            RequestCode.SEND_MESSAGE_V2: self.send_message,
            RequestCode.SEND_BATCH_MESSAGE: self.send_message,
            RequestCode.SEND_REPLY_MESSAGE: self.replies.send_reply_message,
            RequestCode.SEND_REPLY_MESSAGE_V2: self.replies.send_reply_message,
            RequestCode.HEART_BEAT: self.heart_beat,
            RequestCode.UNREGISTER_CLIENT: self.unregister_client,
            RequestCode.END_TRANSACTION: self.end_transaction,
            RequestCode.PULL_MESSAGE: self.pull_message,
            RequestCode.QUERY_CONSUMER_OFFSET: self.query_consumer_offset,
            RequestCode.UPDATE_CONSUMER_OFFSET: self.update_consumer_offset,
            RequestCode.GET_MAX_OFFSET: self.get_max_offset,
            RequestCode.GET_MIN_OFFSET: self.get_min_offset,
            RequestCode.SEARCH_OFFSET_BY_TIMESTAMP: self.search_offset,
            RequestCode.GET_CONSUMER_LIST_BY_GROUP: self.get_consumer_list,
            RequestCode.CONSUMER_SEND_MSG_BACK: self.consumer_send_back,
            RequestCode.LOCK_BATCH_MQ: self.lock_batch,
            RequestCode.UNLOCK_BATCH_MQ: self.unlock_batch,
            RequestCode.INVOKE_BROKER_TO_RESET_OFFSET: self.invoke_reset_offset,
            RequestCode.GET_ALL_TOPIC_CONFIG: self.get_all_topic_config,
            RequestCode.GET_ALL_CONSUMER_OFFSET: self.get_all_consumer_offset,
            RequestCode.GET_ALL_DELAY_OFFSET: self.get_all_delay_offset,
            RequestCode.GET_BROKER_RUNTIME_INFO: self.get_runtime_info,
            RequestCode.CHECK_CLIENT_CONFIG: self.check_client_config,
        }
        self.index = MessageIndex(store)
        self._handlers.update(MessageQueries(self, self.index).handlers())

    @property
    def is_master(self) -> bool:
        return self.config.broker_id == MASTER_ID

    def detach(self) -> None:
        """Stop following the store (a restarted broker gets a new Broker over it)."""
        self.store.remove_arrival_listener(self._on_arrival)
        self.index.detach()

    @property
    def store_host(self) -> Tuple[str, int]:
        host, _, port = self.address.rpartition(":")
        return (host, int(port))

    async def handle(self, conn: Connection, cmd: RemotingCommand) -> Optional[RemotingCommand]:
        handler = self._handlers.get(cmd.code)
        if handler is None:
            return cmd.make_response(ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
                                     "request type %d not supported" % cmd.code)
        return await handler(conn, cmd)

    def on_connection_closed(self, conn: Connection) -> None:
        for group in self.clients.forget_connection(conn):
            self.notify_consumer_ids_changed(group)

    # -- topics --------------------------------------------------------------
    def ensure_topic(self, topic: str, queues: int, perm: int = PERM_READ_WRITE) -> TopicConfig:
        config = self.store.topics.get(topic)
        if config is None:
            config = self.store.topics[topic] = TopicConfig(topic, queues, queues, perm)
            self.store.topic_changed()
            # As the Java broker after creating a topic: tell the name servers at once.
            if self.on_topics_changed is not None:
                self.on_topics_changed()
        return config

    def create_topic(self, topic: str, queues: Optional[int] = None) -> TopicConfig:
        return self.ensure_topic(topic, queues or self.config.queues)

    def create_topic_if_allowed(self, topic: str) -> bool:
        """What the name server's auto-create asks: True when the topic exists here (now)."""
        if topic in self.store.topics:
            return True
        if not self.config.auto_create_topics:
            return False
        self.create_topic(topic, 1 if topic.startswith(RETRY_GROUP_TOPIC_PREFIX) else None)
        return True

    def replace_topics(self, topics: Dict[str, TopicConfig], data_version: Tuple[int, int]) -> None:
        """SlaveSynchronize.syncTopicConfig: the master's table and version replace ours."""
        self.store.topics.clear()
        self.store.topics.update(topics)
        self.store.topic_data_version = data_version
        self.store.save_state()

    # -- storing -------------------------------------------------------------
    def put_message(self, msg: StoredMessage, single: bool = True) -> StoredMessage:
        """CommitLog.putMessage: delayed messages detour through SCHEDULE_TOPIC_XXXX.

        From 5.0 a single message (not one of a batch, which the 5.x put hooks
        skip) with a later delivery time goes to the timer wheel instead;
        raises timers.TimerRefused when its time is out of range.
        """
        if single and self.config.version.has_timer_messages:
            timers.hold_if_timed(msg, int(time.time() * 1000), self.config.timer_precision_ms,
                                 self.config.timer_max_delay_sec)
        tran_type = msg.sysflag & MessageSysFlag.TRANSACTION_MASK
        level = int(msg.properties.get(Prop.DELAY, "0") or 0)
        delayable = (MessageSysFlag.TRANSACTION_NOT_TYPE, MessageSysFlag.TRANSACTION_COMMIT_TYPE)
        if level > 0 and tran_type in delayable:
            level = min(level, len(DELAY_LEVEL_SECONDS))
            msg.properties[Prop.DELAY] = str(level)
            msg.properties[Prop.REAL_TOPIC] = msg.topic
            msg.properties[Prop.REAL_QID] = str(msg.queue_id)
            msg.topic = SCHEDULE_TOPIC
            msg.queue_id = level - 1
        return self.store.append(msg)

    def _on_arrival(self, msg: StoredMessage) -> None:
        for event in self._waiters.pop((msg.topic, msg.queue_id), []):
            flt = self._waiter_filters.pop(event, None)
            if flt is None or flt.matches(msg):
                event.set()
            else:
                self._waiters.setdefault((msg.topic, msg.queue_id), []).append(event)
                self._waiter_filters[event] = flt

    # -- producer side -------------------------------------------------------
    async def send_message(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        fields = dict(cmd.ext_fields)
        # Batches arrive with the V2 header from the Java client and the V1 header from others.
        if cmd.code in (RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE) and "b" in fields:
            fields = {V2_FIELDS.get(k, k): v for k, v in fields.items()}
        topic = fields.get("topic", "")
        problem = topic_problem(topic)
        if problem:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, problem)
        if topic in NOT_ALLOWED_SEND_TOPICS:
            return cmd.make_response(ResponseCode.NO_PERMISSION,
                                     "Sending message to topic[%s] is forbidden." % topic)
        config = self.store.topics.get(topic)
        if config is None:
            if topic.startswith(RETRY_GROUP_TOPIC_PREFIX):
                config = self.ensure_topic(topic, 1)
            elif self.config.auto_create_topics:
                wanted = header_int(fields, "defaultTopicQueueNums", self.config.queues)
                config = self.ensure_topic(topic, max(1, min(wanted, self.config.queues)))
            else:
                return cmd.make_response(ResponseCode.TOPIC_NOT_EXIST,
                                         "topic[%s] not exist, apply first please!" % topic)
        queue_id = header_int(fields, "queueId", -1)
        if queue_id >= max(config.read_queues, config.write_queues):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "request queueId[%d] is illegal" % queue_id)
        if queue_id < 0:
            queue_id = random.randrange(config.write_queues)
        reconsume_times = header_int(fields, "reconsumeTimes")
        if topic.startswith(RETRY_GROUP_TOPIC_PREFIX):
            max_times = header_int(fields, "maxReconsumeTimes", DEFAULT_RETRY_MAX_TIMES)
            if reconsume_times >= max_times:
                if cmd.code == RequestCode.SEND_BATCH_MESSAGE:
                    return cmd.make_response(ResponseCode.MESSAGE_ILLEGAL,
                                             "Sending batch message to retry topic is not supported")
                topic = DLQ_GROUP_TOPIC_PREFIX + topic[len(RETRY_GROUP_TOPIC_PREFIX):]
                self.ensure_topic(topic, 1)
                queue_id = 0
        header_props = string_to_properties(fields.get("properties"))
        # SendMessageProcessor: every stored message names the cluster (a responder replies through it).
        header_props[Prop.CLUSTER] = self.config.cluster_name
        sent_properties.add_send_context(header_props, self.config.version)
        if cmd.code == RequestCode.SEND_BATCH_MESSAGE:
            try:
                entries = decode_batch(cmd.body)
            except (ValueError, UnicodeDecodeError) as exc:
                return cmd.make_response(ResponseCode.MESSAGE_ILLEGAL, "bad batch body: %s" % exc)
            items = []
            for body, flag, props in entries:
                merged = dict(props)
                merged.update(header_props)
                items.append((body, flag, merged))
        else:
            items = [(cmd.body, header_int(fields, "flag"), header_props)]
        if not items:
            return cmd.make_response(ResponseCode.MESSAGE_ILLEGAL, "empty batch")
        total_body = sum(len(body) for body, _, _ in items)
        if total_body > MAX_MESSAGE_SIZE:
            return cmd.make_response(ResponseCode.MESSAGE_ILLEGAL,
                                     "the message body size over max value, MAX: %d" % MAX_MESSAGE_SIZE)
        if len(fields.get("properties", "").encode("utf-8")) > MAX_PROPERTIES_LENGTH:
            return cmd.make_response(ResponseCode.MESSAGE_ILLEGAL, "the message properties are too long")
        if not self.is_master:
            return cmd.make_response(ResponseCode.SERVICE_NOT_AVAILABLE, self.put_refused_remark())
        sysflag = header_int(fields, "sysFlag")
        stored = []
        for body, flag, props in items:
            born = header_int(fields, "bornTimestamp")
            msg = StoredMessage(topic, body, props, queue_id, flag, sysflag, born, conn.peer, self.store_host,
                                reconsume_times)
            if cmd.code != RequestCode.SEND_BATCH_MESSAGE:
                sent_properties.drop_wait_of_single(msg, self.config.version)
            if props.get(Prop.TRAN_MSG) == "true" and cmd.code != RequestCode.SEND_BATCH_MESSAGE:
                # TransactionalMessageBridge.parseHalfMessageInner
                msg.properties[Prop.REAL_TOPIC] = msg.topic
                msg.properties[Prop.REAL_QID] = str(msg.queue_id)
                msg.sysflag &= ~MessageSysFlag.TRANSACTION_MASK
                msg.topic = TRANS_HALF_TOPIC
                msg.queue_id = 0
                self.ensure_topic(TRANS_HALF_TOPIC, 1)
                stored.append(self.store.append(msg))
            else:
                try:
                    stored.append(self.put_message(msg, cmd.code != RequestCode.SEND_BATCH_MESSAGE))
                except timers.TimerRefused as refused:
                    return cmd.make_response(refused.code, refused.remark)
        ext = {
            "msgId": ",".join(m.msg_id for m in stored),
            "queueId": str(queue_id),
            "queueOffset": str(stored[0].queue_offset),
            "MSG_REGION": "DefaultRegion",
            "TRACE_ON": "true",
        }
        if stored[0].topic == TRANS_HALF_TOPIC and stored[0].uniq_key:
            ext["transactionId"] = stored[0].uniq_key
        return cmd.make_response(ResponseCode.SUCCESS, None, ext)

    def put_refused_remark(self) -> str:
        """SendMessageProcessor's remark for PutMessageStatus.SERVICE_NOT_AVAILABLE (a slave refuses puts)."""
        ratio = disk_used_ratio(self.store.directory or os.getcwd())
        disk = "CL: %5.2f CQ: %5.2f INDEX: %5.2f" % (ratio, ratio, ratio)
        return ("service not available now. It may be caused by one of the following reasons: "
                "the broker's disk is full [%s], messages are put to the slave, message store has been "
                "shut down, etc." % disk)

    async def heart_beat(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        try:
            data = lenient_json(cmd.body)
        except (ValueError, UnicodeDecodeError):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "bad heartbeat body")
        if not isinstance(data, dict):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "bad heartbeat body")
        client_id = str(data.get("clientID", ""))
        channel = ClientChannel(conn, client_id, cmd.language, cmd.version)
        for consumer in data.get("consumerDataSet") or []:
            group = consumer.get("groupName")
            if not group:
                continue
            self.ensure_topic(RETRY_GROUP_TOPIC_PREFIX + group, 1)
            if self.clients.register_consumer(group, channel, consumer):
                self.notify_consumer_ids_changed(group)
        for producer in data.get("producerDataSet") or []:
            group = producer.get("groupName")
            if group:
                self.clients.register_producer(group, channel)
        return cmd.make_response(ResponseCode.SUCCESS)

    async def unregister_client(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        producer_group = cmd.ext_fields.get("producerGroup")
        consumer_group = cmd.ext_fields.get("consumerGroup")
        if producer_group:
            self.clients.unregister_producer(producer_group, conn)
        if consumer_group and self.clients.unregister_consumer(consumer_group, conn):
            self.notify_consumer_ids_changed(consumer_group)
        return cmd.make_response(ResponseCode.SUCCESS)

    def notify_consumer_ids_changed(self, group: str) -> None:
        info = self.clients.consumer_group(group)
        if info is None:
            return
        for channel in info.channels.values():
            channel.conn.send_oneway(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {"consumerGroup": group})

    async def invoke_reset_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """INVOKE_BROKER_TO_RESET_OFFSET (an admin tool or client asks): Broker2Client.resetOffset.

        Unlike the lenient ``reset_consumer_offset`` test hook, this refuses
        a topic the broker does not have and a group without offsets, as the
        Java broker does; a requester that says it is CPP makes the consumers
        receive the list form of the body (ResetOffsetBodyForC).
        """
        f = cmd.ext_fields
        topic, group = f.get("topic", ""), f.get("group", "")
        config = self.store.topics.get(topic)
        if config is None:
            remark = "[reset-offset] reset offset failed, no topic in this broker. topic=" + topic
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, remark)
        for queue_id in range(config.write_queues):
            if self.store.consumer_offsets.get((group, topic, queue_id), -1) == -1:
                # Sic: the Java broker's own spelling.
                return cmd.make_response(ResponseCode.SYSTEM_ERROR, f"THe consumer group <{group}> not exist")
        offsets = self.reset_consumer_offset(group, topic, header_int(f, "timestamp"),
                                             f.get("isForce", "false") == "true", for_c=cmd.language == "CPP",
                                             queue_ids=range(config.write_queues))
        return cmd.make_response(ResponseCode.SUCCESS, None, None, self._offset_table_body(topic, offsets))

    def _offset_table_body(self, topic: str, offsets: Dict[int, int], for_c: bool = False) -> bytes:
        """ResetOffsetBody (a map keyed by MessageQueue objects, as fastjson writes it) or its C form."""
        if for_c:
            entries = ",".join(
                '{"brokerName":%s,"offset":%d,"queueId":%d,"topic":%s}'
                % (json.dumps(self.config.broker_name), offset, queue_id, json.dumps(topic))
                for queue_id, offset in sorted(offsets.items()))
            return ('{"offsetTable":[%s]}' % entries).encode("utf-8")
        entries = ",".join(
            '{"brokerName":%s,"queueId":%d,"topic":%s}:%d'
            % (json.dumps(self.config.broker_name), queue_id, json.dumps(topic), offset)
            for queue_id, offset in sorted(offsets.items()))
        return ('{"offsetTable":{%s}}' % entries).encode("utf-8")

    def reset_consumer_offset(self, group: str, topic: str, timestamp: int, is_force: bool = True,
                              for_c: bool = False,
                              queue_ids: Optional[Iterable[int]] = None) -> Dict[int, int]:
        """Broker2Client.resetOffset: move a group back (or forward) to `timestamp`.

        timestamp -1 means the newest offset. The new offsets are told to every
        consumer of the group with RESET_CONSUMER_CLIENT_OFFSET (oneway); the
        body is written as fastjson writes a map keyed by MessageQueue objects.
        """
        offsets: Dict[int, int] = {}
        for queue_id in (self.store.queue_ids(topic) if queue_ids is None else queue_ids):
            if timestamp == -1:
                target = self.store.max_offset(topic, queue_id)
            else:
                target = offset_search.offset_by_time(self.store, self.config.version, topic, queue_id,
                                                      timestamp)
            current = self.store.consumer_offsets.get((group, topic, queue_id), -1)
            offsets[queue_id] = target if is_force or current < 0 or target < current else current
        body = self._offset_table_body(topic, offsets, for_c)
        header = {"topic": topic, "group": group, "timestamp": str(timestamp),
                  "isForce": "true" if is_force else "false"}
        info = self.clients.consumer_group(group)
        for channel in (info.channels.values() if info else []):
            channel.conn.send_oneway(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, header, body)
        return offsets

    async def end_transaction(self, conn: Connection, cmd: RemotingCommand) -> Optional[RemotingCommand]:
        if not self.is_master:
            # EndTransactionProcessor: no remark, just the code.
            return cmd.make_response(ResponseCode.SLAVE_NOT_AVAILABLE)
        fields = cmd.ext_fields
        kind = header_int(fields, "commitOrRollback")
        if kind not in (MessageSysFlag.TRANSACTION_COMMIT_TYPE, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE):
            return None  # an unknown state leaves the half message to the checker
        half = self.store.by_commit_offset(header_int(fields, "commitLogOffset", -1))
        if half is None or half.topic != TRANS_HALF_TOPIC or self.is_transaction_done(half):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "Find prepared transaction message failed")
        if half.properties.get(Prop.PGROUP) != fields.get("producerGroup"):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "The producer group wrong")
        if half.queue_offset != header_int(fields, "tranStateTableOffset", -1):
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "The transaction state table offset wrong")
        self.mark_transaction_done(half)
        if kind == MessageSysFlag.TRANSACTION_COMMIT_TYPE:
            msg = half.copy()
            msg.topic = half.properties[Prop.REAL_TOPIC]
            msg.queue_id = int(half.properties[Prop.REAL_QID])
            for name in (Prop.REAL_TOPIC, Prop.REAL_QID, Prop.TRAN_MSG):
                msg.properties.pop(name, None)
            msg.sysflag &= ~MessageSysFlag.TRANSACTION_MASK
            msg.sysflag |= MessageSysFlag.TRANSACTION_COMMIT_TYPE
            msg.prepared_transaction_offset = half.commit_log_offset
            try:
                self.put_message(msg)
            except timers.TimerRefused as refused:
                return cmd.make_response(refused.code, refused.remark)
        return cmd.make_response(ResponseCode.SUCCESS)

    def is_transaction_done(self, half: StoredMessage) -> bool:
        done = self.store.service_state.get("transactions_done", [])
        return half.commit_log_offset in done  # type: ignore[operator]

    def mark_transaction_done(self, half: StoredMessage) -> None:
        done = self.store.service_state.setdefault("transactions_done", [])
        assert isinstance(done, list)
        done.append(half.commit_log_offset)
        self.store.save_state()

    async def check_client_config(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        return await check_client_config(self, conn, cmd)

    # -- consumer side -------------------------------------------------------
    async def pull_message(self, conn: Connection, cmd: RemotingCommand,
                           allow_suspend: bool = True) -> RemotingCommand:
        f = cmd.ext_fields
        group, topic = f.get("consumerGroup", ""), f.get("topic", "")
        queue_id, offset = header_int(f, "queueId"), header_int(f, "queueOffset")
        max_nums = max(1, min(header_int(f, "maxMsgNums", 32), MAX_PULL_BATCH))
        sysflag = header_int(f, "sysFlag")
        config = self.store.topics.get(topic)
        if config is None:
            return cmd.make_response(ResponseCode.TOPIC_NOT_EXIST,
                                     "topic[%s] not exist, apply first please!" % topic)
        if queue_id < 0 or queue_id >= config.read_queues:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "queueId[%d] is illegal" % queue_id)
        carries_subscription = bool(sysflag & PullSysFlag.SUBSCRIPTION)
        flt = choose_pull_filter(f, carries_subscription, self.clients.consumer_group(group), topic,
                                 self.config.enable_property_filter)
        if isinstance(flt, Refusal):
            return cmd.make_response(flt.code, flt.remark)

        queue = self.store.queue(topic, queue_id)
        min_off, max_off = self.store.min_offset(topic, queue_id), len(queue)
        found: List[StoredMessage] = []
        far_behind = False
        if max_off == 0:
            code = ResponseCode.PULL_OFFSET_MOVED if offset != 0 else ResponseCode.PULL_NOT_FOUND
            next_offset = 0
        elif offset < min_off:
            code, next_offset = ResponseCode.PULL_OFFSET_MOVED, min_off
        elif offset == max_off:
            code, next_offset = ResponseCode.PULL_NOT_FOUND, offset
        elif offset > max_off:
            code = ResponseCode.PULL_OFFSET_MOVED
            next_offset = min_off if min_off == 0 else max_off
        else:
            position = offset
            while position < max_off and position - offset < MAX_FILTER_SCAN and len(found) < max_nums:
                if flt.matches(queue[position]):
                    found.append(queue[position])
                position += 1
            next_offset = position
            code = ResponseCode.SUCCESS if found else ResponseCode.PULL_RETRY_IMMEDIATELY
            far_behind = self._far_behind(queue[position - 1].commit_log_offset)

        # PullMessageProcessor: only with slaveReadEnable may the answer name a slave.
        suggest = MASTER_ID
        if self.config.slave_read_enable:
            suggest = SLOW_CONSUMER_BROKER_ID if far_behind else MASTER_ID
        if code == ResponseCode.PULL_OFFSET_MOVED and not self.is_master:
            # A slave does not correct offsets (offsetCheckInSlave is off): try again, at the master.
            code, suggest = ResponseCode.PULL_RETRY_IMMEDIATELY, MASTER_ID
        # Only a master keeps the offset a pull commits.
        if sysflag & PullSysFlag.COMMIT_OFFSET and allow_suspend and self.is_master:
            self.store.consumer_offsets[(group, topic, queue_id)] = header_int(f, "commitOffset")
        if code == ResponseCode.PULL_NOT_FOUND and allow_suspend and sysflag & PullSysFlag.SUSPEND:
            timeout = header_int(f, "suspendTimeoutMillis", 15000) / 1000.0
            event = asyncio.Event()
            self._waiters.setdefault((topic, queue_id), []).append(event)
            self._waiter_filters[event] = flt
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except asyncio.TimeoutError:
                self._waiter_filters.pop(event, None)
                waiting = self._waiters.get((topic, queue_id), [])
                if event in waiting:
                    waiting.remove(event)
            return await self.pull_message(conn, cmd, allow_suspend=False)
        ext = {
            "nextBeginOffset": str(next_offset),
            "minOffset": str(min_off),
            "maxOffset": str(max_off),
            "suggestWhichBrokerId": str(suggest),
        }
        body = b"".join(encode_stored(m) for m in found)
        remark = None if code == ResponseCode.SUCCESS else "pull status %d" % code
        return cmd.make_response(code, remark, ext, body)

    def _far_behind(self, last_pulled_commit_offset: int) -> bool:
        """DefaultMessageStore.getMessage: is what remains to read more than memory holds?"""
        if self.config.suggest_pulling_from_slave:
            return True
        memory = physical_memory_bytes() * ACCESS_MESSAGE_IN_MEMORY_MAX_RATIO // 100
        return self.store.max_commit_offset - last_pulled_commit_offset > memory

    async def query_consumer_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        key = (f.get("consumerGroup", ""), f.get("topic", ""), header_int(f, "queueId"))
        offset = self.store.consumer_offsets.get(key, -1)
        if offset >= 0:
            return cmd.make_response(ResponseCode.SUCCESS, None, {"offset": str(offset)})
        topic, queue_id = key[1], key[2]
        code, remark, start = unknown_offsets.answer_for_uncommitted(
            self.config.version, f,
            self.store.min_offset(topic, queue_id), self.store.max_offset(topic, queue_id))
        return cmd.make_response(code, remark, None if start is None else {"offset": str(start)})

    async def update_consumer_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        key = (f.get("consumerGroup", ""), f.get("topic", ""), header_int(f, "queueId"))
        self.store.consumer_offsets[key] = header_int(f, "commitOffset")
        self.store.save_state()
        return cmd.make_response(ResponseCode.SUCCESS)

    async def get_max_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        offset = self.store.max_offset(f.get("topic", ""), header_int(f, "queueId"))
        return cmd.make_response(ResponseCode.SUCCESS, None, {"offset": str(offset)})

    async def get_min_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        offset = self.store.min_offset(f.get("topic", ""), header_int(f, "queueId"))
        return cmd.make_response(ResponseCode.SUCCESS, None, {"offset": str(offset)})

    async def search_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        f = cmd.ext_fields
        topic, queue_id = f.get("topic", ""), header_int(f, "queueId")
        offset = offset_search.offset_by_time(self.store, self.config.version, topic, queue_id,
                                              header_int(f, "timestamp"))
        return cmd.make_response(ResponseCode.SUCCESS, None, {"offset": str(offset)})

    async def get_consumer_list(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        group = cmd.ext_fields.get("consumerGroup", "")
        info = self.clients.consumer_group(group)
        if info is None or not info.channels:
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "no consumer for this group, " + group)
        body = json.dumps({"consumerIdList": info.client_ids()}).encode("utf-8")
        return cmd.make_response(ResponseCode.SUCCESS, None, body=body)

    async def consumer_send_back(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """SendMessageProcessor.consumerSendMsgBack: retry topic with a delay, or the DLQ."""
        f = cmd.ext_fields
        group = f.get("group", "")
        if not self.is_master:
            # The put fails as on a slave; consumerSendMsgBack answers with the status name.
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, "SERVICE_NOT_AVAILABLE")
        original = self.store.by_commit_offset(header_int(f, "offset", -1))
        if original is None:
            remark = "look message by offset failed, %s" % f.get("offset")
            return cmd.make_response(ResponseCode.SYSTEM_ERROR, remark)
        topic = RETRY_GROUP_TOPIC_PREFIX + group
        self.ensure_topic(topic, 1)
        props = dict(original.properties)
        props.setdefault(Prop.RETRY_TOPIC, original.topic)
        delay_level = header_int(f, "delayLevel")
        max_times = header_int(f, "maxReconsumeTimes", DEFAULT_RETRY_MAX_TIMES)
        if original.reconsume_times >= max_times or delay_level < 0:
            topic = DLQ_GROUP_TOPIC_PREFIX + group
            self.ensure_topic(topic, 1)
        else:
            if delay_level == 0:
                delay_level = 3 + original.reconsume_times
            props[Prop.DELAY] = str(delay_level)
        props.pop(Prop.WAIT, None)
        if not props.get(Prop.ORIGIN_MESSAGE_ID):
            props[Prop.ORIGIN_MESSAGE_ID] = original.msg_id
        msg = StoredMessage(topic, original.body, props, 0, original.flag, original.sysflag,
                            original.born_timestamp, original.born_host, self.store_host,
                            original.reconsume_times + 1)
        self.put_message(msg)
        return cmd.make_response(ResponseCode.SUCCESS)

    # -- what a slave copies from its master (AdminBrokerProcessor) ---------------
    async def get_all_topic_config(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        wrapper = topic_wrapper_json(list(self.store.topics.values()), self.store.topic_data_version)
        body = json.dumps(wrapper, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return cmd.make_response(ResponseCode.SUCCESS, None, body=body)

    async def get_all_consumer_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """ConsumerOffsetManager's JSON: "topic@group" -> {queueId: offset}, integer keys bare."""
        table: Dict[str, Dict[int, int]] = {}
        for (group, topic, queue_id), offset in self.store.consumer_offsets.items():
            table.setdefault("%s@%s" % (topic, group), {})[queue_id] = offset
        entries = ",".join(
            "%s:{%s}" % (json.dumps(key), ",".join("%d:%d" % item for item in sorted(queues.items())))
            for key, queues in sorted(table.items()))
        return cmd.make_response(ResponseCode.SUCCESS, None, body=('{"offsetTable":{%s}}' % entries).encode())

    async def get_all_delay_offset(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """ScheduleMessageService's JSON: delay level -> offset reached in its queue."""
        progress = self.store.service_state.get("schedule_progress", {})
        levels = sorted((int(level), int(offset)) for level, offset in progress.items()) \
            if isinstance(progress, dict) else []
        entries = ",".join("%d:%d" % item for item in levels)
        return cmd.make_response(ResponseCode.SUCCESS, None, body=('{"offsetTable":{%s}}' % entries).encode())

    async def get_runtime_info(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        """AdminBrokerProcessor.getBrokerRuntimeInfo: a KVTable; only the version entries here."""
        version = self.config.version
        table = {"brokerVersionDesc": version.description, "brokerVersion": str(version.ordinal)}
        return cmd.make_response(ResponseCode.SUCCESS, None, body=json.dumps({"table": table}).encode())

    async def lock_batch(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        data = lenient_json(cmd.body)
        assert isinstance(data, dict)
        mqs = [(mq["topic"], mq["brokerName"], int(mq["queueId"])) for mq in data.get("mqSet") or []]
        locked = self.locks.try_lock(data.get("consumerGroup", ""), data.get("clientId", ""), mqs)
        body = {"lockOKMQSet": [{"brokerName": b, "queueId": q, "topic": t} for t, b, q in locked]}
        return cmd.make_response(ResponseCode.SUCCESS, None, body=json.dumps(body).encode("utf-8"))

    async def unlock_batch(self, conn: Connection, cmd: RemotingCommand) -> RemotingCommand:
        data = lenient_json(cmd.body)
        assert isinstance(data, dict)
        mqs = [(mq["topic"], mq["brokerName"], int(mq["queueId"])) for mq in data.get("mqSet") or []]
        self.locks.unlock(data.get("consumerGroup", ""), data.get("clientId", ""), mqs)
        return cmd.make_response(ResponseCode.SUCCESS)

    # -- background services -------------------------------------------------
    def deliver_due_delayed(self, now_ms: int) -> int:
        """Delay levels, and from 5.0 the timer wheel: what is due goes to its real topic."""
        moved = services.deliver_due_delayed(self, now_ms)
        if self.config.version.has_timer_messages:
            moved += timers.deliver_due_timers(self, now_ms)
        return moved

    def check_transactions(self, now_ms: int) -> int:
        return services.check_transactions(self, now_ms)
