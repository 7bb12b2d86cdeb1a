"""In-memory commit log, consume queues, topic table and consumer offsets.

With a directory the commit log is also appended to ``commitlog.bin`` (in the
stored-message encoding) and the small tables are rewritten to ``state.json``,
so a restarted broker reloads everything.
"""

import bisect
import json
import os
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .codes import PERM_READ_WRITE
from .message_codec import StoredMessage, decode_stored, encode_stored

QueueKey = Tuple[str, int]
ArrivalListener = Callable[[StoredMessage], None]


class TopicConfig:
    def __init__(self, name: str, read_queues: int, write_queues: int,
                 perm: int = PERM_READ_WRITE, sysflag: int = 0) -> None:
        self.name = name
        self.read_queues = read_queues
        self.write_queues = write_queues
        self.perm = perm
        self.sysflag = sysflag

    def to_json(self) -> Dict[str, Any]:
        return {"name": self.name, "read": self.read_queues, "write": self.write_queues,
                "perm": self.perm, "sysflag": self.sysflag}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "TopicConfig":
        return cls(data["name"], data["read"], data["write"], data["perm"], data["sysflag"])


class MessageStore:
    def __init__(self, directory: Optional[str] = None) -> None:
        self.directory = directory
        self.topics: Dict[str, TopicConfig] = {}
        self.consumer_offsets: Dict[Tuple[str, str, int], int] = {}
        # Free-form persistent values of broker services (schedule progress, finished transactions).
        self.service_state: Dict[str, object] = {}
        # TopicConfigManager's DataVersion: (timestamp ms, counter), moved on every topic change
        # so that a name server knows a registration brings news.
        self.topic_data_version: Tuple[int, int] = (int(time.time() * 1000), 0)
        self._by_commit_offset: Dict[int, StoredMessage] = {}
        # Commit-log order, for readers that follow the log (replication).
        self._log: List[StoredMessage] = []
        self._log_offsets: List[int] = []
        self._queues: Dict[QueueKey, List[StoredMessage]] = {}
        self._next_commit_offset = 0
        # Queues whose head was dropped, as if old commit-log files had been deleted.
        self._min_offsets: Dict[QueueKey, int] = {}
        self._listeners: List[ArrivalListener] = []
        self._log_file = None
        if directory:
            os.makedirs(directory, exist_ok=True)
            self._reload()
            self._log_file = open(os.path.join(directory, "commitlog.bin"), "ab")

    # -- persistence -------------------------------------------------------
    def _reload(self) -> None:
        assert self.directory
        state_path = os.path.join(self.directory, "state.json")
        if os.path.exists(state_path):
            with open(state_path, "r", encoding="utf-8") as fh:
                state = json.load(fh)
            for data in state.get("topics", []):
                topic = TopicConfig.from_json(data)
                self.topics[topic.name] = topic
            for group, topic, queue_id, offset in state.get("offsets", []):
                self.consumer_offsets[(group, topic, queue_id)] = offset
            self.service_state = state.get("services", {})
            version = state.get("topicDataVersion")
            if isinstance(version, list) and len(version) == 2:
                self.topic_data_version = (int(version[0]), int(version[1]))
        log_path = os.path.join(self.directory, "commitlog.bin")
        if os.path.exists(log_path):
            with open(log_path, "rb") as fh:
                data = fh.read()
            pos = 0
            while pos < len(data):
                try:
                    msg, pos = decode_stored(data, pos)
                except (ValueError, IndexError):
                    break  # a torn tail from a crash: keep what was complete
                self._index(msg)
                self._next_commit_offset = msg.commit_log_offset + msg.store_size

    def save_state(self) -> None:
        if not self.directory:
            return
        state = {
            "topics": [t.to_json() for t in self.topics.values()],
            "offsets": [[g, t, q, o] for (g, t, q), o in self.consumer_offsets.items()],
            "services": self.service_state,
            "topicDataVersion": list(self.topic_data_version),
        }
        path = os.path.join(self.directory, "state.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        os.replace(tmp, path)

    def close(self) -> None:
        self.save_state()
        self.abandon()

    def abandon(self) -> None:
        """Let go of the files without a last save, as a killed process does.

        Every append was already written through, so the commit log is whole;
        tables changed since their last save are lost, as on a real crash.
        """
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def topic_changed(self) -> None:
        """DataVersion.nextVersion after the topic table changed; saved with it."""
        self.topic_data_version = (int(time.time() * 1000), self.topic_data_version[1] + 1)
        self.save_state()

    # -- writing -----------------------------------------------------------
    def add_arrival_listener(self, listener: ArrivalListener) -> None:
        self._listeners.append(listener)

    def remove_arrival_listener(self, listener: ArrivalListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _index(self, msg: StoredMessage) -> None:
        self._by_commit_offset[msg.commit_log_offset] = msg
        self._queues.setdefault((msg.topic, msg.queue_id), []).append(msg)
        self._log.append(msg)
        self._log_offsets.append(msg.commit_log_offset)

    def append(self, msg: StoredMessage) -> StoredMessage:
        """Give the message its offsets and store time, then make it visible."""
        queue = self._queues.get((msg.topic, msg.queue_id), [])
        msg.queue_offset = len(queue)
        msg.commit_log_offset = self._next_commit_offset
        msg.store_timestamp = int(time.time() * 1000)
        return self._commit(msg)

    def append_replica(self, source: StoredMessage) -> StoredMessage:
        """Store a copy of a master's message at the very offsets and times the master gave it."""
        if source.commit_log_offset != self._next_commit_offset:
            raise ValueError("replica at commit-log offset %d, expected %d"
                             % (source.commit_log_offset, self._next_commit_offset))
        if source.queue_offset != len(self.queue(source.topic, source.queue_id)):
            raise ValueError("replica of %s/%d at queue offset %d out of order"
                             % (source.topic, source.queue_id, source.queue_offset))
        msg = source.copy()
        msg.queue_offset = source.queue_offset
        msg.commit_log_offset = source.commit_log_offset
        msg.store_timestamp = source.store_timestamp
        return self._commit(msg)

    def _commit(self, msg: StoredMessage) -> StoredMessage:
        """Write a message whose offsets are set to the log and make it visible."""
        encoded = encode_stored(msg)
        msg.store_size = len(encoded)
        self._next_commit_offset += len(encoded)
        self._index(msg)
        if self._log_file is not None:
            self._log_file.write(encoded)
            self._log_file.flush()
        for listener in list(self._listeners):
            listener(msg)
        return msg

    # -- reading -----------------------------------------------------------
    @property
    def max_commit_offset(self) -> int:
        """Where the next message goes in the commit log (CommitLog.getMaxOffset)."""
        return self._next_commit_offset

    def entries_from(self, commit_offset: int, limit: int) -> List[StoredMessage]:
        """Up to ``limit`` messages in commit-log order, from the one at ``commit_offset`` on."""
        start = bisect.bisect_left(self._log_offsets, commit_offset)
        return self._log[start:start + limit]

    def queue(self, topic: str, queue_id: int) -> List[StoredMessage]:
        return self._queues.get((topic, queue_id), [])

    def queue_ids(self, topic: str) -> List[int]:
        return sorted(q for (t, q) in self._queues if t == topic)

    def min_offset(self, topic: str, queue_id: int) -> int:
        return min(self._min_offsets.get((topic, queue_id), 0), self.max_offset(topic, queue_id))

    def expire_before(self, topic: str, queue_id: int, offset: int) -> None:
        """Pretend the messages before ``offset`` expired (tests of the min-offset rules)."""
        self._min_offsets[(topic, queue_id)] = offset

    def max_offset(self, topic: str, queue_id: int) -> int:
        return len(self.queue(topic, queue_id))

    def by_commit_offset(self, offset: int) -> Optional[StoredMessage]:
        return self._by_commit_offset.get(offset)

    def offset_by_time(self, topic: str, queue_id: int, timestamp: int) -> int:
        queue = self.queue(topic, queue_id)
        if not queue:
            return 0
        stamps = [m.store_timestamp for m in queue]
        index = bisect.bisect_left(stamps, timestamp)
        return min(index, len(queue) - 1)

    def messages(self, topic: Optional[str] = None, queue_id: Optional[int] = None) -> List[StoredMessage]:
        result = [m for (t, q), msgs in self._queues.items() for m in msgs
                  if (topic is None or t == topic) and (queue_id is None or q == queue_id)]
        result.sort(key=lambda m: m.commit_log_offset)
        return result
