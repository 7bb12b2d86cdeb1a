"""Producers and consumers known to the broker, from HEART_BEAT and UNREGISTER_CLIENT."""

import time
from typing import Any, Dict, List, Optional, Set

from .connection import Connection


class ClientChannel:
    def __init__(self, conn: Connection, client_id: str, language: str, version: int) -> None:
        self.conn = conn
        self.client_id = client_id
        self.language = language
        self.version = version
        self.last_update = time.monotonic()


class ConsumerGroup:
    def __init__(self, name: str) -> None:
        self.name = name
        self.channels: Dict[Connection, ClientChannel] = {}
        # topic -> SubscriptionData as the client sent it (subString, tagsSet, codeSet, ...)
        self.subscriptions: Dict[str, Dict[str, Any]] = {}
        self.consume_type = ""
        self.message_model = ""
        self.consume_from_where = ""

    def client_ids(self) -> List[str]:
        return [ch.client_id for ch in self.channels.values()]


class ClientRegistry:
    def __init__(self) -> None:
        self.producers: Dict[str, Dict[Connection, ClientChannel]] = {}
        self.consumers: Dict[str, ConsumerGroup] = {}

    def register_producer(self, group: str, channel: ClientChannel) -> None:
        self.producers.setdefault(group, {})[channel.conn] = channel

    def register_consumer(self, group: str, channel: ClientChannel, data: Dict[str, Any]) -> bool:
        """Record a consumer heartbeat; True when membership or subscriptions changed."""
        info = self.consumers.get(group)
        if info is None:
            info = self.consumers[group] = ConsumerGroup(group)
        changed = channel.conn not in info.channels
        info.channels[channel.conn] = channel
        info.consume_type = str(data.get("consumeType", ""))
        info.message_model = str(data.get("messageModel", ""))
        info.consume_from_where = str(data.get("consumeFromWhere", ""))
        subscriptions = {}
        for sub in data.get("subscriptionDataSet") or []:
            if isinstance(sub, dict) and sub.get("topic"):
                subscriptions[sub["topic"]] = sub
        if set(subscriptions) - set(info.subscriptions):
            changed = True
        info.subscriptions = subscriptions
        return changed

    def unregister_producer(self, group: str, conn: Connection) -> None:
        channels = self.producers.get(group)
        if channels is not None:
            channels.pop(conn, None)
            if not channels:
                del self.producers[group]

    def unregister_consumer(self, group: str, conn: Connection) -> bool:
        info = self.consumers.get(group)
        if info is None or info.channels.pop(conn, None) is None:
            return False
        if not info.channels:
            del self.consumers[group]
        return True

    def forget_connection(self, conn: Connection) -> Set[str]:
        """Drop a closed connection everywhere; returns the consumer groups it left."""
        for group in list(self.producers):
            self.unregister_producer(group, conn)
        left = set()
        for group in list(self.consumers):
            if self.unregister_consumer(group, conn):
                left.add(group)
        return left

    def producer_channel(self, group: str) -> Optional[ClientChannel]:
        for channel in self.producers.get(group, {}).values():
            if not channel.conn.closed:
                return channel
        return None

    def consumer_group(self, group: str) -> Optional[ConsumerGroup]:
        return self.consumers.get(group)
