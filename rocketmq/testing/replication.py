"""Master to slave: the commit log (as HA replication) and the small tables (as SlaveSynchronize).

The commit log is copied in-process, message by message, at the offsets the
master gave them, so a slave's commit-log offsets, queue offsets, store
times, store hosts and so message ids are the master's.  (Java streams the
raw commit log over its own HA port; no HA listener is opened here.)  The
tables come over TCP as SlaveSynchronize fetches them: GET_ALL_TOPIC_CONFIG,
GET_ALL_CONSUMER_OFFSET and GET_ALL_DELAY_OFFSET, asked of the master address
the name server gave the slave when it registered.
"""

import asyncio
import logging
import ssl
from typing import Awaitable, Callable, Dict, Optional, Tuple

from .codes import RequestCode, ResponseCode
from .headers import lenient_json
from .outbound import OutboundClient
from .registration import parse_data_version, parse_topic_table
from .store import MessageStore, TopicConfig

log = logging.getLogger("rocketmq.testing")

# How often a slave looks for new commit-log entries, and how many it copies at a time.
REPLICATION_INTERVAL_SECONDS = 0.005
REPLICATION_BATCH = 512
# BrokerOuterAPI's timeout for the slave's table requests.
SYNC_TIMEOUT_SECONDS = 3.0


class CommitLogReplicator:
    """Copies what the master's commit log has beyond the slave's end.

    ``source`` gives the master's store while replication may run (both
    brokers alive, neither hung) and None otherwise; the slave's own state is
    the caller's business (the task is paused or cancelled with it).
    """

    def __init__(self, source: Callable[[], Optional[MessageStore]], target: Callable[[], MessageStore],
                 interval: float = REPLICATION_INTERVAL_SECONDS) -> None:
        self.source = source
        self.target = target
        self.interval = interval

    def step(self) -> int:
        master = self.source()
        if master is None:
            return 0
        slave = self.target()
        copied = 0
        for msg in master.entries_from(slave.max_commit_offset, REPLICATION_BATCH):
            slave.append_replica(msg)
            copied += 1
        return copied

    async def run(self, awake: Callable[[], Awaitable[None]]) -> None:
        while True:
            await awake()
            try:
                copied = self.step()
            except ValueError as exc:
                # Diverged logs (a slave ahead of a master that lost data): stop, as HA would.
                log.warning("replication stopped: %s", exc)
                return
            if copied < REPLICATION_BATCH:
                await asyncio.sleep(self.interval)
            else:
                await asyncio.sleep(0)


def parse_consumer_offsets(body: bytes) -> Dict[Tuple[str, str, int], int]:
    """ConsumerOffsetSerializeWrapper: {"offsetTable": {"topic@group": {queueId: offset}}}."""
    data = lenient_json(body)
    offsets: Dict[Tuple[str, str, int], int] = {}
    table = data.get("offsetTable") if isinstance(data, dict) else None
    if isinstance(table, dict):
        for key, queues in table.items():
            topic, sep, group = str(key).partition("@")
            if not sep or not isinstance(queues, dict):
                continue
            for queue_id, offset in queues.items():
                offsets[(group, topic, int(queue_id))] = int(offset)
    return offsets


def parse_delay_offsets(body: bytes) -> Dict[str, int]:
    """DelayOffsetSerializeWrapper: {"offsetTable": {level: offset}}, keyed as the schedule service has it."""
    data = lenient_json(body)
    table = data.get("offsetTable") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}
    return {str(int(level)): int(offset) for level, offset in table.items()}


class SlaveSynchronizer:
    """SlaveSynchronize.syncAll over TCP, into the slave's store."""

    def __init__(self, tls: Optional[ssl.SSLContext] = None) -> None:
        self.tls = tls
        self.syncs = 0
        self._client: Optional[OutboundClient] = None

    def _client_for(self, addr: str) -> OutboundClient:
        if self._client is None or self._client.addr != addr:
            if self._client is not None:
                self._client.abort()
            self._client = OutboundClient(addr, self.tls)
        return self._client

    async def _fetch(self, client: OutboundClient, code: int) -> Optional[bytes]:
        try:
            response = await client.request(code, None, b"", SYNC_TIMEOUT_SECONDS)
        except (OSError, asyncio.TimeoutError) as exc:
            log.debug("slave sync %d from %s failed: %s", code, client.addr, exc)
            return None
        if response.code != ResponseCode.SUCCESS:
            return None
        return response.body

    async def sync_all(self, master_addr: Optional[str], own_addr: str, store: MessageStore,
                       replace_topics: Callable[[Dict[str, TopicConfig], Tuple[int, int]], None]) -> bool:
        """One round; False when there is no master to ask (or it did not answer)."""
        if not master_addr or master_addr == own_addr:
            return False
        client = self._client_for(master_addr)
        answered = False
        body = await self._fetch(client, RequestCode.GET_ALL_TOPIC_CONFIG)
        if body is not None:
            answered = True
            wrapper = lenient_json(body)
            if isinstance(wrapper, dict):
                version = parse_data_version(wrapper.get("dataVersion"))
                # Only a new version replaces the table, as syncTopicConfig checks.
                if version != store.topic_data_version:
                    topics = {e.name: TopicConfig(e.name, e.read_queues, e.write_queues, e.perm, e.sysflag)
                              for e in parse_topic_table(wrapper.get("topicConfigTable"))}
                    replace_topics(topics, version)
        body = await self._fetch(client, RequestCode.GET_ALL_CONSUMER_OFFSET)
        if body is not None:
            answered = True
            # The master's offsets are put over the slave's own; groups only the slave knows stay.
            store.consumer_offsets.update(parse_consumer_offsets(body))
            store.save_state()
        body = await self._fetch(client, RequestCode.GET_ALL_DELAY_OFFSET)
        if body is not None:
            answered = True
            store.service_state["schedule_progress"] = parse_delay_offsets(body)
            store.save_state()
        if answered:
            self.syncs += 1
        return answered

    def abort(self) -> None:
        if self._client is not None:
            self._client.abort()
            self._client = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
